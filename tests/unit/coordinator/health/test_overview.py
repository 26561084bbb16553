"""The status page through the coordinator: /ui assets, /ui/api/overview, honest REST statuses, breaker resets."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from connect_core.coordinator.cluster.info import StaticClusterInfo
from connect_core.coordinator.health.overview import LAG_SAMPLE_INTERVAL_MS, StatusOverview
from connect_core.coordinator.herder.deployer import RecordingDeployer
from connect_core.coordinator.rest.service import Coordinator
from connect_core.kafka.settings import KafkaClientSettings
from connect_core.storage.run_state import RestartState, RunRecord, RunWindow
from connect_core.storage.run_store import RunStore
from connect_core.storage.status_state import State, TaskStatus
from functions.coordinator import app
from tests.unit.coordinator.fakes import MemoryConsumerGroups
from tests.unit.storage.fakes import MemoryTopic, MemoryTopicLog, Topics

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

SOURCE = {"connector.class": "FileStreamSource", "file": "/tmp/in.txt", "topic": "lines", "poll.interval.ms": "1000"}
SINK = {"connector.class": "FileStreamSink", "file": "/tmp/out.txt", "topics": "lines",
        "errors.tolerance": "all", "errors.deadletterqueue.topic.name": "dlq"}


@dataclass
class FakeTopicOffsets:
    marks: dict[tuple[str, int], tuple[int, int]] = field(default_factory=dict)
    first_records: dict[tuple[str, int], int] = field(default_factory=dict)  # where a consumer's next record is

    def partitions(self, topics: Sequence[str], pattern: str | None = None) -> list[tuple[str, int]]:
        return sorted(tp for tp in self.marks if tp[0] in topics)

    def watermarks(self, partitions: Sequence[tuple[str, int]]) -> dict[tuple[str, int], tuple[int, int]]:
        return {tp: self.marks[tp] for tp in partitions}

    def next_records(self, positions: Mapping[tuple[str, int], int],
                     ends: Mapping[tuple[str, int], int]) -> dict[tuple[str, int], int]:
        return {tp: self.first_records.get(tp, position) for tp, position in positions.items()}


@dataclass
class World:
    topics: Topics = field(default_factory=Topics)
    runs: MemoryTopic = field(default_factory=lambda: MemoryTopic("connect-status-runs"))
    groups: MemoryConsumerGroups = field(default_factory=MemoryConsumerGroups)
    offsets: FakeTopicOffsets = field(default_factory=FakeTopicOffsets)
    now: float = 1_000.0

    def run_store(self) -> RunStore:
        store = RunStore(KafkaClientSettings())
        store.log = MemoryTopicLog(self.runs)  # type: ignore[assignment]
        return store

    def coordinator(self) -> Coordinator:
        configs, statuses = self.topics.config_store(), self.topics.status_store()
        overview = StatusOverview(configs, statuses, self.run_store(), self.groups, self.offsets,
                                  clock=lambda: self.now)
        return Coordinator(configs, self.topics.offset_store(), statuses, deployer=RecordingDeployer(),
                           groups=self.groups, cluster=StaticClusterInfo("id"), worker_id="w", version="1",
                           overview=overview)

    def call(self, method: str, path: str, body: Any = None, query: str = "") -> dict[str, Any]:
        event = {"rawPath": path, "rawQueryString": query, "requestContext": {"http": {"method": method}},
                 "headers": {"content-type": "application/json"}, "body": None if body is None else json.dumps(body)}
        app._coordinator = self.coordinator()
        return app.handler(event, None)


@pytest.fixture
def world() -> World:
    w = World()
    assert w.call("POST", "/connectors", {"name": "src", "config": SOURCE})["statusCode"] == 201
    assert w.call("POST", "/connectors", {"name": "snk", "config": SINK})["statusCode"] == 201
    w.offsets.marks = {("lines", 0): (0, 10), ("lines", 1): (0, 4), ("dlq", 0): (2, 5)}
    w.groups.groups["connect-snk"] = {("lines", 0): 7}
    return w


@pytest.mark.parametrize(("path", "media_type", "marker"), [
    ("/ui", "text/html", "<title>lambda-connect status</title>"),
    ("/ui/", "text/html", "/ui/app.js"),
    ("/ui/app.js", "text/javascript", "/ui/api/overview"),
    ("/ui/app.css", "text/css", ".FAILED"),
])
def test_the_page_and_its_assets_are_served_with_their_media_types(world: World, path: str, media_type: str,
                                                                   marker: str) -> None:
    response = world.call("GET", path)
    assert response["statusCode"] == 200
    assert response["headers"]["Content-Type"].startswith(media_type)
    assert marker in response["body"]


def test_overview_shows_connectors_lag_dlq_runs_and_cost(world: World) -> None:
    run = RunRecord("src", 0, 999_000, "source", True, records=4, duration_ms=20, memory_mb=512,
                    window=RunWindow(990_000, 5, 100))
    world.run_store().put_run(run)
    body = json.loads(world.call("GET", "/ui/api/overview")["body"])
    by_name = {c["name"]: c for c in body["connectors"]}
    sink, source = by_name["snk"], by_name["src"]
    assert sink["lag"]["total"] == 3 + 4
    assert {(p["topic"], p["partition"], p["lag"]) for p in sink["lag"]["partitions"]} == {("lines", 0, 3),
                                                                                          ("lines", 1, 4)}
    assert sink["dlq"] == {"topic": "dlq", "records": 3}
    assert source["tasks"][0]["last_run"]["records"] == 4
    assert source["schedule_interval_ms"] == 1000
    assert source["cost"]["usd"] > 0 and body["cost"]["usd"] == source["cost"]["usd"] + sink["cost"]["usd"]
    assert source["history"]["records_per_s"][-1] == round(4 / 60, 3)  # the run of a second ago, this minute
    again = json.loads(world.call("GET", "/ui/api/overview")["body"])
    assert next(c for c in again["connectors"] if c["name"] == "snk")["history"]["lag"] == [[1_000_000, 7]]


def test_rest_status_is_honest_about_a_failed_last_run(world: World) -> None:
    world.topics.status_store().put_task_status(TaskStatus("src", 0, State.RUNNING, "w", 1))
    world.run_store().put_run(RunRecord("src", 0, 999_500, "source", False, error="ConnectError: boom"))
    status = json.loads(world.call("GET", "/connectors/src/status")["body"])
    assert status["tasks"][0]["state"] == "FAILED"
    assert "boom" in status["tasks"][0]["trace"]
    task = json.loads(world.call("GET", "/connectors/src/tasks/0/status")["body"])
    assert task["state"] == "FAILED"


def test_a_manual_restart_closes_the_breaker(world: World) -> None:
    opened = RestartState(failures=3, restarts=2, breaker_open=True, reason="x", epoch=[1, 0])
    world.run_store().put_run(RunRecord("src", 0, 999_500, "source", False, error="e", restart=opened))
    assert world.call("POST", "/connectors/src/tasks/0/restart")["statusCode"] == 204
    runs = world.run_store()
    runs.refresh()
    assert runs.state.run("src", 0).restart == RestartState()


def test_lag_samples_are_recorded_for_growth_detection(world: World) -> None:
    """Samples a minute apart or more: a shorter gap without invocations (a deploy) says nothing of the trigger."""
    world.call("GET", "/ui/api/overview")
    world.offsets.marks[("lines", 0)] = (0, 20)
    world.now += LAG_SAMPLE_INTERVAL_MS / 1000 - 1
    world.call("GET", "/ui/api/overview")
    runs = world.run_store()
    runs.refresh()
    assert runs.state.lag["snk"].previous_total is None  # too close to the first: not a sample
    world.now += 2
    world.call("GET", "/ui/api/overview")
    runs.refresh()
    sample = runs.state.lag["snk"]
    assert (sample.previous_total, sample.total) == (7, 17)


def test_heartbeat_samples_sink_lag_and_emits_consumer_lag(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    app._coordinator = world.coordinator()
    event = json.loads((Path(__file__).resolve().parents[4] / "events" / "coordinator" / "heartbeat.json").read_text())
    answer = app.handler(event, None)
    assert answer["lag"] == {"snk": 7}
    assert {name: step["state"] for name, step in answer["steps"].items()} == dict.fromkeys(
        ("reconfigure", "reconcile", "poison-batch-guard", "lag", "offsets-key-index"), "done")
    emf = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    assert any(m.get("ConsumerLag") == [7.0] and m.get("connector") == "snk" for m in emf)
    runs = world.run_store()
    runs.refresh()
    assert runs.state.lag["snk"].total == 7


def test_validate_lists_and_checks_the_restart_keys(world: World) -> None:
    body = {**SOURCE, "name": "v", "lambda.restart.max.attempts": "-7"}
    response = world.call("PUT", "/connector-plugins/FileStreamSource/config/validate", body)
    answer = json.loads(response["body"])
    values = {c["value"]["name"]: c["value"] for c in answer["configs"]}
    assert values["lambda.restart.enabled"]["value"] == "true"
    assert values["lambda.restart.max.attempts"]["errors"]
    assert answer["error_count"] == 1
