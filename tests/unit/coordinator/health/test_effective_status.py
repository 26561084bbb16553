"""connect_core/coordinator/health/effective_status.py: a task is shown as what its invocations did."""

from __future__ import annotations

from connect_core.coordinator.health.effective_status import (
    STALE_FLOOR_MS,
    effective_task_status,
    schedule_interval_ms,
)
from connect_core.storage.run_state import LagSample, RunRecord
from connect_core.storage.status_state import State, TaskStatus

RUNNING = TaskStatus("c", 0, State.RUNNING, "w", 1)


def _run(at_ms: int, ok: bool = True) -> RunRecord:
    return RunRecord("c", 0, at_ms, "source", ok, error=None if ok else "ConnectError: db down")


def test_a_failed_last_run_is_never_shown_running() -> None:
    shown = effective_task_status(RUNNING, _run(1000, ok=False), now_ms=2000)
    assert shown.state is State.FAILED
    assert "ConnectError: db down" in (shown.trace or "")


def test_a_source_silent_for_three_intervals_is_unassigned_with_a_trace() -> None:
    assert effective_task_status(RUNNING, _run(1000), now_ms=181_000, interval_ms=60_000) == RUNNING
    shown = effective_task_status(RUNNING, _run(1000), now_ms=181_001, interval_ms=60_000)
    assert shown.state is State.UNASSIGNED
    assert "3 schedule intervals of 60000 ms" in (shown.trace or "")


def test_short_intervals_wait_at_least_one_function_timeout() -> None:
    assert effective_task_status(RUNNING, _run(0), now_ms=STALE_FLOOR_MS, interval_ms=300) == RUNNING
    assert effective_task_status(RUNNING, _run(0), now_ms=STALE_FLOOR_MS + 1, interval_ms=300).state is State.UNASSIGNED


def test_a_sink_whose_lag_grows_unserved_is_unassigned() -> None:
    growing = LagSample(20_000, 50, 10_000, 10)
    shown = effective_task_status(RUNNING, _run(5_000), now_ms=20_000, lag=growing)
    assert shown.state is State.UNASSIGNED and "grew from 10" in (shown.trace or "")
    assert effective_task_status(RUNNING, _run(15_000), now_ms=20_000, lag=growing) == RUNNING  # served meanwhile
    assert effective_task_status(RUNNING, None, now_ms=20_000, lag=LagSample(20_000, 5, 10_000, 10)) == RUNNING


def test_paused_statuses_and_failures_no_run_succeeded_after_are_left_alone() -> None:
    paused = TaskStatus("c", 0, State.PAUSED, "w", 1)
    assert effective_task_status(paused, _run(0, ok=False), now_ms=10**9, interval_ms=1) == paused
    assert effective_task_status(paused, _run(5), now_ms=10).state is State.PAUSED
    failed = TaskStatus("c", 0, State.FAILED, "w", 1, "trace", at_ms=1000)
    assert effective_task_status(failed, _run(999), now_ms=2000) == failed  # the success came before the failure
    assert effective_task_status(failed, _run(1500, ok=False), now_ms=2000).state is State.FAILED
    restarting = TaskStatus("c", 0, State.RESTARTING, "w", 1, at_ms=1000)
    assert effective_task_status(restarting, _run(999), now_ms=2000).state is State.RESTARTING


def test_a_success_after_a_failure_another_container_reported_shows_running() -> None:
    """Issue 71: C1 wrote FAILED, C2's later invocations succeed: the latest run ends the failure, whoever wrote it;
    a restart request's RESTARTING or UNASSIGNED also ends with the first success after it, never before."""
    for state in (State.FAILED, State.RESTARTING, State.UNASSIGNED):
        reported = TaskStatus("c", 0, state, "w", 1, "trace" if state is State.FAILED else None, at_ms=1000)
        shown = effective_task_status(reported, _run(1001), now_ms=2000)
        assert (shown.state, shown.trace) == (State.RUNNING, None)
    unknown_time = TaskStatus("c", 0, State.FAILED, "w", 1, "trace")  # a FAILED always comes with a failed run
    assert effective_task_status(unknown_time, _run(5), now_ms=10).state is State.RUNNING
    assert effective_task_status(TaskStatus("c", 0, State.RESTARTING, "w", 1), _run(5), now_ms=10).state \
        is State.RESTARTING


def test_schedule_interval_is_the_local_timer_or_whole_minutes_on_aws() -> None:
    config = {"poll.interval.ms": "2000"}
    assert schedule_interval_ms(config, aws=False) == 2000
    assert schedule_interval_ms(config, aws=True) == 60_000
    assert schedule_interval_ms({"lambda.schedule.interval.ms": "90000"}, aws=True) == 120_000


def test_a_running_task_shows_its_own_plugin_metrics_of_its_latest_invocation_in_its_trace() -> None:
    measured = RunRecord("c", 0, 1000, "source", True, metrics={"replication-slot-lag-bytes": 1234567.0, "ratio": 0.5})
    shown = effective_task_status(RUNNING, measured, now_ms=2000)
    assert (shown.state, shown.trace) == (State.RUNNING, "lambda-connect: metrics of the invocation at "
                                          "1970-01-01T00:00:01Z: ratio=0.5, replication-slot-lag-bytes=1234567")
    assert effective_task_status(RUNNING, _run(1000), now_ms=2000) == RUNNING  # none published: no trace
    failed = TaskStatus("c", 0, State.FAILED, "w", 1, "boom", at_ms=1500)  # after the measured run
    assert effective_task_status(failed, measured, now_ms=2000) == failed  # a failure's trace is never replaced
