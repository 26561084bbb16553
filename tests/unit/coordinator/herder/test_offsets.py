"""The offsets API (KIP-875) for source connectors (offsets topic) and sink connectors (consumer group)."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from connect_core.api.version import package_version
from connect_core.coordinator.herder import herder as herder_module
from tests.unit.coordinator.conftest import FILE_SINK, FILE_SOURCE, Rest
from tests.unit.coordinator.fakes import MANAGED_SINK, WORKER_ID

ALTERED = "The offsets for this connector have been altered successfully"
RESET = "The offsets for this connector have been reset successfully"

FRAMEWORK_ALTERED = (
    "The Connect framework-managed offsets for this connector have been altered successfully. However, if this "
    "connector manages offsets externally, they will need to be manually altered in the system that the connector "
    "uses."
)


@pytest.fixture
def stopped(rest: Rest) -> Rest:
    rest.create("src", FILE_SOURCE)
    rest.create("snk", FILE_SINK)
    rest.call("PUT", "/connectors/src/stop")
    rest.call("PUT", "/connectors/snk/stop")
    return rest


def _body(*entries: tuple[Any, Any]) -> dict[str, Any]:
    return {"offsets": [{"partition": p, "offset": o} for p, o in entries]}


def test_source_offsets_round_trip(stopped: Rest) -> None:
    assert stopped.call("GET", "/connectors/src/offsets").body == {"offsets": []}
    response = stopped.call("PATCH", "/connectors/src/offsets", _body(({"filename": "/tmp/in.txt"}, {"position": 7})))
    # Kafka's FileStreamSourceConnector.alterOffsets validates the offsets and answers true.
    assert (response.status, response.body) == (200, {"message": "The offsets for this connector have been altered "
                                                                 "successfully"})
    assert stopped.call("GET", "/connectors/src/offsets").body == _body(({"filename": "/tmp/in.txt"},
                                                                         {"position": 7}))
    assert stopped.topics.offsets.records[-1] == (b'["src",{"filename":"/tmp/in.txt"}]', b'{"position":7}')


def test_source_null_offset_writes_a_tombstone(stopped: Rest) -> None:
    stopped.call("PATCH", "/connectors/src/offsets", _body(({"filename": "a"}, {"position": 1})))
    stopped.call("PATCH", "/connectors/src/offsets", _body(({"filename": "a"}, None)))
    assert stopped.call("GET", "/connectors/src/offsets").body == {"offsets": []}


def test_source_reset_tombstones_every_partition(stopped: Rest) -> None:
    stopped.call("PATCH", "/connectors/src/offsets", _body(({"filename": "a"}, {"position": 1}),
                                                           ({"filename": "b"}, {"position": 2})))
    response = stopped.call("DELETE", "/connectors/src/offsets")
    assert response.status == 200
    assert response.body["message"] == "The offsets for this connector have been reset successfully"
    assert stopped.call("GET", "/connectors/src/offsets").body == {"offsets": []}


def test_source_offsets_must_be_flat_maps(stopped: Rest) -> None:
    response = stopped.call("PATCH", "/connectors/src/offsets", _body(({"filename": "a"}, {"nested": {"x": 1}})))
    assert response.status == 400


def test_sink_offsets_live_in_the_consumer_group(stopped: Rest) -> None:
    stopped.groups.groups["connect-snk"] = {("lines", 1): 5, ("lines", 0): 3}
    assert stopped.call("GET", "/connectors/snk/offsets").body == _body(
        ({"kafka_topic": "lines", "kafka_partition": 0}, {"kafka_offset": 3}),
        ({"kafka_topic": "lines", "kafka_partition": 1}, {"kafka_offset": 5}),
    )
    response = stopped.call("PATCH", "/connectors/snk/offsets", _body(
        ({"kafka_topic": "lines", "kafka_partition": "0"}, {"kafka_offset": "10"}),
        ({"kafka_topic": "lines", "kafka_partition": 1}, None),
    ))
    # FileStreamSinkConnector.alterOffsets returns true: the worker's own message, not the framework-managed one
    assert (response.status, response.body) == (200, {"message": ALTERED})
    assert stopped.groups.groups["connect-snk"] == {("lines", 0): 10}


def test_sink_group_id_override_is_honoured(rest: Rest) -> None:
    rest.create("snk", {**FILE_SINK, "consumer.override.group.id": "custom"})
    rest.groups.groups["custom"] = {("lines", 0): 1}
    assert len(rest.call("GET", "/connectors/snk/offsets").body["offsets"]) == 1


def test_sink_reset_deletes_the_group(stopped: Rest) -> None:
    stopped.groups.groups["connect-snk"] = {("lines", 0): 3}
    assert stopped.call("DELETE", "/connectors/snk/offsets").body == {"message": RESET}
    assert "connect-snk" not in stopped.groups.groups
    assert stopped.call("DELETE", "/connectors/snk/offsets").status == 200  # no group: still fine


def test_stop_answers_once_the_mappings_pollers_have_left_so_a_reset_right_after_succeeds(rest: Rest) -> None:
    """A worker's PUT /stop then DELETE /offsets finds the sink's group empty; here the mapping's pollers leave the
    group some time after the trigger is disabled, and the stop (and its STOPPED status) waits for it."""
    rest.create("snk", FILE_SINK)
    rest.groups.groups["connect-snk"] = {("lines", 0): 3}
    rest.groups.members.add("connect-snk")
    leaving = threading.Timer(0.6, rest.groups.members.discard, ["connect-snk"])
    leaving.start()
    started = time.monotonic()
    assert rest.call("PUT", "/connectors/snk/stop").status == 204
    assert time.monotonic() - started >= 0.5
    status = rest.call("GET", "/connectors/snk/status").body
    assert (status["connector"], status["tasks"]) == (
        {"state": "STOPPED", "worker_id": WORKER_ID, "version": package_version()}, [])
    assert rest.call("DELETE", "/connectors/snk/offsets").body == {"message": RESET}


def test_pause_answers_once_the_mappings_pollers_have_left(rest: Rest) -> None:
    rest.create("snk", FILE_SINK)
    rest.groups.members.add("connect-snk")
    threading.Timer(0.6, rest.groups.members.discard, ["connect-snk"]).start()
    started = time.monotonic()
    assert rest.call("PUT", "/connectors/snk/pause").status == 202
    assert time.monotonic() - started >= 0.5
    assert rest.call("GET", "/connectors/snk/status").body["connector"]["state"] == "PAUSED"


def test_a_stop_whose_pollers_do_not_leave_says_so_and_the_reset_is_kafkas_500(
        rest: Rest, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(herder_module, "STOP_WAIT_S", 0.3)
    rest.create("snk", FILE_SINK)
    rest.groups.members.add("connect-snk")
    assert rest.call("PUT", "/connectors/snk/stop").status == 204
    connector = rest.call("GET", "/connectors/snk/status").body["connector"]
    assert connector["state"] == "STOPPED"
    assert "still had consumers in group connect-snk" in connector["trace"]
    response = rest.call("DELETE", "/connectors/snk/offsets")
    assert response.status == 500 and "zombie sink tasks" in response.body["message"]


def test_sink_group_with_members_is_a_500_with_kafkas_message(stopped: Rest) -> None:
    stopped.groups.members.add("connect-snk")
    response = stopped.call("DELETE", "/connectors/snk/offsets")
    assert response.status == 500
    assert response.body["message"].startswith("Failed to reset consumer group offsets for connector snk either "
                                               "because its tasks haven't stopped completely yet")
    altered = stopped.call("PATCH", "/connectors/snk/offsets", _body(
        ({"kafka_topic": "lines", "kafka_partition": 0}, {"kafka_offset": 1})))
    assert altered.body["message"].startswith("Failed to alter consumer group offsets for connector snk either")


@pytest.mark.parametrize(
    ("partition", "offset", "message"),
    [
        (None, {"kafka_offset": 1}, "The partition for a sink connector offset cannot be null or missing"),
        ({"kafka_topic": "t"}, {"kafka_offset": 1},
         "The partition for a sink connector offset must contain the keys 'kafka_topic' and 'kafka_partition'"),
        ({"kafka_topic": None, "kafka_partition": 0}, {"kafka_offset": 1},
         "Kafka topic names must be valid strings and may not be null"),
        ({"kafka_topic": "t", "kafka_partition": None}, {"kafka_offset": 1},
         "Kafka partitions must be valid numbers and may not be null"),
        ({"kafka_topic": "t", "kafka_partition": "x"}, {"kafka_offset": 1},
         "Failed to parse the following Kafka partition value in the provided offsets: 'x'. Partition values for "
         "sink connectors need to be integers."),
        ({"kafka_topic": "t", "kafka_partition": 0}, {"offset": 1},
         "The offset for a sink connector should either be null or contain the key 'kafka_offset'"),
        ({"kafka_topic": "t", "kafka_partition": 0}, {"kafka_offset": 1.5},
         "Failed to parse the following Kafka offset value in the provided offsets: '1.5'. Offset values for sink "
         "connectors need to be integers."),
    ],
)
def test_sink_offsets_are_parsed_with_kafkas_messages(stopped: Rest, partition: Any, offset: Any,
                                                      message: str) -> None:
    response = stopped.call("PATCH", "/connectors/snk/offsets", _body((partition, offset)))
    assert (response.status, response.body) == (400, {"error_code": 400, "message": message})


def test_changing_offsets_requires_stopped(rest: Rest) -> None:
    rest.create("src", FILE_SOURCE)
    expected = (
        "Connectors must be in the STOPPED state before their offsets can be modified. This can be done for the "
        "specified connector by issuing a 'PUT' request to the '/connectors/src/stop' endpoint"
    )
    for method, body in (("PATCH", _body(({"filename": "a"}, {"position": 1}))), ("DELETE", None)):
        response = rest.call(method, "/connectors/src/offsets", body)
        assert (response.status, response.body["message"]) == (400, expected)
    rest.call("PUT", "/connectors/src/pause")
    assert rest.call("DELETE", "/connectors/src/offsets").status == 400


def test_alter_without_offsets_is_400(stopped: Rest) -> None:
    for body in (None, {}, {"offsets": []}):
        response = stopped.call("PATCH", "/connectors/src/offsets", body)
        assert (response.status, response.body["message"]) == (
            400, "Partitions / offsets need to be provided for an alter offsets request"
        )


def test_unknown_connector_offsets_are_404(rest: Rest) -> None:
    assert rest.call("GET", "/connectors/nope/offsets").status == 404
    assert rest.call("DELETE", "/connectors/nope/offsets").status == 404
    assert rest.call("PATCH", "/connectors/nope/offsets", _body(({"a": 1}, None))).status == 404


def test_connector_hook_that_manages_offsets_changes_the_message(rest: Rest) -> None:
    rest.create("m", {"connector.class": MANAGED_SINK, "topics": "lines"}, initial_state="STOPPED")
    response = rest.call("DELETE", "/connectors/m/offsets")
    assert response.body == {"message": "The offsets for this connector have been reset successfully"}


@pytest.mark.parametrize(("offset", "message"), [
    ({"position": "abc"}, "The value for the 'position' key in the offset is expected to be a Long value"),
    ({"position": -5}, "The value for the 'position' key in the offset should be a non-negative value"),
    ({"position": 1.5}, "The value for the 'position' key in the offset is expected to be a Long value"),
    ({"other": 1}, "Offset objects should either be null or contain the key 'position'"),
])
def test_file_source_offsets_are_validated_like_kafka(stopped: Rest, offset: dict[str, Any], message: str) -> None:
    response = stopped.call("PATCH", "/connectors/src/offsets", _body(({"filename": "/tmp/in.txt"}, offset)))
    assert (response.status, response.body) == (400, {"error_code": 400, "message": message})
    assert stopped.call("GET", "/connectors/src/offsets").body == {"offsets": []}  # nothing written


@pytest.mark.parametrize(("body", "message"), [
    ({"offsets": [{"partition": "x", "offset": {"position": 1}}]}, "a partition must be an object"),
    ({"offsets": [{"partition": {"filename": "a"}, "offset": 5}]}, "an offset must be an object or null"),
    ({"offsets": [{"partition": {"filename": {"deep": [1, {"x": 2}]}}, "offset": None}]},
     "Partitions may only contain primitive types as values"),
])
def test_offset_entry_shapes(stopped: Rest, body: dict[str, Any], message: str) -> None:
    response = stopped.call("PATCH", "/connectors/src/offsets", body)
    assert response.status == 400
    assert message in response.body["message"]


@pytest.mark.parametrize(("partition", "offset", "message"), [
    ({"kafka_topic": "t", "kafka_partition": 0}, {"kafka_offset": -5}, "Kafka offsets must be non-negative"),
    ({"kafka_topic": "t", "kafka_partition": -1}, {"kafka_offset": 5}, "Kafka partitions must be non-negative"),
    ({"kafka_topic": "t", "kafka_partition": 0}, {"kafka_offset": "abc"},
     "Offset values for sink connectors need to be integers"),
])
def test_sink_offsets_must_be_non_negative_integers(stopped: Rest, partition: dict[str, Any],
                                                     offset: dict[str, Any], message: str) -> None:
    response = stopped.call("PATCH", "/connectors/snk/offsets", _body((partition, offset)))
    assert response.status == 400
    assert message in response.body["message"]


def test_a_new_source_gets_its_first_offsets_snapshot_a_returning_name_and_a_sink_do_not(rest: Rest) -> None:
    from connect_core.storage.connector_offsets import snapshot_group

    rest.topics.offset_store().write("back", [({"filename": "/tmp/in.txt"}, {"position": 3})])  # a deleted one's
    rest.create("src", FILE_SOURCE)
    rest.create("back", FILE_SOURCE)
    rest.create("snk", FILE_SINK)
    bookmarks = rest.topics.offsets.bookmarks
    assert bookmarks[snapshot_group("connect-offsets", "src")] == {0: (1, "[]")}  # at the end: no history to read
    assert snapshot_group("connect-offsets", "back") not in bookmarks  # its first read must find position 3
    assert snapshot_group("connect-offsets", "snk") not in bookmarks
    assert rest.call("GET", "/connectors/back/offsets").body == {
        "offsets": [{"partition": {"filename": "/tmp/in.txt"}, "offset": {"position": 3}}]}
    rest.topics.offset_store().write("src", [({"filename": "/tmp/in.txt"}, {"position": 1})])
    rest.call("PUT", "/connectors/src/config", {**FILE_SOURCE, "topic": "other"})  # an update: snapshot not moved
    assert bookmarks[snapshot_group("connect-offsets", "src")] == {0: (1, "[]")}


def test_the_heartbeat_keeps_the_offsets_key_index_at_the_log_end(rest: Rest) -> None:
    from connect_core.storage.offset_key_index import index_group
    from tests.unit.coordinator.fakes import make_coordinator

    rest.topics.offset_store().write("old", [({"filename": f"/f{i}"}, {"position": i}) for i in range(5)])
    make_coordinator(rest.topics, rest.deployer, rest.groups).heartbeat()
    [(position, _filter)] = rest.topics.offsets.bookmarks[index_group("connect-offsets")].values()
    assert position == 5
