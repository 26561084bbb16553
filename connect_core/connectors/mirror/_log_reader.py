"""Reads partition 0 of an internal topic (offset syncs, checkpoints) to its end, then only what follows at each
later call: a warm task catches up instead of reading the topic again (Kafka's ``KafkaBasedLog.readToEnd``)."""

from __future__ import annotations

import time
from typing import Any

__all__ = ["LogReader"]

READ_TIMEOUT_S = 30.0


class LogReader:
    """A consumer assigned to one topic's partition 0, never joining or committing a group."""

    def __init__(self, settings: dict[str, Any], topic: str) -> None:
        """``settings`` are librdkafka's for the cluster holding ``topic``."""
        from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

        self.topic = topic
        self._partition = TopicPartition(topic, 0)
        self._consumer = Consumer({**settings, "group.id": settings.get("group.id", f"{topic}-reader"),
                                   "enable.auto.commit": False, "enable.auto.offset.store": False,
                                   "isolation.level": "read_committed"})
        self._consumer.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])
        self._position = 0

    def read_to_end(self) -> list[Any]:
        """The records since the last call, up to the partition's end offset now (a missing topic: none)."""
        try:
            _low, high = self._consumer.get_watermark_offsets(self._partition, timeout=READ_TIMEOUT_S, cached=False)
        except Exception as error:
            code = error.args[0].code() if error.args and hasattr(error.args[0], "code") else None
            from confluent_kafka import KafkaError

            if code in (KafkaError.UNKNOWN_TOPIC_OR_PART, KafkaError._UNKNOWN_PARTITION):
                return []
            raise
        out: list[Any] = []
        deadline = time.monotonic() + READ_TIMEOUT_S
        while self._position < high and time.monotonic() < deadline:
            for message in self._consumer.consume(1000, 0.2):
                if message.error() is None:
                    out.append(message)
                    self._position = (message.offset() or 0) + 1
            positions = self._consumer.position([self._partition])
            if positions and positions[0].offset >= 0:
                self._position = max(self._position, positions[0].offset)
        return out

    def close(self) -> None:
        """Close the consumer."""
        self._consumer.close()
