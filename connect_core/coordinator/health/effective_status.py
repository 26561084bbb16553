"""Honest statuses: a task's reported state, corrected by what its invocations actually did.

A Connect worker's task status is reliable because the worker runs the task. Here a task reports RUNNING when an
invocation succeeds, and then nothing may happen for a long time: its schedule may stop firing, its Kafka trigger
may stop invoking it, a timeout may kill it before it reports. So the status the REST API and the page show is
the reported one, except that:

* a task whose latest invocation failed is FAILED, never RUNNING;
* a task reported FAILED, RESTARTING or UNASSIGNED whose latest invocation succeeded after that report is RUNNING:
  another warm container of the function may have run it since, and a success ends a failure;
* a sink task with an open failure streak on any partition (``run_state.BatchStreak``) is FAILED, whatever its other
  partitions' invocations report meanwhile: the status stays steady while one poison batch is retried;
* a source task whose schedule has not produced an invocation for ``STALE_INTERVALS`` intervals (and at least
  ``STALE_FLOOR_MS``: one invocation may legitimately run that long) is UNASSIGNED (no runtime is running it),
  with a trace saying since when;
* a sink whose consumer-group lag grew between the last two samples while no invocation succeeded is UNASSIGNED,
  with a trace giving the lag;
* a RUNNING task whose latest invocation published plugin metrics of its own (KIP-877, e.g. the PostgreSQL source's
  ``replication-slot-lag-bytes``) shows them in its trace: ``trace`` is the one free-text field of Kafka's
  ``TaskState``, which every Kafka client reads, while a field Kafka does not declare fails Jackson's default
  ``ObjectMapper`` (``ConnectorStateInfo`` ignores no unknown property).
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from connect_core.storage.status_state import State, TaskStatus

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from connect_core.storage.run_state import BatchStreak, LagSample, RunRecord

__all__ = ["STALE_FLOOR_MS", "STALE_INTERVALS", "effective_task_status", "metrics_note", "schedule_interval_ms"]

STALE_INTERVALS = 3
STALE_FLOOR_MS = 30_000  # the local source function's timeout; on AWS three intervals are three minutes or more
_MINUTE_MS = 60_000
_SHOWN_ACTIVE = (State.RUNNING, State.RESTARTING)
_HEALED_BY_A_RUN = (State.FAILED, State.RESTARTING, State.UNASSIGNED)


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def schedule_interval_ms(config: Mapping[str, str | None], *, aws: bool) -> int:
    """How often a source task's schedule fires: locally the timer's period, on AWS whole minutes, at least one."""
    # lazy: the trigger configs' pydantic models load with the first source shown, not at a cold start
    from connect_core.runtime.trigger_config import DEFAULT_SCHEDULE_INTERVAL_MS, SourceScheduleConfig

    props = {k: v for k, v in config.items() if v is not None}
    try:
        schedule = SourceScheduleConfig.parse(props)
    except Exception:
        schedule = SourceScheduleConfig()
    if not aws:
        return schedule.local_interval_ms(props)
    interval = schedule.schedule_interval_ms or DEFAULT_SCHEDULE_INTERVAL_MS
    return max(1, math.ceil(interval / _MINUTE_MS)) * _MINUTE_MS


def effective_task_status(
    status: TaskStatus,
    run: RunRecord | None,
    *,
    now_ms: int,
    interval_ms: int | None = None,
    lag: LagSample | None = None,
    streaks: Sequence[BatchStreak] = (),
) -> TaskStatus:
    """The status to show. ``interval_ms``: the schedule of a source task; ``lag``: the latest sample of a sink;
    ``streaks``: a sink task's open batch streaks of its current tasks."""
    failing = [s for s in streaks if s.restart.failures]
    if not failing and _healed_by(status, run):
        assert run is not None
        status = replace(status, state=State.RUNNING, trace=None)
    if status.state not in _SHOWN_ACTIVE:
        return status
    if failing:
        worst = max(failing, key=lambda s: (s.restart.breaker_open, s.restart.failures))
        return replace(status, state=State.FAILED, trace=(
            f"lambda-connect: the batch of {worst.topic}-{worst.partition} from offset {worst.first_offset} failed "
            f"{worst.restart.failures} time(s) in a row (latest at {_iso(worst.at_ms)}): {worst.error}"))
    if run is not None and not run.ok:
        trace = status.trace if status.state is State.FAILED else None
        return replace(status, state=State.FAILED,
                       trace=trace or f"The latest invocation at {_iso(run.at_ms)} failed: {run.error}")
    if interval_ms is not None and run is not None and now_ms - run.at_ms > _stale_after_ms(interval_ms):
        return replace(status, state=State.UNASSIGNED, trace=(
            f"lambda-connect: no invocation of this task since {_iso(run.at_ms)}, more than {STALE_INTERVALS} "
            f"schedule intervals of {interval_ms} ms: its schedule is not firing or its invocations die before "
            "they report (timeouts)."))
    if lag is not None and _lag_grew_unserved(lag, run):
        assert lag.previous_at_ms is not None
        return replace(status, state=State.UNASSIGNED, trace=(
            f"lambda-connect: consumer lag grew from {lag.previous_total} at {_iso(lag.previous_at_ms)} to "
            f"{lag.total} at {_iso(lag.at_ms)} and no invocation succeeded in between: the Kafka trigger is not "
            "invoking this sink."))
    if status.state is State.RUNNING and not status.trace and run is not None and run.ok and _untagged(run):
        return replace(status, trace=metrics_note(run))
    return status


def _untagged(run: RunRecord) -> dict[str, float]:
    """The run's metrics under the task's tags alone (``name{...}`` ones, e.g. MM2's per partition, go to /metrics)."""
    return {name: value for name, value in (run.metrics or {}).items() if "{" not in name}


def metrics_note(run: RunRecord) -> str:
    """``lambda-connect: metrics of the invocation at <time>: <name>=<value>, ...`` (whole numbers without .0)."""
    shown = ", ".join(f"{name}={int(value) if float(value).is_integer() else value}"
                      for name, value in sorted(_untagged(run).items()))
    return f"lambda-connect: metrics of the invocation at {_iso(run.at_ms)}: {shown}"


def _healed_by(status: TaskStatus, run: RunRecord | None) -> bool:
    """Whether the latest invocation succeeded after the reported FAILED, RESTARTING or UNASSIGNED: any warm
    container may run a task's next invocation, and the one that succeeded need not be the one that reported. A
    FAILED is always written with a failed run record, so a successful latest run is later even when the status's
    time is unknown; the others need their record's time (a restart request's RESTARTING waits for a new run)."""
    if run is None or not run.ok or status.state not in _HEALED_BY_A_RUN:
        return False
    if status.at_ms is None:
        return status.state is State.FAILED
    return run.at_ms >= status.at_ms


def _stale_after_ms(interval_ms: int) -> int:
    return max(STALE_INTERVALS * interval_ms, STALE_FLOOR_MS)


def _lag_grew_unserved(lag: LagSample, run: RunRecord | None) -> bool:
    if lag.previous_total is None or lag.previous_at_ms is None or lag.total <= lag.previous_total:
        return False
    return run is None or run.at_ms < lag.previous_at_ms
