"""``SourceRunner``: what one scheduled invocation of a source task does (docs/architecture.md).

Records and their source offsets go in ONE Kafka transaction per round, with Kafka Connect's exactly-once
transactional id ``<group.id>-<connector>-<task>``: ``init_transactions`` fences any older invocation of the task.
A warm container keeps its task, producer and stores; after a failure the task is rebuilt from the committed
offsets, so memory never runs ahead of Kafka. A big snapshot commits in chunks (``chunk_records``, ``chunk_bytes``,
``DEFAULT_CHUNK_MS``) so memory stays bounded and offset readers never wait long, and polling stops at
``TICK_SHARE`` of the interval less the longest commit and poll, before the next tick would fence it.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
import traceback
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from functools import partial
from itertools import compress, groupby, repeat, starmap
from operator import attrgetter, itemgetter, length_hint
from typing import TYPE_CHECKING, Any, TypeVar

from connect_core.api.errors import ConnectError, NotFoundError, RetriableError
from connect_core.api.record import SourceKeyedValues
from connect_core.api.task import SourceTask, SourceTaskContext, partition_key
from connect_core.errors.config import ErrorHandlingConfig
from connect_core.errors.log_reporter import log_reporters
from connect_core.errors.retry_with_tolerance import RetryWithToleranceOperator
from connect_core.kafka.admin import under_min_insync_replicas
from connect_core.kafka.clients import admin_client, producer_config
from connect_core.kafka.group_offsets import ClusterGroupOffsets
from connect_core.kafka.retry import is_retriable, kafka_error_of, with_retries
from connect_core.kafka.shared_clients import EAGER_CONNECTIONS
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
from connect_core.runtime.loggers import process_loggers
from connect_core.runtime.offset_reader import StoreOffsetReader
from connect_core.runtime.plugin_metrics import TaskPluginMetrics
from connect_core.runtime.registry import PluginType
from connect_core.runtime.source_commits import (
    IndexedDeliveries,
    MessageDeliveries,
    RecordByRecord,
    RunDeliveries,
)
from connect_core.runtime.source_pipeline import SourcePipeline
from connect_core.runtime.topic_creation import TopicCreation
from connect_core.runtime.topic_metadata import DEFAULT_MAX_BLOCK_MS, KafkaTimeoutError, await_topic, max_block_ms
from connect_core.runtime.trigger_config import (
    DEFAULT_POLL_INTERVAL_MS,
    DEFAULT_SCHEDULE_INTERVAL_MS,
    SourceScheduleConfig,
)
from connect_core.storage.catch_up import refresh_together
from connect_core.storage.config_state import TargetState
from connect_core.storage.config_store import ConfigStore
from connect_core.storage.offset_store import OffsetStore
from connect_core.storage.status_state import State, TaskStatus
from connect_core.storage.status_store import StatusStore
from connect_core.transforms.chain import build_chain

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

    from connect_core.api.record import SourceMessages, SourceRecord, SourceValues
    from connect_core.runtime.source_pipeline import ProduceArgs
    from connect_core.runtime.worker import WorkerSettings

    _KeyedPoll = Callable[[], list[SourceRecord | SourceKeyedValues] | None]

__all__ = ["SourceInvocationResult", "SourceRunner"]

log = logging.getLogger(__name__)
_T = TypeVar("_T")
_CommitPlan = IndexedDeliveries | RecordByRecord | RunDeliveries | MessageDeliveries  # runtime/source_commits.py
_TOPIC_ARG = itemgetter(0)  # a produce_args tuple's topic
PLUGIN_METRICS_SERVICE = "source_task"  # the service dimension of the function that runs source tasks

DEFAULT_MAX_RECORDS_PER_INVOCATION = 1_000_000
DEFAULT_CHUNK_RECORDS = 10_000  # records per transaction at most
DEFAULT_CHUNK_BYTES = 16 * 1024 * 1024  # produced key + value bytes per transaction at most
DEFAULT_CHUNK_MS = 10_000  # a transaction commits at least this often (readers of connect-offsets wait for it)
COMMIT_RESERVE = 2.0  # polling stops twice the longest commit seen before the tick share ends
TICK_SHARE = 5 / 6  # of the schedule interval an invocation may poll (50 s of a one-minute rate)
_QUEUE_FULL_WAIT_S = 0.1
# Kafka's producer default. A chunk commits within DEFAULT_CHUNK_MS, so a transaction never needs longer; and a
# transaction left open by a killed invocation (readers of connect-offsets wait for it, as in Kafka) is aborted by the
# broker after this long even if no newer invocation of its task comes to fence it (a paused or deleted task).
TRANSACTION_TIMEOUT_MS = 60_000
KAFKA_TIMEOUT_S = 60.0
MIN_CALL_S = 1.0
INIT_FLOOR_S = 10.0  # the default safety margin (LAMBDA_CONNECT_SAFETY_MARGIN_MS): still inside the function's time
OFFSETS_REFRESH_S = 60.0  # a warm task catches up on its connector's offsets this often


@dataclass
class SourceInvocationResult:
    """The summary an invocation returns (and emits as metrics)."""

    connector: str
    task: int
    state: str
    records: int = 0
    skipped: int = 0
    polls: int = 0
    retried_polls: int = 0  # polls that raised a retriable error: the invocation ended there, the next polls again
    rounds: int = 0
    bytes: int = 0
    duration_ms: float = 0.0
    poll_interval_ms: int | None = None  # a RUNNING task's poll.interval.ms: when to invoke it again
    offsets: list[dict[str, Any]] = field(default_factory=list)
    metrics: dict[str, float] = field(default_factory=dict)  # the task's own plugin metrics, as published

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        return dict(self.__dict__)


@dataclass
class _RunningTask:
    """A started task and everything built for it; valid while its task config is unchanged."""

    config: dict[str, str]
    task: SourceTask
    pipeline: SourcePipeline
    reader: StoreOffsetReader
    producer: Any
    version: str | None = None
    poll_interval_ms: int = DEFAULT_POLL_INTERVAL_MS
    tick_ms: int = DEFAULT_SCHEDULE_INTERVAL_MS
    epoch: tuple[int | None, int] | None = None  # ConfigState.task_epoch when it started
    configs: ResolvedConfigs | None = None  # what it was started with (config.action.reload)
    topics: set[str] = field(default_factory=set)  # the topics of the open transaction (topic.tracking.enable)
    longest_poll_s: float = 0.0  # its longest poll and send this invocation: the next tick must not find one running
    plugin_metrics: TaskPluginMetrics | None = None  # KIP-877: the task's and its plugins' metrics
    topic_creation: TopicCreation | None = None  # KIP-158: creates a topic before its first record
    max_block_ms: int = DEFAULT_MAX_BLOCK_MS  # the producer's max.block.ms: how long a record waits for its topic
    ready_topics: set[str] = field(default_factory=set)  # topics the producer has metadata for: never waited on again
    budget: Callable[[], float] = field(default=lambda: float("inf"))  # this invocation's time left (ms)
    wait_budget: Callable[[], float] = field(default=lambda: float("inf"))  # the same, never into the next tick

    def close(self) -> None:
        """Stop the task, then release what was built for it, its transactional producer included."""
        try:
            self.task.stop()
        finally:
            try:
                self.pipeline.converters.close()
                self.pipeline.chain.close()
                if self.plugin_metrics is not None:
                    self.plugin_metrics.close()
            finally:
                _purge(self.producer)
                close = getattr(self.producer, "close", None)  # confluent-kafka >= 2.5; no transaction is open here
                if close is not None:
                    close()


class SourceRunner:
    """Runs source tasks one invocation at a time; keep one per container to reuse clients across warm starts."""

    def __init__(
        self,
        worker: WorkerSettings,
        *,
        config_store: ConfigStore | None = None,
        offset_store: OffsetStore | None = None,
        status_store: StatusStore | None = None,
        max_records: int = DEFAULT_MAX_RECORDS_PER_INVOCATION,
        producer_factory: Callable[[dict[str, Any]], Any] | None = None,
        chunk_records: int = DEFAULT_CHUNK_RECORDS,
        chunk_bytes: int = DEFAULT_CHUNK_BYTES,
        max_started_tasks: int | None = None,
    ) -> None:
        """Build lazily-started stores for the worker's internal topics.

        Args:
            worker: cluster, internal topics, group id.
            config_store: to share or fake; built from ``worker`` otherwise (same for the other stores).
            offset_store: see ``config_store``.
            status_store: see ``config_store``.
            max_records: records per invocation at most.
            producer_factory: builds the transactional producer from its librdkafka config.
            chunk_records: records per transaction at most (a round commits in chunks).
            chunk_bytes: produced bytes per transaction at most.
            max_started_tasks: started tasks kept between invocations at most (``LAMBDA_CONNECT_MAX_STARTED_TASKS``,
                16): one container runs the tasks of many connectors, and each holds a producer and often a
                database connection; the least recently run one is stopped first.
        """
        self.worker = worker
        self.config_store = config_store or ConfigStore(worker.kafka, worker.storage)
        self.config_store.on_logger_levels(process_loggers().apply_cluster_levels)  # KIP-976, no redeploy
        self.offset_store = offset_store or OffsetStore(worker.kafka, worker.storage)
        self.status_store = status_store or StatusStore(worker.kafka, worker.storage)
        self.max_records = max_records
        self._producer_factory = producer_factory or _confluent_producer
        self.chunk_records = chunk_records
        self.chunk_bytes = chunk_bytes
        self.max_started_tasks = max(1, env.resolve_int(env.MAX_STARTED_TASKS, env.DEFAULT_MAX_STARTED_TASKS,
                                                        max_started_tasks))
        self._running: OrderedDict[tuple[str, int], _RunningTask] = OrderedDict()  # least recently run first
        self._lock = threading.Lock()  # one invocation at a time per container: a task never runs twice at once
        self._longest_commit_s = 0.0  # stop polling this long (times COMMIT_RESERVE) before the next tick
        self.active_topics = ActiveTopics(self.status_store, enabled=worker.topic_tracking)  # KIP-558

    def run(self, connector: str, task_id: int, remaining_ms: Callable[[], float]) -> SourceInvocationResult:
        """Poll the task while it has data and the budget lasts; commit records and offsets atomically.

        Nothing here waits: the invocation ends at the first empty poll (Lambda bills wall time); the next one comes
        from the schedule or a delayed tick (``runtime/source_ticks.py``), ``result.poll_interval_ms`` later.

        Args:
            connector: the connector name.
            task_id: the task number.
            remaining_ms: milliseconds left before the invocation must return (Lambda context's
                ``get_remaining_time_in_millis`` minus a safety margin, or a local budget).
        """
        freeze_when_warm()  # runtime/gc_pause.py
        with self._lock:
            result: SourceInvocationResult | None = None
            try:
                result = self._run(connector, task_id, remaining_ms)
            finally:
                running = self._running.get((connector, task_id))
                if running is not None and running.plugin_metrics is not None:
                    running.plugin_metrics.publish(PLUGIN_METRICS_SERVICE)
                    if result is not None:  # kept in the run record (the status of a RUNNING task shows them)
                        result.metrics = running.plugin_metrics.published
            return result

    def _run(self, connector: str, task_id: int, remaining_ms: Callable[[], float]) -> SourceInvocationResult:
        started = time.monotonic()
        refresh_together(self.config_store, self.status_store)  # the status view _report compares with, same request
        state = self.config_store.target_state(connector)
        if self.config_store.connector_config(connector) is None:
            self._shutdown_connector(connector)  # deleted: every task of it this container started is stopped
            raise NotFoundError(f"Connector {connector} not found")
        if state in (TargetState.PAUSED, TargetState.STOPPED):
            self._shutdown(connector, task_id)
            return SourceInvocationResult(connector, task_id, state.name)
        warm = (connector, task_id) in self._running
        running = self._running_task(connector, task_id, remaining_ms)
        if warm:  # keeps the connector's offsets snapshot recent, so a cold start reads little
            running.reader.store.refresh_if_older(OFFSETS_REFRESH_S)
        result = SourceInvocationResult(connector, task_id, State.RUNNING.value)
        running.longest_poll_s = 0.0  # this invocation's: one slow poll (a cold start) does not shorten the next ones
        tick_ends = started + running.tick_ms * TICK_SHARE / 1000.0
        budget = remaining_ms

        def until_tick_ms() -> float:  # the budget, never into the next tick (a wait for a topic's metadata)
            return min(budget(), (tick_ends - time.monotonic()) * 1000.0)

        running.budget, running.wait_budget = budget, until_tick_ms

        def within_tick_ms() -> float:  # the budget (the window's, when it has one), and never into the next tick
            # less the longest commit's time (twice) and the task's longest poll: a poll begun just before the end must
            # be produced and committed inside it, or the next tick's init_transactions fences it (the first poll of an
            # invocation goes ahead whatever they were: a task always progresses)
            reserve_ms = (COMMIT_RESERVE * self._longest_commit_s + running.longest_poll_s) * 1000.0
            return until_tick_ms() - (reserve_ms if result.polls else 0.0)

        while True:
            try:
                while True:
                    full = self._poll_in_transaction(connector, running, within_tick_ms, result)
                    result.rounds += 1
                    if result.rounds == 1:  # RUNNING once the (re)started task's first poll went through (issue
                        # 69), not only when a (deployed, 50-second) poll window ends; not before it (a worker's
                        # start() is no proof here)
                        self._report(connector, task_id, State.RUNNING, None, running.version)
                    if not full or within_tick_ms() <= 0 or result.records + result.skipped >= self.max_records:
                        break  # nothing more now (or no budget): end, never wait inside a billed invocation
                break
            except Exception as error:  # handled after the clause: no client call inside it (kafka/unchained.py)
                failure = error
            if not (warm and result.rounds == 0 and _fenced(failure)):
                if isinstance(failure, _TopicsNotReadyError):
                    return self._topics_not_ready(connector, task_id, running, result, error=failure, started=started)
                self._fail(connector, task_id, running, failure)
                raise failure
            del failure  # its frames hold the fenced task's clients
            warm = False
            running = self._restart_fenced(connector, task_id, budget)
            result = SourceInvocationResult(connector, task_id, State.RUNNING.value)
            running.budget, running.wait_budget = budget, until_tick_ms
        try:
            running.task.suspend()  # what must not outlive the invocation (a CDC task's replication connection)
        except Exception as error:
            self._fail(connector, task_id, running, error)
            raise
        result.poll_interval_ms = running.poll_interval_ms
        result.duration_ms = round((time.monotonic() - started) * 1000.0, 1)
        log.debug("%s-%d produced %d records in %d transactions in %.1f ms", connector, task_id, result.records,
                  result.rounds, result.duration_ms)
        return result

    def _restart_fenced(self, connector: str, task_id: int, budget: Callable[[], float]) -> _RunningTask:
        """This warm container was fenced by a newer one since its last invocation (its task may be behind): not a
        task failure. The task starts afresh from the committed offsets."""
        log.info("source task %s-%d was fenced while idle; restarting it", connector, task_id)
        self._shutdown_quietly(connector, task_id)
        return self._running_task(connector, task_id, budget)

    def _topics_not_ready(self, connector: str, task_id: int, running: _RunningTask, result: SourceInvocationResult,
                          *, error: Exception, started: float) -> SourceInvocationResult:
        """Kafka's sendRecords retries a RetriableException from topic creation with the same records; an invocation
        ends instead: its open transaction was aborted, and the task goes on from its committed offsets at the next
        invocation (no failure: it stays RUNNING)."""
        log.warning("source task %s-%d: %s; retried from the committed offsets at the next invocation", connector,
                    task_id, error)
        self._shutdown_quietly(connector, task_id)
        result.poll_interval_ms = running.poll_interval_ms
        result.duration_ms = round((time.monotonic() - started) * 1000.0, 1)
        return result

    def _poll_in_transaction(
        self, connector: str, running: _RunningTask, remaining_ms: Callable[[], float], result: SourceInvocationResult
    ) -> bool:
        """One transaction: poll until nothing comes, the budget ends or the chunk is full (then True)."""
        producer = running.producer
        errors: list[Any] = []

        def on_delivery(error: Any, _message: Any) -> None:
            if error is not None:
                errors.append(error)

        producer.begin_transaction()
        latest: dict[Any, tuple[dict[str, Any], dict[str, Any]]] = {}
        # records are kept until the commit only for a task that overrides commit_record: holding every record of a
        # chunk alive otherwise costs the garbage collector more than the records cost to build
        commits = self._commit_plan(running.task, on_delivery)
        # the values path (SourceTask.values_poll): when nothing needs the records (no SMT, no commit_record)
        values_poll = None if commits is not None or len(running.pipeline.chain) else running.task.values_poll()
        # the keyed path (SourceTask.keyed_poll): runs of records of one topic with their own keys, on the same terms
        # or with SMTs that may transform a run whole (TransformationChain.keyed)
        keyed_poll = None
        chain = running.pipeline.chain
        if values_poll is None and commits is None and (not len(chain) or chain.keyed):
            keyed_poll = running.task.keyed_poll()
        # the messages path (SourceTask.messages_poll): records written as the bytes they carry, commit_record (if
        # any) reading only the offsets
        messages_poll = None
        if values_poll is None and keyed_poll is None and running.pipeline.passes_bytes and (
                commits is None or isinstance(commits, RunDeliveries)):
            messages_poll = running.task.messages_poll()
            if messages_poll is not None and commits is not None:
                commits = MessageDeliveries(on_delivery)
        # a task that keeps its records for commit_record keeps a chunk of them alive: the collector stays paused
        # until they are freed after its commit_record calls (runtime/gc_pause.py); else each poll's records were
        # collected where its pause ended, promoted, and traversed again by the full collections that followed
        with gc_paused() if commits is not None else contextlib.nullcontext():
            full = self._fill_and_commit(connector, running, remaining_ms, result, on_delivery=on_delivery,
                                         errors=errors, values_poll=values_poll, messages_poll=messages_poll,
                                         keyed_poll=keyed_poll, commits=commits, latest=latest)
            if isinstance(commits, MessageDeliveries):  # commit_record's batches (SourceTask.commit_messages)
                commits.commit(running.task.commit_messages)
            elif commits is not None:  # the task overrides commit_record; then commit(), as Kafka's EOS task
                commits.commit(running.task.commit_record)
            commits = None  # the chunk's records freed inside the pause
            running.task.commit()
        return full

    def _fill_and_commit(self, connector: str, running: _RunningTask, remaining_ms: Callable[[], float],
                         result: SourceInvocationResult, *, on_delivery: Callable[[Any, Any], None], errors: list[Any],
                         values_poll: Callable[[], SourceValues | None] | None,
                         messages_poll: Callable[[], SourceMessages | None] | None, commits: _CommitPlan | None,
                         latest: dict[Any, tuple[dict[str, Any], dict[str, Any]]],
                         keyed_poll: _KeyedPoll | None = None) -> bool:
        """The open transaction's polls until nothing comes, the budget ends or the chunk is full (then True), their
        offsets, and its commit."""
        producer = running.producer
        first_record, first_byte = result.records + result.skipped, result.bytes
        chunk_ends = time.monotonic() + DEFAULT_CHUNK_MS / 1000.0
        full = False
        try:
            while remaining_ms() > 0 and result.records + result.skipped < self.max_records:
                if (result.records + result.skipped - first_record >= self.chunk_records
                        or result.bytes - first_byte >= self.chunk_bytes or time.monotonic() >= chunk_ends):
                    full = True
                    break
                if not self._poll_once(running, values_poll, result, on_delivery, messages_poll=messages_poll,
                                       keyed_poll=keyed_poll, commits=commits, latest=latest):
                    break
            for offset_key, offset_value in self.offset_store.offset_records(connector, list(latest.values())):
                producer.produce(self.offset_store.topic, key=offset_key, value=offset_value, on_delivery=on_delivery)
            idle = result.records + result.skipped == first_record
            fault_points.reached("source.before_commit", idle=idle)
            committing = time.monotonic()
            commit_s = _bounded_s(running.budget)
            try:
                with_retries(lambda: producer.commit_transaction(commit_s), what="committing the transaction",
                             timeout_s=commit_s)
            except Exception as error:
                if is_retriable(error) and commit_s < KAFKA_TIMEOUT_S:
                    raise self._not_acknowledged(running, commit_s) from error
                raise
            self._longest_commit_s = max(self._longest_commit_s, time.monotonic() - committing)
            fault_points.reached("source.after_commit", idle=idle)
        except BaseException:
            _abort(producer, _bounded_s(running.budget))
            running.topics.clear()
            raise
        finally:
            running.reader.pending.clear()
        if errors:
            raise ConnectError(f"records of the committed transaction were not delivered: {errors[0]}")
        if running.topics:  # acknowledged: a worker records a topic once a record to it is (KIP-558)
            self.active_topics.record(connector, result.task, running.topics)
            running.topics.clear()
        result.offsets = [{"partition": partition, "offset": offset} for partition, offset in latest.values()]
        return full

    def _not_acknowledged(self, running: _RunningTask, commit_s: float) -> KafkaTimeoutError:
        """The commit that ran out of time: with the partitions short of ``min.insync.replicas`` when that is why
        (NOT_ENOUGH_REPLICAS: the topic, the required and available replicas, what to do)."""
        short = under_min_insync_replicas(admin_client(self.worker.kafka), sorted(
            {*running.topics, *running.ready_topics, self.offset_store.topic}), timeout_s=2 * MIN_CALL_S)
        why = (": " + " ".join(short)) if short else (" (a partition without a leader or enough in-sync replicas, "
                                                     "or a broker that does not answer)")
        return KafkaTimeoutError(f"The transaction was not committed within the invocation's time "
                                 f"({round(commit_s * 1000)} ms): its records were not acknowledged{why}")

    @staticmethod
    def _commit_plan(task: SourceTask, on_delivery: Callable[[Any, Any], None]) -> _CommitPlan | None:
        """The one place the ``commit_record`` plan is chosen (runtime/source_commits.py): none for a task that
        does not override it, else a poll's records at once, each delivery report writing its record's slot (two
        reports a partition's run for a task that reads only the offsets)."""
        if not _overrides_commit_record(task):
            return None
        return RunDeliveries(on_delivery) if task.commit_record_reads_offsets() else IndexedDeliveries(on_delivery)

    def _poll_once(self, running: _RunningTask, values_poll: Callable[[], SourceValues | None] | None,
                   result: SourceInvocationResult, on_delivery: Any, *,
                   messages_poll: Callable[[], SourceMessages | None] | None, commits: _CommitPlan | None,
                   latest: dict[Any, tuple[dict[str, Any], dict[str, Any]]],
                   keyed_poll: _KeyedPoll | None = None) -> bool:
        """One poll of the task (its ``values_poll``, ``keyed_poll`` or ``messages_poll`` when given) produced; False
        when it gave nothing. ``commits`` keeps the records, and where each was written, for ``commit_record``."""
        polling = time.monotonic()
        try:
            if keyed_poll is not None:
                return self._poll_keyed(running, keyed_poll, result, on_delivery, latest)
            if messages_poll is not None:
                return self._poll_messages(running, messages_poll, result, on_delivery, commits=commits,
                                           latest=latest)
            return self._poll_and_send(running, values_poll, result, on_delivery, commits=commits, latest=latest)
        finally:
            running.longest_poll_s = max(running.longest_poll_s, time.monotonic() - polling)

    def _poll_and_send(self, running: _RunningTask, values_poll: Callable[[], SourceValues | None] | None,
                       result: SourceInvocationResult, on_delivery: Any, *, commits: _CommitPlan | None,
                       latest: dict[Any, tuple[dict[str, Any], dict[str, Any]]]) -> bool:
        with gc_paused():  # one poll's records alive at once: runtime/gc_pause.py
            if values_poll is not None:  # the values path: no SourceRecord a value
                batch = _polled(values_poll, running.task, result)
                result.polls += 1
                if batch is None or not batch.values:
                    return False
                fault_points.reached("source.after_poll")
                self._send_values(running, batch, result, on_delivery, latest)
                fault_points.reached("source.after_produce")
                del batch  # freed inside the pause, as the records below
                return True
            records = _polled(running.task.poll, running.task, result)
            result.polls += 1
            if not records:
                return False
            fault_points.reached("source.after_poll")
            self._send_all(running, records, result, on_delivery, latest, commits=commits)
            fault_points.reached("source.after_produce")
            # freed inside the pause: a poll's records alive when it ended were collected at the next
            # allocation and promoted to older generations, then freed there (a full collection now and then)
            del records
        return True

    def _poll_keyed(self, running: _RunningTask, keyed_poll: _KeyedPoll, result: SourceInvocationResult,
                    on_delivery: Any, latest: dict[Any, tuple[dict[str, Any], dict[str, Any]]]) -> bool:
        """``_poll_and_send`` of a task's ``keyed_poll``: each run written a batch at a time (``_send_keyed``)."""
        with gc_paused():  # one poll's records alive at once: runtime/gc_pause.py
            items = _polled(keyed_poll, running.task, result)
            result.polls += 1
            if not items:
                return False
            fault_points.reached("source.after_poll")
            self._send_keyed(running, items, result, on_delivery, latest)
            fault_points.reached("source.after_produce")
            del items  # freed inside the pause
        return True

    def _send_keyed(self, running: _RunningTask, items: list[SourceRecord | SourceKeyedValues],
                    result: SourceInvocationResult, on_delivery: Any,
                    latest: dict[Any, tuple[dict[str, Any], dict[str, Any]]]) -> None:
        """``_send_all`` of the records ``items`` stand for, in order: each run from its keys and values when the
        pipeline writes them in one call (the same produce arguments), records (and runs it does not write so) by
        ``_send_all``, consecutive ones together."""
        records: list[SourceRecord] = []
        for item in items:
            if not isinstance(item, SourceKeyedValues):
                records.append(item)
                continue
            run = item
            written = running.pipeline.keyed_bytes(run)
            if written is None:
                records.extend(run.records())
                continue
            if records:
                self._send_all(running, records, result, on_delivery, latest)
                records = []
            keys, values, headers, size = written
            topic = run.topic
            if topic not in running.ready_topics:
                self._prepare_topics(running, {topic})
            if self.active_topics.enabled:
                running.topics.add(topic)
            result.records += _produce_keyed(running.producer, topic, keys, values, on_delivery,
                                             timestamp=run.timestamp or 0, headers=headers)
            result.bytes += size
            _note_last_offset(run.source_partition, run.source_offsets, latest, running.reader.pending)
        if records:
            self._send_all(running, records, result, on_delivery, latest)

    def _poll_messages(self, running: _RunningTask, messages_poll: Callable[[], SourceMessages | None],
                       result: SourceInvocationResult, on_delivery: Any, *, commits: _CommitPlan | None,
                       latest: dict[Any, tuple[dict[str, Any], dict[str, Any]]]) -> bool:
        """``_poll_and_send`` of a task's ``messages_poll``: each message produced as the bytes it carries (the
        pipeline passes them through), no ``SourceRecord`` a message."""
        with gc_paused():  # one poll's records alive at once: runtime/gc_pause.py
            batch = _polled(messages_poll, running.task, result)
            result.polls += 1
            if batch is None or not batch.topics:
                return False
            fault_points.reached("source.after_poll")
            assert commits is None or isinstance(commits, MessageDeliveries)
            callbacks: Iterable[Any] = repeat(on_delivery) if commits is None else commits.callbacks(batch)
            topics, partitions, keys, values = batch.topics, batch.partitions, batch.keys, batch.values
            timestamps, headers = batch.timestamps, batch.headers
            if None in topics:  # offsets only: noted, never produced
                kept = [topic is not None for topic in topics]
                result.skipped += kept.count(False)
                topics, partitions, keys, values, timestamps, headers, callbacks = (
                    list(compress(column, kept)) for column in (topics, partitions, keys, values, timestamps,
                                                                headers, callbacks))
            if None in partitions:
                partitions = [-1 if partition is None else partition for partition in partitions]
            if None in timestamps:
                timestamps = [timestamp or 0 for timestamp in timestamps]
            args = list(zip(topics, values, keys, partitions, callbacks, repeat(None), timestamps, headers))
            ready = set(topics)
            if not ready <= running.ready_topics:  # a topic's first record: create it (KIP-158), await metadata
                self._prepare_topics(running, ready - running.ready_topics)  # type: ignore[arg-type]
            if self.active_topics.enabled:
                running.topics.update(ready)  # type: ignore[arg-type]
            result.records += _produce_all(running.producer, args)
            result.bytes += sum(map(len, filter(None, keys))) + sum(map(len, filter(None, values)))
            _note_message_offsets(batch, latest, running.reader.pending)
            fault_points.reached("source.after_produce")
            del batch, args
        return True

    def _send_all(self, running: _RunningTask, records: list[SourceRecord], result: SourceInvocationResult,
                  on_delivery: Any, latest: dict[Any, tuple[dict[str, Any], dict[str, Any]]], *,
                  commits: _CommitPlan | None = None) -> None:
        """Convert and produce ``records`` in order, then note each source partition's latest offset; ``commits``
        keeps them, and where each is written, for ``commit_record``.

        The offsets are noted after the poll's records are produced: only a partition's last offset is kept, and a
        failure before that aborts the transaction (and clears ``pending``) anyway.
        """
        if commits is None:
            args, skipped, size = running.pipeline.produce_args(records, on_delivery)
        else:
            assert not isinstance(commits, MessageDeliveries)  # only the messages path has it
            args, skipped, size = commits.produce_args(running.pipeline, records)
        topics = set(map(_TOPIC_ARG, args))  # built in C per poll
        if not topics <= running.ready_topics:  # a topic's first record: create it (KIP-158), wait for its metadata
            self._prepare_topics(running, topics - running.ready_topics)
        if self.active_topics.enabled:  # the status topic is read only for a new topic
            running.topics.update(topics)
        result.skipped += skipped
        sent = _produce_all(running.producer, args)
        result.records += sent
        result.bytes += size
        _note_offsets(records, latest, running.reader.pending)

    def _send_values(self, running: _RunningTask, batch: SourceValues, result: SourceInvocationResult,
                     on_delivery: Any, latest: dict[Any, tuple[dict[str, Any], dict[str, Any]]]) -> None:
        """``_send_all`` of ``batch.records()``: from the values when the pipeline writes them in one call (the same
        produce arguments, in order), else from the records."""

        written = running.pipeline.values_bytes(batch)
        if written is None:
            self._send_all(running, batch.records(), result, on_delivery, latest)
            return
        key, values = written
        if batch.topic not in running.ready_topics:
            self._prepare_topics(running, {batch.topic})
        running.topics.add(batch.topic)
        size = sum(map(len, filter(None, values)))
        if key is not None:
            size += len(key) * len(values)
        result.records += _produce_values(running.producer, batch.topic, key, values, on_delivery,
                                          timestamp=batch.timestamp or 0)
        result.bytes += size
        _note_last_offset(batch.source_partition, batch.source_offsets, latest, running.reader.pending)

    @staticmethod
    def _prepare_topics(running: _RunningTask, topics: set[str]) -> None:
        """Before the first record of each of ``topics``: KIP-158 creation (``runtime/topic_creation.py``), then the
        producer's metadata within ``max.block.ms`` and the invocation's time (``runtime/topic_metadata.py``).

        Raises:
            ConnectError: "Unrecoverable exception from producer send callback", caused by the metadata timeout or a
                refusal (not authorized), as a worker fails the task; or the creation's own error.
        """
        from confluent_kafka import KafkaException

        for topic in sorted(topics):
            if running.topic_creation is not None:
                try:
                    running.topic_creation.ensure((topic,), _bounded_s(running.budget))
                except RetriableError as error:
                    raise _TopicsNotReadyError(str(error)) from error
            try:
                await_topic(running.producer, topic, max_block=running.max_block_ms,
                            remaining_ms=running.wait_budget)
            except (KafkaTimeoutError, KafkaException) as error:  # timed out, or not authorized
                raise ConnectError("Unrecoverable exception from producer send callback") from error
            running.ready_topics.add(topic)

    def _running_task(self, connector: str, task_id: int, budget: Callable[[], float]) -> _RunningTask:
        config = self.config_store.task_configs(connector)
        if task_id >= len(config):
            self._shutdown(connector, task_id)  # fewer tasks now: this one is gone
            raise NotFoundError(f"Task {connector}-{task_id} not found (the connector has {len(config)} tasks)")
        task_config = {k: v for k, v in config[task_id].items() if v is not None}
        running = self._running.get((connector, task_id))
        if running is not None:
            self._running.move_to_end((connector, task_id))
        # A new task-config commit or a restart request restarts the task, as in Kafka: a stop, offsets altered
        # while stopped and a resume may all happen between two invocations of a warm container.
        epoch = self.config_store.state.task_epoch(connector)
        if running is not None and running.config == task_config and running.epoch == epoch \
                and not (running.configs is not None and running.configs.changed()):
            return running
        self._shutdown(connector, task_id)
        while len(self._running) >= self.max_started_tasks:  # room for this one: the least recently run stops
            evicted = next(iter(self._running))
            log.info("stopping source task %s-%d: %d tasks started in this container", *evicted, len(self._running))
            self._shutdown_quietly(*evicted)
        running = self._start(connector, task_id, task_config, budget)
        running.epoch = epoch
        self._running[(connector, task_id)] = running
        return running

    def _start(self, connector: str, task_id: int, raw_task_config: dict[str, str],
               budget: Callable[[], float]) -> _RunningTask:
        # The topic holds ${provider:path:key} placeholders; only this task's memory ever holds the values.
        try:
            resolved = ResolvedConfigs.resolve(self.config_store.connector_config(connector) or {}, raw_task_config)
            connector_config, task_config = resolved.resolved
        except Exception as error:
            self._report(connector, task_id, State.FAILED, _trace(error), None)
            raise
        try:  # a bad plugin config is FAILED with its trace in /status, never a task left UNASSIGNED
            connector_cls = registry.load_as(
                CONNECTOR_CLASS_CONFIG, connector_config[CONNECTOR_CLASS_CONFIG], PluginType.SOURCE,
                version=connector_config.get(registry.CONNECTOR_VERSION_CONFIG))
            check_overrides(connector_config, source=True)  # the worker's override policy (KIP-1188)
            task = connector_cls().task_class()()
            per_record_commit = _overrides_commit_record(task)
            errors_config = ErrorHandlingConfig.parse(connector_config)
            operator = RetryWithToleranceOperator.from_config(
                errors_config, reporters=log_reporters(errors_config, connector, task_id), connector=connector,
                task=task_id)
            pipeline = SourcePipeline(ConverterSet.from_config(connector_config),
                                      build_chain(connector_config, registry.find), operator)
            plugin_metrics = TaskPluginMetrics(connector, task_id)
            plugin_metrics.attach_pipeline(pipeline.converters, pipeline.chain)
            topic_creation = TopicCreation.for_connector(  # KIP-158, with the connector's admin.override.*
                connector_config, enabled=self.worker.topic_creation,
                admin_factory=lambda overrides: admin_client(self.worker.kafka, **overrides))
            max_block = max_block_ms(connector_config)
        except Exception as error:
            self._report(connector, task_id, State.FAILED, _trace(error), None)
            raise
        # Fence older invocations of this task first, then read offsets: nothing can commit behind our back.
        producer = self._producer_factory(producer_config(
            self.worker.kafka, transactional_id=self.worker.transactional_id(connector, task_id),
            client_id=f"connector-producer-{connector}-{task_id}",
            # EAGER_CONNECTIONS: with sparse connections librdkafka's transaction coordinator look-up often finds no
            # broker up yet and retries after 500 ms, which a fresh container's init_transactions would wait out.
            # retry.backoff.ms starts librdkafka's exponential backoff (up to retry.backoff.max.ms, 1 s) at 10 ms: the
            # first records to a topic the broker is still auto-creating wait a short backoff, not librdkafka's 100 ms.
            # delivery.report.only.error: confluent-kafka builds a Message and calls on_delivery only for a failed
            # record (its one use here), not for every record on the invocation's main thread. A task that
            # overrides commit_record gets a report per record: where each was written (RecordMetadata).
            **{"transaction.timeout.ms": TRANSACTION_TIMEOUT_MS, "linger.ms": 5, "retry.backoff.ms": 10,
               "delivery.report.only.error": not per_record_commit, **EAGER_CONNECTIONS},
        ))
        # within the invocation's time (at least INIT_FLOOR_S: a start invocation's budget is cut short, and a fresh
        # cluster's transaction coordinator takes seconds to load): a coordinator that does not answer fails the task
        init_s = max(INIT_FLOOR_S, _bounded_s(budget))
        with_retries(lambda: producer.init_transactions(init_s), what="init_transactions", timeout_s=init_s)
        offsets = self.offset_store.for_connector(connector)
        offsets.refresh()  # from the connector's snapshot: not the whole topic (storage/connector_offsets.py)
        reader = StoreOffsetReader(offsets)
        task.initialize(SourceTaskContext(task_config, reader, file_roots=worker_file_roots(),
                                          cluster_id=lambda: _cluster_id(producer, self.offset_store.topic),
                                          plugin_metrics=plugin_metrics.task, group_offsets=ClusterGroupOffsets))
        try:
            task.start(task_config)
        except Exception as error:
            self._report(connector, task_id, State.FAILED, _trace(error), None)
            raise
        schedule = SourceScheduleConfig.parse(connector_config)
        return _RunningTask(raw_task_config, task, pipeline, reader, producer, _version(task),
                            schedule.local_interval_ms(connector_config),
                            schedule.heartbeat_ms(), configs=resolved, plugin_metrics=plugin_metrics,
                            topic_creation=topic_creation, max_block_ms=max_block)

    def _fail(self, connector: str, task_id: int, running: _RunningTask, error: BaseException) -> None:
        log.exception("source task %s-%d failed; it restarts from committed offsets next time", connector, task_id)
        if running.plugin_metrics is not None:  # what it measured up to its failure, before it is closed
            running.plugin_metrics.publish(PLUGIN_METRICS_SERVICE)
        self._running.pop((connector, task_id), None)
        try:
            unchained(running.close)  # from an except clause: kafka/unchained.py
        except Exception:  # the original failure is what matters
            log.exception("stopping failed task %s-%d", connector, task_id)
        self._report(connector, task_id, State.FAILED, _trace(error), running.version)

    def _shutdown_quietly(self, connector: str, task_id: int) -> None:
        try:
            unchained(partial(self._shutdown, connector, task_id))  # often from an except clause: kafka/unchained.py
        except Exception:  # a fenced task's producer cannot abort; it is discarded anyway
            log.warning("stopping fenced task %s-%d", connector, task_id, exc_info=True)
            self._running.pop((connector, task_id), None)

    def _shutdown(self, connector: str, task_id: int) -> None:
        running = self._running.pop((connector, task_id), None)
        if not any(name == connector for name, _task in self._running):
            self.offset_store.forget(connector)  # its offsets are read afresh (from the snapshot) if it comes back
        if running is not None:
            running.close()

    def started_tasks(self) -> list[tuple[str, int]]:
        """The tasks this container keeps started, least recently run first."""
        return list(self._running)

    def _shutdown_connector(self, connector: str) -> None:
        for name, task_id in [key for key in self._running if key[0] == connector]:
            self._shutdown_quietly(name, task_id)

    def _report(self, connector: str, task_id: int, state: State, trace: str | None, version: str | None) -> None:
        """Write the task status when it changes (and always on failure), as a Connect worker does: compared with the
        status topic's latest value as this invocation caught up on it, not with this container's last write (another
        warm container may have written FAILED since)."""
        generation = self.config_store.state.task_config_generation(connector) or 0
        status = TaskStatus(connector, task_id, state, self.worker.worker_id, generation, trace, version)
        if state is not State.FAILED and self.status_store.is_latest(status):
            return
        # FAILED is written from except clauses: kafka/unchained.py
        unchained(partial(self.status_store.put_task_status, status))

    def close(self) -> None:
        """Stop every task and release clients."""
        for key in list(self._running):
            self._shutdown(*key)


def _note_offsets(records: list[SourceRecord], latest: dict[Any, tuple[dict[str, Any], dict[str, Any]]],
                  pending: dict[Any, dict[str, Any]]) -> None:
    """The last offset of each source partition in ``records`` into ``latest`` and ``pending``, in record order.

    Records of one poll usually share one partition dict: ``groupby`` (in C, identity first) finds the runs of one
    partition, and only a run's last record with an offset is read.
    """
    for partition, run in groupby(records, _source_partition):  # a run's partitions are equal dicts
        if partition is None:
            continue
        for record in reversed(list(run)):
            offset = record.source_offset
            if offset is not None:
                key = partition_key(partition)
                latest[key] = (partition, offset)
                pending[key] = offset
                break


_source_partition = attrgetter("source_partition")


def _note_last_offset(partition: dict[str, Any] | None, offsets: Sequence[dict[str, Any] | None],
                      latest: dict[Any, tuple[dict[str, Any], dict[str, Any]]],
                      pending: dict[Any, dict[str, Any]]) -> None:
    """``_note_offsets`` of records of one source ``partition`` given by their ``offsets``: only the last one that is
    not None is read (no other is made when they are lazy)."""
    if partition is None:
        return
    for index in range(len(offsets) - 1, -1, -1):
        offset = offsets[index]
        if offset is not None:
            key = partition_key(partition)
            latest[key] = (partition, offset)
            pending[key] = offset
            return


def _note_message_offsets(batch: SourceMessages, latest: dict[Any, tuple[dict[str, Any], dict[str, Any]]],
                          pending: dict[Any, dict[str, Any]]) -> None:
    """``_note_offsets`` of ``batch.records()`` without the records: only a run's last offset is read."""
    offsets = batch.source_offsets
    end = 0
    for partition, run in groupby(batch.source_partitions):  # a run's partitions are equal dicts
        start, end = end, end + len(list(run))
        if partition is None:
            continue
        for index in range(end - 1, start - 1, -1):
            offset = offsets[index]
            if offset is not None:
                key = partition_key(partition)
                latest[key] = (partition, offset)
                pending[key] = offset
                break


def _produce_all(producer: Any, args: list[ProduceArgs]) -> int:
    """``producer.produce(*a)`` for each of ``args`` in order, from C (``starmap``); returns how many were produced.

    A full queue (``BufferError``) serves delivery reports until the refused record fits, then goes on with the
    next: the order stays. Reports are served once a poll (``poll(0)``); the commit serves the rest. Any other
    error propagates (the transaction is aborted).
    """
    produce, poll = producer.produce, producer.poll
    pending = iter(args)
    while True:
        try:
            deque(starmap(produce, pending), 0)
            break
        except BufferError:  # the producer's queue is full: let deliveries drain it (bounded memory)
            refused = args[len(args) - length_hint(pending) - 1]
        _produce_when_room(produce, poll, refused)  # after the clause: no client call inside it (kafka/unchained.py)
    poll(0)
    return len(args)


def _produce_when_room(produce: Callable[..., None], poll: Callable[[float], Any], args: tuple[Any, ...]) -> None:
    """``produce(*args)`` once the full queue has room for it: delivery reports served until it has."""
    while True:
        poll(_QUEUE_FULL_WAIT_S)
        try:
            produce(*args)
            return
        except BufferError:
            continue


def _produce_values(producer: Any, topic: str, key: bytes | None, values: list[bytes | None], on_delivery: Any, *,
                    timestamp: int) -> int:
    """``_produce_all`` of records of ``topic`` with one key, no partition and no headers, given by their values:
    ``produce`` is mapped over the values from C, no argument tuple a record, and without the trailing null headers
    (an argument fewer for confluent-kafka to parse a record: a tenth of its main-thread cost). Returns how many
    were produced."""
    produce, poll = producer.produce, producer.poll
    pending = iter(values)
    calls = map(produce, repeat(topic), pending, repeat(key), repeat(-1), repeat(on_delivery), repeat(None),
                repeat(timestamp))
    while True:
        try:
            deque(calls, 0)
            break
        except BufferError:  # the refused value was taken from ``pending``: produce it once it fits, then go on
            refused = values[len(values) - length_hint(pending) - 1]
        _produce_when_room(produce, poll, (topic, refused, key, -1, on_delivery, None, timestamp))
    poll(0)
    return len(values)


def _produce_keyed(producer: Any, topic: str, keys: list[bytes | None], values: list[bytes | None],
                   on_delivery: Any, *, timestamp: int, headers: list[tuple[str, bytes | None]] | None) -> int:
    """``_produce_values`` of records each with its own key, all with the same ``headers`` (None: none): ``produce``
    mapped over keys and values from C. Returns how many were produced."""
    produce, poll = producer.produce, producer.poll
    pending = iter(values)
    columns: list[Iterable[Any]] = [repeat(topic), pending, iter(keys), repeat(-1), repeat(on_delivery), repeat(None),
                                    repeat(timestamp)]
    if headers is not None:
        columns.append(repeat(headers))
    calls = map(produce, *columns)
    while True:
        try:
            deque(calls, 0)
            break
        except BufferError:  # the refused key and value were taken: produce them once they fit, then go on
            index = len(values) - length_hint(pending) - 1
        _produce_when_room(produce, poll, (topic, values[index], keys[index], -1, on_delivery, None, timestamp,
                                           headers))
    poll(0)
    return len(values)


class _TopicsNotReadyError(RetriableError):
    """Describing or creating a topic before its first record ran out of time (retried at the next invocation)."""


def _polled(poll: Callable[[], _T], task: SourceTask, result: SourceInvocationResult) -> _T | None:
    """``poll()``, or None when it raised a retriable error: Kafka's ``AbstractWorkerSourceTask.poll`` logs a
    ``RetriableException`` (Connect's or the Kafka client's) and polls again later; here the invocation ends as at an
    empty poll (counted in ``result.retried_polls``: not a task caught up) and the next one polls again. Any other
    error fails the task."""
    try:
        return poll()
    except Exception as error:
        if not (isinstance(error, RetriableError) or is_retriable(error)):
            raise
        result.retried_polls += 1
        log.warning("%s failed to poll records from SourceTask. Will retry operation.", type(task).__name__,
                    exc_info=True)
        return None


def _overrides_commit_record(task: SourceTask) -> bool:
    """Whether ``task`` has its own ``commit_record`` (MirrorMaker 2's does): then it needs each record's metadata."""
    return getattr(task.commit_record, "__func__", None) is not SourceTask.commit_record


def _cluster_id(producer: Any, known_topic: str) -> str | None:
    """The id of the cluster ``producer`` writes to: a metadata request for ``known_topic`` alone (one that exists,
    so the request creates nothing), not for every topic of the cluster."""
    return producer.list_topics(topic=known_topic, timeout=KAFKA_TIMEOUT_S).cluster_id


def _fenced(error: BaseException) -> bool:
    """Whether the producer was fenced by a newer producer with the same transactional id."""
    from confluent_kafka import KafkaError

    while error is not None:
        kafka_error = kafka_error_of(error)
        if kafka_error is not None and (kafka_error.fatal() or kafka_error.code() in (
                KafkaError._FATAL, KafkaError._FENCED, KafkaError.PRODUCER_FENCED, KafkaError.INVALID_PRODUCER_EPOCH)):
            return True
        error = error.__cause__  # type: ignore[assignment]
    return False


def _bounded_s(budget: Callable[[], float]) -> float:
    """Seconds a broker call may wait: Kafka's 60 s, less when the invocation's time ends sooner (at least
    ``MIN_CALL_S``: a call with no time at all could never succeed)."""
    return max(MIN_CALL_S, min(KAFKA_TIMEOUT_S, budget() / 1000.0))


def _purge(producer: Any) -> None:
    """Drop what a failed transaction left unacknowledged (it is aborted, or fenced by the next container): closing
    the producer with it would wait for it up to ``message.timeout.ms``, far past the invocation's time."""
    purge = getattr(producer, "purge", None)
    if purge is None:
        return
    try:
        unchained(lambda: purge(True, True, False))  # in queue, in flight, without blocking (kafka/unchained.py)
    except Exception:  # a broken producer is discarded all the same
        log.debug("could not purge the source producer", exc_info=True)


def _abort(producer: Any, timeout_s: float = KAFKA_TIMEOUT_S) -> None:
    try:
        unchained(lambda: producer.abort_transaction(timeout_s))  # called from except clauses: kafka/unchained.py
    except Exception:  # fenced or broken producers cannot abort; the task is rebuilt anyway
        log.warning("could not abort the source transaction", exc_info=True)


def _trace(error: BaseException) -> str:
    return redact("".join(traceback.format_exception(error))) or ""


def _version(task: SourceTask) -> str | None:
    try:
        return task.version()
    except Exception:  # a version is informational
        return None


def _confluent_producer(config: dict[str, Any]) -> Any:
    from confluent_kafka import Producer

    return Producer(config)
