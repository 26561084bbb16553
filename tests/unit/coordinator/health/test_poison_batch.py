"""A poison batch is stopped, not retried forever: the heartbeat holds a sink whose breaker is open (its trigger is
disabled, the batch kept uncommitted), and a REST restart, resume or config update lifts the hold."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from connect_core.coordinator.cluster.info import StaticClusterInfo
from connect_core.coordinator.health.overview import StatusOverview
from connect_core.coordinator.health.poison_batch import PoisonBatchGuard, hold_note, should_hold
from connect_core.coordinator.herder.deployer import RecordingDeployer
from connect_core.coordinator.rest.service import Coordinator
from connect_core.runtime.restart_policy import trigger_held
from connect_core.storage.config_state import TargetState
from connect_core.storage.run_state import RestartState, RunRecord
from connect_core.storage.status_state import State, TaskStatus
from functions.coordinator import app
from tests.unit.coordinator.health.test_overview import SINK, SOURCE, World

HEARTBEAT = {"lambda-connect": "heartbeat"}


class Beat:
    """The overview test world, with one deployer kept across calls so its hold and apply calls can be seen."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.deployer = RecordingDeployer()

    def coordinator(self) -> Coordinator:
        w = self.world
        configs, statuses = w.topics.config_store(), w.topics.status_store()
        overview = StatusOverview(configs, statuses, w.run_store(), w.groups, w.offsets, clock=lambda: w.now)
        return Coordinator(configs, w.topics.offset_store(), statuses, deployer=self.deployer, groups=w.groups,
                           cluster=StaticClusterInfo("id"), worker_id="w", version="1", overview=overview)

    def call(self, method: str, path: str, body: Any = None, query: str = "") -> dict[str, Any]:
        event = {"rawPath": path, "rawQueryString": query, "requestContext": {"http": {"method": method}},
                 "headers": {"content-type": "application/json"}, "body": None if body is None else json.dumps(body)}
        app._coordinator = self.coordinator()
        return app.handler(event, None)

    def heartbeat(self) -> None:
        app._coordinator = self.coordinator()
        app.handler(HEARTBEAT, None)

    def epoch(self) -> list[int | None]:
        store = self.world.topics.config_store()
        store.refresh()
        return list(store.state.task_epoch("snk"))

    def run(self) -> RunRecord:
        store = self.world.run_store()
        store.refresh()
        run = store.state.run("snk", 0)
        assert run is not None
        return run

    def task(self) -> dict[str, Any]:
        return json.loads(self.call("GET", "/connectors/snk/status")["body"])["tasks"][0]

    def poison(self) -> None:
        """The sink's function failed three times; its breaker opened (what the RunRecorder writes)."""
        opened = RestartState(failures=3, restarts=2, breaker_open=True, reason="2 automatic restarts",
                              epoch=self.epoch())
        self.world.run_store().put_run(RunRecord("snk", 0, 999_500, "sink", False, error="e", restart=opened))
        status = self.world.topics.status_store()
        status.put_task_status(TaskStatus("snk", 0, State.FAILED, "fn", 1, "IsADirectoryError\nbreaker open"))


@pytest.fixture
def beat() -> Beat:
    w = World()
    b = Beat(w)
    assert b.call("POST", "/connectors", {"name": "src", "config": SOURCE})["statusCode"] == 201
    assert b.call("POST", "/connectors", {"name": "snk", "config": SINK})["statusCode"] == 201
    w.offsets.marks = {("lines", 0): (0, 10), ("lines", 1): (0, 4)}
    w.groups.groups["connect-snk"] = {("lines", 0): 7}
    return b


def _run(restart: RestartState, kind: str = "sink") -> RunRecord:
    return RunRecord("c", 0, 1, kind, False, restart=restart)


def test_only_a_started_sink_with_its_breaker_open_for_its_current_tasks_is_held() -> None:
    opened = RestartState(failures=3, breaker_open=True, epoch=[2, 0])
    assert should_hold("sink", TargetState.STARTED, _run(opened), (2, 0))
    assert should_hold("sink", None, _run(opened), (2, 0))
    assert not should_hold("source", TargetState.STARTED, _run(opened), (2, 0))  # its schedule holds it already
    assert not should_hold("sink", TargetState.PAUSED, _run(opened), (2, 0))  # paused: disabled anyway
    assert not should_hold("sink", TargetState.STARTED, _run(opened), (3, 0))  # a new config: a fresh streak
    assert not should_hold("sink", TargetState.STARTED, _run(opened), (2, 1))  # a restart request: likewise
    backing_off = RestartState(failures=3, retry_at_ms=5, epoch=[2, 0])
    assert not should_hold("sink", TargetState.STARTED, _run(backing_off), (2, 0))
    assert not should_hold("sink", TargetState.STARTED, None, (2, 0))
    assert not trigger_held(opened, (2, 0))
    assert trigger_held(replace(opened, held_at_ms=7), (2, 0))
    assert not trigger_held(replace(opened, held_at_ms=7), (3, 0))


def test_the_note_says_what_was_done_and_how_to_replay() -> None:
    note = hold_note("snk", 4, {"lines-1": 3, "lines-0": 7})
    assert "Kafka trigger disabled after 4 failed attempt(s)" in note
    assert "lines-0 offset 7, lines-1 offset 3" in note
    assert "POST /connectors/snk/restart?includeTasks=true" in note
    assert "starting position" in hold_note("snk", 1, {})


def test_the_heartbeat_holds_a_poisoned_sink_once_and_records_where_it_replays_from(beat: Beat) -> None:
    beat.heartbeat()
    assert "hold" not in beat.deployer.actions("snk")  # nothing failed yet
    beat.poison()
    beat.heartbeat()
    assert beat.deployer.actions("snk")[-1] == "hold"
    assert "hold" not in beat.deployer.actions("src")
    restart = beat.run().restart
    assert (restart.held_at_ms, restart.held_offsets) == (1_000_000, {"lines-0": 7})
    assert trigger_held(restart, beat.epoch())
    task = beat.task()
    assert task["state"] == "FAILED"
    assert task["trace"].startswith("IsADirectoryError")
    assert "Kafka trigger disabled after 3 failed attempt(s)" in task["trace"]
    assert "lines-0 offset 7" in task["trace"]
    page = json.loads(beat.call("GET", "/ui/api/overview")["body"])
    (sink,) = [c for c in page["connectors"] if c["name"] == "snk"]
    assert sink["tasks"][0]["trigger_disabled"] == {"at_ms": 1_000_000, "replay_from": {"lines-0": 7}}

    beat.world.now += 60
    beat.heartbeat()  # asked again (idempotent on the platform), recorded once
    assert beat.deployer.actions("snk")[-1] == "hold"
    assert beat.run().restart.held_at_ms == 1_000_000
    assert beat.task()["trace"].count("Kafka trigger disabled") == 1


@pytest.mark.parametrize(("method", "path", "query"), [
    ("POST", "/connectors/snk/restart", ""),
    ("POST", "/connectors/snk/restart", "includeTasks=true&onlyFailed=true"),
    ("POST", "/connectors/snk/restart", "includeTasks=true&onlyFailed=false"),
    ("POST", "/connectors/snk/tasks/0/restart", ""),
    ("PUT", "/connectors/snk/resume", ""),
])
def test_a_rest_restart_or_resume_lifts_the_hold_and_enables_the_trigger(beat: Beat, method: str, path: str,
                                                                        query: str) -> None:
    beat.poison()
    beat.heartbeat()
    calls = len(beat.deployer.calls)
    assert beat.call(method, path, query=query)["statusCode"] in (200, 202, 204)
    after = beat.deployer.calls[calls:]
    assert any(c.action == "apply" and c.target_state is TargetState.STARTED for c in after)
    assert not trigger_held(beat.run().restart, beat.epoch())
    beat.heartbeat()  # the breaker is closed: no new hold
    assert beat.deployer.calls[-1].action != "hold"


def test_a_config_update_lifts_the_hold(beat: Beat) -> None:
    beat.poison()
    beat.heartbeat()
    assert beat.call("PUT", "/connectors/snk/config", {**SINK, "file": "/tmp/other.txt"})["statusCode"] == 200
    assert [c.action for c in beat.deployer.calls[-2:]] == ["apply", "start"]  # re-enabled, then the task started
    assert beat.deployer.calls[-2].target_state is TargetState.STARTED
    assert not trigger_held(beat.run().restart, beat.epoch())  # a new task config: a new epoch
    page = json.loads(beat.call("GET", "/ui/api/overview")["body"])
    (sink,) = [c for c in page["connectors"] if c["name"] == "snk"]
    assert sink["tasks"][0]["trigger_disabled"] is None


def test_a_paused_sink_is_not_held_and_keeps_its_pause(beat: Beat) -> None:
    beat.poison()
    assert beat.call("PUT", "/connectors/snk/pause")["statusCode"] == 202
    beat.heartbeat()
    assert "hold" not in beat.deployer.actions("snk")


def test_a_restart_between_the_scan_and_the_hold_is_never_undone(beat: Beat) -> None:
    beat.poison()
    stale = beat.run()  # what the heartbeat's scan saw
    assert beat.call("POST", "/connectors/snk/restart", query="includeTasks=true&onlyFailed=true")["statusCode"] == 202
    coordinator = beat.coordinator()
    assert coordinator.overview is not None
    guard = PoisonBatchGuard(coordinator.overview, beat.deployer)
    assert not guard._hold("snk", SINK, stale)
    assert "hold" not in beat.deployer.actions("snk")
    assert not beat.run().restart.breaker_open
