"""In-memory stand-ins for what the runners talk to: a transactional producer and scriptable connectors.

The internal topics are ``tests.unit.storage.fakes.Topics``; the producer writes committed transactions into the same
in-memory topics, so the offset store reads back what a source invocation committed, as it would from Kafka.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from connect_core.api.connector import SinkConnector, SourceConnector
from connect_core.api.errors import RetriableError
from connect_core.api.record import SourceRecord
from connect_core.api.schema import STRING_SCHEMA
from connect_core.api.task import SinkTask, SourceTask

if TYPE_CHECKING:
    from connect_core.api.record import SinkRecord
    from connect_core.api.task import TopicPartition
    from tests.unit.storage.fakes import MemoryTopic

SCRIPTED_SOURCE = f"{__name__}:ScriptedSourceConnector"
RECORDING_SINK = f"{__name__}:RecordingSinkConnector"
PLUGINS = f"{SCRIPTED_SOURCE},{RECORDING_SINK}"


@dataclass
class Produced:
    """One message as a producer was asked to send it."""

    topic: str
    key: bytes | None
    value: bytes | None
    headers: Any = None


@dataclass
class FakeProducer:
    """A transactional producer: messages become visible (``committed``, and in ``topics``) only on commit."""

    config: dict[str, Any]
    topics: dict[str, MemoryTopic] = field(default_factory=dict)
    committed: list[Produced] = field(default_factory=list)
    pending: list[Produced] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    fail_commit: bool = False

    def init_transactions(self, timeout: float) -> None:
        self.calls.append("init_transactions")

    def begin_transaction(self) -> None:
        self.calls.append("begin_transaction")
        self.pending = []

    def produce(  # noqa: PLR0917 - confluent-kafka's positional order
        self, topic: str, value: bytes | None = None, key: bytes | None = None, partition: int = -1,
        callback: Any = None, on_delivery: Any = None, timestamp: int = 0, headers: Any = None,
    ) -> None:
        self.pending.append(Produced(topic, key, value, headers))
        on_delivery = callback or on_delivery
        if on_delivery is not None:
            on_delivery(None, None)

    def poll(self, timeout: float = 0) -> int:
        return 0

    def list_topics(self, topic: str | None = None, timeout: float = -1) -> Any:
        """Every topic exists with one partition (a broker that creates topics on first use)."""
        from types import SimpleNamespace

        topics = {topic: SimpleNamespace(error=None, partitions={0: SimpleNamespace(id=0)})} if topic else {}
        return SimpleNamespace(topics=topics, cluster_id="fake-cluster")

    def flush(self, timeout: float = 0) -> int:
        return 0

    def commit_transaction(self, timeout: float = 0) -> None:
        self.calls.append("commit_transaction")
        if self.fail_commit:
            raise RuntimeError("commit failed")
        for message in self.pending:
            self.committed.append(message)
            if message.topic in self.topics:
                self.topics[message.topic].records.append((message.key, message.value))
        self.pending = []

    def abort_transaction(self, timeout: float = 0) -> None:
        self.calls.append("abort_transaction")
        self.pending = []

    def purge(self, in_queue: bool = True, in_flight: bool = True, blocking: bool = True) -> None:
        self.calls.append(f"purge(in_queue={in_queue}, in_flight={in_flight}, blocking={blocking})")
        self.pending = []

    def close(self) -> None:
        self.calls.append("close")


class ScriptedSourceTask(SourceTask):
    """Returns the batches queued in ``BATCHES`` (a string raises: a RetriableError when it starts with
    ``retriable:``, else a RuntimeError), one per ``poll``; records carry a line offset."""

    BATCHES: ClassVar[deque[list[str] | str]] = deque()
    STARTED: ClassVar[list[dict[str, Any] | None]] = []  # the stored offset each start saw
    STOPPED: ClassVar[list[str]] = []

    def start(self, props: dict[str, str]) -> None:
        self.topic = props["topic"]
        stored = self.context.offset_storage_reader.offset({"file": "in"})
        self.line = int(stored["line"]) if stored else 0
        type(self).STARTED.append(stored)

    def poll(self) -> list[SourceRecord]:
        if not self.BATCHES:
            return []
        batch = self.BATCHES.popleft()
        if isinstance(batch, str):
            raise (RetriableError if batch.startswith("retriable:") else RuntimeError)(batch)
        records = []
        for value in batch:
            self.line += 1
            records.append(SourceRecord({"file": "in"}, {"line": self.line}, self.topic, None, None, None,
                                        STRING_SCHEMA, value))
        return records

    def stop(self) -> None:
        type(self).STOPPED.append(self.topic)


class ScriptedSourceConnector(SourceConnector):
    """One task, the connector config as its config."""

    def start(self, props: dict[str, str]) -> None:
        self.props = props

    def task_class(self) -> type[SourceTask]:
        return ScriptedSourceTask

    def task_configs(self, max_tasks: int) -> list[dict[str, str]]:
        return [dict(self.props)]

    def stop(self) -> None:
        """Nothing to release."""


class RecordingSinkTask(SinkTask):
    """Keeps what ``put`` received; ``FAIL_PUT`` makes the next ``put`` raise (a message: a RuntimeError), after
    ``context.timeout(TIMEOUT_MS)`` when set; ``PUT_CALLS`` counts every call; ``WANTS_JSON_TEXT`` is what
    ``wants_json_text`` answers."""

    PUT: ClassVar[list[SinkRecord]] = []
    PUT_CALLS: ClassVar[int] = 0
    FLUSHED: ClassVar[list[dict[TopicPartition, int]]] = []
    STARTS: ClassVar[list[dict[str, str]]] = []
    STOPS: ClassVar[int] = 0
    FAIL_PUT: ClassVar[list[str | Exception]] = []
    TIMEOUT_MS: ClassVar[int | None] = None
    WANTS_JSON_TEXT: ClassVar[bool] = False

    def start(self, props: dict[str, str]) -> None:
        type(self).STARTS.append(dict(props))

    def wants_json_text(self) -> bool:
        return self.WANTS_JSON_TEXT

    def put(self, records: list[SinkRecord]) -> None:
        type(self).PUT_CALLS += 1
        if self.FAIL_PUT:
            failure = self.FAIL_PUT.pop()
            if self.TIMEOUT_MS is not None:
                self.context.timeout(self.TIMEOUT_MS)
            raise failure if isinstance(failure, Exception) else RuntimeError(failure)
        type(self).PUT.extend(records)

    def flush(self, current_offsets: dict[TopicPartition, int]) -> None:
        type(self).FLUSHED.append(dict(current_offsets))

    def stop(self) -> None:
        type(self).STOPS += 1


class RecordingSinkConnector(SinkConnector):
    """One task, the connector config as its config."""

    def start(self, props: dict[str, str]) -> None:
        self.props = props

    def task_class(self) -> type[SinkTask]:
        return RecordingSinkTask

    def task_configs(self, max_tasks: int) -> list[dict[str, str]]:
        return [dict(self.props)]

    def stop(self) -> None:
        """Nothing to release."""


class FakeGroupReader:
    """A never-joining reader of a consumer group (``kafka/group_offsets.py``) over ``COMMITTED`` (the group's
    commits) and ``ENDS`` (the logs' high watermarks, a partition not named: far beyond any offset); ``ASKED``
    records each group asked for."""

    COMMITTED: ClassVar[dict[tuple[str, int], int]] = {}
    ENDS: ClassVar[dict[tuple[str, int], int]] = {}
    ASKED: ClassVar[list[str]] = []

    def __init__(self, group: str) -> None:
        type(self).ASKED.append(group)

    def committed(self, partitions: list[Any], timeout: float) -> list[Any]:
        from confluent_kafka import TopicPartition as KafkaPartition

        return [KafkaPartition(tp.topic, tp.partition, self.COMMITTED.get((tp.topic, tp.partition), -1001))
                for tp in partitions]

    def get_watermark_offsets(self, partition: Any, timeout: float, cached: bool) -> tuple[int, int]:
        return 0, self.ENDS.get((partition.topic, partition.partition), 1 << 40)


def reset() -> None:
    """Forget what earlier tests scripted and recorded."""
    FakeGroupReader.COMMITTED.clear()
    FakeGroupReader.ENDS.clear()
    FakeGroupReader.ASKED.clear()
    ScriptedSourceTask.BATCHES.clear()
    ScriptedSourceTask.STARTED.clear()
    ScriptedSourceTask.STOPPED.clear()
    RecordingSinkTask.PUT.clear()
    RecordingSinkTask.FLUSHED.clear()
    RecordingSinkTask.STARTS.clear()
    RecordingSinkTask.FAIL_PUT.clear()
    RecordingSinkTask.STOPS = 0
    RecordingSinkTask.PUT_CALLS = 0
    RecordingSinkTask.TIMEOUT_MS = None
    RecordingSinkTask.WANTS_JSON_TEXT = False
