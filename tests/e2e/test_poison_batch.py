"""A poison batch in `lambda-connect up` is stopped, not retried forever: once the sink's circuit breaker is open the
coordinator's heartbeat stops its Kafka trigger, nothing is committed (the batch is kept in Kafka), and a REST
restart after the cause is fixed replays the batch, which then arrives exactly once."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import pytest

from tests.e2e.test_self_healing import _task

if TYPE_CHECKING:
    from tests.e2e.conftest import Up

pytestmark = pytest.mark.integration

QUIET_S = 4.0  # several of the trigger's 1 s retry intervals: a running trigger would invoke again within it


def _sink(up: Up, name: str) -> dict[str, Any]:
    page = up.http("GET", "/ui/api/overview")[1]
    (shown,) = [c for c in page["connectors"] if c["name"] == name]
    return shown


def _failed_invocations(up: Up, name: str) -> int:
    return (up.run_dir / "up.log").read_text().count(f"{name}: invocation failed")


def test_a_poison_batch_stops_its_trigger_keeps_the_batch_and_a_restart_replays_it_once(up: Up) -> None:
    (up.run_dir / "in.txt").write_text("one\ntwo\n")
    target = up.run_dir / "a-directory"
    target.mkdir()
    topic, sink = f"{up.prefix}-lines", f"{up.prefix}-sink"
    assert up.http("POST", "/connectors", {"name": f"{up.prefix}-source", "config": {
        "connector.class": "FileStreamSource", "file": "in.txt", "topic": topic, "poll.interval.ms": "300"}})[0] == 201
    config = {"connector.class": "FileStreamSink", "file": "a-directory", "topics": topic,
              "lambda.maximum.batching.window.ms": "100", "lambda.restart.max.attempts": "1"}
    assert up.http("POST", "/connectors", {"name": sink, "config": config})[0] == 201

    task = up.wait_for(lambda: (t := _task(up, sink)) and "Kafka trigger disabled" in t.get("trace", "") and t,
                       "the heartbeat disables the poisoned sink's trigger", timeout_s=90)
    assert task["state"] == "FAILED"
    assert "IsADirectoryError" in task["trace"] and "circuit breaker open" in task["trace"]
    assert "restart the connector" in task["trace"]
    shown = _sink(up, sink)
    assert shown["tasks"][0]["trigger_disabled"]["replay_from"] == {}  # nothing was ever committed
    up.wait_for(lambda: f"stopping sink/{sink}" in (up.run_dir / "up.log").read_text(), "the trigger stops")

    # No more invocations: the trigger's failed invocations and the run records stop growing.
    before, last_run = _failed_invocations(up, sink), shown["tasks"][0]["last_run"]
    time.sleep(QUIET_S)
    assert _failed_invocations(up, sink) == before
    shown = _sink(up, sink)
    assert shown["tasks"][0]["last_run"]["at_ms"] == last_run["at_ms"]
    # The batch is kept: nothing committed for the group, both records (and the source's commit marker) ahead of it.
    assert [p["committed"] for p in shown["lag"]["partitions"]] == [None]
    assert shown["lag"]["total"] >= 2

    # Fix the cause (the directory goes away, so the sink can create its file) and restart: the trigger is enabled
    # again and replays the kept batch from the committed offset, exactly once.
    target.rmdir()
    assert up.http("POST", f"/connectors/{sink}/restart?includeTasks=true&onlyFailed=true")[0] == 202
    up.wait_for(lambda: target.is_file() and target.read_text() == "one\ntwo\n", "the restarted sink replays",
                timeout_s=90)
    up.wait_for(lambda: _task(up, sink).get("state") == "RUNNING", "the sink RUNNING again")
    up.wait_for(lambda: [p["committed"] for p in _sink(up, sink)["lag"]["partitions"]] >= [2],
                "the replayed batch committed")
    assert _sink(up, sink)["tasks"][0]["trigger_disabled"] is None
    assert target.read_text() == "one\ntwo\n"
