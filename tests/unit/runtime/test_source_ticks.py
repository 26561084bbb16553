"""Heartbeat windows and delayed ticks: sub-minute poll intervals without a billed sleep, never two runs at once."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from connect_core.api.errors import NotFoundError
from connect_core.runtime.source_event import SourceTaskRef, parse_source_event, parse_source_events
from connect_core.runtime.source_runner import SourceInvocationResult
from connect_core.runtime.source_ticks import SqsTicks, next_tick, run_source_invocation, window_budget
from connect_core.runtime.task_start import START_BUDGET_MS, source_start_event

WINDOW_START = 1_800_000_000_000
HEARTBEAT = SourceTaskRef("src", 0, WINDOW_START, 60_000, 0)


@pytest.fixture(autouse=True)
def _margin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAMBDA_CONNECT_SAFETY_MARGIN_MS", "5000")


def _running(poll_interval_ms: int | None = 5_000, state: str = "RUNNING") -> dict[str, Any]:
    return SourceInvocationResult("src", 0, state, records=3, poll_interval_ms=poll_interval_ms).as_dict()


class FakeRunner:
    def __init__(self, result: dict[str, Any] | Exception) -> None:
        self.result = result
        self.budgets: list[float] = []

    def run(self, connector: str, task: int, remaining_ms: Any) -> dict[str, Any]:
        self.budgets.append(remaining_ms())
        if isinstance(self.result, Exception):
            raise self.result
        return self.result


class FakeSqs:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def send_message(self, **kwargs: Any) -> None:
        self.sent.append(kwargs)


def test_a_running_task_schedules_its_next_tick_poll_interval_later_in_the_same_window() -> None:
    tick = next_tick(HEARTBEAT, _running(5_000), now_ms=WINDOW_START + 2_000)

    assert tick == {"delay_s": 5, "event": {"connector": "src", "task": 0, "window_start": WINDOW_START,
                                            "window_ms": 60_000, "tick": 1}}


@pytest.mark.parametrize(("interval", "delay"), [(200, 1), (1_500, 2), (30_000, 30)])
def test_sqs_delays_are_whole_seconds_at_least_one(interval: int, delay: int) -> None:
    tick = next_tick(HEARTBEAT, _running(interval), now_ms=WINDOW_START)
    assert tick is not None and tick["delay_s"] == delay


def test_no_tick_past_the_window_the_next_heartbeat_polls_then() -> None:
    # window ends at +60 s, minus the 5 s margin: a tick due at +56 s would run into the next window
    assert next_tick(HEARTBEAT, _running(5_000), now_ms=WINDOW_START + 51_000) is None
    assert next_tick(HEARTBEAT, _running(5_000), now_ms=WINDOW_START + 49_000) is not None


def test_a_task_held_back_by_its_restart_policy_sends_no_tick() -> None:
    held = {"connector": "src", "task": 0, "state": "FAILED", "restart": "WAIT"}
    assert next_tick(HEARTBEAT, held, now_ms=WINDOW_START) is None


@pytest.mark.parametrize("result", [_running(None), _running(5_000, state="PAUSED"), _running(5_000, "STOPPED")])
def test_paused_stopped_or_unwindowed_tasks_send_no_tick(result: dict[str, Any]) -> None:
    assert next_tick(HEARTBEAT, result, now_ms=WINDOW_START) is None
    assert next_tick(SourceTaskRef("src", 0), _running(), now_ms=WINDOW_START) is None


def test_the_budget_ends_with_the_window() -> None:
    budget = window_budget(HEARTBEAT, lambda: 900_000.0, now_ms=lambda: WINDOW_START + 10_000)
    assert budget() == 45_000  # 60 s window - 10 s gone - 5 s margin, far below the function's own budget
    assert window_budget(SourceTaskRef("src", 0), lambda: 900_000.0)() == 900_000.0


def test_an_invocation_sends_its_tick_to_the_queue_and_reports_it() -> None:
    sqs = FakeSqs()
    runner = FakeRunner(_running(5_000))

    summary = run_source_invocation(runner.run, HEARTBEAT, lambda: 300_000.0, SqsTicks("https://q", sqs),
                                    now_ms=lambda: WINDOW_START + 1_000)

    assert summary["records"] == 3 and summary["next_tick"]["delay_s"] == 5
    assert sqs.sent == [{"QueueUrl": "https://q", "DelaySeconds": 5,
                         "MessageBody": '{"connector":"src","task":0,"window_start":1800000000000,'
                                        '"window_ms":60000,"tick":1}'}]


def test_a_late_tick_does_nothing_so_windows_never_overlap() -> None:
    runner = FakeRunner(_running())
    late = HEARTBEAT._replace(tick=4)

    summary = run_source_invocation(runner.run, late, lambda: 300_000.0, None, now_ms=lambda: WINDOW_START + 58_000)

    assert summary["ignored"] == "window over" and runner.budgets == []


def test_a_tick_of_a_deleted_or_failing_task_is_acknowledged_not_retried() -> None:
    tick = HEARTBEAT._replace(tick=2)
    now = lambda: WINDOW_START + 1_000  # noqa: E731
    deleted = run_source_invocation(FakeRunner(NotFoundError("gone")).run, tick, lambda: 1e6, None, now_ms=now)
    failed = run_source_invocation(FakeRunner(RuntimeError("boom")).run, tick, lambda: 1e6, None, now_ms=now)

    assert deleted["ignored"] == "connector not found" and failed["failed"] == "boom"
    with pytest.raises(RuntimeError):  # a heartbeat's failure stays a function error (metrics, logs)
        run_source_invocation(FakeRunner(RuntimeError("boom")).run, HEARTBEAT, lambda: 1e6, None, now_ms=now)


def test_events_heartbeat_with_schedulers_time_and_sqs_ticks() -> None:
    heartbeat = parse_source_event({"connector": "src", "task": 1, "window_start": "2027-01-15T08:00:00Z",
                                    "window_ms": 60_000})
    scheduled = dt.datetime(2027, 1, 15, 8, tzinfo=dt.UTC).timestamp() * 1000
    assert heartbeat == SourceTaskRef("src", 1, int(scheduled), 60_000, 0)
    assert parse_source_event({"connector": "src", "window_start": "<aws.scheduler.scheduled-time>",
                               "window_ms": 60_000}) == SourceTaskRef("src", 0)
    body = '{"connector":"src","task":0,"window_start":1800000000000,"window_ms":60000,"tick":3}'
    assert parse_source_events({"Records": [{"eventSource": "aws:sqs", "body": body}]}) == [HEARTBEAT._replace(tick=3)]


def test_the_queue_client_is_built_in_the_background_from_the_start(monkeypatch: pytest.MonkeyPatch) -> None:
    """A cold container imports boto3 while the task talks to Kafka, not after it."""
    from connect_core.runtime import source_ticks

    sqs, built = FakeSqs(), []
    monkeypatch.setattr(source_ticks, "_sqs_client", lambda: built.append(1) or sqs)
    monkeypatch.setenv("LAMBDA_CONNECT_SOURCE_TICK_QUEUE_URL", "https://q")

    ticks = SqsTicks.from_env()
    assert ticks is not None and ticks._building is not None
    ticks._building.join()
    assert built == [1]  # before anything was sent

    run_source_invocation(FakeRunner(_running(5_000)).run, HEARTBEAT, lambda: 300_000.0, ticks,
                          now_ms=lambda: WINDOW_START + 1_000)
    assert built == [1] and [message["DelaySeconds"] for message in sqs.sent] == [5]


def test_a_background_build_that_failed_is_retried_where_its_error_can_surface(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from connect_core.runtime import source_ticks

    attempts: list[int] = []

    def flaky() -> FakeSqs:
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("no credentials yet")
        return FakeSqs()

    monkeypatch.setattr(source_ticks, "_sqs_client", flaky)
    monkeypatch.setenv("LAMBDA_CONNECT_SOURCE_TICK_QUEUE_URL", "https://q")
    ticks = SqsTicks.from_env()
    assert ticks is not None
    ticks.send({"delay_s": 1, "event": {}})
    assert len(attempts) == 2


def test_no_queue_no_client(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LAMBDA_CONNECT_SOURCE_TICK_QUEUE_URL", raising=False)
    assert SqsTicks.from_env() is None


def test_a_pull_mode_sink_task_without_partitions_sends_no_tick() -> None:
    """It started (RUNNING) but has nothing to read until its assignment changes: its heartbeat re-checks."""
    idle = {"connector": "snk", "task": 3, "state": "RUNNING", "poll_interval_ms": None, "partitions": 0}
    assert next_tick(HEARTBEAT._replace(kind="sink"), idle, WINDOW_START + 1_000) is None
    assert next_tick(HEARTBEAT._replace(kind="sink"), idle | {"poll_interval_ms": 1_000, "partitions": 1},
                     WINDOW_START + 1_000) is not None


def test_a_start_runs_briefly_sends_no_tick_and_answers_its_failure() -> None:
    """The coordinator's start (runtime/task_start.py): no window, a short budget, and a failure answered (the task
    reported FAILED; an asynchronous invocation that raised would only be retried by Lambda)."""
    start = parse_source_event(source_start_event("snk", 2, "sink"))
    assert start == SourceTaskRef("snk", 2, kind="sink", start=True)
    assert start.as_event() == {"connector": "snk", "task": 2, "kind": "sink", "start": True}
    sqs = FakeSqs()
    runner = FakeRunner(_running(1_000))
    summary = run_source_invocation(runner.run, start, lambda: 300_000.0, SqsTicks("https://q", sqs))
    assert summary["next_tick"] is None and sqs.sent == []
    assert 0 < runner.budgets[0] <= START_BUDGET_MS
    failed = run_source_invocation(FakeRunner(RuntimeError("no database")).run, start, lambda: 1e6, None)
    assert failed["failed"] == "no database"
