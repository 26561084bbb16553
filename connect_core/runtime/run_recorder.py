"""``RunRecorder``: what every task invocation reports besides its status, and its restart policy's gate.

Each invocation leaves one record in the runs topic (when, records, duration, memory, error, offsets, the warm
container's invocation count and billed time) for the status page and the cost estimate. ``admit`` applies the
restart policy to the failure streak before a task runs; ``failed`` backs off or opens the breaker and writes the
decision into the task's status trace. A sink's failures are counted per (task, partition, first offset) in
streak records of their own (``run_state.BatchStreak``), since concurrent invocations per partition run one task and
a batch that went through on one partition must not reset a poison batch's count on another.
"""

from __future__ import annotations

import logging
import math
import time
import traceback
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from connect_core.errors.error_handling_metrics import task_error_metrics
from connect_core.runtime.config_providers import redact
from connect_core.runtime.restart_policy import Decision, RestartPolicyConfig, after_failure, decide, restarted
from connect_core.storage.config_state import TargetState
from connect_core.storage.run_state import BatchStreak, Progress, RestartState, RunRecord, RunWindow, TaskCounters
from connect_core.storage.run_store import RunStore
from connect_core.storage.status_state import State, TaskStatus

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

    from connect_core.runtime.worker import WorkerSettings
    from connect_core.storage.config_store import ConfigStore
    from connect_core.storage.status_store import StatusStore

__all__ = ["Batch", "RunOutcome", "RunRecorder"]

log = logging.getLogger(__name__)
ERROR_SUMMARY_CHARS = 500
Batch = dict[tuple[str, int], int]  # a sink batch: (topic, partition) -> its first offset


@dataclass(frozen=True)
class RunOutcome:
    """What a successful invocation moved (the runner's result, in the recorder's terms)."""

    records: int = 0
    skipped: int = 0
    dlq: int = 0
    offsets: Any = None
    metrics: dict[str, float] | None = None  # the task's own plugin metrics (KIP-877) as this invocation published


class RunRecorder:
    """Writes run records and applies the restart policy for the tasks one container runs."""

    def __init__(
        self,
        worker: WorkerSettings,
        kind: str,
        config_store: ConfigStore,
        status_store: StatusStore,
        *,
        run_store: RunStore | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """Share the runner's config and status stores; ``kind`` is ``source`` or ``sink``."""
        self.worker = worker
        self.kind = kind
        self.config_store = config_store
        self.status_store = status_store
        self.run_store = run_store or RunStore(worker.kafka, worker.storage)
        self._clock = clock
        self._windows: dict[tuple[str, int], RunWindow] = {}
        self._pending: dict[tuple[str, int], RestartState] = {}
        self._uncounted: set[tuple[str, int]] = set()  # sink retries inside the backoff
        self._batches: dict[tuple[str, int], Batch] = {}  # the admitted sink batch of each task
        self._pending_streaks: dict[tuple[str, int], dict[tuple[str, int], RestartState]] = {}
        self._uncounted_partitions: dict[tuple[str, int], set[tuple[str, int]]] = {}
        self._read = False
        self.last_run: RunRecord | None = None  # what the latest invocation reported (for its metrics)
        # This container's running totals per task (``/metrics``' monotonic totals) and whether it runs the task
        # started: the first invocation, and the one after a failure (the task is rebuilt), is a start attempt.
        self.container = uuid.uuid4().hex[:12]
        self._counters: dict[tuple[str, int], TaskCounters] = {}
        self._started: set[tuple[str, int]] = set()

    def _now_ms(self) -> int:
        return int(self._clock() * 1000)

    def _epoch(self, connector: str) -> list[int | None]:
        return list(self.config_store.state.task_epoch(connector))

    def _policy(self, connector: str) -> RestartPolicyConfig:
        config = self.config_store.connector_config(connector) or {}
        try:
            return RestartPolicyConfig.parse({k: v for k, v in config.items() if v is not None})
        except Exception:
            return RestartPolicyConfig()

    def _restart_state(self, connector: str, task: int) -> RestartState:
        known = self.run_store.state.run(connector, task)
        if not self._read or (known is not None and known.restart.failures):
            self._read = True  # cold start, or a streak: someone else may have moved it on (sink concurrency)
            try:
                self.run_store.refresh()
            except Exception:
                log.warning("could not read the runs topic", exc_info=True)
            known = self.run_store.state.run(connector, task)
        return known.restart if known is not None else RestartState()

    def admit(self, connector: str, task: int, batch: Mapping[tuple[str, int], int] | None = None) -> Decision:
        """Whether this invocation may run the task: RUN or RESTART yes, WAIT or OPEN no.

        A warm container whose task has no failure streak answers RUN without any I/O: only a streak (or a cold
        start) costs a read of the config and runs topics. ``batch`` (sinks: first offset per topic-partition)
        makes the streaks per batch (module docstring).
        """
        self.last_run = None
        self._batches.pop((connector, task), None)
        if batch and self.kind == "sink":
            self._batches[(connector, task)] = dict(batch)
            return self._admit_batch(connector, task, self._batches[(connector, task)])
        known = self.run_store.state.run(connector, task)
        if self._read and (known is None or not known.restart.failures):
            self._pending[(connector, task)] = RestartState()
            return Decision.RUN
        self.config_store.refresh()
        if self.config_store.target_state(connector) in (TargetState.PAUSED, TargetState.STOPPED):
            return Decision.RUN  # the runner answers a paused or stopped connector itself
        state = self._restart_state(connector, task)
        now = self._now_ms()
        decision = decide(state, self._epoch(connector), now)
        if decision is Decision.WAIT and self.kind == "sink":
            # The event source mapping owns a sink's retry timing (and counts every failed invocation against
            # lambda.maximum.retry.attempts): a sink is never held back by backoff, only by the open breaker; its
            # retries inside the backoff run, but only one per backoff counts as an automatic restart.
            self._pending[(connector, task)] = state
            self._uncounted.add((connector, task))
            return Decision.RUN
        if decision is Decision.RUN:
            self._pending[(connector, task)] = RestartState()
        elif decision is Decision.RESTART:
            state = restarted(state, now)
            self._pending[(connector, task)] = state
            policy = self._policy(connector)
            limit = "unlimited" if policy.max_attempts < 0 else str(policy.max_attempts)
            self._status(connector, task, State.RESTARTING,
                         f"lambda-connect: automatic restart {state.restarts} of {limit} at {_iso(now)} after "
                         f"{state.failures} failure(s) in a row.")
        return decision

    def _admit_batch(self, connector: str, task: int, batch: Batch) -> Decision:
        key = (connector, task)
        self._pending_streaks[key] = {}
        self._uncounted_partitions[key] = set()
        known = self.run_store.state
        if self._read and not any(known.streak(connector, task, *tp) for tp in batch):
            return Decision.RUN
        self.config_store.refresh()
        if self.config_store.target_state(connector) in (TargetState.PAUSED, TargetState.STOPPED):
            return Decision.RUN
        streaks = self._batch_streaks(connector, task, batch)
        epoch, now = self._epoch(connector), self._now_ms()
        decisions = {tp: decide(state, epoch, now) for tp, state in streaks.items()}
        if Decision.OPEN in decisions.values():
            return Decision.OPEN
        # The mapping owns a sink's retry timing: a batch inside its backoff runs, uncounted (see admit's source).
        pending = {tp: streaks[tp] for tp, d in decisions.items() if d is Decision.WAIT}
        self._uncounted_partitions[key] = set(pending)
        restarting = {tp: restarted(streaks[tp], now) for tp, d in decisions.items() if d is Decision.RESTART}
        self._pending_streaks[key] = {**pending, **restarting}
        if not restarting:
            return Decision.RUN
        state = max(restarting.values(), key=lambda r: r.restarts)
        policy = self._policy(connector)
        limit = "unlimited" if policy.max_attempts < 0 else str(policy.max_attempts)
        self._status(connector, task, State.RESTARTING,
                     f"lambda-connect: automatic restart {state.restarts} of {limit} at {_iso(now)} after "
                     f"{state.failures} failure(s) in a row of the batch from {_where(restarting, batch)}.")
        return Decision.RESTART

    def _batch_streaks(self, connector: str, task: int, batch: Batch) -> dict[tuple[str, int], RestartState]:
        """The open streaks of the batch's partitions that belong to this batch (the same first offset)."""
        self._read = True
        try:
            self.run_store.refresh()
        except Exception:
            log.warning("could not read the runs topic", exc_info=True)
        found: dict[tuple[str, int], RestartState] = {}
        for tp, first in batch.items():
            streak = self.run_store.state.streak(connector, task, *tp)
            if streak is not None and streak.first_offset == first and streak.restart.failures:
                found[tp] = streak.restart
        return found

    def succeeded(self, connector: str, task: int, outcome: RunOutcome, duration_ms: float, memory_mb: int) -> None:
        """Record a successful invocation; the failure streak ends (a sink's: of the batch's partitions)."""
        self._pending.pop((connector, task), None)
        self._uncounted.discard((connector, task))
        self._pending_streaks.pop((connector, task), None)
        self._uncounted_partitions.pop((connector, task), None)
        batch = self._batches.pop((connector, task), None)
        now = self._now_ms()
        run = RunRecord(connector, task, now, self.kind, True, outcome.records, outcome.skipped, outcome.dlq,
                        duration_ms, memory_mb, None, outcome.offsets, self._window(connector, task, duration_ms),
                        metrics=outcome.metrics or None)
        progress = Progress(now, outcome.records, outcome.offsets) if outcome.records else None
        # Tombstones for every partition of the batch, known streak or not: another container may have started
        # one this container never read, and they ride in the produce request the run record makes anyway.
        self._put(run, progress, ended=list(batch or ()))

    def failed(self, connector: str, task: int, error: BaseException, duration_ms: float, memory_mb: int) -> None:
        """Record a failed invocation, back off or open the breaker, and say so in the task's status trace."""
        batch = self._batches.pop((connector, task), None)
        if batch:
            self._failed_batch(connector, task, batch, error, duration_ms=duration_ms, memory_mb=memory_mb)
            return
        now = self._now_ms()
        state = self._pending.pop((connector, task), None)
        counted = (connector, task) not in self._uncounted
        self._uncounted.discard((connector, task))
        if state is None or not state.failures:  # not an admitted restart: continue the latest known streak
            self._read = False  # another container (a sink's concurrency) may have one going: read it
            state = self._restart_state(connector, task)
        state = after_failure(self._policy(connector), state, error, self._epoch(connector), now, counted=counted)
        summary = redact(f"{type(error).__name__}: {error}") or type(error).__name__
        run = RunRecord(connector, task, now, self.kind, False, duration_ms=duration_ms, memory_mb=memory_mb,
                        error=summary[:ERROR_SUMMARY_CHARS], window=self._window(connector, task, duration_ms),
                        restart=state)
        self._put(run, None)
        trace = (redact("".join(traceback.format_exception(error))) or "") + "\n" + _policy_note(state)
        self._status(connector, task, State.FAILED, trace)

    def _failed_batch(self, connector: str, task: int, batch: Batch, error: BaseException, *, duration_ms: float,
                      memory_mb: int) -> None:
        """Count the failure against the streak of every partition of the batch (from its first offset)."""
        now = self._now_ms()
        pending = self._pending_streaks.pop((connector, task), {})
        uncounted = self._uncounted_partitions.pop((connector, task), set())
        current = {} if set(batch) <= set(pending) else self._batch_streaks(connector, task, batch)
        policy, epoch = self._policy(connector), self._epoch(connector)
        summary = (redact(f"{type(error).__name__}: {error}") or type(error).__name__)[:ERROR_SUMMARY_CHARS]
        streaks = []
        for (topic, partition), first in sorted(batch.items()):
            state = pending.get((topic, partition)) or current.get((topic, partition)) or RestartState()
            state = after_failure(policy, state, error, epoch, now, counted=(topic, partition) not in uncounted)
            streaks.append(BatchStreak(connector, task, topic, partition, first, now, summary, state))
        worst = max(streaks, key=lambda s: (s.restart.breaker_open, s.restart.failures))
        run = RunRecord(connector, task, now, self.kind, False, duration_ms=duration_ms, memory_mb=memory_mb,
                        error=summary, window=self._window(connector, task, duration_ms), restart=worst.restart)
        self._put(run, None, streaks=streaks)
        trace = (redact("".join(traceback.format_exception(error))) or "") + "\n" + _policy_note(
            worst.restart, f" of the batch from {worst.topic}-{worst.partition} offset {worst.first_offset}")
        self._status(connector, task, State.FAILED, trace)

    def close(self) -> None:
        """Release the runs topic's clients."""
        self.run_store.close()

    def _window(self, connector: str, task: int, duration_ms: float) -> RunWindow:
        window = self._windows.get((connector, task)) or RunWindow(self._now_ms())
        window = RunWindow(window.since_ms, window.invocations + 1, window.billed_ms + math.ceil(duration_ms))
        self._windows[(connector, task)] = window
        return window

    def _count(self, run: RunRecord) -> TaskCounters:
        """This container's totals for the run's task, with the run added."""
        key = (run.connector, run.task)
        counters = self._counters.get(key) or TaskCounters(run.connector, run.task, self.container, run.at_ms,
                                                           run.at_ms, self.kind)
        starting = key not in self._started
        if run.ok:
            self._started.add(key)
        else:
            self._started.discard(key)
        counters = replace(
            counters, at_ms=run.at_ms, invocations=counters.invocations + 1, failed=counters.failed + (not run.ok),
            records_in=counters.records_in + run.records + run.skipped, records_out=counters.records_out + run.records,
            skipped=counters.skipped + run.skipped, dlq=counters.dlq + run.dlq,
            start_attempts=counters.start_attempts + starting,
            start_successes=counters.start_successes + (starting and run.ok),
            start_failures=counters.start_failures + (starting and not run.ok),
            errors=task_error_metrics(run.connector, run.task).as_dict(), counts=_counts(counters.counts, run.metrics))
        self._counters[key] = counters
        return counters

    def _put(self, run: RunRecord, progress: Progress | None, *, streaks: Iterable[BatchStreak] = (),
             ended: Iterable[tuple[str, int]] = ()) -> None:
        self.last_run = run
        try:
            self.run_store.put_run(run, progress, streaks=streaks, ended=ended, counters=self._count(run))
        except Exception:
            log.warning("could not write the run record of %s-%d", run.connector, run.task, exc_info=True)

    def _status(self, connector: str, task: int, state: State, trace: str) -> None:
        generation = self.config_store.state.task_config_generation(connector) or 0
        try:
            self.status_store.put_task_status(
                TaskStatus(connector, task, state, self.worker.worker_id, generation, trace)
            )
        except Exception:
            log.warning("could not write the status of %s-%d", connector, task, exc_info=True)


def _counts(totals: dict[str, float], metrics: Mapping[str, float] | None) -> dict[str, float]:
    """``totals`` with the invocation's per-invocation counts added: the task's ``*-count`` plugin metrics with tags of
    their own (``name{tags}``, e.g. MirrorSourceTask's ``record-count{target=..,topic=..,partition=..}``)."""
    if not metrics:
        return totals
    out = dict(totals)
    for name, value in metrics.items():
        base, tagged, _ = name.partition("{")
        if tagged and base.endswith("-count"):
            out[name] = out.get(name, 0.0) + value
    return out


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _where(streaks: Mapping[tuple[str, int], object], batch: Batch) -> str:
    return ", ".join(f"{topic}-{partition} offset {batch[(topic, partition)]}" for topic, partition in sorted(streaks))


def _policy_note(state: RestartState, of: str = "") -> str:
    if state.breaker_open:
        return (f"lambda-connect: circuit breaker open after {state.failures} failure(s){of}: {state.reason}. "
                "Restart the task or connector through the REST API once the cause is fixed.")
    if state.retry_at_ms is None:  # a sink's retry inside the backoff: the mapping retries on its own schedule
        return f"lambda-connect: failure {state.failures} in a row{of}; the Kafka trigger retries the batch."
    return (f"lambda-connect: failure {state.failures} in a row{of}; automatic restart "
            f"{state.restarts + 1} at {_iso(state.retry_at_ms)}.")
