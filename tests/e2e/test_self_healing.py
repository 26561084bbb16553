"""Self-healing in `lambda-connect up`: a failing task is restarted automatically until its circuit breaker opens;
the breaker and the restarts show in the REST status trace and on the page's data; a new config heals it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.e2e.conftest import Up

pytestmark = pytest.mark.integration


def _task(up: Up, name: str) -> dict:
    status, body = up.http("GET", f"/connectors/{name}/status")
    return body["tasks"][0] if status == 200 and body.get("tasks") else {}


def test_a_failing_sink_opens_its_breaker_and_a_fixed_config_heals_it(up: Up) -> None:
    (up.run_dir / "in.txt").write_text("one\n")
    (up.run_dir / "a-directory").mkdir()
    topic, sink = f"{up.prefix}-lines", f"{up.prefix}-sink"
    assert up.http("POST", "/connectors", {"name": "file-source", "config": {
        "connector.class": "FileStreamSource", "file": "in.txt", "topic": topic, "poll.interval.ms": "300"}})[0] == 201
    config = {"connector.class": "FileStreamSink", "file": "a-directory", "topics": topic,
              "lambda.maximum.batching.window.ms": "100", "lambda.restart.max.attempts": "2"}
    assert up.http("POST", "/connectors", {"name": sink, "config": config})[0] == 201

    task = up.wait_for(lambda: (t := _task(up, sink)) and "circuit breaker open" in t.get("trace", "") and t,
                       "the sink's breaker opens after 2 automatic restarts", timeout_s=90)
    assert task["state"] == "FAILED"
    assert "IsADirectoryError" in task["trace"]
    page = up.http("GET", "/ui/api/overview")[1]
    (shown,) = [c for c in page["connectors"] if c["name"] == sink]
    restart = shown["tasks"][0]["restart"]
    assert restart["breaker_open"] and restart["restarts"] == 2 and len(restart["history"]) == 2
    assert shown["tasks"][0]["last_run"]["ok"] is False

    assert up.http("PUT", f"/connectors/{sink}/config", {**config, "file": "out.txt"})[0] == 200
    up.wait_for(lambda: (up.run_dir / "out.txt").exists() and (up.run_dir / "out.txt").read_text() == "one\n",
                "the reconfigured sink delivers", timeout_s=90)
    up.wait_for(lambda: _task(up, sink).get("state") == "RUNNING", "the sink RUNNING again")
