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
