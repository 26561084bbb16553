"""ConfigState fed with (key, value) pairs, as KafkaConfigBackingStore's consume callback is."""

from __future__ import annotations

from connect_core.storage.config_state import (
    ConfigState,
    RestartRequest,
    TargetState,
    commit_value,
    connector_config_value,
    parse_task_key,
    restart_request_value,
    target_state_value,
    task_count_value,
)

CONFIG = {"connector.class": "FileStreamSource", "name": "c-1"}


def _state(*records: tuple[str, bytes | None]) -> ConfigState:
    state = ConfigState()
    for offset, (key, value) in enumerate(records):
        state.apply(key, value, offset)
    return state


def test_values_are_written_like_kafka() -> None:
    assert connector_config_value({"a": "1", "b": None}) == b'{"properties":{"a":"1","b":null}}'
    assert commit_value(2) == b'{"tasks":2}'
    assert target_state_value(TargetState.PAUSED) == b'{"state":"PAUSED","state.v2":"PAUSED"}'
    assert target_state_value(TargetState.STOPPED) == b'{"state":"PAUSED","state.v2":"STOPPED"}'
    assert target_state_value(TargetState.STARTED) == b'{"state":"STARTED","state.v2":"STARTED"}'
    assert restart_request_value(RestartRequest("c", only_failed=True)) == b'{"include-tasks":false,"only-failed":true}'
    assert task_count_value(3) == b'{"task-count":3}'


def test_connector_config_defaults_to_started_and_offset_is_the_next_to_read() -> None:
    state = _state(("connector-c-1", connector_config_value(CONFIG)))
    assert state.connectors() == ["c-1"]
    assert state.connector_config("c-1") == CONFIG
    assert state.target_state("c-1") is TargetState.STARTED
    assert state.offset == 1


def test_task_configs_wait_for_their_commit_record() -> None:
    state = _state(
        ("connector-c-1", connector_config_value(CONFIG)),
        ("task-c-1-0", connector_config_value({"t": "0"})),
        ("task-c-1-1", connector_config_value({"t": "1"})),
    )
    assert state.task_configs("c-1") == []
    state.apply("commit-c-1", commit_value(2))
    assert state.task_configs("c-1") == [{"t": "0"}, {"t": "1"}]
    assert state.task_count("c-1") == 2
    assert state.task_config_generation("c-1") == 0


def test_an_incomplete_commit_marks_the_connector_inconsistent_until_a_complete_one() -> None:
    state = _state(
        ("connector-c-1", connector_config_value(CONFIG)),
        ("task-c-1-1", connector_config_value({"t": "1"})),  # task 0 compacted away
        ("commit-c-1", commit_value(2)),
    )
    assert state.inconsistent_connectors() == {"c-1"}
    assert state.task_configs("c-1") == []
    state.apply("task-c-1-0", connector_config_value({"t": "0"}))
    state.apply("commit-c-1", commit_value(1))
    assert state.inconsistent_connectors() == set()
    assert state.task_configs("c-1") == [{"t": "0"}]


def test_a_commit_for_an_unknown_connector_is_ignored() -> None:
    state = _state(("task-gone-0", connector_config_value({})), ("commit-gone", commit_value(1)))
    assert state.connectors() == [] and state.task_configs("gone") == []


def test_target_state_prefers_v2_and_falls_back_to_the_old_field() -> None:
    state = _state(
        ("connector-c-1", connector_config_value(CONFIG)),
        ("target-state-c-1", target_state_value(TargetState.STOPPED)),
    )
    assert state.target_state("c-1") is TargetState.STOPPED
    state.apply("target-state-c-1", b'{"state":"PAUSED"}')
    assert state.target_state("c-1") is TargetState.PAUSED


def test_target_state_may_precede_the_connector_config() -> None:
    state = _state(
        ("target-state-c-1", target_state_value(TargetState.PAUSED)),
        ("connector-c-1", connector_config_value(CONFIG)),
    )
    assert state.target_state("c-1") is TargetState.PAUSED


def test_tombstones_remove_the_connector_and_its_target_state() -> None:
    state = _state(
        ("connector-c-1", connector_config_value(CONFIG)),
        ("task-c-1-0", connector_config_value({"t": "0"})),
        ("commit-c-1", commit_value(1)),
        ("target-state-c-1", target_state_value(TargetState.PAUSED)),
        ("connector-c-1", None),
        ("target-state-c-1", None),
    )
    assert state.connectors() == []
    assert state.connector_config("c-1") is None
    assert state.target_state("c-1") is None
    assert state.task_configs("c-1") == []


def test_restart_requests_and_fencing_and_unknown_keys() -> None:
    state = _state(
        ("restart-connector-c-1", b'{"include-tasks":true,"only-failed":"nope"}'),
        ("tasks-fencing-c-1", task_count_value(2)),
        ("session-key", b'{"key":"AA==","algorithm":"HmacSHA256","creation-timestamp":1}'),
        ("logger-cluster-org.apache", b'{"level":"DEBUG"}'),
        ("something-else", b"{}"),
        ("connector-bad", b"not json"),
        ("connector-bad2", b'{"properties":"x"}'),
    )
    assert state.restart_requests["c-1"] == RestartRequest("c-1", only_failed=False, include_tasks=True)
    assert state.task_count_record("c-1") == 2
    assert state.session_key is not None and state.session_key["algorithm"] == "HmacSHA256"
    assert state.logger_levels == {"org.apache": "DEBUG"}
    assert state.connectors() == []
    assert state.offset == 7


def test_task_keys_split_like_java() -> None:
    assert parse_task_key("task-my-conn-12") == ("my-conn", 12)
    assert parse_task_key("task-x-") is None
    assert parse_task_key("task-x") is None
    assert parse_task_key("task-x-y") is None


def test_task_epoch_changes_on_new_task_configs_and_on_restart_requests_for_every_task() -> None:
    state = _state(("connector-c", connector_config_value(CONFIG)), ("task-c-0", connector_config_value({"a": "1"})),
                   ("commit-c", commit_value(1)))
    first = state.task_epoch("c")
    assert first == (0, 0)

    state.apply("restart-connector-c", b'{"include-tasks":true,"only-failed":true}')
    assert state.task_epoch("c") == first  # failed tasks restart on their own; running ones stay
    state.apply("restart-connector-c", b'{"include-tasks":false,"only-failed":false}')
    assert state.task_epoch("c") == first  # the connector only
    state.apply("restart-connector-c", b'{"include-tasks":true,"only-failed":false}')
    restarted = state.task_epoch("c")
    assert restarted != first

    state.apply("task-c-0", connector_config_value({"a": "1"}), 10)
    state.apply("commit-c", commit_value(1), 11)
    assert state.task_epoch("c") == (1, 1)


def test_logger_levels_keep_the_order_of_their_latest_writes() -> None:
    state = _state(
        ("logger-cluster-a", b'{"level":"DEBUG"}'),
        ("logger-cluster-a.b", b'{"level":"ERROR"}'),
        ("logger-cluster-bad", b'{"level":5}'),
        ("logger-cluster-worse", None),
    )
    assert (state.logger_levels, state.logger_level_version) == ({"a": "DEBUG", "a.b": "ERROR"}, 2)
    state.apply("logger-cluster-a", b'{"level":"info"}')
    assert state.logger_levels_since(0) == [("a.b", "ERROR"), ("a", "info")]  # a parent written last wins
    assert state.logger_levels_since(2) == [("a", "info")]
    assert state.logger_levels_since(3) == []


def test_a_stopped_connector_keeps_the_span_of_task_ids_that_had_configs() -> None:
    """What zombie fencing fences: every task id that ever had a config, not tasks.max."""
    state = _state(
        ("connector-c-1", connector_config_value({**CONFIG, "tasks.max": "1000000"})),
        ("task-c-1-0", connector_config_value({"t": "0"})),
        ("task-c-1-1", connector_config_value({"t": "1"})),
        ("commit-c-1", commit_value(2)),
        ("commit-c-1", commit_value(0)),  # stopped: an empty task set
    )
    assert (state.task_count("c-1"), state.configured_task_span("c-1")) == (0, 2)
    assert state.configured_task_span("other") == 0
