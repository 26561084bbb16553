"""Connector lifecycle: task splitting, the config-topic write sequences, statuses and deployer calls."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING

from connect_core.api.errors import RetriableError
from connect_core.coordinator.herder import herder as herder_module
from connect_core.coordinator.herder.statuses import NOT_RUN_YET
from connect_core.runtime.retrying_status import retrying_status
from connect_core.storage.config_state import TargetState
from connect_core.storage.status_state import ConnectorStatus, State, TaskStatus
from tests.unit.coordinator.fakes import SPLITTING_SOURCE

if TYPE_CHECKING:
    import pytest

    from tests.unit.coordinator.conftest import Rest

SPLITTING = {"connector.class": SPLITTING_SOURCE, "file": "/tmp/in.txt"}


def _config_keys(rest: Rest) -> list[str]:
    return rest.topics.keys(rest.topics.configs)


def test_create_writes_config_then_task_configs_then_commit(rest: Rest) -> None:
    rest.create("src", {**SPLITTING, "tasks.max": "3"})
    assert _config_keys(rest) == ["connector-src", "task-src-0", "task-src-1", "task-src-2", "commit-src"]
    tasks = rest.call("GET", "/connectors/src/tasks").body
    assert [t["config"]["task.index"] for t in tasks] == ["0", "1", "2"]
    assert tasks[0]["config"]["task.class"] == "tests.unit.coordinator.fakes:NoopTask"
    call = rest.deployer.deployed["src"]
    assert (call.task_count, call.target_state) == (3, TargetState.STARTED)


def test_create_with_initial_state_writes_target_state_first(rest: Rest) -> None:
    rest.create("src", SPLITTING, initial_state="PAUSED")
    assert _config_keys(rest) == ["target-state-src", "connector-src"]
    assert rest.deployer.deployed["src"].target_state is TargetState.PAUSED


def test_unchanged_task_configs_are_not_rewritten(rest: Rest) -> None:
    rest.create("src", SPLITTING)
    before = len(rest.topics.configs.records)
    assert rest.call("PUT", "/connectors/src/config", {**SPLITTING, "name": "src"}).status == 200
    assert _config_keys(rest)[before:] == ["connector-src"]


def test_fewer_tasks_destroy_the_statuses_of_the_removed_ones(rest: Rest) -> None:
    rest.create("src", {**SPLITTING, "tasks.max": "3"})
    rest.call("PUT", "/connectors/src/config", {**SPLITTING, "tasks.max": "1"})
    status = rest.call("GET", "/connectors/src/status").body
    assert [t["id"] for t in status["tasks"]] == [0]
    assert rest.deployer.deployed["src"].task_count == 1


def test_too_many_tasks_fails_the_connector_with_kafkas_message(rest: Rest) -> None:
    response = rest.call("POST", "/connectors", {"name": "src", "config": {**SPLITTING, "tasks.generate": "2"}})
    assert response.status == 201  # the failure is the connector's, reported in its status as Kafka does
    status = rest.call("GET", "/connectors/src/status").body
    assert status["connector"]["state"] == "FAILED"
    assert ("The connector src has generated 2 tasks, which is greater than 1, the maximum number of tasks it is "
            "configured to create.") in status["connector"]["trace"]
    assert rest.call("GET", "/connectors/src/tasks").body == []


def test_tasks_max_enforce_false_allows_more_tasks(rest: Rest) -> None:
    rest.create("src", {**SPLITTING, "tasks.generate": "2", "tasks.max.enforce": "false"})
    assert len(rest.call("GET", "/connectors/src/tasks").body) == 2


def test_connector_that_fails_to_start_is_failed_with_trace(rest: Rest) -> None:
    rest.create("src", {**SPLITTING, "fail": "boom"})
    connector = rest.call("GET", "/connectors/src/status").body["connector"]
    assert connector["state"] == "FAILED"
    assert "RuntimeError: boom" in connector["trace"]
    # fixing the config starts it
    rest.call("PUT", "/connectors/src/config", {**SPLITTING, "name": "src"})
    assert rest.call("GET", "/connectors/src/status").body["connector"]["state"] == "RUNNING"


def test_a_connector_whose_start_hangs_is_failed_and_the_request_completes(
    rest: Rest, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(herder_module, "START_TIMEOUT_S", 0.2)
    response = rest.call("POST", "/connectors", {"name": "slow", "config": {**SPLITTING, "hang.s": "2"}})
    assert response.status == 201  # created completely: config, statuses; the failure shows as FAILED
    connector = rest.call("GET", "/connectors/slow/status").body["connector"]
    assert connector["state"] == "FAILED"
    assert "Connector slow did not start within 0.2 s" in connector["trace"]
    assert rest.call("GET", "/connectors").body == ["slow"]


def test_stop_writes_empty_task_set_then_stopped(rest: Rest) -> None:
    rest.create("src", {**SPLITTING, "tasks.max": "2"})
    before = len(rest.topics.configs.records)
    rest.call("PUT", "/connectors/src/stop")
    new = rest.topics.configs.records[before:]
    assert [k.decode() for k, _ in new] == ["commit-src", "target-state-src"]
    assert json.loads(new[0][1]) == {"tasks": 0}
    assert json.loads(new[1][1]) == {"state": "PAUSED", "state.v2": "STOPPED"}
    call = rest.deployer.deployed["src"]
    assert (call.task_count, call.target_state) == (0, TargetState.STOPPED)


def test_pause_keeps_tasks_and_marks_them_paused_but_not_failed_ones(rest: Rest) -> None:
    rest.create("src", {**SPLITTING, "tasks.max": "2"})
    rest.topics.status_store().put_task_status(TaskStatus("src", 1, State.FAILED, "lambda:x", 0, "trace"))
    rest.call("PUT", "/connectors/src/pause")
    status = rest.call("GET", "/connectors/src/status").body
    assert [t["state"] for t in status["tasks"]] == ["PAUSED", "FAILED"]
    assert rest.deployer.deployed["src"].task_count == 2


def test_delete_tombstones_config_target_state_and_statuses(rest: Rest) -> None:
    rest.create("src", SPLITTING)
    config_before = len(rest.topics.configs.records)
    status_before = len(rest.topics.statuses.records)
    rest.call("DELETE", "/connectors/src")
    assert rest.topics.configs.records[config_before:] == [(b"connector-src", None), (b"target-state-src", None)]
    assert rest.topics.statuses.records[status_before:] == [(b"status-task-src-0", None),
                                                            (b"status-connector-src", None)]


def test_restart_only_failed_restarts_just_the_failed_task(rest: Rest) -> None:
    rest.create("src", {**SPLITTING, "tasks.max": "2"})
    rest.topics.status_store().put_task_status(TaskStatus("src", 1, State.FAILED, "lambda:x", 0, "boom"))
    response = rest.call("POST", "/connectors/src/restart", query="includeTasks=true&onlyFailed=true")
    assert response.status == 202
    assert response.body["connector"]["state"] == "RUNNING"
    assert [(t["state"], t.get("trace")) for t in response.body["tasks"]] == [("UNASSIGNED", None),
                                                                             ("RESTARTING", "boom")]
    assert [c.task_id for c in rest.deployer.calls if c.action == "restart"] == [1]
    assert _config_keys(rest)[-1] == "restart-connector-src"
    assert rest.call("GET", "/connectors/src/tasks/1/status").body["state"] == "RESTARTING"


def test_restart_connector_without_status_is_404(rest: Rest) -> None:
    rest.create("src", SPLITTING)
    rest.topics.status_store().put_connector_status(ConnectorStatus("src", State.DESTROYED, "x", 0))
    response = rest.call("POST", "/connectors/src/restart", query="onlyFailed=true")
    assert (response.status, response.body["message"]) == (404, "Status for connector src not found")


def test_coordinator_status_records_use_the_task_config_generation(rest: Rest) -> None:
    rest.create("src", SPLITTING)
    rest.call("PUT", "/connectors/src/config", {**SPLITTING, "name": "src", "file": "/tmp/other"})
    status = rest.topics.status_store().task_status("src", 0)
    assert status is not None
    assert (status.state, status.generation) == (State.UNASSIGNED, 1)


def test_a_new_config_keeps_running_tasks_running_as_a_workers_restart_does(rest: Rest) -> None:
    """A worker restarts a task given a new config in milliseconds, so a health check right after the update sees it
    RUNNING; here its function's start invocation takes a moment, meanwhile it stays RUNNING at the generation it
    ran, so an attempt with the new config that retries shows it not yet started (RUNNING only once an invocation
    after the restart succeeded).
    A FAILED task and a new task are UNASSIGNED until their functions report."""
    rest.create("src", {**SPLITTING, "tasks.max": "2"})
    store = rest.topics.status_store()
    store.put_task_status(TaskStatus("src", 0, State.RUNNING, "lambda:0", 0, None, "1.0"))
    store.put_task_status(TaskStatus("src", 1, State.FAILED, "lambda:1", 0, "boom"))
    rest.call("PUT", "/connectors/src/config", {**SPLITTING, "tasks.max": "3", "file": "/tmp/other"})
    statuses = [rest.topics.status_store().task_status("src", t) for t in range(3)]
    assert [(s.state, s.generation, s.version) for s in statuses if s is not None] == [
        (State.RUNNING, 0, "1.0"), (State.UNASSIGNED, 1, None), (State.UNASSIGNED, 1, None)]
    body = rest.call("GET", "/connectors/src/status").body
    assert [t["state"] for t in body["tasks"]] == ["RUNNING", "UNASSIGNED", "UNASSIGNED"]
    # until the task's own report, its trace says the new config has not run yet (RUNNING is proven only by an
    # invocation); the function's RUNNING at the new generation has no such note
    assert body["tasks"][0]["trace"] == NOT_RUN_YET.format(generation=1)
    retrying = retrying_status(rest.topics.status_store().task_status("src", 0),
                               TaskStatus("src", 0, State.RUNNING, "lambda:0", 1, None, "1.0"),
                               RetriableError("password authentication failed"), 1)
    assert retrying is not None and retrying.state is State.UNASSIGNED  # a write of the new config retrying
    assert "password authentication failed" in (retrying.trace or "")
    store.put_task_status(TaskStatus("src", 0, State.RUNNING, "lambda:0", 1, None, "1.0"))
    assert "trace" not in rest.call("GET", "/connectors/src/status").body["tasks"][0]


def test_placeholders_are_resolved_for_start_and_never_stored_or_shown(
    rest: Rest, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LAMBDA_CONNECT_CONFIG_PROVIDERS", "env")
    monkeypatch.setenv("LC_DB_SECRET", "s3cret-password")
    config = {**SPLITTING, "file": "${env:LC_DB_SECRET}", "require.resolved": "true"}
    rest.create("src", config)
    assert rest.call("GET", "/connectors/src/status").body["connector"]["state"] == "RUNNING"
    tasks = rest.call("GET", "/connectors/src/tasks").body
    assert tasks[0]["config"]["file"] == "${env:LC_DB_SECRET}"
    for record in rest.topics.configs.records + rest.topics.statuses.records:
        assert b"s3cret-password" not in (record[1] or b"")
    validated = rest.call("PUT", f"/connector-plugins/{SPLITTING_SOURCE}/config/validate",
                          {**config, "tasks.max": "${env:LC_DB_SECRET}"})
    assert "s3cret-password" not in json.dumps(validated.body)
    values = {c["value"]["name"]: c["value"] for c in validated.body["configs"]}
    assert values["tasks.max"]["value"] == "${env:LC_DB_SECRET}"
    assert values["tasks.max"]["errors"] == ["Invalid value [hidden] for configuration tasks.max: Not a number of "
                                             "type INT"]


def test_stop_and_delete_decommission_the_connector_and_pause_does_not(rest: Rest) -> None:
    from tests.unit.coordinator.fakes import DECOMMISSIONED

    DECOMMISSIONED.clear()
    rest.create("src", {**SPLITTING, "marker": "stored"})
    assert rest.call("PUT", "/connectors/src/pause").status == 202
    assert rest.call("PUT", "/connectors/src/resume").status == 202
    assert DECOMMISSIONED == []  # a pause keeps everything for the resume
    assert rest.call("PUT", "/connectors/src/stop").status == 204
    assert [props["marker"] for props in DECOMMISSIONED] == ["stored"]  # on an unstarted instance, the stored config
    assert rest.call("DELETE", "/connectors/src").status == 204
    assert len(DECOMMISSIONED) == 2
    # only a delete says so (the PostgreSQL source then drops its slot and publication)
    assert [props.get("lambda.connector.deleted") for props in DECOMMISSIONED] == [None, "true"]


def test_a_failing_or_hanging_decommission_never_fails_the_delete(rest: Rest, monkeypatch: pytest.MonkeyPatch,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    from connect_core.coordinator.herder import decommission

    rest.create("bad", {**SPLITTING, "decommission.fail": "slot in use"})
    assert rest.call("DELETE", "/connectors/bad").status == 204
    assert rest.call("GET", "/connectors/bad").status == 404
    assert "decommission failed" in caplog.text and "slot in use" in caplog.text
    monkeypatch.setattr(decommission, "DECOMMISSION_TIMEOUT_S", 0.2)
    rest.create("slow", {**SPLITTING, "decommission.hang.s": "5"})
    started = time.monotonic()
    assert rest.call("DELETE", "/connectors/slow").status == 204
    assert time.monotonic() - started < 3  # bounded, the request completes
    assert "did not finish within 0.2 s" in caplog.text
