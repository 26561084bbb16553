"""Status topic format and reducer, fed with (key, value) pairs."""

from __future__ import annotations

from connect_core.storage.status_state import (
    ConnectorStatus,
    State,
    StatusState,
    TaskStatus,
    TopicStatus,
    connector_status_key,
    status_value,
    task_status_key,
    topic_status_key,
    topic_status_value,
)


def test_values_are_written_like_a_4_1_worker() -> None:
    status = ConnectorStatus("fs-src", State.RUNNING, "127.0.0.1:18093", 2, version="4.1.1")
    assert status_value(status) == (
        b'{"state":"RUNNING","trace":null,"worker_id":"127.0.0.1:18093","generation":2,"version":"4.1.1"}'
    )
    assert status_value(TaskStatus("c", 0, State.DESTROYED, "w", 1)) is None
    assert topic_status_value(TopicStatus("t", "c", 0, 1795292080635)) == (
        b'{"topic":{"name":"t","connector":"c","task":0,"discoverTimestamp":1795292080635}}'
    )
    assert connector_status_key("c") == "status-connector-c"
    assert task_status_key("my-c", 3) == "status-task-my-c-3"
    assert topic_status_key("t", "c") == "status-topic-t:connector-c"


def test_reads_records_written_by_a_java_worker_and_older_ones_without_version() -> None:
    state = StatusState()
    java = b'{"state":"PAUSED","trace":null,"worker_id":"w:1","generation":3,"version":"4.1.1"}'
    state.apply("status-connector-fs-src", java)
    state.apply("status-task-fs-src-0", b'{"state":"FAILED","trace":"boom","worker_id":"w:1","generation":3}')
    assert state.connectors["fs-src"] == ConnectorStatus("fs-src", State.PAUSED, "w:1", 3, None, "4.1.1")
    assert state.tasks["fs-src"][0] == TaskStatus("fs-src", 0, State.FAILED, "w:1", 3, "boom", None)


def test_stale_unassigned_does_not_override_running() -> None:
    state = StatusState()
    state.apply(task_status_key("c", 0), status_value(TaskStatus("c", 0, State.RUNNING, "w", 5)))
    state.apply(task_status_key("c", 0), status_value(TaskStatus("c", 0, State.UNASSIGNED, "w2", 5)))
    assert state.tasks["c"][0].state is State.RUNNING
    state.apply(task_status_key("c", 0), status_value(TaskStatus("c", 0, State.UNASSIGNED, "w2", 6)))
    assert state.tasks["c"][0].state is State.UNASSIGNED


def test_connector_tombstone_removes_its_tasks_too() -> None:
    state = StatusState()
    state.apply(connector_status_key("c"), status_value(ConnectorStatus("c", State.RUNNING, "w", 1)))
    state.apply(task_status_key("c", 0), status_value(TaskStatus("c", 0, State.RUNNING, "w", 1)))
    state.apply(connector_status_key("c"), None)
    assert state.connectors == {} and state.tasks == {}


def test_topic_records_and_their_reset() -> None:
    state = StatusState()
    state.apply(topic_status_key("a.b", "c"), topic_status_value(TopicStatus("a.b", "c", 1, 7)))
    assert state.topics["c"]["a.b"] == TopicStatus("a.b", "c", 1, 7)
    state.apply(topic_status_key("a.b", "c"), None)
    assert state.topics["c"] == {}


def test_malformed_records_are_skipped() -> None:
    state = StatusState()
    for key, value in [
        ("status-connector-", b"{}"),
        ("status-connector-c", b"junk"),
        ("status-connector-c", b'{"state":"NOPE","worker_id":"w","generation":1}'),
        ("status-task-c", b"{}"),
        ("status-task-c-x", b"{}"),
        ("status-topic-nocolon", b"{}"),
        ("status-topic-t:connector-c", b'{"topic":1}'),
        ("other", b"{}"),
    ]:
        state.apply(key, value)
    assert (state.connectors, state.tasks, state.topics) == ({}, {}, {})
