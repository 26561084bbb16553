"""A config update on `lambda-connect up` keeps running tasks RUNNING, as a worker that restarts them in milliseconds
does: a health check right after `PUT /connectors/<name>/config` (kafka-connect-cli's `health_check`) passes."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.e2e.conftest import Up

pytestmark = pytest.mark.integration

WATCH_S = 3.0  # longer than a task function's start invocation takes to report on a loaded machine


def _task_states(up: Up, name: str) -> list[str]:
    status, body = up.http("GET", f"/connectors/{name}/status")
    assert status == 200, body
    return [t["state"] for t in body["tasks"]]


def test_tasks_stay_running_across_a_config_update(up: Up) -> None:
    (up.run_dir / "in.txt").write_text("one\n")
    name = f"{up.prefix}-source"
    config = {"connector.class": "FileStreamSource", "file": "in.txt", "topic": f"{up.prefix}-lines",
              "tasks.max": "1"}
    assert up.http("PUT", f"/connectors/{name}/config", config)[0] == 201
    up.wait_for(lambda: _task_states(up, name) == ["RUNNING"], "the source task RUNNING")

    assert up.http("PUT", f"/connectors/{name}/config", {**config, "batch.size": "10"})[0] == 200
    seen = []
    ends = time.monotonic() + WATCH_S
    while time.monotonic() < ends:
        seen.append(_task_states(up, name))
    assert seen and all(states == ["RUNNING"] for states in seen), seen
    status, tasks = up.http("GET", f"/connectors/{name}/tasks")
    assert status == 200 and tasks[0]["config"]["batch.size"] == "10"  # the update did give the task a new config
