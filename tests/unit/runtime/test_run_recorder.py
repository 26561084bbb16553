"""connect_core/runtime/run_recorder.py and task_invocation.py: run records, the restart gate, status traces."""

from __future__ import annotations

from typing import Any

import pytest

from connect_core.api.errors import ConfigError, ConnectError
from connect_core.kafka.settings import KafkaClientSettings
from connect_core.runtime.restart_policy import Decision
from connect_core.runtime.run_recorder import RunOutcome, RunRecorder
from connect_core.runtime.source_runner import SourceInvocationResult
from connect_core.runtime.task_invocation import SourceInvocation
from connect_core.runtime.worker import WorkerSettings
from connect_core.storage.run_store import RunStore
from connect_core.storage.status_state import State
from tests.unit.storage.fakes import MemoryTopic, MemoryTopicLog, Topics

CONFIG = {"connector.class": "FileStreamSource", "file": "/tmp/x", "topic": "t", "name": "src"}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class ScriptedRunner:
    """Stands in for SourceRunner: fails while ``failures`` is positive, else moves ``records`` records."""

    def __init__(self, topics: Topics) -> None:
        self.config_store = topics.config_store()
        self.status_store = topics.status_store()
        self.failures: list[Exception] = []
        self.calls = 0

    def run(self, connector: str, task: int, _remaining: Any) -> SourceInvocationResult:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return SourceInvocationResult(connector, task, "RUNNING", records=3, offsets=[{"offset": {"position": 9}}])


@pytest.fixture
def setup() -> tuple[SourceInvocation, ScriptedRunner, Topics, Clock, MemoryTopic]:
    topics = Topics()
    store = topics.config_store()
    store.put_connector_config("src", CONFIG)
    store.put_task_configs("src", [CONFIG])
    runs_topic = MemoryTopic("connect-status-runs")
    runs = RunStore(KafkaClientSettings())
    runs.log = MemoryTopicLog(runs_topic)  # type: ignore[assignment]
    runner = ScriptedRunner(topics)
    clock = Clock()
    worker = WorkerSettings(KafkaClientSettings(), worker_id="w1")
    recorder = RunRecorder(worker, "source", runner.config_store, runner.status_store, run_store=runs, clock=clock)
    return SourceInvocation(worker, runner, recorder), runner, topics, clock, runs_topic  # type: ignore[arg-type]


def _fresh_runs(topic: MemoryTopic) -> RunStore:
    runs = RunStore(KafkaClientSettings())
    runs.log = MemoryTopicLog(topic)  # type: ignore[assignment]
    runs.refresh()
    return runs


def test_a_successful_run_is_recorded_with_its_progress(setup: Any) -> None:
    invocation, _runner, _topics, _clock, runs_topic = setup
    invocation.run("src", 0, lambda: 1000.0, 256)
    runs = _fresh_runs(runs_topic)
    run = runs.state.run("src", 0)
    assert run is not None and run.ok and run.records == 3 and run.memory_mb == 256
    assert run.window is not None and run.window.invocations == 1
    assert runs.state.progress["src"][0].offsets == [{"offset": {"position": 9}}]


def test_failures_back_off_restart_automatically_and_say_so_in_the_trace(setup: Any) -> None:
    invocation, runner, topics, clock, runs_topic = setup
    runner.failures = [ConnectError("db down"), ConnectError("db still down")]
    with pytest.raises(ConnectError):
        invocation.run("src", 0, lambda: 1000.0, 128)
    statuses = topics.status_store()
    assert statuses.task_status("src", 0).state is State.FAILED
    assert "automatic restart 1 at" in (statuses.task_status("src", 0).trace or "")
    # within the backoff: not run at all
    assert invocation.run("src", 0, lambda: 1000.0, 128)["restart"] == "WAIT"
    assert runner.calls == 1
    clock.now += 1.0
    with pytest.raises(ConnectError):
        invocation.run("src", 0, lambda: 1000.0, 128)  # the automatic restart, failing again
    assert invocation.decision is Decision.RESTART
    run = _fresh_runs(runs_topic).state.run("src", 0)
    assert run is not None and (run.restart.failures, run.restart.restarts) == (2, 1)
    assert run.restart.retry_at_ms == 1_001_000 + 2000
    clock.now += 2.0
    invocation.run("src", 0, lambda: 1000.0, 128)
    run = _fresh_runs(runs_topic).state.run("src", 0)
    assert run is not None and run.ok and run.restart.failures == 0


def test_a_restart_is_written_as_restarting_with_a_trace(setup: Any) -> None:
    invocation, runner, topics, clock, _runs_topic = setup
    runner.failures = [ConnectError("boom")]
    with pytest.raises(ConnectError):
        invocation.run("src", 0, lambda: 1000.0, 128)
    clock.now += 5
    recorder = invocation.recorder
    assert recorder.admit("src", 0) is Decision.RESTART
    status = topics.status_store().task_status("src", 0)
    assert status.state is State.RESTARTING
    assert "automatic restart 1 of 10" in (status.trace or "")


def test_a_config_error_opens_the_breaker_at_once(setup: Any) -> None:
    invocation, runner, topics, clock, _runs_topic = setup
    runner.failures = [ConfigError("connection.url is wrong")]
    with pytest.raises(ConfigError):
        invocation.run("src", 0, lambda: 1000.0, 128)
    clock.now += 10_000
    assert invocation.run("src", 0, lambda: 1000.0, 128)["restart"] == "OPEN"
    assert runner.calls == 1
    assert "circuit breaker open" in (topics.status_store().task_status("src", 0).trace or "")


def test_a_new_container_sees_the_streak(setup: Any) -> None:
    invocation, runner, _topics, clock, runs_topic = setup
    runner.failures = [ConnectError("x")]
    with pytest.raises(ConnectError):
        invocation.run("src", 0, lambda: 1000.0, 128)
    worker = WorkerSettings(KafkaClientSettings(), worker_id="w2")
    cold = RunRecorder(worker, "source", runner.config_store, runner.status_store, run_store=_fresh_runs(runs_topic),
                       clock=clock)
    assert cold.admit("src", 0) is Decision.WAIT
    cold.succeeded("src", 0, RunOutcome(), 1.0, 128)


def test_a_healthy_warm_task_is_admitted_without_any_read(setup: Any) -> None:
    invocation, runner, _topics, _clock, _runs_topic = setup
    invocation.run("src", 0, lambda: 1000.0, 128)  # cold: reads the topics once
    reads = []
    runner.config_store.refresh = lambda: reads.append("configs")  # type: ignore[method-assign]
    invocation.recorder.run_store.refresh = lambda: reads.append("runs")  # type: ignore[method-assign]
    assert invocation.recorder.admit("src", 0) is Decision.RUN
    assert reads == []


def test_a_sink_retried_inside_its_backoff_runs_but_only_one_retry_per_backoff_counts(setup: Any) -> None:
    _invocation, runner, _topics, clock, runs_topic = setup
    worker = WorkerSettings(KafkaClientSettings(), worker_id="w1")
    sink = RunRecorder(worker, "sink", runner.config_store, runner.status_store, run_store=_fresh_runs(runs_topic),
                       clock=clock)
    assert sink.admit("src", 0) is Decision.RUN
    sink.failed("src", 0, ConnectError("db down"), 1.0, 128)  # retry_at = now + 1 s
    first = sink.last_run
    assert first is not None and first.restart.retry_at_ms == 1_001_000
    assert sink.admit("src", 0) is Decision.RUN  # the mapping's retry inside the backoff: runs, uncounted
    sink.failed("src", 0, ConnectError("db down"), 1.0, 128)
    second = sink.last_run
    assert second is not None and (second.restart.failures, second.restart.restarts) == (2, 0)
    assert second.restart.retry_at_ms == 1_001_000  # not pushed out
    clock.now += 1.0
    assert sink.admit("src", 0) is Decision.RESTART


def test_a_poison_batch_has_its_own_breaker_while_the_other_partitions_flow(setup: Any) -> None:
    """Concurrent containers of one sink, one per partition, all running task 0: successes on partitions 1-3 never
    reset the count of the poison batch on partition 0, its breaker opens, and the shown status stays FAILED."""
    from connect_core.coordinator.health.effective_status import effective_task_status
    from connect_core.coordinator.health.poison_batch import should_hold
    from connect_core.storage.status_state import TaskStatus

    _invocation, runner, topics, clock, runs_topic = setup
    config = {"connector.class": "FileStreamSink", "file": "/tmp/y", "topics": "t", "name": "snk",
              "lambda.restart.max.attempts": "2"}
    store = topics.config_store()
    store.put_connector_config("snk", config)
    store.put_task_configs("snk", [config])
    runner.config_store.refresh()
    worker = WorkerSettings(KafkaClientSettings(), worker_id="w1")
    containers = [RunRecorder(worker, "sink", runner.config_store, runner.status_store,
                              run_store=_fresh_runs(runs_topic), clock=clock) for _ in range(4)]
    poison = {("t", 0): 5}
    decisions = []
    for round_ in range(6):
        decision = containers[0].admit("snk", 0, poison)
        decisions.append(decision)
        if decision is Decision.OPEN:
            break
        containers[0].failed("snk", 0, ConnectError("poison record"), 1.0, 128)
        for partition in (1, 2, 3):  # the other partitions keep flowing, each batch further on
            flowing = containers[partition]
            assert flowing.admit("snk", 0, {("t", partition): round_ * 10}) is Decision.RUN
            flowing.succeeded("snk", 0, RunOutcome(records=10), 1.0, 128)
        clock.now += 600  # past any backoff
    assert decisions == [Decision.RUN, Decision.RESTART, Decision.RESTART, Decision.OPEN]
    runs = _fresh_runs(runs_topic)
    streak = runs.state.streak("snk", 0, "t", 0)
    assert streak is not None and streak.first_offset == 5
    assert (streak.restart.failures, streak.restart.restarts, streak.restart.breaker_open) == (3, 2, True)
    assert [s.partition for s in runs.state.task_streaks("snk")] == [0]  # successes left no streak behind
    run = runs.state.run("snk", 0)
    assert run is not None and run.ok  # the latest writer is a healthy partition: it no longer decides
    epoch = runner.config_store.state.task_epoch("snk")
    assert should_hold("sink", None, run, epoch, runs.state.task_streaks("snk"))
    shown = effective_task_status(TaskStatus("snk", 0, State.RUNNING, "w1", 1, None), run, now_ms=int(clock.now * 1000),
                                  streaks=runs.state.task_streaks("snk"))
    assert shown.state is State.FAILED and "t-0 from offset 5 failed 3 time(s)" in (shown.trace or "")
    # A batch of partition 0 from another offset (the offsets were reset past it) is a new batch: it runs, and its
    # success ends the streak.
    fresh = containers[2]
    assert fresh.admit("snk", 0, {("t", 0): 6}) is Decision.RUN
    fresh.succeeded("snk", 0, RunOutcome(records=1), 1.0, 128)
    assert _fresh_runs(runs_topic).state.task_streaks("snk") == []


def test_batch_first_offsets_reads_each_partition_of_a_lambda_event() -> None:
    from connect_core.runtime.task_invocation import batch_first_offsets

    event = {"eventSource": "aws:kafka", "records": {
        "a.b-0": [{"topic": "a.b", "partition": 0, "offset": 7}, {"topic": "a.b", "partition": 0, "offset": 8}],
        "a.b-3": [{"topic": "a.b", "partition": 3, "offset": 2}], "bad": "x"}}
    assert batch_first_offsets(event) == {("a.b", 0): 7, ("a.b", 3): 2}
    assert batch_first_offsets({"records": None}) == {}
