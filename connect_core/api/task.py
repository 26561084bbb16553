"""Task SPIs: ``Task``, ``SourceTask``, ``SinkTask`` and their contexts (Kafka ``connect.source``/``connect.sink``).

Tasks do the actual data copying; in lambda-connect one function invocation drives one task through
``start`` -> ``poll``/``put`` -> ``flush`` -> ``stop``.
"""

from __future__ import annotations

import abc
from typing import TYPE_CHECKING, Any, NamedTuple

from connect_core.api.errors import IllegalWorkerStateError
from connect_core.api.file_roots import NO_FILE_ROOTS
from connect_core.api.group_offsets import no_group_offsets
from connect_core.api.plugin_metrics import PluginMetrics
from connect_core.api.version import package_version

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

    from connect_core.api.file_roots import FileRoots
    from connect_core.api.group_offsets import GroupOffsets, GroupOffsetsFactory
    from connect_core.api.record import (
        RecordMetadata,
        SinkRecord,
        SourceKeyedValues,
        SourceMessages,
        SourceRecord,
        SourceValues,
        WrittenOffsets,
    )

__all__ = [
    "OffsetStorageReader",
    "SinkTask",
    "SinkTaskContext",
    "SourceTask",
    "SourceTaskContext",
    "Task",
    "TopicPartition",
    "partition_key",
]

PartitionKey = tuple[tuple[str, Any], ...]


def partition_key(partition: Mapping[str, Any]) -> PartitionKey:
    """A hashable key for a source partition dict (dicts cannot key a dict)."""
    return tuple(sorted(partition.items()))


class TopicPartition(NamedTuple):
    """A Kafka topic partition (Kafka ``TopicPartition``)."""

    topic: str
    partition: int


class Task(abc.ABC):
    """A unit of copying work (Kafka ``Task``)."""

    def version(self) -> str:
        """The task's version string: lambda-connect's own, unless a plugin ships separately and overrides it."""
        return package_version()

    @abc.abstractmethod
    def start(self, props: dict[str, str]) -> None:
        """Start with the config produced by ``Connector.task_configs``."""

    @abc.abstractmethod
    def stop(self) -> None:
        """Release everything acquired in ``start``."""


class OffsetStorageReader(abc.ABC):
    """Reads committed source offsets (Kafka ``OffsetStorageReader``)."""

    def offset(self, partition: Mapping[str, Any]) -> dict[str, Any] | None:
        """The last committed offset of ``partition``, or None."""
        return self.offsets([partition]).get(partition_key(partition))

    @abc.abstractmethod
    def offsets(self, partitions: Iterable[Mapping[str, Any]]) -> dict[PartitionKey, dict[str, Any]]:
        """Committed offsets keyed by ``partition_key(partition)``; partitions without one are absent."""


class SourceTaskContext:
    """What the runtime gives a source task (Kafka ``SourceTaskContext``)."""

    __slots__ = ("_cluster_id", "_group_offsets", "_plugin_metrics", "configs", "file_roots", "offset_storage_reader",
                 "transaction_context")

    def __init__(
        self,
        configs: dict[str, str],
        offset_storage_reader: OffsetStorageReader,
        transaction_context: Any = None,
        *,
        file_roots: FileRoots = NO_FILE_ROOTS,
        cluster_id: Callable[[], str | None] | None = None,
        plugin_metrics: PluginMetrics | None = None,
        group_offsets: GroupOffsetsFactory = no_group_offsets,
    ) -> None:
        """Create the context; ``transaction_context`` is only set for connector-defined transactions.

        ``file_roots`` are the host directories the worker lets configs name files in (none by default);
        ``cluster_id`` looks up the id of the Kafka cluster the task's records are written to;
        ``plugin_metrics`` is the task's (the runtime publishes it; a context built without one keeps its own);
        ``group_offsets`` opens consumer group offsets on a cluster the task names (``api/group_offsets.py``).
        """
        self.configs = configs
        self.offset_storage_reader = offset_storage_reader
        self.transaction_context = transaction_context
        self.file_roots = file_roots
        self._cluster_id = cluster_id
        self._plugin_metrics = plugin_metrics
        self._group_offsets = group_offsets

    def group_offsets(self, consumer_config: Mapping[str, Any]) -> GroupOffsets:
        """Consumer group offsets on the cluster ``consumer_config`` (librdkafka settings) names (ours: the
        runtime's one home for them); the task closes it at ``stop``."""
        return self._group_offsets(consumer_config)

    def plugin_metrics(self) -> PluginMetrics:
        """The task's metrics, tagged ``connector`` and ``task`` (Kafka 4.1's ``pluginMetrics()``, KIP-877)."""
        if self._plugin_metrics is None:
            self._plugin_metrics = PluginMetrics({})
        return self._plugin_metrics

    def kafka_cluster_id(self) -> str | None:
        """The id of the Kafka cluster this task's records and offsets are written to (the worker's), asked when
        called; None when the runtime does not say. Ours, not Kafka's: a task that also talks to that cluster
        through its own clients (MirrorMaker 2's target) checks that they are the same cluster."""
        return None if self._cluster_id is None else self._cluster_id()


class SourceTask(Task):
    """Pulls records from an external system (Kafka ``SourceTask``)."""

    context: SourceTaskContext

    def initialize(self, context: SourceTaskContext) -> None:
        """Receive the context before ``start``."""
        self.context = context

    @abc.abstractmethod
    def poll(self) -> list[SourceRecord] | None:
        """The next batch of records, or None/[] when there is nothing now."""

    def values_poll(self) -> Callable[[], SourceValues | None] | None:  # optional hook (ours, not Kafka's)
        """A ``poll`` giving its batch as one ``SourceValues`` (records of one source partition, topic, value schema
        and timestamp, without keys, Kafka partitions or headers), for a task whose records are always such: the
        runtime may call it instead of ``poll`` (when no SMT, ``commit_record`` or converter needs the records) and
        then builds no ``SourceRecord`` per value. What it returns stands for exactly the records ``poll`` would
        have returned at that point (``SourceValues.records``); None or no values when there is nothing now. None
        by default: records are polled."""
        return None

    def keyed_poll(self) -> Callable[[], list[SourceRecord | SourceKeyedValues] | None] | None:  # optional hook
        """A ``poll`` (ours, not Kafka's) giving its batch as runs of records of one topic and schemas with their own
        keys (``SourceKeyedValues``: a change event stream's rows of one table), records between them as they are
        (a heartbeat, a schema change), for a task whose records mostly come in such runs: the runtime may call it
        instead of ``poll`` (when no SMT or ``commit_record`` needs the records) and then builds no ``SourceRecord``
        for a run's records when its converters write them in one call. What it returns stands for exactly the
        records ``poll`` would have returned at that point (each run's ``records()`` in its place); None or [] when
        there is nothing now. None by default: records are polled."""
        return None

    def messages_poll(self) -> Callable[[], SourceMessages | None] | None:  # optional hook (ours, not Kafka's)
        """A ``poll`` giving its batch as one ``SourceMessages`` (the records' keys, values and headers as the bytes
        a Kafka client read), for a task whose records are always such copies: the runtime may call it instead of
        ``poll`` when the records would be written as those bytes (ByteArrayConverter for keys, values and headers,
        no SMT) and builds no ``SourceRecord`` a message; ``commit_messages`` then stands for ``commit_record``.
        What it returns stands for exactly the records ``poll`` would have returned at that point
        (``SourceMessages.records``); None or no messages when there is nothing now. None by default."""
        return None

    def commit(self) -> None:  # optional hook
        """Called after offsets were committed; nothing by default."""

    def suspend(self) -> None:  # optional hook (ours, not Kafka's)
        """The invocation ends, its last ``commit`` done: release what must not outlive it (a replication connection
        a frozen function container would keep open); the next ``poll`` opens it again. Nothing by default."""

    def commit_record(self, record: SourceRecord, metadata: RecordMetadata | None) -> None:  # optional hook
        """Called per record (as polled, before SMTs) once the transaction holding it committed, with where it was
        written (``metadata`` None if an SMT or a tolerated failure dropped it), before ``commit``: Kafka's
        ``ExactlyOnceWorkerSourceTask`` order."""

    def commit_messages(self, batch: SourceMessages, written: WrittenOffsets) -> None:  # optional hook (ours)
        """``commit_record`` of each record of ``batch`` (polled through ``messages_poll``) with where it was
        written, ``written[i]`` for record ``i`` (no timestamp; None when not written or unknown), in order. The
        runtime calls it only for a task that does not override ``commit_record`` or reads only its offsets
        (``commit_record_reads_offsets``). By default, exactly those calls; a task may read ``written.offsets``."""
        for record, metadata in zip(batch.records(), written, strict=True):
            self.commit_record(record, metadata)

    def commit_record_reads_offsets(self) -> bool:  # optional hook (ours, not Kafka's)
        """True when ``commit_record`` reads only ``metadata``'s topic, partition and offset and can take None for
        some records (MirrorMaker 2's offset syncs): the runtime then asks Kafka where the first and the last of each
        run of a poll's records to one partition went, not each record, and gives those between the offsets
        between, without a timestamp (None when another writer's records landed among them). False by default."""
        return False


class SinkTaskContext:
    """What the runtime gives a sink task (Kafka ``SinkTaskContext``); the runtime reads back the requests.

    The contract (README, "The SinkTask contract"), on both sink paths: ``offset()`` moves where the task's next
    records of a partition start (forward: the records before are skipped; backward: they are delivered again);
    ``pause()`` holds a partition (its records are neither put nor committed past) until ``resume()``;
    ``request_commit()`` makes the runtime call ``pre_commit`` again before the batch is acknowledged; and
    ``assignment()`` is the partitions the task has open.
    """

    __slots__ = (
        "_assignment",
        "_plugin_metrics",
        "commit_requested",
        "configs",
        "errant_record_reporter",
        "file_roots",
        "paused",
        "requested_offsets",
        "timeout_ms",
    )

    def __init__(
        self,
        configs: dict[str, str],
        errant_record_reporter: Callable[[SinkRecord, BaseException], None] | None = None,
        assignment: Iterable[TopicPartition] = (),
        *,
        file_roots: FileRoots = NO_FILE_ROOTS,
        plugin_metrics: PluginMetrics | None = None,
    ) -> None:
        """Create the context for one invocation's ``assignment``; ``file_roots`` and ``plugin_metrics`` as for a
        source task."""
        self._plugin_metrics = plugin_metrics
        self.configs = configs
        self.errant_record_reporter = errant_record_reporter
        self.file_roots = file_roots
        self._assignment = set(assignment)
        self.requested_offsets: dict[TopicPartition, int] = {}
        self.timeout_ms: int | None = None
        self.commit_requested = False
        self.paused: set[TopicPartition] = set()

    def plugin_metrics(self) -> PluginMetrics:
        """The task's metrics, tagged ``connector`` and ``task`` (Kafka 4.1's ``pluginMetrics()``, KIP-877)."""
        if self._plugin_metrics is None:
            self._plugin_metrics = PluginMetrics({})
        return self._plugin_metrics

    def offset(self, tp: TopicPartition | Mapping[TopicPartition, int], offset: int | None = None) -> None:
        """Ask the runtime to rewind/skip to ``offset`` for ``tp`` (or to each offset in a mapping)."""
        if offset is None:
            self.requested_offsets.update(tp)  # type: ignore[arg-type]
        else:
            self.requested_offsets[tp] = offset  # type: ignore[index]

    def timeout(self, timeout_ms: int) -> None:
        """After a ``RetriableError`` from ``put``: hand the same records to ``put`` again after ``timeout_ms``
        (used once, as a worker's next poll waits at most this long); without it they come at the next invocation."""
        self.timeout_ms = timeout_ms

    def assignment(self) -> set[TopicPartition]:
        """The partitions this task currently owns (opened, and not closed since)."""
        return set(self._assignment)

    def set_assignment(self, partitions: Iterable[TopicPartition]) -> None:
        """The runtime's side of ``assignment()``: called before ``open``/after ``close``; paused partitions that
        are no longer assigned are forgotten, as a consumer forgets them."""
        self._assignment = set(partitions)
        self.paused &= self._assignment

    def pause(self, *partitions: TopicPartition) -> None:
        """Stop consuming from ``partitions``: their records are not put, and not committed past, until resumed."""
        self._check_assigned("pause", partitions)
        self.paused.update(partitions)

    def resume(self, *partitions: TopicPartition) -> None:
        """Resume consuming from ``partitions``."""
        self._check_assigned("resume", partitions)
        self.paused.difference_update(partitions)

    def request_commit(self) -> None:
        """Ask for an offset commit as soon as possible (``pre_commit`` is called again before the batch ends)."""
        self.commit_requested = True

    def _check_assigned(self, action: str, partitions: tuple[TopicPartition, ...]) -> None:
        unknown = set(partitions) - self._assignment
        if unknown:
            raise IllegalWorkerStateError(
                f"SinkTasks may not {action} partitions that are not currently assigned to them: {sorted(unknown)}")


class SinkTask(Task):
    """Writes records to an external system (Kafka ``SinkTask``)."""

    context: SinkTaskContext

    def initialize(self, context: SinkTaskContext) -> None:
        """Receive the context before ``start``."""
        self.context = context

    @abc.abstractmethod
    def put(self, records: list[SinkRecord]) -> None:
        """Write (or buffer) ``records``; raise ``RetriableError`` (taking none of them) to get the same records
        again, after ``context.timeout()`` or at the next invocation; no failure of the task."""

    def values_put(self) -> Callable[[list[Any]], None] | None:  # optional hook (ours, not Kafka's)
        """A ``put`` of a batch given by its records' values alone, for a task that reads nothing else of a record:
        the runtime then hands a wholly delivered batch's values without building a ``SinkRecord`` per record (no SMT,
        no errant record reporter). None by default: records are put."""
        return None

    def wants_json_text(self) -> bool:  # optional hook (ours, not Kafka's)
        """True when ``put`` uses a value's JSON text where it has one: a JSON value converter then keeps, on each
        struct it reads, the text it read it from where writing the struct as schemaless JSON would give those very
        bytes (``Struct``'s ``_text``), so the task can write that text as is, or read a run of such texts at once.
        False by default."""
        return False

    def flush(self, current_offsets: dict[TopicPartition, int]) -> None:  # optional hook
        """Make everything ``put`` so far durable; nothing by default."""

    def pre_commit(self, current_offsets: dict[TopicPartition, int]) -> dict[TopicPartition, int]:
        """The offsets safe to commit; by default flush and commit everything consumed.

        What this returns is what gets committed: a partition returned lower (or left out) is not committed past,
        and its records from there are delivered again after a restart (and, on a mapping, by the mapping's retry);
        an offset past ``current_offsets`` or of a partition not assigned is ignored, as a worker ignores it.
        """
        self.flush(current_offsets)
        return current_offsets

    def open(self, partitions: list[TopicPartition]) -> None:  # optional hook
        """Partitions were assigned; nothing by default."""

    def close(self, partitions: list[TopicPartition]) -> None:  # optional hook
        """Partitions were revoked; nothing by default."""
