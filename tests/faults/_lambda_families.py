"""The connector families under the Lambda model (connect_core/testing/lambda_model.py): each one's config, the
input it adds and the ids that arrived at its destination, on the real local services."""

from __future__ import annotations

import itertools
import json
import uuid
from typing import TYPE_CHECKING, Any

from connect_core.testing.lambda_model import ids_in, topic_values

if TYPE_CHECKING:
    from pathlib import Path

    from connect_core.testing import EmbeddedConnect

STRING = "org.apache.kafka.connect.storage.StringConverter"
JSON = "org.apache.kafka.connect.json.JsonConverter"


class _SinkFamily:
    """A sink reading JSON records ``{"id": ...}`` (keyed by id) from a topic of two partitions."""

    kind = "sink"
    exactly_once = True

    def __init__(self, connect: EmbeddedConnect) -> None:
        self.connect = connect
        self.tag = uuid.uuid4().hex[:6]
        self.topic = connect.create_topic(f"lm-{type(self).__name__.lower()}-{self.tag}", 2)
        self._ids = itertools.count()

    def add(self, count: int) -> list[str]:
        ids = [f"{self.tag}-{next(self._ids)}" for _ in range(count)]
        self.connect.produce(self.topic, [(i, self.value(i)) for i in ids])
        return ids

    def value(self, record_id: str) -> bytes:
        return json.dumps({"id": record_id}).encode()

    def position(self, offset: dict[str, Any]) -> Any:
        return offset.get("kafka_offset")


class FileStreamSink(_SinkFamily):
    """Kafka's FileStreamSink: appends each value as a line (at least once, as in Kafka)."""

    exactly_once = False

    def __init__(self, connect: EmbeddedConnect, directory: Path) -> None:
        super().__init__(connect)
        self.file = directory / f"sink-{self.tag}.txt"

    def config(self, name: str) -> dict[str, str]:
        return {"connector.class": "FileStreamSink", "topics": self.topic, "file": str(self.file),
                "value.converter": STRING, "key.converter": STRING}

    def arrived(self) -> list[str]:
        lines = self.file.read_text().splitlines() if self.file.exists() else []
        return [json.loads(line)["id"] for line in lines if line]


class _SourceFamily:
    """A source writing to one topic; what arrived is the ids of its committed records."""

    kind = "source"
    exactly_once = True  # records and offsets in one transaction (docs/concepts/exactly-once.md)

    def __init__(self, connect: EmbeddedConnect) -> None:
        self.connect = connect
        self.tag = uuid.uuid4().hex[:6]
        self.topic = f"lm-{type(self).__name__.lower()}-{self.tag}"
        self._ids = itertools.count()

    def arrived(self) -> list[str]:
        return ids_in(topic_values(self.connect.worker.kafka, self.topic))


class FileStreamSource(_SourceFamily):
    """Kafka's FileStreamSource: lines appended to a file; the offset is the byte position."""

    def __init__(self, connect: EmbeddedConnect, directory: Path) -> None:
        super().__init__(connect)
        self.file = directory / f"source-{self.tag}.txt"
        self.file.write_text("")

    def config(self, name: str) -> dict[str, str]:
        return {"connector.class": "FileStreamSource", "file": str(self.file), "topic": self.topic,
                "value.converter": STRING, "batch.size": "3"}

    def add(self, count: int) -> list[str]:
        ids = [f"{self.tag}-{next(self._ids)}" for _ in range(count)]
        with self.file.open("a") as out:
            out.writelines(json.dumps({"id": i}) + "\n" for i in ids)
        return ids

    def position(self, offset: dict[str, Any]) -> Any:
        return offset.get("position")
