"""The /connectors endpoints: status codes, bodies and error messages as Kafka Connect answers them."""

from __future__ import annotations

from typing import Any

import pytest

from connect_core.api.version import package_version
from tests.unit.coordinator.conftest import FILE_SINK, FILE_SOURCE, Rest
from tests.unit.coordinator.fakes import SPLITTING_SOURCE, WORKER_ID
from tests.unit.storage.fakes import MemoryTopicLog


def test_list_is_empty_then_sorted_names(rest: Rest) -> None:
    assert rest.call("GET", "/connectors").body == []
    rest.create("b", FILE_SOURCE)
    rest.create("a", FILE_SINK)
    response = rest.call("GET", "/connectors")
    assert (response.status, response.body) == (200, ["a", "b"])


def test_list_with_expand_status_and_info(rest: Rest) -> None:
    rest.create("src", FILE_SOURCE)
    body = rest.call("GET", "/connectors", query="expand=status&expand=info").body
    assert set(body) == {"src"}
    assert body["src"]["status"]["connector"]["state"] == "RUNNING"
    assert body["src"]["info"]["type"] == "source"
    assert rest.call("GET", "/connectors", query="expand=info").body["src"].keys() == {"info"}


def test_list_with_expand_reads_each_topic_once_whatever_the_number_of_connectors(
    rest: Rest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fleet's ?expand=status&expand=info used to catch up on the topics once per connector (3 round trips each)."""
    reads: list[str] = []
    original = MemoryTopicLog.read_to_end

    def counting(self: MemoryTopicLog, on_record: Any) -> int:
        reads.append(self.topic.name)
        return original(self, on_record)

    monkeypatch.setattr(MemoryTopicLog, "read_to_end", counting)

    def reads_for_one_list() -> list[str]:
        reads.clear()
        body = rest.call("GET", "/connectors", query="expand=status&expand=info").body
        assert all(entry["status"]["connector"]["state"] == "RUNNING" for entry in body.values())
        return sorted(reads)

    rest.create("a", FILE_SOURCE)
    few = reads_for_one_list()
    for name in "bcdefg":
        rest.create(name, FILE_SOURCE)
    assert reads_for_one_list() == few


def test_list_with_unknown_expansion_gives_empty_objects(rest: Rest) -> None:
    rest.create("src", FILE_SOURCE)
    assert rest.call("GET", "/connectors", query="expand=bogus").body == {"src": {}}


def test_create_answers_201_with_location_and_info(rest: Rest) -> None:
    response = rest.call("POST", "/connectors", {"name": " src ", "config": {**FILE_SOURCE, "tasks.max": 1}})
    assert response.status == 201
    assert response.headers["Location"] == "http://localhost:8083/connectors/src"
    assert response.body == {
        "name": "src",
        "config": {**FILE_SOURCE, "tasks.max": "1", "name": "src"},
        "tasks": [],  # Kafka answers with the tasks known before the write
        "type": "source",
    }


def test_create_existing_is_409(rest: Rest) -> None:
    rest.create("src", FILE_SOURCE)
    response = rest.call("POST", "/connectors", {"name": "src", "config": FILE_SOURCE})
    assert (response.status, response.body) == (409, {"error_code": 409, "message": "Connector src already exists"})


def test_create_with_mismatched_name_is_400(rest: Rest) -> None:
    response = rest.call("POST", "/connectors", {"name": "a", "config": {**FILE_SOURCE, "name": "b"}})
    assert response.status == 400
    assert response.body["message"] == "Connector name configuration (b) doesn't match connector name in the URL (a)"


def test_create_without_name_fails_validation(rest: Rest) -> None:
    response = rest.call("POST", "/connectors", {"config": FILE_SOURCE})
    assert response.status == 400
    assert "Invalid value  for configuration name: String may not be empty" in response.body["message"]


def test_create_with_invalid_config_is_400_with_kafkas_message(rest: Rest) -> None:
    response = rest.call("POST", "/connectors", {"name": "x", "config": {"connector.class": "FileStreamSource",
                                                                         "tasks.max": "0"}})
    assert response.status == 400
    assert response.body == {
        "error_code": 400,
        "message": "Connector configuration is invalid and contains the following 2 error(s):\n"
        "Invalid value 0 for configuration tasks.max: Value must be at least 1\n"
        'Missing required configuration "topic" which has no default value.\n'
        "You can also find the above list of errors at the endpoint "
        "`/connector-plugins/{connectorType}/config/validate`",
    }
    assert rest.call("GET", "/connectors").body == []


def test_create_without_connector_class_is_400(rest: Rest) -> None:
    response = rest.call("POST", "/connectors", {"name": "x", "config": {"topic": "t"}})
    assert (response.status, response.body["message"]) == (400, "Connector config {topic=t, name=x} contains no "
                                                                "connector type")


def test_create_with_unknown_class_is_400(rest: Rest) -> None:
    response = rest.call("POST", "/connectors", {"name": "x", "config": {"connector.class": "com.acme.Nope"}})
    assert response.status == 400
    assert response.body["message"].startswith("Failed to find any class that implements Connector and which name "
                                               "matches com.acme.Nope, available connectors are: ")


def test_create_with_initial_state_paused_or_stopped(rest: Rest) -> None:
    rest.create("p", FILE_SOURCE, initial_state="paused")
    rest.create("s", FILE_SOURCE, initial_state="STOPPED")
    assert rest.call("GET", "/connectors/p/status").body["connector"]["state"] == "PAUSED"
    assert rest.call("GET", "/connectors/s/status").body["connector"]["state"] == "STOPPED"
    assert rest.call("GET", "/connectors/p/tasks").body == []  # tasks come with the first resume, as in Kafka
    assert rest.call("POST", "/connectors", {"name": "x", "config": FILE_SOURCE, "initial_state": "nap"}).status == 400


def test_get_connector_and_config(rest: Rest) -> None:
    rest.create("src", FILE_SOURCE)
    info = rest.call("GET", "/connectors/src").body
    assert info == {"name": "src", "config": {**FILE_SOURCE, "name": "src"},
                    "tasks": [{"connector": "src", "task": 0}], "type": "source"}
    assert rest.call("GET", "/connectors/src/config").body == {**FILE_SOURCE, "name": "src"}


def test_unknown_connector_is_404_everywhere(rest: Rest) -> None:
    not_found = {"error_code": 404, "message": "Connector nope not found"}
    for method, path in (("GET", "/connectors/nope"), ("GET", "/connectors/nope/config"),
                         ("GET", "/connectors/nope/tasks"), ("DELETE", "/connectors/nope"),
                         ("GET", "/connectors/nope/offsets"), ("PATCH", "/connectors/nope/config")):
        response = rest.call(method, path, {} if method == "PATCH" else None)
        assert (response.status, response.body) == (404, not_found), path
    for verb in ("pause", "resume", "stop"):
        response = rest.call("PUT", f"/connectors/nope/{verb}")
        assert (response.status, response.body["message"]) == (404, "Unknown connector nope")
    assert rest.call("POST", "/connectors/nope/restart").body["message"] == "Unknown connector: nope"
    assert rest.call("POST", "/connectors/nope/tasks/0/restart").body["message"] == "Unknown connector: nope"
    assert rest.call("GET", "/connectors/nope/status").body["message"] == "No status found for connector nope"
    assert rest.call("GET", "/connectors/nope/tasks/0/status").body["message"] == "No status found for task nope-0"


def test_put_config_creates_with_201_then_updates_with_200(rest: Rest) -> None:
    created = rest.call("PUT", "/connectors/snk/config", FILE_SINK)
    assert created.status == 201
    assert created.headers["Location"] == "http://localhost:8083/connectors/snk"
    assert created.body["config"]["name"] == "snk"
    updated = rest.call("PUT", "/connectors/snk/config", {**FILE_SINK, "file": "/tmp/other.txt"})
    assert updated.status == 200
    assert updated.body["tasks"] == [{"connector": "snk", "task": 0}]
    assert rest.call("GET", "/connectors/snk/config").body["file"] == "/tmp/other.txt"


def test_put_config_with_mismatched_name_is_400(rest: Rest) -> None:
    response = rest.call("PUT", "/connectors/a/config", {**FILE_SINK, "name": "b"})
    assert response.status == 400


def test_patch_merges_and_removes_keys_with_null(rest: Rest) -> None:
    rest.create("src", {**FILE_SOURCE, "batch.size": "10"})
    response = rest.call("PATCH", "/connectors/src/config", {"batch.size": None, "topic": "other"})
    assert response.status == 200
    assert response.body["config"] == {**FILE_SOURCE, "topic": "other", "name": "src"}


def test_patch_that_breaks_the_config_is_400(rest: Rest) -> None:
    rest.create("src", FILE_SOURCE)
    response = rest.call("PATCH", "/connectors/src/config", {"topic": None})
    assert response.status == 400
    assert 'Missing required configuration "topic"' in response.body["message"]


def test_status_shows_connector_running_and_tasks_unassigned_until_they_report(rest: Rest) -> None:
    rest.create("src", FILE_SOURCE)
    response = rest.call("GET", "/connectors/src/status")
    assert response.body == {
        "name": "src",
        "connector": {"state": "RUNNING", "worker_id": WORKER_ID, "version": package_version()},  # KIP-891
        "tasks": [{"id": 0, "state": "UNASSIGNED", "worker_id": WORKER_ID}],
        "type": "source",
    }
    task = rest.call("GET", "/connectors/src/tasks/0/status")
    assert (task.status, task.body) == (200, {"id": 0, "state": "UNASSIGNED", "worker_id": WORKER_ID})


def test_pause_resume_stop_answer_202_202_204_with_no_body(rest: Rest) -> None:
    rest.create("src", FILE_SOURCE)
    for verb, status, state in (("pause", 202, "PAUSED"), ("resume", 202, "RUNNING"), ("stop", 204, "STOPPED")):
        response = rest.call("PUT", f"/connectors/src/{verb}")
        assert (response.status, response.body_text()) == (status, "")
        assert rest.call("GET", "/connectors/src/status").body["connector"]["state"] == state
    assert rest.call("GET", "/connectors/src/status").body["tasks"] == []
    assert rest.call("PUT", "/connectors/src/resume").status == 202
    status = rest.call("GET", "/connectors/src/status").body
    assert (status["connector"]["state"], [t["state"] for t in status["tasks"]]) == ("RUNNING", ["UNASSIGNED"])


def test_restart_defaults_to_204_connector_only(rest: Rest) -> None:
    rest.create("src", FILE_SOURCE)
    response = rest.call("POST", "/connectors/src/restart")
    assert (response.status, response.body_text()) == (204, "")
    assert [c.action for c in rest.deployer.calls[-2:]] == ["restart", "start"]  # restarted, then started
    assert rest.deployer.calls[-2].task_id is None


def test_tasks_are_started_at_create_update_resume_and_restart_only(rest: Rest) -> None:
    """As a worker starts assigned tasks: each write that (re)starts tasks asks the deployer to invoke them once, so
    an idle task reports RUNNING (or FAILED) within seconds; pause, stop and delete start nothing."""
    def started() -> list[tuple[str, int | None]]:
        found = [(c.action, c.task_count) for c in rest.deployer.calls if c.action == "start"]
        rest.deployer.calls.clear()
        return found

    rest.create("src", {**FILE_SOURCE, "connector.class": SPLITTING_SOURCE, "tasks.max": "2"})
    assert started() == [("start", 2)]
    assert rest.call("PUT", "/connectors/src/config", {**FILE_SOURCE, "topic": "other"}).status == 200
    assert started() == [("start", 1)]
    for verb in ("pause", "stop"):
        assert rest.call("PUT", f"/connectors/src/{verb}").status in (202, 204)
        assert started() == []
    assert rest.call("PUT", "/connectors/src/resume").status == 202
    assert started() == [("start", 1)]
    for path, query in (("/connectors/src/restart", ""), ("/connectors/src/restart", "includeTasks=true"),
                        ("/connectors/src/tasks/0/restart", "")):
        assert rest.call("POST", path, query=query).status in (202, 204)
        assert started() == [("start", 1)]
    assert rest.call("DELETE", "/connectors/src").status == 204
    assert started() == []


def test_restart_with_include_tasks_answers_202_plan(rest: Rest) -> None:
    rest.create("src", {**FILE_SOURCE, "connector.class": SPLITTING_SOURCE, "tasks.max": "2"})
    response = rest.call("POST", "/connectors/src/restart", query="includeTasks=true")
    assert response.status == 202
    assert response.body["connector"]["state"] == "RESTARTING"
    assert [t["state"] for t in response.body["tasks"]] == ["RESTARTING", "RESTARTING"]
    assert [c.task_id for c in rest.deployer.calls if c.action == "restart"] == [None, 0, 1]


def test_restart_only_failed_restarts_nothing_when_all_is_well(rest: Rest) -> None:
    rest.create("src", FILE_SOURCE)
    response = rest.call("POST", "/connectors/src/restart", query="includeTasks=true&onlyFailed=true")
    assert response.status == 202
    assert response.body["connector"]["state"] == "RUNNING"
    assert [t["state"] for t in response.body["tasks"]] == ["UNASSIGNED"]
    assert "restart" not in rest.deployer.actions("src")


def test_tasks(rest: Rest) -> None:
    rest.create("src", {**FILE_SOURCE, "connector.class": SPLITTING_SOURCE, "tasks.max": "2"})
    assert [t["id"]["task"] for t in rest.call("GET", "/connectors/src/tasks").body] == [0, 1]
    rest.create("snk", {**FILE_SINK, "tasks.max": "2", "lambda.sink.trigger": "mapping"})
    tasks = rest.call("GET", "/connectors/snk/tasks").body
    # Behind an event source mapping a sink has one task whatever tasks.max says: its function runs task 0, the
    # mapping's concurrency is per partition; a task 1 would stay UNASSIGNED forever.
    assert [t["id"] for t in tasks] == [{"connector": "snk", "task": 0}]
    assert tasks[0]["config"]["task.class"] == "connect_core.connectors.file.sink_task:FileStreamSinkTask"
    assert tasks[0]["config"]["topics"] == "lines"
    # KIP-970's deprecated /tasks-config is gone in Kafka Connect 4.x: Jersey's 404
    assert rest.call("GET", "/connectors/snk/tasks-config").body == {"error_code": 404, "message": "HTTP 404 Not Found"}
    assert [t["state"] for t in rest.call("GET", "/connectors/snk/status").body["tasks"]] == ["UNASSIGNED"]
    rest.create("pull", {**FILE_SINK, "tasks.max": "2"})  # pull mode (runtime/sink_pull.py): every task runs
    assert [t["id"]["task"] for t in rest.call("GET", "/connectors/pull/tasks").body] == [0, 1]


def test_a_config_the_platform_cannot_run_is_400_and_nothing_is_written(rest: Rest) -> None:
    from connect_core.api.errors import ConfigError

    def one_topic_only(config: dict[str, Any]) -> None:
        if "," in str(config.get("topics") or ""):
            raise ConfigError("Invalid value a,b for configuration topics: one topic per sink")

    rest.deployer.check = one_topic_only  # type: ignore[attr-defined]
    response = rest.call("POST", "/connectors", {"name": "snk", "config": {**FILE_SINK, "topics": "a,b"}})
    assert (response.status, response.body["message"]) == (
        400, "Invalid value a,b for configuration topics: one topic per sink")
    assert rest.call("GET", "/connectors").body == []
    assert not rest.deployer.calls


def test_task_restart_writes_a_restart_request_that_restarts_warm_tasks(rest: Rest) -> None:
    from tests.unit.coordinator.fakes import make_coordinator

    rest.create("src", FILE_SOURCE)
    herder = make_coordinator(rest.topics, rest.deployer, rest.groups).herder
    herder.configs.refresh()
    before = herder.configs.state.task_epoch("src")
    assert rest.call("POST", "/connectors/src/tasks/0/restart").status == 204
    herder.configs.refresh()
    assert herder.configs.state.task_epoch("src") != before  # a warm container's runner restarts its task


def test_task_restart_is_204_and_unknown_task_is_404(rest: Rest) -> None:
    rest.create("src", FILE_SOURCE)
    assert rest.call("POST", "/connectors/src/tasks/0/restart").status == 204
    assert [(c.action, c.task_id) for c in rest.deployer.calls[-2:]] == [("restart", 0), ("start", None)]
    response = rest.call("POST", "/connectors/src/tasks/7/restart")
    assert (response.status, response.body["message"]) == (404, "Unknown task: src-7")


def test_non_numeric_task_id_is_jersey_404(rest: Rest) -> None:
    rest.create("src", FILE_SOURCE)
    response = rest.call("GET", "/connectors/src/tasks/x/status")
    assert (response.status, response.body["message"]) == (404, "HTTP 404 Not Found")


def test_delete_is_204_and_forgets_config_status_and_deployment(rest: Rest) -> None:
    rest.create("src", FILE_SOURCE)
    response = rest.call("DELETE", "/connectors/src")
    assert (response.status, response.body_text()) == (204, "")
    assert rest.call("GET", "/connectors").body == []
    assert rest.call("GET", "/connectors/src/status").status == 404
    assert rest.deployer.actions("src")[-1] == "remove"


def test_topics_and_reset(rest: Rest) -> None:
    from connect_core.storage.status_state import TopicStatus

    rest.create("src", FILE_SOURCE)
    rest.topics.status_store().put_topic_status(TopicStatus("lines", "src", 0, 1700000000000))
    response = rest.call("GET", "/connectors/src/topics")
    assert (response.status, response.body) == (200, {"src": {"topics": ["lines"]}})
    assert rest.call("PUT", "/connectors/src/topics/reset").status == 202
    assert rest.call("GET", "/connectors/src/topics").body == {"src": {"topics": []}}
    assert rest.call("GET", "/connectors/unknown/topics").body == {"unknown": {"topics": []}}


@pytest.mark.parametrize(("tracking", "allow_reset", "get", "reset"), [
    (False, True, (403, "Topic tracking is disabled."), (403, "Topic tracking is disabled.")),
    (False, False, (403, "Topic tracking is disabled."), (403, "Topic tracking is disabled.")),
    (True, False, (200, None), (403, "Topic tracking reset is disabled.")),
])
def test_topic_tracking_settings_answer_kafkas_403(rest: Rest, tracking: bool, allow_reset: bool,
                                                   get: tuple[int, str | None], reset: tuple[int, str]) -> None:
    """Kafka's ConnectorsResource: topic.tracking.enable=false refuses both endpoints, topic.tracking.allow.reset=false
    the reset."""
    rest.options = {"topic_tracking": tracking, "topic_tracking_allow_reset": allow_reset}
    found = rest.call("GET", "/connectors/src/topics")
    assert (found.status, found.body.get("message") if found.status != 200 else None) == get
    refused = rest.call("PUT", "/connectors/src/topics/reset")
    assert (refused.status, refused.body["message"]) == reset
