"""Run a connector's task as Lambda runs it: any warm container, any time, only when an event comes.

A function is ``K`` warm containers (default 3), each its own ``SourceInvocation`` or ``SinkInvocation`` with its own
Kafka clients, runner and task instances, built on first use (a cold start). Every batch, retry, tick and scheduled
run goes to a container picked at random; a container may be frozen mid-invocation (its thread stopped at a step of
``runtime/fault_points.py``: the invocation timed out, the next one goes elsewhere) and resumed later, after others
moved on; an idle container may be recycled (closed, the next pick starts it cold); the run may fail at a step (the
task's failure); and there are idle gaps with no event (a sink's idle tick at most). A sink's batches come from this
module's event source mapping: the group's committed offsets, batches of random boundaries and partitions, a
failed or timed-out batch read again from the committed offset with new boundaries, committed only after success.

Checked on every schedule, as the invariants a deployment must keep: nothing lost; nothing duplicated where the
family claims exactly once; the connector's offsets (``GET /connectors/<name>/offsets``) never move backwards;
the task's status is FAILED right after a failed run and RUNNING right after a successful one. Everything is drawn
from one ``random.Random(seed)``: a failing schedule names its seed, and ``LAMBDA_CONNECT_HARNESS_SEED=<seed>``
replays it (``seeds``). Thread timing around a frozen container is the one thing a seed does not fix.

In-process containers share what the process shares: module-level caches of compiled readers and writers
(``connectors/jdbc/_mysql_driver.py``, ``_mysql_literals.py``, ``connectors/binlog/_rows.py``, ``api/data_json.py``),
AWS clients (``connectors/s3/_storage.py``, ``connectors/s3_source/source_task.py``), the schema registry's caches,
the plugin registry and config providers. Each is keyed by what it derives from (schemas, endpoints, configs) and
holds no position, state or range, so sharing them is what separate containers computing the same values would do.
"""

from __future__ import annotations

import json
import os
import random
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from connect_core.runtime import fault_points

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from connect_core.kafka.settings import KafkaClientSettings
    from connect_core.testing.embedded import EmbeddedConnect

__all__ = ["SCHEDULES_ENV", "SEED_ENV", "Family", "InjectedFailure", "Report", "Schedule", "ids_in", "run_schedule",
           "seeds", "topic_values"]

SEED_ENV = "LAMBDA_CONNECT_HARNESS_SEED"  # replay one schedule
SCHEDULES_ENV = "LAMBDA_CONNECT_HARNESS_SCHEDULES"  # how many schedules a family runs
BASE_ENV = "LAMBDA_CONNECT_HARNESS_BASE"  # the first seed (default 1): another base explores other schedules
MEMORY_MB = 1024
INVOCATION_BUDGET_S = 60.0  # a function's timeout: what an invocation that is not frozen has
POLLER_STALL_S = 20.0  # records owed and none handed out for this long: the mapping's consumer is replaced
SETTLE_OWED_S = 120.0  # how long settling waits past its rounds for records the mapping has not read yet
SINK_STEPS = ("sink.during_put", "sink.after_put")
SOURCE_STEPS = ("source.after_poll", "source.after_produce", "source.before_commit", "source.after_commit")


def seeds(default_count: int) -> list[int]:
    """The seeds to run: ``LAMBDA_CONNECT_HARNESS_SEED`` alone, else ``LAMBDA_CONNECT_HARNESS_SCHEDULES`` (or
    ``default_count``) of them from ``LAMBDA_CONNECT_HARNESS_BASE`` (default 1)."""
    one = os.environ.get(SEED_ENV, "").strip()
    if one:
        return [int(one)]
    count = int(os.environ.get(SCHEDULES_ENV, "") or default_count)
    base = int(os.environ.get(BASE_ENV, "") or 1)
    return list(range(base, base + count))


@dataclass(frozen=True)
class Schedule:
    """How a schedule is drawn: containers, steps, and the odds of each event per step."""

    containers: int = 3
    steps: int = 24
    batch_max: int = 6  # records of one partition in one sink batch (few records: boundaries move often)
    add_max: int = 6  # records one "new data" event adds
    p_add: float = 0.2
    p_freeze: float = 0.2
    p_fail: float = 0.08
    p_resume: float = 0.2
    p_recycle: float = 0.1
    p_idle: float = 0.15
    idle_max_s: float = 0.3
    settle_rounds: int = 40
    settle_quiet: int = 8  # rounds in a row in which nothing more arrived (nor, for a source, did its stored offsets
    # move): settled, and what is missing is lost
    settle_ticks: int = 2  # and, for a sink with idle ticks, this many of its intervals (+1 s) with nothing new


class Family(Protocol):
    """One connector family under the model: its config, its input and what arrived at its destination."""

    kind: str  # "source" or "sink"
    exactly_once: bool  # what README/docs/concepts/exactly-once.md claim for it (else at least once)

    def config(self, name: str) -> dict[str, str]:
        """The connector's config (a sink reads ``self.topic``)."""
        ...

    def add(self, count: int) -> list[str]:
        """New input (rows, lines, objects, records to the sink's topic): the ids it must deliver."""
        ...

    def arrived(self) -> list[str]:
        """The ids at the destination, once each time they are there (a multiset)."""
        ...

    def position(self, offset: dict[str, Any]) -> Any:
        """A source offset as an ordered value (a sink's are Kafka offsets: not asked)."""
        ...


@dataclass
class Report:
    """One schedule: its seed, what happened step by step, and every invariant it broke."""

    family: str
    seed: int
    trace: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    expected: int = 0
    lost: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)

    def note(self, line: str) -> None:
        """One line of the trace."""
        self.trace.append(f"{len(self.trace)}: {line}")

    def broke(self, invariant: str) -> None:
        """An invariant broken at this point of the trace."""
        self.violations.append(f"after trace line {len(self.trace) - 1}: {invariant}")

    def message(self, nodeid: str = "") -> str:
        """What failed, the seed and how to replay it, and the trace."""
        replay = f"{SEED_ENV}={self.seed} .venv/bin/python -m pytest {nodeid}".rstrip()
        return (f"{self.family}, seed {self.seed} (replay: {replay}): {len(self.violations)} violation(s)\n  "
                + "\n  ".join(self.violations) + "\ntrace:\n  " + "\n  ".join(self.trace))

    def check(self, nodeid: str = "") -> None:
        """Raise with :meth:`message` when an invariant broke."""
        if self.violations:
            raise AssertionError(self.message(nodeid))


class InjectedFailure(RuntimeError):
    """The failure the model makes an invocation raise at a step (the task's failure, as an outage would be)."""


def _clear_frames(error: BaseException) -> None:
    """Release the locals of the finished frames of ``error``'s tracebacks (its causes' too): an outcome kept after
    its invocation would pin the clients those frames held (each librdkafka handle takes one of the process's 1,024
    thread-local storage keys; make faults' thousands of schedules in one process ran out of them)."""
    import traceback

    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        traceback.clear_frames(current.__traceback__)
        pending += [current.__cause__, current.__context__]


class _Container:
    """One warm container: an invocation object built on first use, a thread per invocation, a freeze switch."""

    def __init__(self, index: int, make: Callable[[], Any]) -> None:
        self.index = index
        self._make = make
        self.instance: Any = None
        self.plan: tuple[str, str] | None = None  # (step, "freeze"|"fail") for the running invocation
        self.settled = threading.Event()  # the invocation returned, raised, or froze
        self.resume = threading.Event()
        self.frozen = False
        self.thread: threading.Thread | None = None
        self.outcome: tuple[bool, Any] = (True, None)
        self.cold_starts = 0

    @property
    def busy(self) -> bool:
        return self.thread is not None and self.thread.is_alive()

    def start(self, call: Callable[[Any], Any], plan: tuple[str, str] | None, hook: _Hook) -> None:
        if self.instance is None:
            self.instance = self._make()
            self.cold_starts += 1
        self.plan, self.frozen = plan, False
        self.settled.clear()
        self.resume.clear()

        def body() -> None:
            hook.threads[threading.get_ident()] = self
            try:
                self.outcome = (True, call(self.instance))
            except BaseException as error:  # the invocation's failure is its outcome
                _clear_frames(error)
                self.outcome = (False, error)
            finally:
                hook.threads.pop(threading.get_ident(), None)
                self.settled.set()

        self.thread = threading.Thread(target=body, name=f"container-{self.index}", daemon=True)
        self.thread.start()

    def wait(self) -> None:
        """Until the invocation returned, raised or froze (no time limit of its own: a frozen one says so)."""
        if not self.settled.wait(INVOCATION_BUDGET_S * 3):
            raise AssertionError(f"container {self.index}: the invocation neither ended nor froze")

    def thaw(self) -> None:
        """Resume a frozen invocation and wait for its end (its outcome goes nowhere: it timed out)."""
        self.settled.clear()
        self.frozen = False
        self.resume.set()
        self.wait()

    def recycle(self) -> None:
        if self.instance is not None:
            instance, self.instance = self.instance, None
            instance.close()


class _Hook:
    """The fault-point hook: the step planned for a container's running invocation freezes or fails its thread."""

    def __init__(self) -> None:
        self.threads: dict[int, _Container] = {}

    def __call__(self, step: str) -> None:
        container = self.threads.get(threading.get_ident())
        if container is None or container.plan is None or container.plan[0] != step:
            return
        action = container.plan[1]
        container.plan = None
        if action == "fail":
            raise InjectedFailure(f"injected at {step}")
        container.frozen = True
        container.settled.set()
        container.resume.wait()


class _Function:
    """K warm containers of one function; an invocation goes to one picked at random among those not frozen."""

    def __init__(self, make: Callable[[], Any], count: int, rng: random.Random, report: Report) -> None:
        self.containers = [_Container(i, make) for i in range(count)]
        self.rng = rng
        self.report = report
        self.hook = _Hook()

    def invoke(self, call: Callable[[Any], Any], plan: tuple[str, str] | None, what: str) -> _Container:
        free = [c for c in self.containers if not c.busy]
        if not free:  # every container frozen: Lambda starts another one; here the oldest freeze ends first
            self.thaw(self.containers[0])
            free = [self.containers[0]]
        container = self.rng.choice(free)
        cold = container.instance is None
        container.start(call, plan, self.hook)
        container.wait()
        ok, value = container.outcome
        state = "frozen at " + (plan[0] if plan else "?") if container.frozen else \
            "ok" if ok else f"raised {type(value).__name__}: {str(value)[:160]}"
        self.report.note(f"{what} -> c{container.index}{' (cold)' if cold else ''}"
                         f"{' plan ' + ':'.join(plan) if plan else ''}: {state}")
        return container

    def thaw(self, container: _Container) -> None:
        container.thaw()
        ok, value = container.outcome
        self.report.note(f"c{container.index} resumed: {'ok' if ok else type(value).__name__ + ': ' + str(value)[:160]}"
                         " (timed out: its answer goes nowhere)")

    def frozen(self) -> list[_Container]:
        return [c for c in self.containers if c.busy and c.frozen]

    def close(self) -> None:
        for container in self.containers:
            if container.busy:
                container.thaw()
        for container in self.containers:
            container.recycle()


def _budget() -> Callable[[], float]:
    deadline = time.monotonic() + INVOCATION_BUDGET_S
    return lambda: (deadline - time.monotonic()) * 1000.0


class _Mapping:
    """A Kafka event source mapping over one topic: committed offsets of the group, batches of random boundaries."""

    def __init__(self, settings: KafkaClientSettings, topic: str, group: str,
                 note: Callable[[str], None] = lambda _line: None) -> None:
        self.settings, self.topic, self.group, self.note = settings, topic, group, note
        self.consumer = self._consumer()
        self.buffer: dict[int, list[Any]] = {p: [] for p in self.partitions}
        self.next: dict[int, int] = {}  # the committed position per partition (the first offset not committed)
        self.retry: set[int] = set()  # the partitions of the last failed batch
        self.owed = 0  # records written to the topic and not read yet (a loaded broker can be slow to hand them out)
        self.owed_since: float | None = None  # when the last record was read while some were owed

    def _consumer(self) -> Any:
        """The poller's consumer, assigned past what is buffered (from the start of a partition with nothing)."""
        from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

        consumer = Consumer({**self.settings.client_config(), "group.id": self.group, "enable.auto.commit": False,
                             "auto.offset.reset": "earliest", "isolation.level": "read_committed"})
        self.partitions = sorted(consumer.list_topics(self.topic, timeout=30).topics[self.topic].partitions)
        buffered = getattr(self, "buffer", {})
        consumer.assign([TopicPartition(self.topic, p, buffered[p][-1].offset() + 1 if buffered.get(p)
                                        else OFFSET_BEGINNING) for p in self.partitions])
        return consumer

    def fill(self, count: int, budget_s: float = INVOCATION_BUDGET_S) -> None:
        """Read the ``count`` records just written to the topic (the producer flushed before); those not read within
        the budget are read by a later call, as the mapping's poller gets them late rather than never. A consumer
        that hands out nothing for ``POLLER_STALL_S`` while records are owed is replaced (as Lambda's poller is)."""
        now = time.monotonic()
        if count and not self.owed:
            self.owed_since = now
        self.owed += count
        deadline = now + budget_s
        while self.owed > 0 and time.monotonic() < deadline:
            for message in self.consumer.consume(self.owed, timeout=min(0.5, budget_s)):
                if not message.error():
                    self.buffer[message.partition() or 0].append(message)
                    self.owed -= 1
                    self.owed_since = time.monotonic()
            if self.owed and self.owed_since is not None and time.monotonic() - self.owed_since > POLLER_STALL_S:
                self.note(f"mapping: {self.owed} record(s) written and not handed out for {POLLER_STALL_S:g} s; "
                          "its consumer replaced")
                self.consumer.close()
                self.consumer, self.owed_since = self._consumer(), time.monotonic()

    def pending(self) -> dict[int, list[Any]]:
        if self.owed:
            self.fill(0, budget_s=0.1)
        return {p: [m for m in ms if m.offset() >= self.next.get(p, 0)] for p, ms in self.buffer.items()}

    def batch(self, rng: random.Random, most: int) -> list[Any]:
        """Records from each partition's committed position, a random number of each (at least one in all); the
        partitions of a failed or timed-out batch are in the next one again (Lambda retries their records, with new
        boundaries after the batch's records were read again)."""
        pending = {p: ms for p, ms in self.pending().items() if ms}
        if not pending:
            return []
        retried = sorted(self.retry & pending.keys())
        others = sorted(pending.keys() - self.retry)
        chosen = retried + rng.sample(others, rng.randint(0 if retried else 1, len(others)))
        return [m for p in chosen for m in pending[p][: rng.randint(1, most)]]

    def failed(self, batch: list[Any]) -> None:
        """The batch failed or timed out: its partitions come again in the next batch."""
        self.retry |= {m.partition() or 0 for m in batch}

    def commit(self, batch: list[Any], response: Any) -> None:
        """Commit the batch's partitions past its records (before the first reported failure, if any)."""
        from confluent_kafka import TopicPartition

        failed: dict[int, int] = {}
        for item in (response or {}).get("batchItemFailures") or ():
            partition = int(str(item["itemIdentifier"]["partition"]).rsplit("-", 1)[-1])
            failed[partition] = min(int(item["itemIdentifier"]["offset"]), failed.get(partition, 1 << 62))
        ends: dict[int, int] = {}
        for message in batch:
            if message.offset() < failed.get(message.partition(), 1 << 62):
                ends[message.partition()] = max(ends.get(message.partition(), 0), message.offset() + 1)
        if ends:
            self.consumer.commit(offsets=[TopicPartition(self.topic, p, o) for p, o in ends.items()],
                                 asynchronous=False)
            self.next.update(ends)
        self.retry -= ends.keys()
        self.retry |= failed.keys()

    def close(self) -> None:
        self.consumer.close()


def _plan(rng: random.Random, schedule: Schedule, steps: tuple[str, ...]) -> tuple[str, str] | None:
    draw = rng.random()
    if draw < schedule.p_freeze:
        return rng.choice(steps), "freeze"
    if draw < schedule.p_freeze + schedule.p_fail:
        return rng.choice(steps), "fail"
    return None


class _Run:
    """One schedule of one family on one connector."""

    def __init__(self, connect: EmbeddedConnect, family: Family, name: str, seed: int, schedule: Schedule, *,
                 tick_interval_ms: int | None = None) -> None:
        self.connect, self.family, self.name, self.schedule = connect, family, name, schedule
        # a duty on the task's clock (a scheduled rotation, a commit interval) is done within an interval of coming
        # due and one tick: quiet lasts that long before what is missing counts as lost
        self.duty_quiet_s = 0.0 if tick_interval_ms is None else schedule.settle_ticks * tick_interval_ms / 1000 + 1.0
        self.rng = random.Random(seed)
        self.report = Report(type(family).__name__, seed)
        self.expected: list[str] = []
        self.positions: dict[str, Any] = {}
        self.mapping: _Mapping | None = None
        make: Callable[[], Any]
        if family.kind == "sink":
            from connect_core.runtime.task_invocation import SinkInvocation

            make = lambda: SinkInvocation(connect.worker, name)  # noqa: E731 - a container's cold start
        else:
            from connect_core.runtime.task_invocation import SourceInvocation

            make = lambda: SourceInvocation(connect.worker)  # noqa: E731
        self.function = _Function(make, schedule.containers, self.rng, self.report)

    # ------------------------------------------------------------------ events
    def add(self) -> None:
        ids = self.family.add(self.rng.randint(1, self.schedule.add_max))
        self.expected += ids
        self.report.note(f"new input: {len(ids)}" + (f" ({ids[0]}..{ids[-1]})" if ids else ""))
        if self.mapping is not None:
            self.mapping.fill(len(ids))

    def invoke(self, plan: tuple[str, str] | None) -> bool:
        """One invocation (a sink's batch, or a source's scheduled run); whether it had anything to do."""
        if self.family.kind == "source":
            container = self.function.invoke(
                lambda inv: inv.run(self.name, 0, _budget(), MEMORY_MB), plan, "scheduled run")
            self._judge(container, lambda value: "restart" not in value)
            return True
        assert self.mapping is not None
        batch = self.mapping.batch(self.rng, self.schedule.batch_max)
        if not batch:
            return False
        from connect_core.kafka.lambda_event import build_event

        event = build_event(batch, self.connect.worker.kafka.bootstrap_servers)
        spans = ", ".join(f"p{p}[{min(m.offset() for m in batch if m.partition() == p)}.."
                          f"{max(m.offset() for m in batch if m.partition() == p)}]"
                          for p in sorted({m.partition() for m in batch}))
        container = self.function.invoke(lambda inv: inv.handle(event, MEMORY_MB, _budget()), plan, f"batch {spans}")
        if not container.frozen and container.outcome[0]:
            self.mapping.commit(batch, container.outcome[1])
        else:
            self.mapping.failed(batch)
        self._judge(container, lambda value: True)
        return True

    def tick(self) -> None:
        """A sink's idle tick (the schedule beside its mapping), on any container."""
        container = self.function.invoke(lambda inv: inv.tick(MEMORY_MB, _budget()), None, "idle tick")
        ok, value = container.outcome
        retrying = self.mapping is not None and self.mapping.retry
        if ok and value.get("idle_tick") == "done" and not retrying:  # a failed batch not yet through stays FAILED
            self._expect_state("RUNNING", "after a successful idle tick")
        elif ok and value.get("idle_tick") == "failed":
            self._expect_state("FAILED", "after a failed idle tick")
        self._check_offsets()

    # ------------------------------------------------------------------ invariants
    def _judge(self, container: _Container, ran: Callable[[Any], bool]) -> None:
        if container.frozen:
            return
        ok, value = container.outcome
        if ok and ran(value):
            self._expect_state("RUNNING", "within one successful run")
        elif not ok and self._task_failure(value):
            self._expect_state("FAILED", "within one failed run")
        self._check_offsets()

    @staticmethod
    def _task_failure(error: BaseException) -> bool:
        """A failure the task's status must show (not a backoff, a paused connector or an open transaction)."""
        from connect_core.kafka.committed_filter import OpenTransactionError
        from connect_core.runtime.sink_runner import ConnectorNotRunningError, UncommittedRecordsError
        from connect_core.runtime.task_invocation import TaskBackoffError

        return not isinstance(error, (TaskBackoffError, ConnectorNotRunningError, OpenTransactionError,
                                      UncommittedRecordsError))

    def _expect_state(self, state: str, why: str) -> None:
        tasks = self.connect.status(self.name)["tasks"]
        found = tasks[0]["state"] if tasks else "none"
        if found != state:
            self.report.broke(f"status {found}, not {state} {why}")

    def _check_offsets(self) -> None:
        for entry in self.connect.offsets(self.name):
            key = json.dumps(entry["partition"], sort_keys=True)
            offset = entry["offset"]
            value = offset.get("kafka_offset") if self.family.kind == "sink" else self.family.position(offset)
            before = self.positions.get(key)
            if before is not None and value is not None and value < before:
                self.report.broke(f"offset of {key} moved backwards: {before} -> {value}")
            if value is not None:
                self.positions[key] = value

    # ------------------------------------------------------------------ the schedule
    def run(self) -> Report:
        try:
            if self.family.kind == "sink":
                self.mapping = _Mapping(self.connect.worker.kafka, self.family.topic,  # type: ignore[attr-defined]
                                        f"connect-{self.name}", note=self.report.note)
            self.add()
            for _ in range(self.schedule.steps):
                self.step()
            self.settle()
        finally:
            self.function.close()
            if self.mapping is not None:
                self.mapping.close()
        return self.report

    def step(self) -> None:
        draw, schedule = self.rng.random(), self.schedule
        frozen = self.function.frozen()
        if draw < schedule.p_add:
            self.add()
        elif frozen and draw < schedule.p_add + schedule.p_resume:
            self.function.thaw(self.rng.choice(frozen))
        elif draw < schedule.p_add + schedule.p_resume + schedule.p_recycle:
            idle = [c for c in self.function.containers if not c.busy and c.instance is not None]
            if idle:
                container = self.rng.choice(idle)
                container.recycle()
                self.report.note(f"c{container.index} recycled (its next invocation starts cold)")
        elif draw < schedule.p_add + schedule.p_resume + schedule.p_recycle + schedule.p_idle:
            gap = self.rng.uniform(0, schedule.idle_max_s)
            self.report.note(f"idle {gap:.2f} s, no event")
            time.sleep(gap)
            if self.family.kind == "sink" and self.rng.random() < 0.5:
                self.tick()
        else:
            self.invoke(_plan(self.rng, schedule, SINK_STEPS if self.family.kind == "sink" else SOURCE_STEPS))

    def settle(self) -> None:
        """Resume every frozen container, then invocations without faults (and idle ticks) until all arrived."""
        for container in self.function.frozen():
            self.function.thaw(container)
        self.report.note("settling: no more faults")
        arrived: list[str] = []
        quiet, rounds, owed_until = 0, 0, time.monotonic() + SETTLE_OWED_S
        began = changed_at = time.monotonic()  # when something last arrived or was delivered
        moved_at: float | None = None  # when the stored source offsets last moved (a trace note, not a verdict)
        # its rounds, past them while the mapping owes records a loaded broker has not handed out yet, and past them
        # until a duty on the task's clock had its time since the last change
        while rounds < self.schedule.settle_rounds or (
                self.mapping is not None and self.mapping.owed and time.monotonic() < owed_until) or (
                time.monotonic() - changed_at < self.duty_quiet_s
                and rounds < self.schedule.settle_rounds * 5):  # a batch failing for ever still ends the schedule
            rounds += 1
            positions = dict(self.positions)
            if self.invoke(None):
                changed_at = time.monotonic()
            else:
                self.tick()
            if self.positions != positions:
                moved_at = time.monotonic()
            before, arrived = len(arrived), self.family.arrived()
            if set(self.expected) <= set(arrived) and (self.family.kind == "source" or not self._pending()):
                break
            if len(arrived) != before:
                quiet, changed_at = 0, time.monotonic()
            elif self.family.kind == "source" and self.positions != positions:
                quiet = 0  # a source whose stored offsets still move is still reading its input (a binlog busy with
                # other writers' changes): its settling rounds bound it, not its quiet
            else:
                quiet += 1
            if (quiet >= self.schedule.settle_quiet and not self._pending()  # records not delivered are no quiet
                    and time.monotonic() - changed_at >= self.duty_quiet_s):
                break
            time.sleep(0.1)
        moved = "" if moved_at is None else f", the stored offsets last moved at {moved_at - began:.1f} s"
        self.report.note(f"settled ({rounds} rounds in {time.monotonic() - began:.1f} s, the last change at "
                         f"{changed_at - began:.1f} s{moved})")
        self.report.expected = len(self.expected)
        self.report.lost = sorted(set(self.expected) - set(arrived))
        counts: dict[str, int] = {}
        for item in arrived:
            counts[item] = counts.get(item, 0) + 1
        self.report.duplicated = sorted(item for item, n in counts.items() if n > 1)
        if self.report.lost:
            self.report.broke(f"lost {len(self.report.lost)} of {len(self.expected)}: {self.report.lost[:20]}")
        if self.family.exactly_once and self.report.duplicated:
            self.report.broke(f"duplicated (exactly once is claimed): {self.report.duplicated[:20]}")

    def _pending(self) -> bool:
        """A sink's records written and not yet delivered: in the buffer, or not yet handed out by a loaded broker."""
        return self.mapping is not None and (any(self.mapping.pending().values()) or self.mapping.owed > 0)


def run_schedule(connect: EmbeddedConnect, family: Family, seed: int, schedule: Schedule | None = None) -> Report:
    """Create the family's connector under a new name, run the schedule ``seed`` draws, and report what broke
    (the connector is deleted after, and the family's ``close()``, when it has one, called)."""
    name = f"lm-{seed}-{uuid.uuid4().hex[:6]}"
    schedule = schedule or Schedule()
    config = {"lambda.restart.backoff.initial.ms": "0", "lambda.restart.max.attempts": "1000",
              **family.config(name)}
    connect.create_connector(name, config)
    from connect_core.runtime.idle_tick import idle_tick_interval_ms

    run = _Run(connect, family, name, seed, schedule,
               tick_interval_ms=idle_tick_interval_ms(config) if family.kind == "sink" else None)
    fault_points.set_hook(run.function.hook)
    try:
        return run.run()
    finally:
        fault_points.set_hook(None)
        connect.delete_connector(name)
        close = getattr(family, "close", None)
        if close is not None:  # the family's tables, schemas, slots
            close()


def topic_values(settings: KafkaClientSettings, topic: str, timeout_s: float = 15.0) -> list[bytes | None]:
    """Every committed value of ``topic`` (``read_committed``, from the start to the log end), in partition and
    offset order."""
    from confluent_kafka import Consumer, TopicPartition

    consumer = Consumer({**settings.client_config(), "group.id": f"lm-read-{uuid.uuid4().hex}",
                         "enable.auto.commit": False, "auto.offset.reset": "earliest",
                         "isolation.level": "read_committed"})
    try:
        metadata = consumer.list_topics(topic, timeout=30).topics.get(topic)
        if metadata is None or not metadata.partitions:
            return []
        partitions = [TopicPartition(topic, p, 0) for p in sorted(metadata.partitions)]
        ends = {tp.partition: consumer.get_watermark_offsets(tp, timeout=10)[1] for tp in partitions}
        consumer.assign(partitions)
        found: list[tuple[int, int, bytes | None]] = []
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            positions = {tp.partition: tp.offset for tp in consumer.position(partitions)}
            if all(positions[p] >= end for p, end in ends.items()):
                break
            message = consumer.poll(0.2)
            if message is not None and not message.error():
                found.append((message.partition() or 0, message.offset() or 0, message.value()))
        return [value for _, _, value in sorted(found, key=lambda f: (f[0], f[1]))]
    finally:
        consumer.close()


def ids_in(values: Iterable[bytes | None], field_name: str = "id") -> list[str]:
    """The ``field_name`` of each JSON value (a JsonConverter's envelope's payload too), as text."""
    out: list[str] = []
    for value in values:
        if value is None:
            continue
        parsed = json.loads(value)
        if isinstance(parsed, dict) and "payload" in parsed and "schema" in parsed:
            parsed = parsed["payload"]
        if isinstance(parsed, dict) and field_name in parsed:
            out.append(str(parsed[field_name]))
    return out
