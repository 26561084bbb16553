"""connect_core/storage/run_state.py: run, progress and lag records round-trip through their keys and JSON."""

from __future__ import annotations

from connect_core.storage import run_state as records
from connect_core.storage.run_state import LagSample, Progress, RestartState, RunRecord, RunState, RunWindow


def test_records_fold_back_into_the_state() -> None:
    run = RunRecord("a:b-c", 2, 1000, "sink", False, 5, 1, 1, 12.5, 512, "boom", {"t-0": 5}, RunWindow(900, 3, 40),
                    RestartState(failures=2, restarts=1, retry_at_ms=3000, epoch=[1, 0], history=[500]),
                    {"replication-slot-lag-bytes": 4096.0})
    state = RunState()
    state.apply(records.run_key(run.connector, run.task), records.run_value(run))
    state.apply(records.progress_key("a:b-c", 2), records.progress_value(Progress(1000, 5, {"t-0": 5})))
    state.apply(records.lag_key("a:b-c"), records.lag_value(LagSample(2000, 7, 1000, 3)))
    assert state.run("a:b-c", 2) == run
    assert state.progress["a:b-c"][2] == Progress(1000, 5, {"t-0": 5})
    assert state.lag["a:b-c"] == LagSample(2000, 7, 1000, 3)


def test_tombstones_and_garbage_are_harmless() -> None:
    state = RunState()
    run = RunRecord("c", 0, 1, "source", True)
    state.apply(records.run_key("c", 0), records.run_value(run))
    state.apply("run:x:c", b"{}")
    state.apply("run:0:c", b"not json")
    state.apply("something-else", b"{}")
    assert state.run("c", 0) == run
    state.apply(records.run_key("c", 0), None)
    assert state.run("c", 0) is None


def test_the_last_hour_of_runs_and_lag_samples_is_kept_per_connector_oldest_first() -> None:
    state = RunState()
    for at, task, moved, ok in ((5_000, 1, 3, True), (2_000, 0, 4, True), (9_000, 0, 0, False)):
        run = RunRecord("c", task, at, "sink", ok, moved, error=None if ok else "boom")
        state.apply(records.run_key("c", task), records.run_value(run))  # partitions arrive out of time order
    state.apply(records.lag_key("c"), records.lag_value(LagSample(4_000, 9)))
    state.apply(records.lag_key("c"), records.lag_value(LagSample(1_000, 2)))
    runs, lags = state.history("c", 1_500)
    assert [(p.at_ms, p.task, p.records, p.ok, p.error) for p in runs] == [
        (2_000, 0, 4, True, None), (5_000, 1, 3, True, None), (9_000, 0, 0, False, "boom")]
    assert lags == [(4_000, 9)]
    assert state.history("other", 0) == ([], [])


def test_the_history_stays_bounded_to_the_newest_points_of_the_hour() -> None:
    state = RunState()
    hour = records.HISTORY_MS
    for i in range(records.HISTORY_MAX * 2):
        at = i * 10 if i < 100 else hour + i * 10
        state.apply(records.run_key("c", 0), records.run_value(RunRecord("c", 0, at, "source", True, 1)))
    kept = state.run_history["c"]
    assert len(kept) <= records.HISTORY_MAX + records.HISTORY_MAX // 4
    assert min(p.at_ms for p in kept) >= hour  # the points more than an hour older than the newest went first
