"""MirrorSourceTask: copy the assigned source partitions byte for byte to their remote topics (Kafka's).

Each record keeps its partition, key, value (tombstones too), headers and timestamp; source partition
``{"cluster", "partition", "topic"}`` and offset ``{"offset"}`` in Kafka's shape, so records and offsets commit in
one transaction. A task resumes after the last committed offset, else from ``auto.offset.reset``; a ``latest``
position is stored at once (``_latest``). Nothing sleeps: ``poll`` returns nothing once every partition is read to
its end. After the commit, ``commit_record`` notes written offsets and ``commit`` turns them into offset syncs.
``_records_of`` (a poll's messages in one loop) is the fast path; ``_convert_reference`` (one message) its reference.
``messages_poll`` gives a poll as ``SourceMessages`` (``_messages_of``: no record a message) for a runtime that
writes the bytes as they are, and ``commit_messages`` notes a batch's offsets as ``commit_record`` notes a record's.
"""

from __future__ import annotations

import logging
import time
from itertools import groupby
from operator import attrgetter, itemgetter
from typing import TYPE_CHECKING, Any, TypeVar

from connect_core.api.config import parse_config
from connect_core.api.errors import ConfigError
from connect_core.api.header import BytesHeaders, Headers
from connect_core.api.record import FieldOffsets, SourceMessages, SourceRecord
from connect_core.api.schema import BYTES_SCHEMA, OPTIONAL_BYTES_SCHEMA
from connect_core.api.task import SourceTask, TopicPartition
from connect_core.connectors.mirror._clients import client_config, raw_settings
from connect_core.connectors.mirror._metrics import SourceMetrics
from connect_core.connectors.mirror._offsets import (
    OFFSET_KEY,
    stored_offset,
    unwrap_offset,
    wrap_offset,
    wrap_partition,
)
from connect_core.connectors.mirror.config import TASK_TOPIC_PARTITIONS, MirrorSourceConfig

if TYPE_CHECKING:
    from collections.abc import Callable

    from connect_core.api.record import RecordMetadata, WrittenOffsets
    from connect_core.connectors.mirror._offset_syncs import OffsetSyncWriter
    from connect_core.connectors.mirror._policy import ReplicationPolicy

__all__ = ["MirrorSourceTask", "decode_partitions"]

log = logging.getLogger(__name__)

DEFAULT_MAX_POLL_RECORDS = 500  # the Java consumer's max.poll.records
_FETCH_WAIT_S = 0.05
WATERMARK_TIMEOUT_S = 10.0
COLD_FETCH_WAIT_S = 20.0  # a new consumer's first records: connections, metadata, the first fetch
_SOURCE_PARTITION, _REMOTE_TOPIC = itemgetter(0), itemgetter(1)  # of a route
_WHERE, _TIMESTAMP, _VALUE = attrgetter("topic", "kafka_partition"), attrgetter("timestamp"), attrgetter("value")
_Batch = TypeVar("_Batch", list[SourceRecord], SourceMessages)


def decode_partitions(text: str) -> list[TopicPartition]:
    """Kafka ``MirrorUtils.decodeTopicPartition`` of each comma-separated ``topic-partition``."""
    out = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        topic, _, partition = item.rpartition("-")
        out.append(TopicPartition(topic, int(partition)))
    return out


class MirrorSourceTask(SourceTask):
    """Kafka ``org.apache.kafka.connect.mirror.MirrorSourceTask``."""

    def __init__(self) -> None:
        """Create a stopped task."""
        self._consumer: Any = None
        self._writer: OffsetSyncWriter | None = None
        self._policy: ReplicationPolicy | None = None
        self._alias = ""
        self._partitions: list[TopicPartition] = []
        self._next: dict[TopicPartition, int] = {}  # the next offset to copy, once known
        self._max_records = DEFAULT_MAX_POLL_RECORDS
        self._poll_timeout_s = 1.0
        self._remote: dict[str, str] = {}
        # (topic, partition) -> (source partition, remote topic): one partition dict shared by its records
        self._routes: dict[tuple[str, int], tuple[dict[str, Any], str]] = {}
        # noted by commit_record: each copied record's upstream and downstream offsets (ints: no object for the
        # garbage collector to track while a transaction's records are alive), and where each partition's run starts
        self._upstream: list[int] = []
        self._downstream: list[int] = []
        self._copied_runs: list[tuple[dict[str, Any], int]] = []
        self._fetched = False  # whether any record came since the consumer was assigned
        self._marks: list[SourceRecord] = []  # offset-only records of the positions ``_latest`` chose
        self._metrics: SourceMetrics | None = None  # MirrorSourceMetrics, per target topic-partition

    def start(self, props: dict[str, str]) -> None:
        """Check the target is the worker's cluster, then assign the partitions at their committed offsets.

        Raises:
            ConfigError: ``target.cluster.bootstrap.servers`` is another cluster than the one this worker writes
                to, or a client setting is bad.
        """
        from confluent_kafka import OFFSET_BEGINNING, Consumer
        from confluent_kafka import TopicPartition as KafkaPartition

        config = parse_config(MirrorSourceConfig, props)
        self._alias = config.source_cluster_alias
        self._policy = config.policy()
        self._partitions = decode_partitions(props.get(TASK_TOPIC_PARTITIONS, ""))
        self._poll_timeout_s = config.consumer_poll_timeout_ms / 1000.0
        label = config.entity_label()
        self._check_target(props, label)
        self._metrics = SourceMetrics(self.context.plugin_metrics(), config.target_cluster_alias)
        consumer_settings = client_config(props, "source", "consumer", f"{label}|replication-consumer")
        self._max_records = int(raw_settings(props, "source", "consumer").get("max.poll.records",
                                                                               DEFAULT_MAX_POLL_RECORDS))
        consumer_settings.setdefault("group.id", f"{label}|replication-consumer")  # never joined nor committed
        consumer_settings.setdefault("auto.offset.reset", "earliest")
        consumer_settings.setdefault("isolation.level", "read_uncommitted")  # the Java consumer's default
        consumer_settings["enable.auto.commit"] = False
        consumer_settings["enable.auto.offset.store"] = False
        if config.emit_offset_syncs_enabled:
            from confluent_kafka import Producer

            from connect_core.connectors.mirror._offset_syncs import OffsetSyncWriter

            cluster = config.offset_syncs_cluster()
            producer = Producer(client_config(props, cluster, "producer",
                                              f"{label}|offset-syncs-{cluster}-producer"))
            self._writer = OffsetSyncWriter(producer, config.offset_syncs_topic(), config.offset_lag_max)
        self._consumer = Consumer(consumer_settings)
        reset_latest = str(consumer_settings["auto.offset.reset"]).lower() in ("latest", "largest", "end")
        assignment = []
        reader = self.context.offset_storage_reader
        stored = reader.offsets([wrap_partition(tp.topic, tp.partition, self._alias) for tp in self._partitions])
        for tp in self._partitions:
            key = tuple(sorted(wrap_partition(tp.topic, tp.partition, self._alias).items()))
            offset = stored_offset(stored.get(key))
            if offset is not None:
                self._next[tp] = offset + 1
                assignment.append(KafkaPartition(tp.topic, tp.partition, offset + 1))
            elif reset_latest:
                assignment.append(self._latest(tp))
            else:
                assignment.append(KafkaPartition(tp.topic, tp.partition, OFFSET_BEGINNING))
        self._consumer.assign(assignment)
        log.info("%s replicating %d topic-partitions %s->%s: %s", label, len(self._partitions), self._alias,
                 config.target_cluster_alias, self._partitions)

    def _latest(self, tp: TopicPartition) -> Any:
        """``tp`` at its end offset now, that position noted as the partition's source offset for the first poll.

        A function's task starts cold at every invocation: left to ``auto.offset.reset=latest`` each start would
        skip what was written since the last one. The first assignment's position becomes the task's position, stored
        as the offset of the record before it (``{"offset": end - 1}``, -1 for an empty partition), as if that record
        had been copied; the next start resumes there.
        """
        from confluent_kafka import OFFSET_END
        from confluent_kafka import TopicPartition as KafkaPartition

        try:
            _low, end = self._consumer.get_watermark_offsets(KafkaPartition(tp.topic, tp.partition),
                                                             timeout=WATERMARK_TIMEOUT_S, cached=False)
        except Exception as error:  # unreachable now: the consumer resets by itself, the next start stores it
            log.warning("No end offset for %s-%d on %s: %s", tp.topic, tp.partition, self._alias, error)
            return KafkaPartition(tp.topic, tp.partition, OFFSET_END)
        self._next[tp] = end
        self._marks.append(SourceRecord(wrap_partition(tp.topic, tp.partition, self._alias), wrap_offset(end - 1),
                                        None))
        return KafkaPartition(tp.topic, tp.partition, end)

    def _check_target(self, props: dict[str, str], label: str) -> None:
        """MirrorMaker 2 on a Connect cluster runs on the target's workers: the worker writes the records."""
        worker_cluster = self.context.kafka_cluster_id()
        if worker_cluster is None:
            return
        from confluent_kafka.admin import AdminClient

        admin = AdminClient(client_config(props, "target", "admin", f"{label}|replication-target-admin"))
        try:
            target_cluster = admin.list_topics(timeout=WATERMARK_TIMEOUT_S).cluster_id
        except Exception as error:
            raise ConfigError(f"Could not reach the target cluster at target.cluster.bootstrap.servers="
                              f"{props.get('target.cluster.bootstrap.servers')}: {error}") from error
        if target_cluster != worker_cluster:
            raise ConfigError(
                f"Invalid value {props.get('target.cluster.bootstrap.servers')} for configuration "
                f"target.cluster.bootstrap.servers: it is Kafka cluster {target_cluster}, but this worker writes "
                f"records and offsets to cluster {worker_cluster}. MirrorMaker 2 connectors run on the target "
                "cluster's Connect workers: point target.cluster.bootstrap.servers at the worker's cluster")

    def poll(self) -> list[SourceRecord]:
        """The next records of the assigned partitions; [] once every one is read to its end."""
        if self._marks:  # the positions auto.offset.reset=latest chose: stored before any record is copied
            marks, self._marks = self._marks, []
            return marks
        return self._consumed(lambda messages: self._records_of(messages) or None) or []

    def messages_poll(self) -> Callable[[], SourceMessages | None]:
        """``poll`` as ``SourceMessages``: a consumed message is a record's bytes already."""
        return self._poll_messages

    def _poll_messages(self) -> SourceMessages | None:
        if self._marks:
            marks, self._marks = self._marks, []
            return SourceMessages([None] * len(marks), [None] * len(marks), [None] * len(marks),
                                  [None] * len(marks), [None] * len(marks), [None] * len(marks),
                                  [mark.source_partition for mark in marks], [mark.source_offset for mark in marks])
        return self._consumed(self._messages_of)

    def _consumed(self, convert: Callable[[list[Any]], _Batch | None]) -> _Batch | None:
        """``convert`` of the next messages of the assigned partitions; None once every one is read to its end."""
        if self._consumer is None or not self._partitions:
            return None
        batch = convert(self._consumer.consume(self._max_records, _FETCH_WAIT_S))
        if batch is not None:
            return batch
        behind = self._behind()
        # a consumer that has fetched nothing yet is still connecting: it gets longer than consumer.poll.timeout.ms
        wait_s = self._poll_timeout_s if self._fetched else max(self._poll_timeout_s, COLD_FETCH_WAIT_S)
        deadline = time.monotonic() + wait_s
        while behind and time.monotonic() < deadline:
            batch = convert(self._consumer.consume(self._max_records, _FETCH_WAIT_S))
            if batch is not None:
                return batch
            behind = self._still_behind(behind)
        return None

    def _messages_of(self, messages: list[Any]) -> SourceMessages | None:
        """``_records_of`` as ``SourceMessages`` (None when no message is a record): each field of every message
        read in one pass from C, a partition's route looked up once."""
        from confluent_kafka import Message as _Message

        Message: Any = _Message  # librdkafka's messages, read by its unbound methods (no stubs for these)
        if any(map(Message.error, messages)):
            for message in messages:
                if message.error() is not None:
                    log.warning("Failure during poll: %s", message.error())
            messages = [message for message in messages if message.error() is None]
        if not messages:
            return None
        topics = list(map(Message.topic, messages))
        partitions = list(map(Message.partition, messages))
        offsets = list(map(Message.offset, messages))
        where = list(zip(topics, partitions, strict=True))
        routes = self._routes
        for topic, partition in set(where).difference(routes):
            routes[(topic, partition)] = (wrap_partition(topic, partition, self._alias), self._remote_topic(topic))
        chosen = list(map(routes.__getitem__, where))
        self._fetched = True
        for (topic, partition), offset in dict(zip(where, offsets, strict=True)).items():  # a partition's last
            self._next[TopicPartition(topic, partition)] = offset + 1
        remote = list(map(_REMOTE_TOPIC, chosen))
        values = list(map(Message.value, messages))
        timestamps = [timestamp if kind and timestamp >= 0 else None
                      for kind, timestamp in map(Message.timestamp, messages)]
        if self._metrics is not None:
            self._metrics.polled(where, timestamps, values, int(time.time() * 1000), self._remote_topic)
        return SourceMessages(
            remote, partitions, list(map(Message.key, messages)), values, timestamps,
            list(map(Message.headers, messages)), list(map(_SOURCE_PARTITION, chosen)),
            FieldOffsets(OFFSET_KEY, offsets))

    def _records_of(self, messages: list[Any]) -> list[SourceRecord]:
        """Records of the messages that are records (errors are logged: Kafka's task logs and polls again).

        ``_convert_reference`` of each, in one loop: a partition's dict and remote topic looked up once, each record
        made without a class call (as ``SinkRecord.from_consumed`` makes its records), headers kept as the consumer
        read them (``BytesHeaders``: librdkafka's values are bytes or None, nothing to validate; ``Header`` objects
        only if something reads them), the next offsets noted once a partition.
        """
        out: list[SourceRecord] = []
        append, routes, last, new = out.append, self._routes, {}, object.__new__
        bytes_schema, optional_bytes = BYTES_SCHEMA, OPTIONAL_BYTES_SCHEMA
        for message in messages:
            error = message.error()
            if error is not None:
                log.warning("Failure during poll: %s", error)
                continue
            topic, partition, offset = message.topic(), message.partition(), message.offset()
            route = routes.get((topic, partition))
            if route is None:
                route = routes[(topic, partition)] = (wrap_partition(topic, partition, self._alias),
                                                      self._remote_topic(topic))
            raw = message.headers()
            kind, timestamp = message.timestamp()
            # SourceRecord(route[0], {OFFSET_KEY: offset}, route[1], partition, optional_bytes, message.key(),
            # bytes_schema, message.value(), timestamp, headers) without the class call a record
            record = new(SourceRecord)
            record.topic, record.kafka_partition, record.key_schema, record.key = (
                route[1], partition, optional_bytes, message.key())
            record.value_schema, record.value = bytes_schema, message.value()
            record.timestamp = timestamp if kind and timestamp >= 0 else None
            record.headers = Headers() if raw is None else BytesHeaders(raw)
            record.source_partition, record.source_offset = route[0], {OFFSET_KEY: offset}
            append(record)
            last[(topic, partition)] = offset
        if last:
            self._fetched = True
            for (topic, partition), offset in last.items():
                self._next[TopicPartition(topic, partition)] = offset + 1
        if out and self._metrics is not None:
            self._metrics.polled(list(map(_WHERE, out)), list(map(_TIMESTAMP, out)), list(map(_VALUE, out)),
                                 int(time.time() * 1000))
        return out

    def _remote_topic(self, topic: str) -> str:
        remote = self._remote.get(topic)
        if remote is None:
            assert self._policy is not None
            remote = self._remote[topic] = self._policy.format_remote_topic(self._alias, topic)
        return remote

    def _convert_reference(self, message: Any) -> SourceRecord:
        """The record of one message (the reference ``_records_of`` is checked against)."""
        topic, partition, offset = message.topic(), message.partition(), message.offset()
        self._next[TopicPartition(topic, partition)] = offset + 1
        self._fetched = True
        remote = self._remote_topic(topic)
        headers = Headers()
        for key, value in message.headers() or ():  # Kafka ConnectHeaders.addBytes: null takes the optional schema
            headers.add(key, value, BYTES_SCHEMA if value is not None else OPTIONAL_BYTES_SCHEMA)
        kind, timestamp = message.timestamp()
        return SourceRecord(wrap_partition(topic, partition, self._alias), wrap_offset(offset), remote, partition,
                            OPTIONAL_BYTES_SCHEMA, message.key(), BYTES_SCHEMA, message.value(),
                            timestamp if kind and timestamp >= 0 else None, headers)

    def _behind(self) -> dict[TopicPartition, int]:
        """The assigned partitions not read to their end offset (asked of the broker), and those end offsets."""
        from confluent_kafka import TopicPartition as KafkaPartition

        positions = self._positions()
        behind = {}
        for tp in self._partitions:
            try:
                low, high = self._consumer.get_watermark_offsets(KafkaPartition(tp.topic, tp.partition),
                                                                 timeout=WATERMARK_TIMEOUT_S, cached=False)
            except Exception as error:  # deleted at the source, say: the next refresh drops it; Kafka logs and goes on
                log.warning("No end offset for %s-%d on %s: %s", tp.topic, tp.partition, self._alias, error)
                continue
            if max(self._next.get(tp, low), positions.get(tp, -1)) < high:
                behind[tp] = high
        return behind

    def _still_behind(self, behind: dict[TopicPartition, int]) -> dict[TopicPartition, int]:
        """``behind`` less the partitions whose position reached the end offset noted (past markers too)."""
        positions = self._positions()
        return {tp: end for tp, end in behind.items() if max(self._next.get(tp, -1), positions.get(tp, -1)) < end}

    def _positions(self) -> dict[TopicPartition, int]:
        """The consumer's positions: past transaction markers, which no record shows."""
        from confluent_kafka import TopicPartition as KafkaPartition

        found = self._consumer.position([KafkaPartition(tp.topic, tp.partition) for tp in self._partitions])
        return {TopicPartition(p.topic, p.partition): p.offset for p in found}

    def commit_messages(self, batch: SourceMessages, written: WrittenOffsets) -> None:
        """``commit_record`` of each record of ``batch``, reading the upstream offsets from the batch's
        ``FieldOffsets`` and the downstream ones from ``written.offsets``, a run of one source partition at a time."""
        if self._writer is None:
            return
        upstream_offsets = batch.source_offsets
        downstream, sources = written.offsets, batch.source_partitions
        if not isinstance(upstream_offsets, FieldOffsets) or None in downstream or None in sources:
            super().commit_messages(batch, written)  # marks, or records whose place is unknown: one at a time
            return
        runs, start = self._copied_runs, len(self._upstream)
        for source, members in groupby(sources):
            if not runs or (runs[-1][0] is not source and runs[-1][0] != source):
                runs.append((source, start))  # type: ignore[arg-type]
            start += len(list(members))
        self._upstream.extend(upstream_offsets.field_values)
        self._downstream.extend(downstream)  # type: ignore[arg-type]

    def commit_record_reads_offsets(self) -> bool:
        """An offset sync needs only where a record went (a record without metadata gets no sync)."""
        return True

    def commit_record(self, record: SourceRecord, metadata: RecordMetadata | None) -> None:
        """Note where this copied record was written (nothing for a record an SMT dropped); ``commit`` turns the
        notes into offset syncs."""
        source = record.source_partition
        if self._writer is None or metadata is None or source is None:
            return
        runs = self._copied_runs
        if not runs or (runs[-1][0] is not source and runs[-1][0] != source):
            runs.append((source, len(self._upstream)))
        self._upstream.append(unwrap_offset(record.source_offset))
        self._downstream.append(metadata.offset)

    def commit(self) -> None:
        """Queue and send the noted records' syncs, then the delayed ones too and wait for them (a function may be
        frozen once its invocation ends); the polled records count as replicated (MirrorSourceMetrics)."""
        if self._metrics is not None:
            self._metrics.committed(int(time.time() * 1000))
        if self._writer is not None:
            self._sync_copied(self._writer)
            self._writer.promote_delayed()
            self._writer.fire_pending()
            self._writer.flush()

    def _sync_copied(self, writer: OffsetSyncWriter) -> None:
        """``maybe_queue`` + ``fire_pending`` of every noted record, in order, a run of one partition at a time."""
        runs, upstream, downstream = self._copied_runs, self._upstream, self._downstream
        self._copied_runs, self._upstream, self._downstream = [], [], []
        if not runs:
            return
        ends = [start for _source, start in runs[1:]] + [len(upstream)]
        for (source, start), end in zip(runs, ends, strict=True):
            writer.queue_run(TopicPartition(source["topic"], source["partition"]),
                             zip(upstream[start:end], downstream[start:end], strict=True))

    def stop(self) -> None:
        """Close the consumer and the offset sync producer."""
        consumer, self._consumer = self._consumer, None
        writer, self._writer = self._writer, None
        if writer is not None:
            self._sync_copied(writer)  # noted records whose commit() never came: sent, as their records were
        try:
            if consumer is not None:
                consumer.close()
        finally:
            if writer is not None:
                writer.close()
