"""Debezium's Kafka signal channel (``signal.enabled.channels`` containing ``kafka``), read by a scheduled function.

As Debezium 3.x's ``KafkaSignalChannel``: partition 0 of ``signal.kafka.topic`` (default ``<topic.prefix>-signal``),
messages keyed by ``topic.prefix`` with value ``{"id", "type", "data"}``, group ``signal.kafka.groupId`` (default
``kafka-signal``). Each stream start reads from where the connector left off to the end offset found then. The last
offset read is stored in the source offset of every later record under Debezium 2.x's key
``incremental_snapshot_signal_offset``, committed in the same transaction as the records a signal caused, so a
restarted task neither repeats nor loses a signal; the group is committed too, so a Debezium worker taking over starts
after the same signal (docs/connectors/incremental-snapshots.md).
"""

from __future__ import annotations

import json
import logging
import re
import time
from typing import TYPE_CHECKING, Any, Final

from connect_core.api.errors import RetriableError
from connect_core.api.kafka_client_keys import librdkafka_settings
from connect_core.api.record import SourceRecord
from connect_core.connectors._debezium.incremental import Signal

if TYPE_CHECKING:
    from collections.abc import Mapping

    from connect_core.connectors._debezium.config import IncrementalSnapshotKeys
    from connect_core.connectors._debezium.incremental import IncrementalState

__all__ = ["CONSUMER_PREFIX", "SIGNAL_OFFSET_KEY", "KafkaSignalChannel", "consumer_settings", "kafka_channel",
           "signal_topic"]

log = logging.getLogger(__name__)

SIGNAL_OFFSET_KEY: Final = "incremental_snapshot_signal_offset"
CONSUMER_PREFIX: Final = "signal.consumer."
READ_TIMEOUT_S: Final = 5.0  # longest a read waits for the cluster (end offset, committed offset, messages)
_INCREMENTAL_KEY: Final = re.compile(
    r"incremental_snapshot_(collections|primary_key|maximum_key|correlation_id|paused)")
# Java consumer keys librdkafka has no counterpart for (deserializers are strings here; commits are ours)
_JAVA_ONLY: Final = frozenset({
    "key.deserializer", "value.deserializer", "max.poll.records", "max.poll.interval.ms", "default.api.timeout.ms",
    "partition.assignment.strategy", "interceptor.classes", "metric.reporters", "enable.auto.commit",
    "auto.commit.interval.ms", "client.dns.lookup", "sasl.jaas.config", "ssl.truststore.type", "ssl.keystore.type",
    "ssl.truststore.password", "ssl.key.password", "ssl.protocol", "ssl.enabled.protocols",
    "exclude.internal.topics", "allow.auto.create.topics",
})
_TRANSLATED: Final = frozenset({"sasl.jaas.config", "ssl.truststore.type", "ssl.keystore.type"})


def signal_topic(configured: str | None, prefix: str) -> str:
    """``signal.kafka.topic``, else Debezium's default ``<topic.prefix>-signal``."""
    return configured or f"{prefix}-signal"


def consumer_settings(props: Mapping[str, str], bootstrap: str, group_id: str) -> dict[str, Any]:
    """librdkafka settings: the ``signal.consumer.*`` pass-through over Debezium's defaults (a PLAIN/SCRAM
    ``sasl.jaas.config`` becomes ``sasl.username``/``sasl.password``)."""
    java = {k[len(CONSUMER_PREFIX):]: v for k, v in props.items() if k.startswith(CONSUMER_PREFIX) and v is not None}
    settings: dict[str, Any] = {"bootstrap.servers": bootstrap, "group.id": group_id, "fetch.min.bytes": 1,
                                "auto.offset.reset": "earliest", "isolation.level": "read_uncommitted"}
    settings.update(librdkafka_settings(  # the client-key gate, then Java keys as librdkafka's
        {k: v for k, v in java.items() if k not in _JAVA_ONLY or k in _TRANSLATED}, CONSUMER_PREFIX))
    settings["enable.auto.commit"] = False  # the position is committed with the records (and then the group's)
    settings["enable.auto.offset.store"] = False
    settings["enable.partition.eof"] = False
    return settings


class KafkaSignalChannel:
    """Reads partition 0 of the signal topic from the connector's position; stamps the position into offsets."""

    def __init__(self, settings: dict[str, Any], topic: str, prefix: str, *, stored: dict[str, Any] | None,
                 poll_timeout_ms: int = 0) -> None:
        """``settings``: librdkafka's (``consumer_settings``); ``stored``: the connector's stored source offset."""
        self.topic = topic
        self._settings = settings
        self._prefix = prefix
        self._poll_timeout_s = poll_timeout_ms / 1000.0
        self._consumer: Any = None
        stored_position = (stored or {}).get(SIGNAL_OFFSET_KEY)
        self.last: int | None = int(stored_position) if stored_position is not None else None
        self._from_group = stored_position is None  # Debezium wrote the offset (or none yet): the group knows
        self._base: dict[str, Any] | None = dict(stored) if stored else None  # an offset to store the position with
        self._stamped: int | None = None  # the position the records returned since the last commit carry
        self._unstored = False  # the position moved and no record returned since carries it
        self._group_committed: int | None = None

    # -- reading ---------------------------------------------------------------------------------------------------
    def _error(self, error: Exception) -> Exception:
        return RetriableError(f"Unable to read the signal topic {self.topic} from Kafka at "
                              f"signal.kafka.bootstrap.servers={self._settings.get('bootstrap.servers')}: {error}")

    def _open(self) -> Any:
        from confluent_kafka import OFFSET_BEGINNING, OFFSET_END, Consumer, TopicPartition

        if self._consumer is not None:
            return self._consumer
        consumer = Consumer(self._settings)
        partition = TopicPartition(self.topic, 0)
        start = self.last + 1 if self.last is not None else None
        if start is None and self._from_group:
            try:
                committed = consumer.committed([partition], timeout=READ_TIMEOUT_S)
            except Exception as e:
                consumer.close()
                raise self._error(e) from e
            if committed and committed[0].offset >= 0:
                start = committed[0].offset
                self.last = start - 1
        reset = str(self._settings.get("auto.offset.reset", "earliest")).lower()
        default = OFFSET_END if reset in ("latest", "largest", "end") else OFFSET_BEGINNING
        consumer.assign([TopicPartition(self.topic, 0, start if start is not None else default)])
        self._consumer = consumer
        return consumer

    def read(self) -> list[Signal]:
        """The signals sent since the last read, up to the partition's end offset now (a missing topic: none).

        Raises:
            RetriableError: the cluster at ``signal.kafka.bootstrap.servers`` cannot be reached.
        """
        from confluent_kafka import KafkaError, KafkaException, TopicPartition

        consumer = self._open()
        try:
            low, high = consumer.get_watermark_offsets(TopicPartition(self.topic, 0), timeout=READ_TIMEOUT_S,
                                                       cached=False)
        except KafkaException as e:
            code = e.args[0].code() if e.args and hasattr(e.args[0], "code") else None
            if code in (KafkaError.UNKNOWN_TOPIC_OR_PART, KafkaError._UNKNOWN_PARTITION,
                        KafkaError._UNKNOWN_TOPIC):
                log.debug("signal topic %s does not exist (yet)", self.topic)
                return []
            raise self._error(e) from e
        next_offset = self.last + 1 if self.last is not None else low
        if next_offset >= high:
            return []
        signals: list[Signal] = []
        deadline = time.monotonic() + max(READ_TIMEOUT_S, self._poll_timeout_s)
        while next_offset < high and time.monotonic() < deadline:
            for message in consumer.consume(500, 0.2):
                if message.error() is not None:
                    if message.error().code() == KafkaError._PARTITION_EOF:
                        continue
                    raise self._error(KafkaException(message.error()))
                next_offset = message.offset() + 1
                self._moved(message.offset())
                signal = self._signal(message.key(), message.value(), message.offset())
                if signal is not None:
                    signals.append(signal)
            if next_offset < high:  # transaction markers and aborted records are skipped: the position says so
                position = consumer.position([TopicPartition(self.topic, 0)])
                if position and position[0].offset > next_offset:
                    next_offset = position[0].offset
                    self._moved(next_offset - 1)
        return signals

    def _moved(self, offset: int) -> None:
        if self.last is None or offset > self.last:
            self.last = offset
            self._unstored = True

    def _signal(self, key: bytes | None, value: bytes | None, offset: int) -> Signal | None:
        """Debezium's ``processSignal``: the key must be ``topic.prefix``; the value a JSON document."""
        text_key = key.decode("utf-8", errors="replace") if key is not None else None
        if text_key != self._prefix:
            log.info("Signal key '%s' doesn't match the connector's name '%s'", text_key, self._prefix)
            return None
        if not value:
            return None
        try:
            document = json.loads(value)
        except ValueError:
            log.error("Skipped signal at offset %d of %s: its value is not JSON", offset, self.topic)
            return None
        if not isinstance(document, dict):
            log.error("Skipped signal at offset %d of %s: its value is not a JSON object", offset, self.topic)
            return None
        data = document.get("data")
        signal_id, kind = document.get("id"), document.get("type")
        return Signal(None if signal_id is None else str(signal_id), "" if kind is None else str(kind),
                      data if isinstance(data, dict) else {})

    # -- offsets ---------------------------------------------------------------------------------------------------
    def stamp(self, records: list[SourceRecord], partition: dict[str, Any],
              state: IncrementalState | None) -> list[SourceRecord]:
        """Put the position into every record's offset; when it moved and no record carries it, one record that
        carries only the offset (topic None: nothing is produced, the offset is committed)."""
        if self.last is None:
            if records:
                self._base = records[-1].source_offset
            return records
        if not records and self._unstored and self._base is not None:
            offset = {k: v for k, v in self._base.items() if not _INCREMENTAL_KEY.fullmatch(k)}
            if state is not None:
                state.store(offset)
            records = [SourceRecord(partition, offset, None)]
        for record in records:
            if record.source_offset is not None:
                record.source_offset[SIGNAL_OFFSET_KEY] = self.last
        if records:
            self._base = records[-1].source_offset
            self._stamped = self.last
            self._unstored = False
        return records

    def committed(self) -> None:
        """The runner committed the records returned so far: commit the group's offset too (for a Debezium worker
        taking over), without waiting; a failure only logs."""
        stamped = self._stamped
        if stamped is None or stamped == self._group_committed or self._consumer is None:
            return
        from confluent_kafka import TopicPartition

        try:
            self._consumer.commit(offsets=[TopicPartition(self.topic, 0, stamped + 1)], asynchronous=True)
            self._group_committed = stamped
        except Exception:
            log.warning("committing offset %d of %s for group %s failed", stamped + 1, self.topic,
                        self._settings.get("group.id"), exc_info=True)

    def close(self) -> None:
        """Close the consumer (its pending commit is sent first)."""
        consumer, self._consumer = self._consumer, None
        if consumer is not None:
            try:
                consumer.close()
            except Exception:
                log.debug("closing the signal consumer failed", exc_info=True)



def kafka_channel(config: IncrementalSnapshotKeys, props: Mapping[str, str], prefix: str,
                  stored: dict[str, Any] | None) -> KafkaSignalChannel | None:
    """The task's Kafka signal channel when ``signal.enabled.channels`` has ``kafka`` (else None)."""
    if not config.kafka_signals:
        return None
    settings = consumer_settings(props, config.signal_kafka_bootstrap_servers or "", config.signal_kafka_group_id)
    return KafkaSignalChannel(settings, signal_topic(config.signal_kafka_topic, prefix), prefix, stored=stored,
                              poll_timeout_ms=config.signal_kafka_poll_timeout_ms)
