"""Idle ticks of a sink behind a mapping: ``put([])`` and ``pre_commit`` when due, nothing at all otherwise."""

from __future__ import annotations

from typing import Any

import pytest

from connect_core.api.task import TopicPartition
from connect_core.runtime.idle_tick import idle_tick_event, idle_tick_interval_ms, is_idle_tick
from connect_core.runtime.sink_runner import SinkRunner
from connect_core.runtime.task_start import SINK_START_EVENT, is_sink_start
from connect_core.storage.config_state import TargetState
from tests.unit.runtime import fakes
from tests.unit.runtime.fakes import RecordingSinkConnector, RecordingSinkTask
from tests.unit.runtime.test_sink_runner import CONFIG, WORKER, Harness, _event

TICKING_SINK = f"{__name__}:TickingSinkConnector"


class TickingSinkConnector(RecordingSinkConnector):
    """The recording sink, asking for idle ticks every ``tick.ms``."""

    def idle_tick_interval_ms(self, props: dict[str, str]) -> int | None:
        return int(props["tick.ms"])


TICKING = {**CONFIG, "connector.class": TICKING_SINK, "tick.ms": "60000"}


@pytest.fixture(autouse=True)
def _ticking_plugin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAMBDA_CONNECT_PLUGINS", f"{fakes.PLUGINS},{TICKING_SINK}")


class _Counted:
    """A runner whose config store counts its reads of the config topic and whose status store counts its writes."""

    def __init__(self, harness: Harness) -> None:
        self.reads = self.writes = 0
        configs, statuses = harness.topics.config_store(), harness.topics.status_store()
        refresh, put = configs.refresh, statuses.put_task_status

        def counted_refresh(*args: Any, **kwargs: Any) -> Any:
            self.reads += 1
            return refresh(*args, **kwargs)

        def counted_put(*args: Any, **kwargs: Any) -> Any:
            self.writes += 1
            return put(*args, **kwargs)

        configs.refresh = counted_refresh  # type: ignore[method-assign]
        statuses.put_task_status = counted_put  # type: ignore[method-assign]
        self.runner = SinkRunner(WORKER, "snk", config_store=configs, status_store=statuses)


def test_the_tick_event_is_neither_a_kafka_event_nor_a_start() -> None:
    event = idle_tick_event("snk")
    assert is_idle_tick(event) and not is_sink_start(event)
    assert not is_idle_tick(SINK_START_EVENT) and not is_idle_tick(_event(b"{}"))


def test_the_interval_is_the_connectors_declaration_or_none() -> None:
    assert idle_tick_interval_ms(TICKING) == 60_000
    assert idle_tick_interval_ms(CONFIG) is None  # the default: no ticks
    assert idle_tick_interval_ms({**TICKING, "tick.ms": "x"}) is None  # a hook that raises: no ticks
    assert idle_tick_interval_ms({"connector.class": "NoSuchConnector"}) is None


def test_a_tick_where_the_task_never_started_starts_it_and_ticks_at_once() -> None:
    """What is due may be another container's (staged files), and the containers that started the task may all be
    gone: the tick starts it here and puts nothing, then pre-commits; the next tick waits for the interval."""
    counted = _Counted(Harness(TICKING))
    calls = RecordingSinkTask.PUT_CALLS
    result = counted.runner.tick()
    assert result is not None and (result.records, result.response()) == (0, {})
    assert counted.reads <= 2 and RecordingSinkTask.PUT_CALLS == calls + 1
    assert counted.runner.tick() is None


def test_a_tick_where_the_connector_declares_no_interval_does_nothing_more() -> None:
    counted = _Counted(Harness(CONFIG))
    calls = RecordingSinkTask.PUT_CALLS
    assert counted.runner.tick() is None
    assert RecordingSinkTask.PUT_CALLS == calls


def test_a_tick_before_the_interval_passed_does_no_broker_round_trip() -> None:
    counted = _Counted(Harness(TICKING))
    counted.runner.handle(_event(b'{"id": 1}'))
    counted.reads = counted.writes = 0
    calls, flushed = RecordingSinkTask.PUT_CALLS, len(RecordingSinkTask.FLUSHED)
    assert counted.runner.tick() is None
    assert (counted.reads, counted.writes) == (0, 0)
    assert (RecordingSinkTask.PUT_CALLS, len(RecordingSinkTask.FLUSHED)) == (calls, flushed)


def test_a_connector_that_declares_no_interval_is_never_ticked() -> None:
    counted = _Counted(Harness(CONFIG))
    counted.runner.handle(_event(b'{"id": 1}'))
    running = counted.runner._running
    assert running is not None and running.idle_interval_ms is None
    running.put_at -= 3600.0
    assert counted.runner.tick() is None


def test_a_due_tick_puts_nothing_and_pre_commits_the_current_offsets_without_committing() -> None:
    counted = _Counted(Harness(TICKING))
    counted.runner.handle(_event(b'{"id": 1}', b'{"id": 2}'))
    running = counted.runner._running
    assert running is not None
    running.put_at -= 60.0  # the declared interval has passed since the last put
    calls, put = RecordingSinkTask.PUT_CALLS, len(RecordingSinkTask.PUT)
    result = counted.runner.tick()
    assert result is not None
    assert (RecordingSinkTask.PUT_CALLS, len(RecordingSinkTask.PUT)) == (calls + 1, put)  # put([]), as a worker's poll
    assert RecordingSinkTask.FLUSHED[-1] == {TopicPartition("orders", 0): 12}  # pre_commit(current offsets)
    assert (result.records, result.response()) == (0, {})  # no batch: nothing for a mapping to commit or send again
    assert counted.runner.tick() is None  # and the next one waits for the interval again


def test_the_invocation_answers_a_tick_and_records_a_run_only_when_the_task_did_something() -> None:
    from connect_core.kafka.settings import KafkaClientSettings
    from connect_core.runtime.run_recorder import RunRecorder
    from connect_core.runtime.task_invocation import SinkInvocation
    from connect_core.storage.run_store import RunStore
    from tests.unit.storage.fakes import MemoryTopic, MemoryTopicLog

    harness = Harness(TICKING)
    runner = harness.runner()
    runs_topic = MemoryTopic("connect-status-runs")
    runs = RunStore(KafkaClientSettings())
    runs.log = MemoryTopicLog(runs_topic)  # type: ignore[assignment]
    invocation = SinkInvocation(WORKER, "snk", runner, RunRecorder(WORKER, "sink", runner.config_store,
                                                                   runner.status_store, run_store=runs))
    assert invocation.tick(128)["idle_tick"] == "done"  # no task started in this container: started, ticked
    assert invocation.handle(_event(b'{"id": 1}'), 128) == {}
    written = len(runs_topic.records)
    assert invocation.tick(128)["idle_tick"] == "not due"
    assert len(runs_topic.records) == written and invocation.recorder.last_run is None  # no run, no metrics
    assert runner._running is not None
    runner._running.put_at -= 60.0
    assert invocation.tick(128)["idle_tick"] == "done"
    assert len(runs_topic.records) > written

    harness.topics.config_store().put_target_state("snk", TargetState.PAUSED)
    runner._running.put_at -= 60.0
    assert invocation.tick(128)["idle_tick"] == "not running"  # paused: the tick neither fails nor raises
    assert runner._running is None and invocation.tick(128)["idle_tick"] == "not running"
