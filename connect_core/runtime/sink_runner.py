"""``SinkRunner``: what one Kafka-triggered invocation of a sink connector does (docs/architecture.md).

The trigger commits ``connect-<name>`` only when the invocation returns normally, so the runner converts,
transforms, ``put``s and flushes the whole batch and returns; anything that must not be committed raises. What the
task's ``pre_commit`` returns is what may be committed (``runtime/sink_offsets.py``): a partition held back is sent
again (``batchItemFailures``, else :class:`UncommittedRecordsError`, no failure of the task). Failed records go to
the DLQ only when the batch went through; a ``RetriableError`` from ``put`` is retried after ``timeout`` as
``WorkerSinkTask`` does. ``_handle`` reads as ``WorkerSinkTask``'s loop (poll, convert and transform, ``put``,
``preCommit``) over one ``SinkBatch`` (``runtime/sink_batch.py``): a mapping's event decoded once, or a pull-mode
consumer's messages as they are; a failed batch the group moved past is no failure (``runtime/stale_batch.py``).
"""

from __future__ import annotations

import logging
import operator
import time
import traceback
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, NamedTuple

from connect_core.api import deadline, retry_pause
from connect_core.api.errors import ConnectError, NotFoundError, RetriableError
from connect_core.api.task import SinkTaskContext, TopicPartition
from connect_core.errors.config import ErrorHandlingConfig
from connect_core.errors.dead_letter_queue import DeadLetterQueueReporter
from connect_core.errors.invocation_reporter import InvocationReporter, SentRecords
from connect_core.errors.log_reporter import log_reporters
from connect_core.errors.retry_with_tolerance import RetryWithToleranceOperator
from connect_core.errors.stage import Stage
from connect_core.kafka.committed_filter import CommittedFilter, OpenTransactionError, PendingCheck
from connect_core.kafka.lambda_event import decode_kafka_event, read_kafka_event
from connect_core.kafka.unchained import unchained
from connect_core.runtime import env, fault_points, registry
from connect_core.runtime.active_topics import ActiveTopics
from connect_core.runtime.client_overrides import check_overrides
from connect_core.runtime.config_providers import redact
from connect_core.runtime.config_providers.reload import ResolvedConfigs
from connect_core.runtime.connector_config import CONNECTOR_CLASS_CONFIG
from connect_core.runtime.converter_set import ConverterSet
from connect_core.runtime.file_roots import worker_file_roots
from connect_core.runtime.gc_pause import freeze_when_warm, gc_paused
from connect_core.runtime.idle_tick import declared_interval_ms
from connect_core.runtime.loggers import process_loggers
from connect_core.runtime.plugin_metrics import TaskPluginMetrics
from connect_core.runtime.registry import PluginType
from connect_core.runtime.retrying_status import retrying_status
from connect_core.runtime.sink_batch import SinkBatch
from connect_core.runtime.sink_group import sink_group_id
from connect_core.runtime.sink_offsets import BatchPlan, SinkOffsets
from connect_core.runtime.sink_pipeline import SinkPipeline
from connect_core.runtime.stale_batch import StaleBatches
from connect_core.runtime.time_budget import remaining_ms as local_remaining_ms
from connect_core.runtime.trigger_config import KafkaTriggerConfig
from connect_core.storage.catch_up import refresh_together
from connect_core.storage.config_state import TargetState
from connect_core.storage.config_store import ConfigStore
from connect_core.storage.status_state import State, TaskStatus
from connect_core.storage.status_store import StatusStore
from connect_core.transforms.chain import build_chain

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Mapping, Sequence

    from connect_core.api.consumed_record import ConsumedRecord
    from connect_core.api.record import SinkRecord
    from connect_core.api.task import SinkTask
    from connect_core.kafka.lambda_event import EventBatch
    from connect_core.runtime.worker import WorkerSettings

__all__ = [
    "ConnectorNotRunningError", "RetriableRedeliveryError", "SinkInvocationResult", "SinkRunner",
    "UncommittedRecordsError",
]

log = logging.getLogger(__name__)
PLUGIN_METRICS_SERVICE = "sink_task"  # the service dimension of sink tasks' metrics (pull-mode ones too)

_PARTITION = operator.itemgetter(0, 1)  # a ConsumedRecord's (topic, partition)
_GROUP_READ_S = 10.0  # the longest a failed batch waits for its group's committed offsets (runtime/stale_batch.py)
_MIN_CALL_S = 1.0  # a read with no time at all could never answer
SINK_TASK_ID = 0  # every invocation of a connector's function runs its task 0 config; concurrency is per partition


class ConnectorNotRunningError(ConnectError):
    """The connector is paused or stopped: fail the invocation so the mapping commits nothing."""


class UncommittedRecordsError(ConnectError):
    """The task may not commit the whole batch yet (its ``pre_commit`` returned lower offsets, or it paused or
    rewound a partition) and the mapping has no partial batch responses: the batch comes again, and the warm task
    gets only what it does not have. Not a failure of the task (no FAILED status, no restart count)."""

    def __init__(self, message: str, held: dict[TopicPartition, int]) -> None:
        super().__init__(message)
        self.held = held


class RetriableRedeliveryError(UncommittedRecordsError):
    """``put`` raised ``RetriableError`` and the task's ``timeout`` did not fit the invocation (or was not set): the
    mapping sends the same records again, as a worker redelivers them at its next poll. Not a failure of the task."""


@dataclass
class SinkInvocationResult:
    """Summary of one batch."""

    connector: str
    records: int = 0
    put: int = 0
    skipped: int = 0
    aborted: int = 0  # records of aborted transactions dropped before conversion
    dlq: int = 0  # records this batch sent to the dead letter queue
    duration_ms: float = 0.0
    offsets: dict[str, int] = field(default_factory=dict)
    batch_item_failures: list[dict[str, Any]] | None = None
    held_back: bool = False  # the failures only hold back records the task may not commit yet: the batch went through
    # what the task's pre_commit lets the caller commit (pull mode; a mapping commits ``offsets`` by itself)
    committable: dict[TopicPartition, int] = field(default_factory=dict)
    # partitions whose records from this offset must be read again (paused, rewound): a pull-mode consumer seeks there
    seek: dict[TopicPartition, int] = field(default_factory=dict)
    # put raised RetriableError and the retry did not fit this invocation: the batch comes again (not a failure)
    retriable: RetriableError | None = None
    # the failure ``batch_item_failures`` reports (the task failed; not held back): what status and the breaker see
    error: BaseException | None = None
    # the batch failed but the consumer group had moved on from it (runtime/stale_batch.py: a resumed frozen
    # invocation, a batch delivered twice): ended as a no-op, no failure of the task, nothing committed or recorded
    stale: bool = False

    def response(self) -> dict[str, Any]:
        """The Lambda response: empty on success, ``batchItemFailures`` when reporting partial failures."""
        if self.batch_item_failures is None:
            return {}
        return {"batchItemFailures": self.batch_item_failures}


@dataclass
class _RunningTask:
    config: dict[str, str]
    task: SinkTask
    pipeline: SinkPipeline
    dlq: InvocationReporter | None
    report_item_failures: bool
    version: str | None
    read_committed: bool = False  # check each batch against a read_committed view (lambda.sink.read.committed)
    assigned: set[TopicPartition] = field(default_factory=set)
    epoch: tuple[int | None, int] | None = None  # ConfigState.task_epoch when it started
    # (topic, partition, offset) -> consumed record, kept only while a task may report errant records
    consumed_index: dict[tuple[str, int, int], ConsumedRecord] | None = None
    configs: ResolvedConfigs | None = None  # what it was started with (config.action.reload)
    context: SinkTaskContext | None = None
    offsets: SinkOffsets = field(default_factory=lambda: SinkOffsets(seeks=False))
    # the values path (SinkRunner._records): the task's put of records given by their values alone (``values_put``),
    # when no SMT and no errant record reporter needs the records (None: records are put)
    put_values: Callable[[list[Any]], None] | None = None
    plugin_metrics: TaskPluginMetrics | None = None  # KIP-877: the task's and its plugins' metrics
    # idle ticks (runtime/idle_tick.py): the interval its connector declares (None: no ticks), and when (monotonic
    # seconds) the task last had put and pre_commit called
    idle_interval_ms: int | None = None
    put_at: float = field(default_factory=time.monotonic)

    def close(self) -> None:
        try:
            if self.assigned:
                self.task.close(sorted(self.assigned))
            self.task.stop()
        finally:
            self.pipeline.converters.close()
            self.pipeline.chain.close()
            if self.plugin_metrics is not None:
                self.plugin_metrics.close()
            if self.dlq is not None:
                self.dlq.close()


class SinkRunner:
    """Runs one sink connector's task per invocation; keep one per container to reuse clients and the task."""

    def __init__(
        self,
        worker: WorkerSettings,
        connector: str,
        *,
        config_store: ConfigStore | None = None,
        status_store: StatusStore | None = None,
        task: int = SINK_TASK_ID,
        reads_committed: bool = False,
        commits: bool = False,
    ) -> None:
        """Bind to ``connector`` (the function's ``CONNECTOR_NAME``) and the worker's internal topics.

        ``task``: the task config this runner runs (a pull-mode task, ``runtime/sink_pull.py``; a mapping's function
        runs task 0); ``reads_committed``: its batches come from a ``read_committed`` consumer (no check needed);
        ``commits``: the caller commits the result's ``offsets`` and seeks to its ``seek`` (a pull-mode task)
        instead of a mapping being told what must come again.
        """
        self.worker = worker
        self.connector = connector
        self.task = task
        self.reads_committed = reads_committed
        self.commits = commits
        self.config_store = config_store or ConfigStore(worker.kafka, worker.storage)
        self.config_store.on_logger_levels(process_loggers().apply_cluster_levels)  # KIP-976, no redeploy
        self.status_store = status_store or StatusStore(worker.kafka, worker.storage)
        self._running: _RunningTask | None = None
        self._dlq_sent = SentRecords()  # outlives task restarts: a retried batch never re-sends a DLQ record
        self._committed_filter: CommittedFilter | None = None  # warm across invocations
        self.stale_batches = StaleBatches(worker.kafka)  # asked only when a batch failed
        self.active_topics = ActiveTopics(self.status_store, enabled=worker.topic_tracking)  # KIP-558

    def handle(self, event: dict[str, Any], assignment: Collection[TopicPartition] | None = None, *,
               remaining_ms: Callable[[], float] | None = None,
               ends: Mapping[TopicPartition, int] | None = None) -> SinkInvocationResult:
        """Process one Lambda Kafka event; raises when the batch must be retried.

        ``assignment``: the partitions the caller assigned this task (pull mode: opened even before they have
        records, and closed when gone); a mapping's task owns the partitions it has seen. ``remaining_ms``: the
        invocation's time left (default: the local budget), within which a ``RetriableError`` from ``put`` is
        retried after the task's ``timeout``. ``ends``: pull mode's partitions whose consumer met the end of the
        log, at that offset (an end before where the source went on from: the log went back, ``SinkOffsets.source_at``).
        The garbage collector is paused meanwhile (``runtime/gc_pause.py``).
        """
        freeze_when_warm()  # runtime/gc_pause.py
        with gc_paused():
            return self._handle_read(self._read(event), assignment, remaining_ms, ends)

    def handle_messages(self, messages: list[Any], assignment: Collection[TopicPartition] | None = None, *,
                        remaining_ms: Callable[[], float] | None = None,
                        ends: Mapping[TopicPartition, int] | None = None) -> SinkInvocationResult:
        """:meth:`handle` for a consumer's confluent-kafka messages (pull mode): handed over as they are, no event
        built and decoded again."""
        freeze_when_warm()  # runtime/gc_pause.py
        with gc_paused():
            read = _Read.of(SinkBatch.of_messages(messages))
            if self._running is not None and self._running.read_committed and read.size:
                read = read._replace(check=self._start_check(read))
            return self._handle_read(read, assignment, remaining_ms, ends)

    def tick(self, remaining_ms: Callable[[], float] | None = None) -> SinkInvocationResult | None:
        """An idle tick (``runtime/idle_tick.py``): what ``WorkerSinkTask`` does on a poll that returned nothing,
        ``put([])`` then ``pre_commit(current offsets)``, once the interval the connector declares has passed since
        the task's last ``put``. None, with no broker contacted, when nothing is due: no interval declared, or not
        yet. A container where the task is not started starts it and ticks at once: what is due may be another
        container's (staged files), and the containers that started it may all have been recycled. The result commits
        nothing: no mapping stands behind a tick, and the group moves only with the mapping's batches."""
        running = self._running
        if running is None:
            running = self._running_task()
            if running.idle_interval_ms is None:
                return None
        elif running.idle_interval_ms is None \
                or (time.monotonic() - running.put_at) * 1000.0 < running.idle_interval_ms:
            return None
        with gc_paused():
            return self._handle_read(_Read.of(SinkBatch.of_records([])), None, remaining_ms, None)

    def _handle_read(self, read: _Read, assignment: Collection[TopicPartition] | None,
                     remaining_ms: Callable[[], float] | None,
                     ends: Mapping[TopicPartition, int] | None) -> SinkInvocationResult:
        try:
            return self._handle(read, assignment, remaining_ms, ends)
        finally:  # what the task and its plugins measured in this batch (KIP-877)
            running = self._running
            if running is not None and running.plugin_metrics is not None:
                running.plugin_metrics.publish(PLUGIN_METRICS_SERVICE)

    def _handle(self, read: _Read, assignment: Collection[TopicPartition] | None,
                remaining_ms: Callable[[], float] | None,
                ends: Mapping[TopicPartition, int] | None = None) -> SinkInvocationResult:
        """One batch as ``WorkerSinkTask`` handles one poll: poll (:meth:`_poll`: the records a consumer of the
        task's isolation level returns), convert and transform, ``put``, ``preCommit`` (:meth:`_deliver`), then
        tell the mapping or the pull-mode consumer what must come again (:meth:`_hold_back`)."""
        started = time.monotonic()
        budget = remaining_ms or local_remaining_ms(None)
        try:
            running = self._running_task()
        except BaseException:
            if read.check is not None:
                self._committed_filter_or_create().cancel(read.check)
            raise
        result = SinkInvocationResult(self.connector, records=read.size)
        records, held = self._poll(running, read, result)
        try:
            # a newer config ends the task's own retries in put or pre_commit (api/retry_pause.py)
            with retry_pause.watching(lambda: self._superseded(running),
                                      on_attempt=lambda error, n: self._report_retrying(running, error, n)):
                plan = self._deliver(running, records, result, assignment, remaining_ms=budget, ends=ends)
        except retry_pause.SupersededError as superseded:
            return self._superseded_batch(records, held, result, superseded)
        except Exception as error:
            if self._moved_on(records, error, budget):
                return self._stale_batch(running, result)
            self._fail(running, error)
            if running.report_item_failures and (records or held):
                log.warning("batch failed; reporting every partition of it for retry: %s", error)
                result.batch_item_failures, result.error = _first_offsets(records, held), error
                return result
            raise
        if plan.first:  # the batch's partitions (a worker records a topic once a record of it is converted)
            self.active_topics.record(self.connector, self.task, {tp.topic for tp in plan.first})
        self._hold_back(running, plan, held, result, records)
        if result.retriable is None:  # RUNNING only once a batch went through
            self._report(State.RUNNING, None, running.version)
        result.duration_ms = round((time.monotonic() - started) * 1000.0, 1)
        log.debug("%s-0 put %d records and committed offsets %s in %.1f ms", self.connector, result.records,
                  result.offsets, result.duration_ms)
        return result

    def _read(self, event: dict[str, Any]) -> _Read:
        """The event as this invocation reads it. A warm task that does not check its batches has it decoded whole
        at once. Otherwise its offsets are read first (a few passes in C; an event that is not one partition per
        group is decoded whole), so that a warm task that checks starts its check now: librdkafka fetches the
        ``read_committed`` view while the config catches up (:meth:`_running_task`)."""
        running = self._running
        if running is not None and not running.read_committed:
            return _Read.of(SinkBatch.of_event(event))
        offsets_read = read_kafka_event(event)
        if offsets_read.offsets is None:  # decoded whole (a malformed record is named there)
            read = _Read.of(SinkBatch.of_records(decode_kafka_event(event)))
        else:
            read = _Read(None, offsets_read, offsets_read.size)
        if running is not None and running.read_committed and read.size:
            read = read._replace(check=self._start_check(read))
        return read

    def _hold_back(self, running: _RunningTask, plan: BatchPlan, held: dict[tuple[str, int], int],
                   result: SinkInvocationResult, records: Sequence[ConsumedRecord]) -> None:
        """Tell a mapping which records must come again: those of still-open transactions (``held``) and those
        the task may not commit yet; as ``batchItemFailures``, or by raising :class:`UncommittedRecordsError`."""
        if not self.commits:  # a mapping commits the whole batch unless told which records come again
            for key, offset in self._uncommitted(running, plan).items():
                held[key] = min(offset, held.get(key, offset))
        self._source_goes_on(running, plan, held, result, records)
        if not held:
            return
        if not running.report_item_failures:
            if result.retriable is None:  # a retriable put's status was written at its attempts (_report_retrying)
                self._report(State.RUNNING, None, running.version)
            if result.retriable is not None:
                raise RetriableRedeliveryError(
                    f"{self.connector}-{self.task}: put raised {type(result.retriable).__name__} "
                    f"({result.retriable}); the mapping sends the batch again",
                    {TopicPartition(*key): offset for key, offset in held.items()}) from result.retriable
            raise UncommittedRecordsError(
                f"{self.connector}-{self.task}: the task may not commit the whole batch yet (it committed "
                f"{result.offsets}); the mapping sends it again and the task gets only what it does not have",
                {TopicPartition(*key): offset for key, offset in held.items()})
        result.batch_item_failures, result.held_back = _first_offsets([], held), True

    def _source_goes_on(self, running: _RunningTask, plan: BatchPlan, held: dict[tuple[str, int], int],
                        result: SinkInvocationResult, records: Sequence[ConsumedRecord]) -> None:
        """Remember where the source goes on from after this batch (``SinkOffsets.source``): what a pull-mode task
        commits; for a mapping, the batch's first records again when it fails the invocation uncommitted, otherwise
        each partition's held-back offset or the batch's end."""
        offsets = running.offsets
        if self.commits:
            offsets.source_goes_on(result.committable, records)
        elif held and not running.report_item_failures:
            offsets.source_goes_on(plan.first, records)
        else:
            offsets.source_goes_on({**plan.next, **{TopicPartition(*key): offset for key, offset in held.items()}},
                                   records)

    def _poll(self, running: _RunningTask, read: _Read,
              result: SinkInvocationResult) -> tuple[SinkBatch, dict[tuple[str, int], int]]:
        """The records a worker's consumer would hand the task: every record of the batch, or with
        ``lambda.sink.read.committed`` those a ``read_committed`` consumer returns (``result.aborted`` counts those
        dropped; a batch reaching into an open transaction gives its committed prefix and the partitions held back
        from that offset, or fails the invocation when the mapping has no partial batch responses)."""
        check = read.check
        if check is not None and not running.read_committed:
            self._committed_filter_or_create().cancel(check)  # the restarted task no longer checks
        if not (running.read_committed and read.size):
            if read.batch is not None:
                return read.batch, {}
            assert read.event is not None
            return SinkBatch.of_records(read.event.decode(), read.event.offsets), {}
        held: dict[tuple[str, int], int] = {}
        try:
            if check is None:
                check = self._start_check(read)
            batch = self._checked(running, check)
        except OpenTransactionError as error:  # not the task's failure: the rest just comes back later
            log.warning("%s", error)
            if not running.report_item_failures:
                raise  # the mapping commits all or nothing: the whole batch comes again, nothing written
            # With partial batch responses the committed prefix is written now and only the rest comes again.
            batch, held = SinkBatch.of_records(error.committed), error.held_back
            assert check is not None
        decided = check.size() if not held else sum(
            offset < held.get(key, offset + 1) for key, found in check.offsets.items() for offset in found)
        result.aborted = decided - len(batch)
        return batch, held

    def _checked(self, running: _RunningTask, check: PendingCheck) -> SinkBatch:
        """The committed records of a checked batch. An event read by offsets whose every record is committed (the
        usual batch) takes its keys and values from the messages the check consumed instead of the event's base64
        (:meth:`SinkBatch.of_checked_event`); any other batch is what the check kept."""
        records, messages = self._committed_filter_or_create().finish_undecoded(check)
        if messages is None or check.event is None:
            return SinkBatch.of_records(records, check.offsets if len(records) == check.size() else None)
        return SinkBatch.of_checked_event(check.event, messages, check.offsets,
                                          columns=running.put_values is not None)

    def _start_check(self, read: _Read) -> PendingCheck:
        """Start the read_committed check of a batch: an event read by offsets (keys and values then taken from
        the check's messages), or records decoded already."""
        committed_filter = self._committed_filter_or_create()
        if read.event is not None:
            return committed_filter.start_event(read.event)
        assert read.batch is not None
        return committed_filter.start(read.batch.records)

    def _committed_filter_or_create(self) -> CommittedFilter:
        if self._committed_filter is None:
            self._committed_filter = CommittedFilter(self.worker.kafka)
        return self._committed_filter

    def _deliver(self, running: _RunningTask, batch: SinkBatch, result: SinkInvocationResult,
                 assignment: Collection[TopicPartition] | None = None, *,
                 remaining_ms: Callable[[], float] | None = None,
                 ends: Mapping[TopicPartition, int] | None = None) -> BatchPlan:
        """Convert and ``put`` ``batch``, then ``pre_commit``. The SinkTask contract, as ``WorkerSinkTask`` keeps
        it: partitions are opened before their records, ``offset()`` requests move the task's position, paused
        partitions and records the warm task already has are not put, ``pre_commit``'s answer is what
        ``result.offsets`` commits, and a ``RetriableError`` from ``put`` redelivers the same records (:meth:`_put`)."""
        context, offsets = running.context, running.offsets
        assert context is not None
        runs = batch.runs
        keys = runs.keys() if runs is not None else set(map(_PARTITION, batch))  # tuples made in C
        batch_partitions = {TopicPartition(*key) for key in keys}
        owned = set(assignment) | batch_partitions if assignment is not None else running.assigned | batch_partitions
        revoked = running.assigned - owned
        if revoked:  # pull mode: the partitions went to another task (or their topic no longer matches)
            running.task.close(sorted(revoked))
            running.assigned -= revoked
            offsets.forget(revoked)
            context.set_assignment(running.assigned)
        new = owned - running.assigned
        if new:
            running.assigned |= new
            context.set_assignment(running.assigned)  # assignment() already names them in open()
            running.task.open(sorted(new))
        if ends:  # pull mode: a partition without records whose log now ends before where its source went on from
            offsets.source_at({tp: end for tp, end in ends.items()
                               if tp in running.assigned and tp not in batch_partitions})
        rewound = offsets.rewind(_take_offset_requests(context), running.assigned)
        plan = offsets.plan(batch, set(context.paused), rewound, runs)
        whole = len(plan.deliver) == len(batch)
        delivered: Sequence[ConsumedRecord] = batch if whole else [batch[i] for i in plan.deliver]
        if running.consumed_index is not None:
            running.consumed_index.clear()
            running.consumed_index.update(((c.topic, c.partition, c.offset), c) for c in delivered)
        dlq_before = running.dlq.dlq.metrics.deadletterqueue_produce_requests if running.dlq is not None else 0
        records, put = self._records(running, batch if whole else None, delivered)
        result.retriable = self._put(running, records, remaining_ms or local_remaining_ms(None), put)
        if result.retriable is not None:
            # Nothing of the batch was taken: positions stay, the DLQ reports wait for the batch to go through, and
            # pre_commit is not asked (the batch comes again; what was committed before stays committed).
            if running.dlq is not None:
                running.dlq.discard()
            rewound |= offsets.rewind(_take_offset_requests(context), running.assigned)
            result.seek = {tp: offsets.positions[tp] for tp in plan.first.keys() | rewound.keys()
                           if tp in offsets.positions}
            return plan
        result.put = len(records)
        result.skipped = len(delivered) - len(records)
        fault_points.reached("sink.during_put")
        offsets.delivered(plan)
        rewound |= offsets.rewind(_take_offset_requests(context), running.assigned)  # asked in put
        committable = self._pre_commit(running)
        running.put_at = time.monotonic()  # an idle tick is due an interval after this (tick)
        if running.dlq is not None:
            running.dlq.commit()  # only now: a failed batch comes back and must not reach the DLQ twice
            result.dlq = running.dlq.dlq.metrics.deadletterqueue_produce_requests - dlq_before
        result.committable = committable
        result.offsets = {f"{tp.topic}-{tp.partition}": offset for tp, offset in committable.items()}
        # A pull-mode consumer reads a held or rewound partition again from the task's position (a seek it would
        # reach anyway is harmless); a mapping instead sends again what is not committed (handle).
        result.seek = {tp: offsets.positions[tp] for tp in plan.held.keys() | rewound.keys()
                       if tp in offsets.positions}
        fault_points.reached("sink.after_put")
        return plan

    @staticmethod
    def _records(running: _RunningTask, whole: SinkBatch | None, delivered: Sequence[ConsumedRecord],
                 ) -> tuple[list[Any], Callable[[list[Any]], None]]:
        """What is put, and the put that takes it. The values path: a task whose ``put`` reads nothing of a record
        but its value (``values_put``, no SMT, no errant record reporter) is handed the values of a wholly
        delivered batch whose records carry nothing but keys and values, converted in one call per column
        (:meth:`SinkPipeline.record_values`); otherwise, and where a stage raised, the records
        (:meth:`SinkPipeline.convert_all`, the reference the values path is compared with)."""
        if whole is not None and running.put_values is not None:
            columns = whole.columns()
            if columns is not None:
                values = running.pipeline.record_values(*columns)
                if values is not None:
                    return values, running.put_values
        return running.pipeline.convert_all(delivered), running.task.put

    def _put(self, running: _RunningTask, records: list[Any], remaining_ms: Callable[[], float],
             put: Callable[[list[Any]], None]) -> RetriableError | None:
        """``put``, and after a ``RetriableError`` the same records again once the task's ``context.timeout()`` has
        passed, as ``WorkerSinkTask`` redelivers them (its next poll waits at most that long; the timeout is used
        once). The error when the batch must come at the next invocation instead: no timeout was set (a worker
        would wait for its next poll) or it does not fit the invocation's time left. Never counted as a failure
        (a worker does not count it against ``errors.retry.*`` or fail the task)."""
        context = running.context
        assert context is not None
        attempt = 0
        while True:
            attempt += 1
            context.timeout_ms = None
            try:
                with deadline.within(remaining_ms() / 1000.0):  # a task's retries end with the invocation's time
                    put(list(records) if attempt > 1 else records)
            except retry_pause.SupersededError as error:
                log.info("%s-%d: %s", self.connector, self.task, error)
                return error
            except RetriableError as error:
                self._report_retrying(running, error, attempt)
                wait_ms, context.timeout_ms = context.timeout_ms, None
                if wait_ms is None or wait_ms <= 0 or wait_ms >= remaining_ms():
                    log.warning("%s-%d: RetriableException from SinkTask (attempt %d): %s; the batch comes again "
                                "at the next invocation (timeout %s ms)", self.connector, self.task, attempt,
                                error, wait_ms)
                    return error
                log.warning("%s-%d: RetriableException from SinkTask (attempt %d): %s; putting the same records "
                            "again in %d ms", self.connector, self.task, attempt, error, wait_ms)
                try:
                    retry_pause.pause(wait_ms / 1000.0)
                except retry_pause.SupersededError as superseded:
                    log.info("%s-%d: %s", self.connector, self.task, superseded)
                    return superseded
                continue
            context.timeout_ms = None  # a worker uses a timeout for its next poll only
            return None

    def _superseded_batch(self, records: Sequence[ConsumedRecord], held: dict[tuple[str, int], int],
                          result: SinkInvocationResult,
                          superseded: retry_pause.SupersededError) -> SinkInvocationResult:
        """A newer config ended the task's retries in ``pre_commit``: the task is dropped (the next invocation starts
        the new one), no failure, and the whole batch comes again (a mapping: ``RetriableRedeliveryError``; pull
        mode: nothing committed, seeking back to its first records)."""
        log.info("%s-%d: %s", self.connector, self.task, superseded)
        self._shutdown()
        first = {TopicPartition(*key): offset for key, offset in held.items()}
        for record in records:
            tp = TopicPartition(record.topic, record.partition)
            first[tp] = min(record.offset, first.get(tp, record.offset))
        if not self.commits:
            raise RetriableRedeliveryError(f"{self.connector}-{self.task}: {superseded}", first) from superseded
        result.retriable, result.put, result.offsets, result.seek = superseded, 0, {}, first
        return result

    def _superseded(self, running: _RunningTask) -> str | None:
        """Why a retrying invocation should end now (the config topic caught up): a new task config or restart
        request, or a pause or stop; None while it runs what is current."""
        self.config_store.refresh()
        state = self.config_store.target_state(self.connector)
        if state in (TargetState.PAUSED, TargetState.STOPPED):
            return f"connector {self.connector} is {state.name}"
        if self.config_store.state.task_epoch(self.connector) != running.epoch:
            return f"connector {self.connector} has a newer task config or a restart request"
        return None

    def _pre_commit(self, running: _RunningTask) -> dict[TopicPartition, int]:
        """``pre_commit`` with the current offsets; called once more when the task requested a commit meanwhile
        (``request_commit``: a worker commits again at its next loop, before the next poll)."""
        context, offsets = running.context, running.offsets
        assert context is not None
        context.commit_requested = False
        current = offsets.current(running.assigned)
        committable = offsets.commit(running.task.pre_commit(dict(current)), current)
        if context.commit_requested:
            context.commit_requested = False
            current = offsets.current(running.assigned)
            committable = offsets.commit(running.task.pre_commit(dict(current)), current)
        return committable

    @staticmethod
    def _uncommitted(running: _RunningTask, plan: BatchPlan) -> dict[tuple[str, int], int]:
        """Per partition of a mapping's batch: where the mapping must send it again from (committed offset below
        the batch's end), never before the batch's first record (a mapping cannot go back further)."""
        committed = running.offsets.committed
        uncommitted = {}
        for tp, end in plan.next.items():
            first = plan.first[tp]
            at = committed.get(tp, first)
            if at < end:
                uncommitted[tp.topic, tp.partition] = max(at, first)
        return uncommitted

    def _running_task(self) -> _RunningTask:
        refresh_together(self.config_store, self.status_store)  # the status view _report compares with, same request
        connector_config = self.config_store.connector_config(self.connector)
        if connector_config is None:
            raise NotFoundError(f"Connector {self.connector} not found")
        state = self.config_store.target_state(self.connector)
        if state in (TargetState.PAUSED, TargetState.STOPPED):
            self._shutdown()
            raise ConnectorNotRunningError(
                f"Connector {self.connector} is {state.name}: failing the invocation so no offset is committed"
            )
        task_configs = self.config_store.task_configs(self.connector)
        if not task_configs:
            raise ConnectorNotRunningError(f"Connector {self.connector} has no task configuration yet")
        if self.task >= len(task_configs):
            raise ConnectorNotRunningError(f"Connector {self.connector} has no task {self.task}")
        task_config = {k: v for k, v in task_configs[self.task].items() if v is not None}
        epoch = self.config_store.state.task_epoch(self.connector)
        running = self._running
        if running is not None and running.config == task_config and running.epoch == epoch \
                and not (running.configs is not None and running.configs.changed()):
            return running
        self._shutdown()  # a new task-config commit (e.g. stop + resume) or a restart request restarts the task
        self._running = self._start({k: v for k, v in connector_config.items() if v is not None}, task_config)
        self._running.epoch = epoch
        return self._running

    def _start(self, raw_connector_config: dict[str, str], raw_task_config: dict[str, str]) -> _RunningTask:
        # The topic holds ${provider:path:key} placeholders; only this task's memory ever holds the values.
        try:
            resolved = ResolvedConfigs.resolve(raw_connector_config, raw_task_config)
            connector_config, task_config = resolved.resolved
        except Exception as error:
            self._report(State.FAILED, _trace(error), None)
            raise
        try:  # a bad plugin config is FAILED with its trace in /status, never a task left UNASSIGNED
            connector_cls = registry.load_as(
                CONNECTOR_CLASS_CONFIG, connector_config[CONNECTOR_CLASS_CONFIG], PluginType.SINK,
                version=connector_config.get(registry.CONNECTOR_VERSION_CONFIG))
            check_overrides(connector_config, source=False)  # the worker's override policy (KIP-1188)
            task: SinkTask = connector_cls().task_class()()
            errors_config = ErrorHandlingConfig.parse(connector_config)
            converters = ConverterSet.from_config(connector_config)
            chain = build_chain(connector_config, registry.find)
            plugin_metrics = TaskPluginMetrics(self.connector, self.task)
            plugin_metrics.attach_pipeline(converters, chain)
        except Exception as error:
            self._report(State.FAILED, _trace(error), None)
            raise
        dlq = None
        if errors_config.dlq_enabled:
            dlq = InvocationReporter(DeadLetterQueueReporter.create_and_setup(
                self.worker.kafka.client_config(), errors_config, self.connector, self.task, scrub=redact,
            ), self._dlq_sent)
        reporters: list[Any] = [*log_reporters(errors_config, self.connector, self.task)]
        if dlq is not None:
            reporters.append(dlq)
        operator = RetryWithToleranceOperator.from_config(errors_config, reporters=reporters,
                                                          connector=self.connector, task=self.task)
        pipeline = SinkPipeline(converters, chain, operator)
        consumed_by_coordinates: dict[tuple[str, int, int], ConsumedRecord] = {}

        def errant_record_reporter(record: SinkRecord, error: BaseException) -> None:
            """KIP-610: a task hands back a record it could not write; it goes where converter failures go."""
            partition = record.original_kafka_partition
            original = None if partition is None else consumed_by_coordinates.get(
                (record.original_topic, partition, record.original_kafka_offset)
            )
            operator.execute_failed(Stage.TASK_PUT, type(task), error, original=original)

        reporter = errant_record_reporter if errors_config.errant_record_reporter_enabled else None
        context = SinkTaskContext(task_config, reporter, file_roots=worker_file_roots(),
                                  plugin_metrics=plugin_metrics.task)
        task.initialize(context)
        try:
            task.start(task_config)
        except Exception as error:
            self._report(State.FAILED, _trace(error), None)
            raise
        trigger = KafkaTriggerConfig.parse(connector_config)
        put_values = task.values_put() if reporter is None and not len(chain) else None
        idle_interval_ms = declared_interval_ms(connector_cls(), connector_config)
        keep_text = getattr(converters.value, "keep_json_text", None)
        if keep_text is not None and task.wants_json_text():
            keep_text(lazy=not len(chain))  # no SMT reads the values: built only if the task reads them
            keep_key_text = getattr(converters.key, "keep_json_text", None)
            if keep_key_text is not None and not len(chain):
                keep_key_text(lazy=True)  # nor the keys (a task writing values' text seldom reads them)
        return _RunningTask(
            raw_task_config, task, pipeline, dlq, trigger.report_batch_item_failures, _version(task),
            read_committed=not self.reads_committed and _checks_read_committed(trigger.read_committed),
            consumed_index=consumed_by_coordinates if reporter is not None else None, configs=resolved,
            context=context, offsets=SinkOffsets(seeks=self.commits), put_values=put_values,
            plugin_metrics=plugin_metrics, idle_interval_ms=idle_interval_ms,
        )

    def _moved_on(self, records: Sequence[ConsumedRecord], error: BaseException,
                  budget: Callable[[], float]) -> bool:
        """Whether the consumer group has moved on from the failed batch (``runtime/stale_batch.py``): a frozen
        invocation resumed after other containers went on, or a batch delivered twice. Kafka's committed offsets
        say so, not this container's memory; a reset or an unknown answer leaves the failure the task's."""
        if not records:
            return False
        connector_config = self.config_store.connector_config(self.connector) or {}
        group = sink_group_id(self.connector, {k: v for k, v in connector_config.items() if v is not None})
        timeout_s = max(_MIN_CALL_S, min(_GROUP_READ_S, budget() / 1000.0))
        past = unchained(partial(self.stale_batches.moved_on, group, records, timeout_s))  # kafka/unchained.py
        if past:
            log.warning("%s-%d: the batch failed (%s: %s), but the consumer group %s has already moved past its "
                        "records on %s: a frozen invocation resumed or a batch delivered twice, not a failure of the "
                        "task; nothing is committed", self.connector, self.task, type(error).__name__,
                        redact(str(error)), group,
                        ", ".join(f"{topic}-{partition}" for topic, partition in past))
        return bool(past)

    def _stale_batch(self, running: _RunningTask, result: SinkInvocationResult) -> SinkInvocationResult:
        """End a batch the group moved on from as a no-op: the task, which took records that are not its any more,
        is dropped (the next batch starts it from the committed offsets), no status is written, nothing committed."""
        self._drop(running)
        result.stale, result.put, result.skipped, result.dlq = True, 0, 0, 0
        result.offsets, result.committable, result.seek, result.retriable = {}, {}, {}, None
        return result

    def _fail(self, running: _RunningTask, error: BaseException) -> None:
        log.exception("sink connector %s failed the batch; it will be retried", self.connector)
        self._drop(running)
        self._report(State.FAILED, _trace(error), running.version)

    def _drop(self, running: _RunningTask) -> None:
        """Stop a task whose batch did not go through: its DLQ reports and buffered records are discarded."""
        self._running = None
        if running.plugin_metrics is not None:  # what it measured up to its failure, before it is closed
            running.plugin_metrics.publish(PLUGIN_METRICS_SERVICE)
        if running.dlq is not None:
            running.dlq.discard()
        discard = getattr(running.task, "discard_buffer", None)
        if discard is not None:
            discard()
        try:
            unchained(running.close)  # from an except clause: kafka/unchained.py
        except Exception:  # the original failure is what matters
            log.exception("stopping failed sink task of %s", self.connector)

    def _shutdown(self) -> None:
        if self._running is not None:
            running, self._running = self._running, None
            running.close()

    def _report(self, state: State, trace: str | None, version: str | None) -> None:
        """Write the task's status unless the status topic's latest value (as this invocation caught up on it)
        already says so: compared with the topic, not with this container's last write."""
        generation = self.config_store.state.task_config_generation(self.connector) or 0
        status = TaskStatus(self.connector, self.task, state, self.worker.worker_id, generation, trace, version)
        if state is not State.FAILED and self.status_store.is_latest(status):
            return
        # FAILED is written from except clauses: kafka/unchained.py
        unchained(partial(self.status_store.put_task_status, status))

    def _report_retrying(self, running: _RunningTask, error: BaseException, attempt: int) -> None:
        """A failed attempt that is retried (a ``RetriableError`` from ``put``, or the task's own retry loop through
        ``api/retry_pause.attempt_failed``) in the status trace, the state kept (``runtime/retrying_status.py``)."""
        generation = self.config_store.state.task_config_generation(self.connector) or 0
        status = retrying_status(
            self.status_store.state.tasks.get(self.connector, {}).get(self.task),
            TaskStatus(self.connector, self.task, State.RUNNING, self.worker.worker_id, generation, None,
                       running.version), error, attempt)
        if status is not None:
            try:
                self.status_store.put_task_status(status)
            except Exception:  # the retry goes on; the status is informational here
                log.warning("could not write the status of %s-%d", self.connector, self.task, exc_info=True)

    def paused(self) -> set[TopicPartition]:
        """The partitions the running task has paused (none when no task runs)."""
        running = self._running
        return set(running.context.paused) if running is not None and running.context is not None else set()

    def close(self) -> None:
        """Stop the task and release clients."""
        self._shutdown()
        self.stale_batches.close()
        if self._committed_filter is not None:
            self._committed_filter.close()


def _take_offset_requests(context: SinkTaskContext) -> dict[TopicPartition, int]:
    requests = dict(context.requested_offsets)
    context.requested_offsets.clear()
    return requests


def _checks_read_committed(setting: str) -> bool:
    """``lambda.sink.read.committed``: ``auto`` checks unless the function is told its mapping reads committed."""
    if setting == "auto":
        return env.resolve(env.ESM_ISOLATION_LEVEL, env.DEFAULT_ESM_ISOLATION_LEVEL) != "read_committed"
    return setting == "true"


class _Read(NamedTuple):
    """A batch as the invocation read it: its records (``batch``), or an event read by offsets only (``event``),
    and the read_committed check a warm task started from it."""

    batch: SinkBatch | None
    event: EventBatch | None
    size: int
    check: PendingCheck | None = None

    @classmethod
    def of(cls, batch: SinkBatch) -> _Read:
        """A batch whose records are known."""
        return cls(batch, None, len(batch))


def _first_offsets(consumed: Sequence[ConsumedRecord],
                   held: dict[tuple[str, int], int] | None = None) -> list[dict[str, Any]]:
    """One failure per partition at its first offset: the mapping retries each partition from there (``held``:
    partitions held back at an open transaction, retried from there unless a record before it is retried)."""
    first: dict[tuple[str, int], int] = dict(held or {})
    for record in consumed:
        first[record.topic, record.partition] = min(record.offset, first.get((record.topic, record.partition),
                                                                             record.offset))
    return [{"itemIdentifier": {"partition": f"{topic}-{partition}", "offset": offset}}
            for (topic, partition), offset in first.items()]


def _trace(error: BaseException) -> str:
    return redact("".join(traceback.format_exception(error))) or ""


def _version(task: SinkTask) -> str | None:
    try:
        return task.version()
    except Exception:  # a version is informational
        return None
