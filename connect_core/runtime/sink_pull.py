"""Pull-mode sink tasks: a scheduled invocation per task that assigns its partitions itself, reads, writes, commits.

A sink over a topic list, a ``topics.regex`` or ``tasks.max`` > 1 cannot run behind event source mappings sharing
Kafka Connect's group ``connect-<name>``, so its tasks run on a source task's schedule and ticks
(``runtime/source_ticks.py``). Each invocation of task ``i`` of ``n`` resolves the topics, takes the partitions
Kafka Connect's assignor gives task ``i``, ``assign``s them (never joins the group) at the committed offsets of
``connect-<name>``, hands each ``read_committed`` batch's messages to the same ``SinkRunner`` as a mapping's (no event
built), and commits only what the task's ``pre_commit`` returned, after the runner returned. A failed batch is read
again by the next tick
(docs/architecture.md, "Which trigger a sink gets" and "The SinkTask contract on both paths").
"""

from __future__ import annotations

import logging
import re
import time
from collections import OrderedDict
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from connect_core.api.errors import NotFoundError
from connect_core.api.task import TopicPartition
from connect_core.kafka.clients import consumer_config
from connect_core.kafka.shared_clients import SharedClients
from connect_core.runtime import env
from connect_core.runtime.restart_policy import Decision
from connect_core.runtime.run_recorder import RunOutcome, RunRecorder
from connect_core.runtime.sink_group import sink_group_id
from connect_core.runtime.sink_runner import ConnectorNotRunningError, SinkRunner
from connect_core.runtime.trigger_config import KafkaTriggerConfig
from connect_core.storage.config_store import ConfigStore
from connect_core.storage.run_store import RunStore
from connect_core.storage.status_state import State
from connect_core.storage.status_store import StatusStore

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from connect_core.runtime.worker import WorkerSettings

__all__ = ["SinkPullInvocations", "SinkPullResult", "SinkPullTask", "assign_partitions", "resolve_topics"]

log = logging.getLogger(__name__)

STRATEGY_CONFIG = "consumer.override.partition.assignment.strategy"
CONSUME_TIMEOUT_S = 0.5  # at most this long gathering one batch (ends are normally known well before)
CONSUME_STEP_S = 0.05  # each wait within it: a batch is handed over once every partition read reported its end
METADATA_TIMEOUT_S = 10.0
FETCH_WAIT_MS = 100  # a fetch at the end of a partition answers this soon: the invocation ends when all are at end


def resolve_topics(config: Mapping[str, Any], cluster_topics: list[str]) -> list[str]:
    """The topics a sink reads now: its ``topics`` list, or the cluster's topics ``topics.regex`` matches."""
    listed = [t.strip() for t in str(config.get("topics") or "").split(",") if t.strip()]
    if listed:
        return listed
    pattern = re.compile(str(config.get("topics.regex") or ""))
    return sorted(t for t in cluster_topics if not t.startswith("__") and pattern.fullmatch(t))


def _member_order(task_count: int) -> list[int]:
    """Tasks in the order a group sorts their member ids (``connector-consumer-<name>-<task>-<uuid>``)."""
    return sorted(range(task_count), key=lambda task: f"{task}-")


def assign_partitions(partitions: Mapping[str, int], task: int, task_count: int,
                      strategy: str = "") -> list[TopicPartition]:
    """Task ``task``'s share of ``partitions`` (topic -> partition count), as Kafka Connect's assignor gives it."""
    members = _member_order(task_count)
    if task not in members:
        return []
    if "RoundRobin" in strategy:
        every = [TopicPartition(t, p) for t in sorted(partitions) for p in range(partitions[t])]
        return [tp for i, tp in enumerate(every) if members[i % task_count] == task]
    position = members.index(task)
    mine = []
    for topic in sorted(partitions):
        per_member, extra = divmod(partitions[topic], task_count)
        start = per_member * position + min(position, extra)
        mine += [TopicPartition(topic, p) for p in range(start, start + per_member + (position < extra))]
    return mine


@dataclass
class SinkPullResult:
    """Summary of one pull-mode invocation (``poll_interval_ms`` and ``state`` drive the next tick; a task with no
    partitions has no ``poll_interval_ms``, so it waits for its heartbeat instead of ticking)."""

    connector: str
    task: int
    state: str = State.RUNNING.value
    poll_interval_ms: int | None = None
    partitions: int = 0
    batches: int = 0
    records: int = 0
    put: int = 0
    skipped: int = 0
    dlq: int = 0
    duration_ms: float = 0.0
    offsets: dict[str, int] = field(default_factory=dict)
    redeliver: bool = False  # put raised RetriableError: its batch is read again by the next invocation

    def as_dict(self) -> dict[str, Any]:
        """The invocation's summary."""
        return asdict(self)


class SinkPullTask:
    """One pull-mode sink task in a warm container: its runner (the started task) and its consumer."""

    def __init__(self, worker: WorkerSettings, connector: str, task: int, *, config_store: ConfigStore,
                 status_store: StatusStore) -> None:
        """Stores are the container's, shared by every task it runs."""
        self.worker = worker
        self.connector = connector
        self.task = task
        self.runner = SinkRunner(worker, connector, task=task, config_store=config_store, status_store=status_store,
                                 reads_committed=True, commits=True)
        self._consumer: Any = None
        self._group: str | None = None
        self._ends: dict[tuple[str, int], int] = {}  # the offset of each partition's latest end of partition

    def run(self, budget: Callable[[], float]) -> SinkPullResult:
        """Read and deliver this task's partitions from the committed offsets until caught up or out of budget."""
        started = time.monotonic()
        store = self.runner.config_store
        store.refresh()
        config = {k: v for k, v in (store.connector_config(self.connector) or {}).items() if v is not None}
        if not config:
            raise NotFoundError(f"Connector {self.connector} not found")
        task_count = len(store.task_configs(self.connector))
        if self.task >= task_count:
            raise ConnectorNotRunningError(f"Connector {self.connector} has no task {self.task} (it has {task_count})")
        trigger = KafkaTriggerConfig.parse(config)
        result = SinkPullResult(self.connector, self.task, poll_interval_ms=trigger.poll_interval_ms)
        consumer = self._open(sink_group_id(self.connector, config), trigger)
        assigned = self._assign(consumer, config, task_count, trigger)
        result.partitions = len(assigned)
        if not assigned:  # as on a worker, a task without partitions still starts and is RUNNING
            self._deliver(consumer, [], result, assigned, set(), budget=budget)
            # ...but asks for no tick: it has nothing to read until its assignment changes (a new partition or
            # matching topic, fewer tasks), which the next heartbeat (the schedule, once a minute) re-checks
            result.poll_interval_ms = None
            result.duration_ms = round((time.monotonic() - started) * 1000.0, 1)
            return result
        at_end: set[tuple[str, int]] = set()
        delivered_once = False
        paused: set[TopicPartition] | None = None  # what the consumer has paused (unknown after an assign)
        while budget() > 0:
            paused = self._pause(consumer, assigned, paused)
            wanted = {(tp.topic, tp.partition) for tp in assigned if tp not in (paused or ())}
            batch, at_end = self._consume(consumer, trigger.batch_size, at_end, wanted)
            if batch or not delivered_once:  # the first, even empty, starts the task and reports RUNNING
                self._deliver(consumer, batch, result, assigned, at_end, budget=budget)
                delivered_once = True
                if result.redeliver:  # put raised RetriableError: the next invocation reads the batch again
                    break
                paused = self._pause(consumer, assigned, paused)
            if not batch and at_end >= {(tp.topic, tp.partition) for tp in assigned if tp not in (paused or ())}:
                break
            if not batch and budget() <= 0:
                break
        result.duration_ms = round((time.monotonic() - started) * 1000.0, 1)
        return result

    def _open(self, group: str, trigger: KafkaTriggerConfig) -> Any:
        if self._consumer is not None and self._group != group:
            self.close_consumer()
        if self._consumer is None:
            from confluent_kafka import Consumer

            config = consumer_config(self.worker.kafka, group_id=group,
                                     client_id=f"connector-consumer-{self.connector}-{self.task}")
            # Only an offset out of range is reset by the consumer (a new group's LATEST is committed in _assign):
            # from the log start, as a worker's consumer (Kafka Connect sets auto.offset.reset=earliest), so the
            # records of a re-created or truncated topic are read, not skipped.
            config["auto.offset.reset"] = "earliest"
            config["fetch.wait.max.ms"] = FETCH_WAIT_MS
            self._consumer = Consumer(config)
            self._group = group
        return self._consumer

    def _assign(self, consumer: Any, config: Mapping[str, Any], task_count: int,
                trigger: KafkaTriggerConfig) -> list[TopicPartition]:
        from confluent_kafka import OFFSET_BEGINNING, OFFSET_END
        from confluent_kafka import TopicPartition as KafkaPartition

        metadata = consumer.list_topics(timeout=METADATA_TIMEOUT_S).topics
        topics = resolve_topics(config, list(metadata))
        counts = {t: len(metadata[t].partitions) for t in topics if t in metadata and metadata[t].partitions}
        mine = assign_partitions(counts, self.task, task_count, str(config.get(STRATEGY_CONFIG) or ""))
        if not mine:
            consumer.unassign()
            return []
        committed = consumer.committed([KafkaPartition(tp.topic, tp.partition) for tp in mine],
                                       timeout=METADATA_TIMEOUT_S)
        fresh = [KafkaPartition(tp.topic, tp.partition) for tp in committed if tp.offset < 0]
        if fresh and trigger.starting_position != "TRIM_HORIZON":
            # LATEST, as a mapping's StartingPosition: the group starts at the end as of now, committed at once, so
            # what is written after this invocation is read by the next one instead of being skipped by it
            ends = consumer.offsets_for_times([KafkaPartition(tp.topic, tp.partition, OFFSET_END) for tp in fresh],
                                              timeout=METADATA_TIMEOUT_S)
            consumer.commit(offsets=[KafkaPartition(tp.topic, tp.partition, max(tp.offset, 0)) for tp in ends],
                            asynchronous=False)
            starts = {(tp.topic, tp.partition): max(tp.offset, 0) for tp in ends}
            committed = [KafkaPartition(tp.topic, tp.partition, starts.get((tp.topic, tp.partition), tp.offset))
                         for tp in committed]
        consumer.assign([KafkaPartition(tp.topic, tp.partition, tp.offset if tp.offset >= 0 else OFFSET_BEGINNING)
                         for tp in committed])
        self._ends = {}
        return mine

    def _consume(self, consumer: Any, batch_size: int, at_end: set[tuple[str, int]],
                 wanted: set[tuple[str, int]]) -> tuple[list[Any], set[tuple[str, int]]]:
        """Up to ``batch_size`` records within ``CONSUME_TIMEOUT_S``, handed over early once every ``wanted``
        partition has reported its end: a caught-up invocation ends after one fetch round, not the whole wait."""
        deadline = time.monotonic() + CONSUME_TIMEOUT_S
        batch: list[Any] = []
        while True:
            step = max(0.0, min(CONSUME_STEP_S, deadline - time.monotonic()))
            messages = consumer.consume(batch_size - len(batch), timeout=step)
            at_end = self._take(messages, batch, at_end)
            if len(batch) >= batch_size or time.monotonic() >= deadline or (wanted and at_end >= wanted):
                return batch, at_end

    def _take(self, messages: list[Any], batch: list[Any], at_end: set[tuple[str, int]]) -> set[tuple[str, int]]:
        """Append ``messages``' records to ``batch``; note each partition's end of partition (or records after it)."""
        from confluent_kafka import KafkaError

        kind = type(messages[0]) if messages else None
        if kind is not None and not any(map(kind.error, messages)):  # the usual answer: records, no end or error
            read = set(zip(map(kind.topic, messages), map(kind.partition, messages), strict=True))
            at_end -= read
            for key in read:
                self._ends.pop(key, None)
            batch.extend(messages)
            return at_end
        for message in messages:
            error = message.error()
            if error is None:
                batch.append(message)
                at_end.discard((message.topic(), message.partition()))
                self._ends.pop((message.topic(), message.partition()), None)
            elif error.code() == KafkaError._PARTITION_EOF:
                at_end.add((message.topic(), message.partition()))
                self._ends[message.topic(), message.partition()] = message.offset()
            else:
                log.warning("sink task %s-%d: consumer error %s", self.connector, self.task, error)
        return at_end

    def _pause(self, consumer: Any, assigned: list[TopicPartition],
               paused: set[TopicPartition] | None) -> set[TopicPartition]:
        """The consumer pauses what the task paused and resumes what it resumed; ``paused``: what the consumer has
        paused now, None when not known (after an ``assign``: every partition's state is set)."""
        from confluent_kafka import TopicPartition as KafkaPartition

        wanted = self.runner.paused() & set(assigned)
        if paused is None:
            paused = set(assigned) - wanted  # resume all the others
            if wanted:
                consumer.pause([KafkaPartition(tp.topic, tp.partition) for tp in wanted])
        elif wanted - paused:
            consumer.pause([KafkaPartition(tp.topic, tp.partition) for tp in wanted - paused])
        if paused - wanted:
            consumer.resume([KafkaPartition(tp.topic, tp.partition) for tp in paused - wanted])
        return wanted

    def _deliver(self, consumer: Any, batch: list[Any], result: SinkPullResult, assigned: list[TopicPartition],
                 at_end: set[tuple[str, int]], *, budget: Callable[[], float]) -> None:
        """The runner writes the batch; only then is what the task's ``pre_commit`` allows committed (nothing when
        it raised), and the consumer seeks where the task must read again (paused, rewound). A batch whose ``put``
        raised ``RetriableError`` past the invocation's time is not committed: ``result.redeliver`` ends it."""
        from confluent_kafka import TopicPartition as KafkaPartition

        ends = {TopicPartition(*key): offset for key, offset in self._ends.items() if key in at_end}
        delivered = self.runner.handle_messages(batch, assignment=assigned, remaining_ms=budget, ends=ends)
        result.redeliver = delivered.retriable is not None
        result.batches += 1
        result.records += len(batch)
        result.put += delivered.put
        result.skipped += delivered.skipped
        result.dlq += delivered.dlq
        next_offsets = {(tp.topic, tp.partition): offset for tp, offset in delivered.committable.items()}
        for failure in delivered.batch_item_failures or []:  # commit the prefix before each partition's failure
            item = failure["itemIdentifier"]
            for tp in assigned:
                if f"{tp.topic}-{tp.partition}" == item["partition"]:
                    next_offsets[tp.topic, tp.partition] = int(item["offset"])
        for tp, offset in delivered.seek.items():
            consumer.seek(KafkaPartition(tp.topic, tp.partition, offset))
            at_end.discard((tp.topic, tp.partition))
        if next_offsets:
            consumer.commit(offsets=[KafkaPartition(t, p, o) for (t, p), o in next_offsets.items()],
                            asynchronous=False)
            result.offsets |= {f"{t}-{p}": o for (t, p), o in next_offsets.items()}
        if delivered.batch_item_failures:
            raise _BatchItemFailures(delivered.batch_item_failures) from delivered.error

    def close_consumer(self) -> None:
        """Close the consumer (it never joined the group: nothing to leave)."""
        if self._consumer is not None:
            consumer, self._consumer = self._consumer, None
            consumer.close()

    def close(self) -> None:
        """Stop the task and close the consumer."""
        try:
            self.runner.close()
        finally:
            self.close_consumer()


class _BatchItemFailures(Exception):
    """The runner reported failed items: their prefix is committed and the rest waits for the next invocation."""


class SinkPullInvocations:
    """The pull-mode sink tasks of a warm container (the scheduled task function): gate, run, record."""

    def __init__(self, worker: WorkerSettings, clients: SharedClients | None = None) -> None:
        """One config, status and runs store for every task the container runs."""
        self.worker = worker
        self.clients = clients or SharedClients(worker.kafka)
        self.config_store = ConfigStore(worker.kafka, worker.storage, clients=self.clients)
        self.status_store = StatusStore(worker.kafka, worker.storage, clients=self.clients)
        self.recorder = RunRecorder(worker, "sink", self.config_store, self.status_store,
                                    run_store=RunStore(worker.kafka, worker.storage, clients=self.clients))
        self.tasks: OrderedDict[tuple[str, int], SinkPullTask] = OrderedDict()
        # pull tasks kept started (clients, consumer), as the source runner's: the least recently run is closed first
        self.max_started_tasks = max(1, env.resolve_int(env.MAX_STARTED_TASKS, env.DEFAULT_MAX_STARTED_TASKS))
        self.decision = Decision.RUN

    def run(self, connector: str, task: int, budget: Callable[[], float], memory_mb: int) -> dict[str, Any]:
        """One invocation of sink task ``connector``-``task``: its summary (``state`` RUNNING asks for a tick)."""
        decision = self.decision = self.recorder.admit(connector, task)
        if decision in (Decision.WAIT, Decision.OPEN):
            return {"connector": connector, "task": task, "state": State.FAILED.value, "restart": decision.value}
        pull = self._task(connector, task)
        started = time.monotonic()
        try:
            result = pull.run(budget)
        except ConnectorNotRunningError as error:  # paused, stopped or fewer tasks now: no tick, nothing committed
            return {"connector": connector, "task": task, "state": State.PAUSED.value, "not_running": str(error)}
        except _BatchItemFailures as error:  # status and the breaker see the task's own failure
            self.recorder.failed(connector, task, error.__cause__ or error, _elapsed_ms(started), memory_mb)
            return {"connector": connector, "task": task, "state": State.FAILED.value, "failed": str(error)}
        except NotFoundError:
            self._evict(connector, task)
            raise
        except Exception as error:
            self.recorder.failed(connector, task, error, _elapsed_ms(started), memory_mb)
            raise
        self.recorder.succeeded(connector, task, RunOutcome(result.put, result.skipped, result.dlq, result.offsets),
                                _elapsed_ms(started), memory_mb)
        return result.as_dict()

    def _task(self, connector: str, task: int) -> SinkPullTask:
        key = (connector, task)
        if key in self.tasks:
            self.tasks.move_to_end(key)
            return self.tasks[key]
        while len(self.tasks) >= self.max_started_tasks:
            self.tasks.popitem(last=False)[1].close()
        pull = self.tasks[key] = SinkPullTask(self.worker, connector, task, config_store=self.config_store,
                                              status_store=self.status_store)
        return pull

    def _evict(self, connector: str, task: int) -> None:
        pull = self.tasks.pop((connector, task), None)
        if pull is not None:
            pull.close()

    def close(self) -> None:
        """Stop every task and release clients."""
        try:
            for pull in self.tasks.values():
                pull.close()
            self.recorder.close()
        finally:
            self.clients.close()


def _elapsed_ms(started: float) -> float:
    return round((time.monotonic() - started) * 1000.0, 1)
