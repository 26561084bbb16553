"""What each task invocation did, as records of lambda-connect's own runs topic (Kafka Connect has no such topic).

A Connect worker knows what its tasks are doing because it runs them; a function-based runtime only knows what the
last invocation reported. These records are that report, read statelessly by the coordinator's status page and by
the next invocation's restart policy. They live in a topic of their own (``<status.storage.topic>-runs``), so the
status topic keeps Kafka Connect's exact formats and a real worker sharing it never sees a key it does not know.

``run:<task>:<connector>``
    the latest invocation: ``{"at", "kind", "ok", "records", "skipped", "dlq", "duration_ms", "memory_mb", "error",
    "offsets", "window", "restart"}``
``progress:<task>:<connector>``
    the latest invocation that moved records: ``{"at", "records", "offsets"}``
``lag:<connector>``
    the latest consumer-group lag sample of a sink and the one before it: ``{"at", "total", "previous"}``
``counters:<task>:<container>:<connector>``
    one warm container's running totals for a task since it first ran it (``TaskCounters``): each container's only
    grow, so their sum over every container ever recorded is a monotonic total (Kafka's ``*-total`` metrics).
``streak:<task>:<partition>:<topic>:<connector>``
    a sink batch's failure streak on one topic-partition: ``{"first_offset", "at", "error", "restart"}``; a
    tombstone when a batch of that partition went through. Concurrent invocations of one sink (one per partition)
    each write only their own partitions' streaks, so a success elsewhere never resets a poison batch's count.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from operator import itemgetter
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = [
    "BatchStreak",
    "TaskCounters",
    "LagSample",
    "Progress",
    "RestartState",
    "RunRecord",
    "RunState",
    "RunPoint",
    "RunWindow",
    "counters_key",
    "lag_key",
    "progress_key",
    "run_key",
    "streak_key",
]

_log = logging.getLogger(__name__)
RUN_PREFIX = "run:"
PROGRESS_PREFIX = "progress:"
LAG_PREFIX = "lag:"
STREAK_PREFIX = "streak:"
COUNTERS_PREFIX = "counters:"
HISTORY_MS = 3_600_000  # how far back the status page's charts look
HISTORY_MAX = 4_096  # points kept per connector and series, newest first (a task that runs every second: ~1 hour)


@dataclass(frozen=True)
class RunWindow:
    """Invocations and billed time of one warm container since it started: the basis of the cost estimate."""

    since_ms: int
    invocations: int = 0
    billed_ms: float = 0.0


@dataclass(frozen=True)
class RestartState:
    """The restart policy's memory for one task: consecutive failures, automatic restarts, the breaker."""

    failures: int = 0
    restarts: int = 0
    retry_at_ms: int | None = None
    breaker_open: bool = False
    reason: str | None = None
    epoch: list[int | None] | None = None  # ConfigState.task_epoch the streak belongs to
    history: list[int] = field(default_factory=list)  # when the last automatic restarts happened (epoch ms)
    # A sink whose breaker is open has its Kafka trigger disabled by the coordinator's heartbeat (a poison batch is
    # not retried forever): since when, and the consumer group's committed offsets ("topic-partition": offset) the
    # kept batch replays from. A manual restart, resume or new config (a fresh RestartState) lifts the hold.
    held_at_ms: int | None = None
    held_offsets: dict[str, int] | None = None


@dataclass(frozen=True)
class RunRecord:
    """One invocation of a task: when, what it moved, how long it took, how it ended."""

    connector: str
    task: int
    at_ms: int
    kind: str  # "source" or "sink"
    ok: bool
    records: int = 0
    skipped: int = 0
    dlq: int = 0
    duration_ms: float = 0.0
    memory_mb: int = 0
    error: str | None = None
    offsets: Any = None
    window: RunWindow | None = None
    restart: RestartState = field(default_factory=RestartState)
    metrics: dict[str, float] | None = None  # the task's own plugin metrics (KIP-877) this invocation published


@dataclass(frozen=True)
class RunPoint:
    """One invocation as the status page's charts need it: when, which task, what it moved, how it ended."""

    at_ms: int
    task: int
    records: int
    ok: bool
    error: str | None = None
    skipped: int = 0
    dlq: int = 0
    duration_ms: float = 0.0
    metrics: dict[str, float] | None = None  # the task's own plugin metrics of that invocation (RunRecord.metrics)


@dataclass(frozen=True)
class TaskCounters:
    """One warm container's totals for one task since it first ran it (``container``: its random id); the
    coordinator's ``/metrics`` sums them over containers (``coordinator/metrics/``)."""

    connector: str
    task: int
    container: str
    at_ms: int
    since_ms: int
    kind: str
    invocations: int = 0
    failed: int = 0
    records_in: int = 0  # polled by a source task, read from Kafka by a sink task
    records_out: int = 0  # written to Kafka by a source task, put to a sink task
    skipped: int = 0
    dlq: int = 0
    start_attempts: int = 0
    start_successes: int = 0
    start_failures: int = 0
    # the task's error handling counters in this container, under Kafka's task-error-metrics names
    errors: dict[str, int] = field(default_factory=dict)
    # running sums of the task's per-invocation ``*-count{tags}`` plugin metrics (MirrorSourceTask's per-partition
    # ``record-count{...}`` and ``byte-count{...}``): monotonic totals like the counters above
    counts: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class BatchStreak:
    """The failure streak of a sink batch on one topic-partition: the restart policy counts per (task, partition,
    first offset), so each poison batch has a breaker of its own, whatever other partitions do meanwhile."""

    connector: str
    task: int
    topic: str
    partition: int
    first_offset: int
    at_ms: int
    error: str | None = None
    restart: RestartState = field(default_factory=RestartState)


@dataclass(frozen=True)
class Progress:
    """The latest invocation of a task that moved records."""

    at_ms: int
    records: int
    offsets: Any = None


@dataclass(frozen=True)
class LagSample:
    """A sink connector's total consumer-group lag at one moment, with the sample before it."""

    at_ms: int
    total: int
    previous_at_ms: int | None = None
    previous_total: int | None = None


def run_key(connector: str, task: int) -> str:
    """``run:<task>:<connector>`` (the connector last: its name may contain anything)."""
    return f"{RUN_PREFIX}{task}:{connector}"


def streak_key(connector: str, task: int, topic: str, partition: int) -> str:
    """``counters:<task>:<container>:<connector>``
    one warm container's running totals for a task since it first ran it (``TaskCounters``): each container's only
    grow, so their sum over every container ever recorded is a monotonic total (Kafka's ``*-total`` metrics).
``streak:<task>:<partition>:<topic>:<connector>`` (a topic name cannot hold ``:``)."""
    return f"{STREAK_PREFIX}{task}:{partition}:{topic}:{connector}"


def streak_value(streak: BatchStreak) -> bytes:
    """The compact JSON of a streak (connector, task, topic and partition are in the key)."""
    body = {"first_offset": streak.first_offset, "at": streak.at_ms, "error": streak.error,
            "restart": asdict(streak.restart)}
    return json.dumps(body, separators=(",", ":"), default=str).encode("utf-8")


def counters_key(counters: TaskCounters) -> str:
    """``counters:<task>:<container>:<connector>`` (a container id holds no ``:``)."""
    return f"{COUNTERS_PREFIX}{counters.task}:{counters.container}:{counters.connector}"


def counters_value(counters: TaskCounters) -> bytes:
    """The compact JSON of a container's counters (connector, task and container are in the key)."""
    body = asdict(counters)
    del body["connector"], body["task"], body["container"]
    return json.dumps(body, separators=(",", ":")).encode("utf-8")


def progress_key(connector: str, task: int) -> str:
    """``progress:<task>:<connector>``."""
    return f"{PROGRESS_PREFIX}{task}:{connector}"


def lag_key(connector: str) -> str:
    """``lag:<connector>``."""
    return LAG_PREFIX + connector


def run_value(run: RunRecord) -> bytes:
    """The compact JSON of a run record (connector and task are in the key)."""
    body = asdict(run)
    del body["connector"], body["task"]
    return json.dumps(body, separators=(",", ":"), default=str).encode("utf-8")


def progress_value(progress: Progress) -> bytes:
    """The compact JSON of a progress record."""
    return json.dumps(asdict(progress), separators=(",", ":"), default=str).encode("utf-8")


def lag_value(sample: LagSample) -> bytes:
    """The compact JSON of a lag sample."""
    return json.dumps(asdict(sample), separators=(",", ":")).encode("utf-8")


def _task_key(key: str, prefix: str) -> tuple[str, int] | None:
    task, sep, connector = key[len(prefix):].partition(":")
    if not sep or not connector or not task.isdigit():
        return None
    return connector, int(task)


def _at(point: RunPoint) -> int:
    return point.at_ms


def _remember(series: list[Any], item: Any, when: Callable[[Any], int]) -> None:
    """Append ``item``; past ``HISTORY_MAX`` keep the newest points of the last ``HISTORY_MS`` (records of
    different partitions arrive out of time order, so the trim sorts)."""
    series.append(item)
    if len(series) > HISTORY_MAX + HISTORY_MAX // 4:
        newest = max(map(when, series))
        series[:] = sorted((s for s in series if when(s) >= newest - HISTORY_MS), key=when)[-HISTORY_MAX:]


def _run(connector: str, task: int, body: dict[str, Any]) -> RunRecord:
    window = body.pop("window", None)
    restart = body.pop("restart", None) or {}
    return RunRecord(connector, task, **body, window=RunWindow(**window) if window else None,
                     restart=RestartState(**restart))


class RunState:
    """The latest run, progress and lag sample of every task, folded from the runs topic, and the last hour of
    runs and lag samples per connector (the topic is compacted, but its active segment keeps every record)."""

    def __init__(self) -> None:
        """Start empty."""
        self.runs: dict[str, dict[int, RunRecord]] = {}
        self.progress: dict[str, dict[int, Progress]] = {}
        self.lag: dict[str, LagSample] = {}
        self.streaks: dict[str, dict[tuple[int, str, int], BatchStreak]] = {}
        self.run_history: dict[str, list[RunPoint]] = {}
        self.lag_history: dict[str, list[tuple[int, int]]] = {}
        self.counters: dict[str, dict[tuple[int, str], TaskCounters]] = {}

    def history(self, connector: str, since_ms: int) -> tuple[list[RunPoint], list[tuple[int, int]]]:
        """The connector's runs and lag samples (at, total) since ``since_ms``, oldest first."""
        runs = sorted((p for p in self.run_history.get(connector, ()) if p.at_ms >= since_ms), key=_at)
        lags = sorted(s for s in self.lag_history.get(connector, ()) if s[0] >= since_ms)
        return runs, lags

    def run(self, connector: str, task: int) -> RunRecord | None:
        """The task's latest run, or None."""
        return self.runs.get(connector, {}).get(task)

    def streak(self, connector: str, task: int, topic: str, partition: int) -> BatchStreak | None:
        """The open failure streak of a sink task on one topic-partition, or None."""
        return self.streaks.get(connector, {}).get((task, topic, partition))

    def task_streaks(self, connector: str, task: int | None = None) -> list[BatchStreak]:
        """The open streaks of a connector's task (every task: None), in key order."""
        found = self.streaks.get(connector, {})
        return [found[key] for key in sorted(found) if task is None or key[0] == task]

    def apply(self, key: str | None, value: bytes | None) -> None:
        """Fold one record in; unknown or broken records are skipped (the topic is advisory, never fatal)."""
        if key is None:
            return
        try:
            self._apply(key, None if value is None else json.loads(value))
        except (ValueError, TypeError, KeyError):
            _log.warning("Discarding unreadable run record %s", key)

    def _apply(self, key: str, body: dict[str, Any] | None) -> None:
        if key.startswith(STREAK_PREFIX):
            self._apply_streak(key, body)
            return
        if key.startswith(COUNTERS_PREFIX):
            self._apply_counters(key, body)
            return
        if key.startswith(LAG_PREFIX):
            connector = key[len(LAG_PREFIX):]
            if body is None:
                self.lag.pop(connector, None)
            else:
                self.lag[connector] = sample = LagSample(**body)
                _remember(self.lag_history.setdefault(connector, []), (sample.at_ms, sample.total), itemgetter(0))
            return
        for prefix, table in ((RUN_PREFIX, self.runs), (PROGRESS_PREFIX, self.progress)):
            if key.startswith(prefix):
                parsed = _task_key(key, prefix)
                if parsed is None:
                    return
                connector, task = parsed
                if body is None:
                    table.get(connector, {}).pop(task, None)
                elif prefix == RUN_PREFIX:
                    self.runs.setdefault(connector, {})[task] = run = _run(connector, task, body)
                    point = RunPoint(run.at_ms, task, run.records, run.ok, run.error, run.skipped, run.dlq,
                                     run.duration_ms, run.metrics)
                    _remember(self.run_history.setdefault(connector, []), point, _at)
                else:
                    self.progress.setdefault(connector, {})[task] = Progress(**body)
                return

    def _apply_streak(self, key: str, body: dict[str, Any] | None) -> None:
        task, _, rest = key[len(STREAK_PREFIX):].partition(":")
        partition, _, rest = rest.partition(":")
        topic, sep, connector = rest.partition(":")
        if not sep or not connector or not topic or not task.isdigit() or not partition.isdigit():
            return
        slot = (int(task), topic, int(partition))
        if body is None:
            self.streaks.get(connector, {}).pop(slot, None)
            return
        self.streaks.setdefault(connector, {})[slot] = BatchStreak(
            connector, slot[0], topic, slot[2], int(body["first_offset"]), int(body["at"]), body.get("error"),
            RestartState(**(body.get("restart") or {})))

    def _apply_counters(self, key: str, body: dict[str, Any] | None) -> None:
        task, _, rest = key[len(COUNTERS_PREFIX):].partition(":")
        container, sep, connector = rest.partition(":")
        if not sep or not connector or not container or not task.isdigit():
            return
        if body is None:
            self.counters.get(connector, {}).pop((int(task), container), None)
            return
        known = {f for f in TaskCounters.__dataclass_fields__} - {"connector", "task", "container"}
        self.counters.setdefault(connector, {})[(int(task), container)] = TaskCounters(
            connector, int(task), container, **{k: v for k, v in body.items() if k in known})
