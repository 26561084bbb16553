"""runtime/run_recorder.py's per-container counters (``counters:`` records of the runs topic): monotonic totals."""

from __future__ import annotations

from typing import Any

from connect_core.api.errors import ConnectError
from connect_core.storage.run_state import RunState, TaskCounters, counters_key, counters_value
from tests.unit.runtime.test_run_recorder import _fresh_runs, setup

__all__ = ["setup"]


def test_each_invocation_adds_to_its_containers_totals_and_a_failure_makes_the_next_run_a_start(setup: Any) -> None:
    invocation, runner, _topics, clock, runs_topic = setup
    for outcome in ("fails", "runs", "runs", "fails", "runs"):  # a start that fails, a start, a running task's failure
        if outcome == "fails":
            runner.failures.append(ConnectError("down"))
        clock.now += 100
        try:
            invocation.run("src", 0, lambda: 1000.0, 256)
        except ConnectError:
            pass
    (counters,) = _fresh_runs(runs_topic).state.counters["src"].values()
    assert (counters.invocations, counters.failed, counters.records_in, counters.records_out) == (5, 2, 9, 9)
    assert (counters.start_attempts, counters.start_successes, counters.start_failures) == (3, 2, 1)
    assert counters.container == invocation.recorder.container and counters.kind == "source"


def test_a_counters_record_round_trips_and_unknown_fields_are_ignored() -> None:
    counters = TaskCounters("my:conn", 2, "abc123", 5, 1, "sink", invocations=3, records_in=7)
    state = RunState()
    state.apply(counters_key(counters), counters_value(counters)[:-1] + b',"future":1}')
    assert state.counters["my:conn"][(2, "abc123")] == counters
    state.apply(counters_key(counters), None)
    assert state.counters["my:conn"] == {}


def test_a_tasks_tagged_per_invocation_counts_sum_into_its_containers_counts(setup: Any) -> None:
    from connect_core.runtime.run_recorder import RunOutcome

    invocation, _runner, _topics, clock, runs_topic = setup
    metrics = {"record-count{topic=east.t,partition=0}": 3.0, "record-age-ms{topic=east.t,partition=0}": 40.0,
               "gauge-count": 9.0}  # a count of the task's own tags alone is a gauge of its own: not summed
    for _ in range(2):
        clock.now += 100
        invocation.recorder.succeeded("src", 0, RunOutcome(records=3, metrics=metrics), 10.0, 128)
    state = _fresh_runs(runs_topic).state
    (counters,) = state.counters["src"].values()
    assert counters.counts == {"record-count{topic=east.t,partition=0}": 6.0}
    assert [point.metrics for point in state.run_history["src"]] == [metrics, metrics]
