"""Our stores and a real Kafka Connect worker (4.3.1) share the same internal topics, both ways.

1. The worker runs a FileStreamSource connector; our stores read its config, task configs, target
   state, source offsets and statuses, and re-encode every record it wrote to the same bytes.
2. Our stores write offsets, a connector config, task configs + commit and target states; the
   worker lists the connector, runs our task config, resumes from our offset, obeys our pauses.
3. Pause and stop through the worker's REST API; our store reads PAUSED and STOPPED.
"""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any

import pytest
from confluent_kafka import Consumer

from connect_core.api.errors import ConnectError
from connect_core.kafka.clients import consumer_config
from connect_core.kafka.read_to_end import read_to_end
from connect_core.storage import _json
from connect_core.storage.config_state import TargetState, commit_value, connector_config_value, target_state_value
from connect_core.storage.config_store import ConfigStore
from connect_core.storage.offset_state import offset_key, offset_value
from connect_core.storage.offset_store import OffsetStore
from connect_core.storage.status_state import ConnectorStatus, State, TaskStatus, status_value, topic_status_value
from connect_core.storage.status_state import TopicStatus as TopicStatusRecord
from connect_core.storage.status_store import StatusStore
from tests.compat._oracle import KAFKA_VERSION

if TYPE_CHECKING:
    from pathlib import Path

    from tests.compat.connect_worker.conftest import ConnectWorker

pytestmark = pytest.mark.integration

LINES = ["first line", "second line", "third line"]
TASK_CLASS = "org.apache.kafka.connect.file.FileStreamSourceTask"


def _raw(worker: ConnectWorker, topic: str) -> list[tuple[bytes, bytes | None]]:
    consumer = Consumer(consumer_config(worker.settings))
    records: list[tuple[bytes, bytes | None]] = []
    try:
        read_to_end(consumer, topic, {}, lambda m: records.append((m.key(), m.value())))
    finally:
        consumer.close()
    return records


def _payloads(worker: ConnectWorker, topic: str) -> list[Any]:
    """The string payloads copied to a data topic so far ([] until the worker has created the topic)."""
    try:
        records = _raw(worker, topic)
    except ConnectError:
        return []
    return [json.loads(value)["payload"] for _, value in records if value is not None]


def _connector_state(worker: ConnectWorker, name: str) -> str | None:
    """The connector's state from REST, or None while the worker answers with an error (rebalancing)."""
    status, body = worker.rest("GET", f"/connectors/{name}/status")
    return body["connector"]["state"] if status == 200 else None


def _source_config(name: str, path: Path | str, topic: str) -> dict[str, str]:
    return {"connector.class": "FileStreamSource", "file": str(path), "topic": topic, "tasks.max": "1", "name": name}


@pytest.fixture(scope="module")
def worker_connector(connect_worker: ConnectWorker, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A FileStreamSource created through the worker's REST API that has copied the whole file."""
    path = tmp_path_factory.mktemp("fs") / "input.txt"
    path.write_text("".join(line + "\n" for line in LINES))
    name = f"java-src-{uuid.uuid4().hex[:6]}"
    topic = f"{connect_worker.prefix}-data-java"
    request = {"name": name, "config": _source_config(name, path, topic)}
    status, body = connect_worker.rest("POST", "/connectors", request)
    assert status == 201, body
    size = path.stat().st_size
    connect_worker.wait_for(
        "the worker to commit its offset",
        lambda: connect_worker.rest("GET", f"/connectors/{name}/offsets")[1]
        == {"offsets": [{"partition": {"filename": str(path)}, "offset": {"position": size}}]},
    )
    return {"name": name, "path": path, "topic": topic, "size": size}


def test_our_stores_read_what_the_worker_wrote(connect_worker: ConnectWorker, worker_connector: dict[str, Any]) -> None:
    name, path = worker_connector["name"], worker_connector["path"]
    configs = ConfigStore(connect_worker.settings, connect_worker.storage, create_topic=False)
    assert name in configs.connectors()
    assert configs.connector_config(name) == connect_worker.rest("GET", f"/connectors/{name}/config")[1]
    rest_tasks = connect_worker.rest("GET", f"/connectors/{name}/tasks")[1]
    assert configs.task_configs(name) == [task["config"] for task in rest_tasks]
    assert configs.task_configs(name)[0]["task.class"] == TASK_CLASS
    assert configs.target_state(name) is TargetState.STARTED

    offsets = OffsetStore(connect_worker.settings, connect_worker.storage, create_topic=False)
    assert offsets.offsets(name) == [({"filename": str(path)}, {"position": worker_connector["size"]})]
    assert offsets.offset(name, {"filename": str(path)}) == {"position": worker_connector["size"]}
    # what a cold source task reads (its connector's keys from a snapshot, storage/connector_offsets.py)
    one = OffsetStore(connect_worker.settings, connect_worker.storage, create_topic=False).for_connector(name)
    assert one.offsets() == offsets.offsets(name)
    assert one.offset({"filename": str(path)}) == {"position": worker_connector["size"]}

    statuses = StatusStore(connect_worker.settings, connect_worker.storage, create_topic=False)
    connect_worker.wait_for("RUNNING statuses", lambda: statuses.refresh() >= 0 and statuses.task_statuses(name))
    connector = statuses.connector_status(name)
    assert connector is not None
    assert (connector.state, connector.worker_id) == (State.RUNNING, connect_worker.worker_id)
    assert connector.version == KAFKA_VERSION  # the plugin version field (new in Kafka 4.1): the worker's release
    assert [(t.task, t.state) for t in statuses.task_statuses(name)] == [(0, State.RUNNING)]
    assert [t.topic for t in statuses.topics(name)] == [worker_connector["topic"]]
    assert _payloads(connect_worker, worker_connector["topic"]) == LINES


def test_every_record_the_worker_wrote_reencodes_to_the_same_bytes(
    connect_worker: ConnectWorker, worker_connector: dict[str, Any]
) -> None:
    checked = 0
    for key, value in _raw(connect_worker, connect_worker.storage.config_storage_topic):
        if value is None:
            continue  # a deleted connector's tombstones (other tests of this worker delete theirs): no bytes
        text, decoded = key.decode(), _json.loads(value)
        if text.startswith(("connector-", "task-")) and decoded is not None:
            assert connector_config_value(decoded["properties"]) == value
        elif text.startswith("commit-"):
            assert commit_value(decoded["tasks"]) == value
        elif text.startswith("target-state-") and decoded is not None:
            assert target_state_value(TargetState(decoded["state.v2"])) == value
        else:
            assert _json.dumps(decoded) == value  # session-key and friends: plain JsonConverter output
        checked += 1
    for key, value in _raw(connect_worker, connect_worker.storage.offset_storage_topic):
        connector, partition = _json.loads(key)
        assert offset_key(connector, partition) == key
        assert offset_value(None if value is None else _json.loads(value)) == value
        checked += 1
    for key, value in _raw(connect_worker, connect_worker.storage.status_storage_topic):
        if value is None:
            continue
        decoded = _json.loads(value)
        if key.startswith(b"status-topic-"):
            inner = decoded["topic"]
            record = TopicStatusRecord(inner["name"], inner["connector"], inner["task"], inner["discoverTimestamp"])
            assert topic_status_value(record) == value
        else:
            fields = (State(decoded["state"]), decoded["worker_id"], decoded["generation"], decoded["trace"],
                      decoded["version"])
            assert status_value(ConnectorStatus("x", *fields)) == value
            assert status_value(TaskStatus("x", 0, *fields)) == value
        checked += 1
    assert checked >= 8


def test_the_worker_runs_what_our_stores_wrote(connect_worker: ConnectWorker, tmp_path: Path) -> None:
    name = f"py-src-{uuid.uuid4().hex[:6]}"
    topic = f"{connect_worker.prefix}-data-py"
    path = tmp_path / "ours.txt"
    path.write_text("".join(line + "\n" for line in LINES))
    skip = len(LINES[0]) + 1  # our offset says the first line was already copied

    offsets = OffsetStore(connect_worker.settings, connect_worker.storage, create_topic=False)
    offsets.write(name, [({"filename": str(path)}, {"position": skip})])
    configs = ConfigStore(connect_worker.settings, connect_worker.storage, create_topic=False)
    config = _source_config(name, path, topic)
    task_config = {**config, "task.class": TASK_CLASS}  # exactly what FileStreamSourceConnector generates
    # PAUSED first: a worker leader that saw a STARTED connector without tasks would generate and write the same
    # task configs itself, and its commit interleaved with ours reads as an inconsistent task set (no task runs).
    configs.put_connector_config(name, config, TargetState.PAUSED)
    configs.put_task_configs(name, [task_config])
    connect_worker.wait_for("our connector to be listed", lambda: name in connect_worker.rest("GET", "/connectors")[1])
    configs.put_target_state(name, TargetState.STARTED)
    expected_tasks = [{"id": {"connector": name, "task": 0}, "config": task_config}]
    connect_worker.wait_for(  # 500 "a rebalance is expected" until the worker has taken the connector on
        "the worker to run our task config",
        lambda: connect_worker.rest("GET", f"/connectors/{name}/tasks") == (200, expected_tasks),
    )
    # The worker resumed from our offset: only the lines after it were copied.
    connect_worker.wait_for("the remaining lines", lambda: _payloads(connect_worker, topic) == LINES[1:])
    connect_worker.wait_for(
        "the worker's offsets endpoint to show the end of the file",
        lambda: connect_worker.rest("GET", f"/connectors/{name}/offsets")[1]
        == {"offsets": [{"partition": {"filename": str(path)}, "offset": {"position": path.stat().st_size}}]},
    )

    configs.put_target_state(name, TargetState.PAUSED)
    connect_worker.wait_for(
        "our PAUSED target state to reach the worker",
        lambda: _connector_state(connect_worker, name) == "PAUSED",
    )
    configs.put_target_state(name, TargetState.STARTED)
    connect_worker.wait_for(
        "our STARTED target state to reach the worker",
        lambda: _connector_state(connect_worker, name) == "RUNNING",
    )


def test_our_offsets_show_in_the_workers_offsets_endpoint(connect_worker: ConnectWorker) -> None:
    name = f"py-stopped-{uuid.uuid4().hex[:6]}"
    partition = {"filename": "/nowhere/in.txt"}
    configs = ConfigStore(connect_worker.settings, connect_worker.storage, create_topic=False)
    OffsetStore(connect_worker.settings, connect_worker.storage, create_topic=False).write(
        name, [(partition, {"position": 1234})]
    )
    # STOPPED: the worker knows the connector but never runs it (its file does not exist).
    configs.put_connector_config(name, _source_config(name, "/nowhere/in.txt", "unused"), TargetState.STOPPED)
    configs.put_task_configs(name, [])
    connect_worker.wait_for(
        "the worker's offsets endpoint to show our offset",
        lambda: connect_worker.rest("GET", f"/connectors/{name}/offsets")
        == (200, {"offsets": [{"partition": partition, "offset": {"position": 1234}}]}),
    )
    connect_worker.wait_for("the STOPPED status", lambda: _connector_state(connect_worker, name) == "STOPPED")


def test_pause_and_stop_through_rest_are_read_by_our_store(
    connect_worker: ConnectWorker, worker_connector: dict[str, Any]
) -> None:
    name = worker_connector["name"]
    configs = ConfigStore(connect_worker.settings, connect_worker.storage, create_topic=False)
    statuses = StatusStore(connect_worker.settings, connect_worker.storage, create_topic=False)
    assert configs.target_state(name) is TargetState.STARTED

    assert connect_worker.rest("PUT", f"/connectors/{name}/pause")[0] == 202
    connect_worker.wait_for("PAUSED in the config topic",
                            lambda: configs.refresh() >= 0 and configs.target_state(name) is TargetState.PAUSED)
    connect_worker.wait_for(
        "PAUSED statuses",
        lambda: statuses.refresh() >= 0
        and statuses.connector_status(name).state is State.PAUSED  # type: ignore[union-attr]
        and [t.state for t in statuses.task_statuses(name)] == [State.PAUSED],
    )

    assert connect_worker.rest("PUT", f"/connectors/{name}/stop")[0] == 204
    connect_worker.wait_for("STOPPED in the config topic",
                            lambda: configs.refresh() >= 0 and configs.target_state(name) is TargetState.STOPPED)
    assert configs.task_configs(name) == []  # stop commits an empty task set first
    assert configs.task_count(name) == 0
    raw = [v for k, v in _raw(connect_worker, configs.topic) if k == f"target-state-{name}".encode()]
    assert raw[-1] == b'{"state":"PAUSED","state.v2":"STOPPED"}' == target_state_value(TargetState.STOPPED)


def test_a_sink_task_records_its_topic_as_the_worker_does(
    connect_worker: ConnectWorker, worker_connector: dict[str, Any], tmp_path: Path
) -> None:
    """KIP-558: the worker's FileStreamSink and our pull-mode sink task (same connector name, our own internal
    topics) consume the same topic; each writes one status-topic record, byte for byte the same but for the time."""
    import re
    import time

    from connect_core.runtime.sink_pull import SinkPullInvocations
    from connect_core.runtime.worker import WorkerSettings
    from connect_core.storage.config import StorageConfig

    topic = worker_connector["topic"]
    name = f"snk-{uuid.uuid4().hex[:6]}"
    config = {"connector.class": "FileStreamSink", "topics": topic, "tasks.max": "1", "name": name}
    status, body = connect_worker.rest("POST", "/connectors", {
        "name": name, "config": {**config, "file": str(tmp_path / "java.txt")}})
    assert status == 201, body
    key = f"status-topic-{topic}:connector-{name}".encode()
    theirs = connect_worker.wait_for("the worker's active topic record", lambda: [
        value for k, value in _raw(connect_worker, connect_worker.storage.status_storage_topic) if k == key])

    prefix = f"{connect_worker.prefix}-py-{uuid.uuid4().hex[:6]}"
    storage = StorageConfig(config_storage_topic=f"{prefix}-configs", offset_storage_topic=f"{prefix}-offsets",
                            status_storage_topic=f"{prefix}-status")
    ours = WorkerSettings(connect_worker.settings, storage, group_id=prefix)
    configs = ConfigStore(ours.kafka, storage)
    configs.put_connector_config(name, {**config, "file": str(tmp_path / "py.txt"), "lambda.sink.trigger": "schedule",
                                        "consumer.override.group.id": f"{prefix}-group"})
    configs.put_task_configs(name, [{"file": str(tmp_path / "py.txt"), "topics": topic}])
    configs.put_target_state(name, TargetState.STARTED)
    pulls = SinkPullInvocations(ours)
    try:
        deadline = time.monotonic() * 1000 + 20_000
        pulls.run(name, 0, lambda: deadline - time.monotonic() * 1000, 128)
    finally:
        pulls.close()
        configs.close()
    mine = [value for k, value in _raw(connect_worker, storage.status_storage_topic) if k == key]
    assert (tmp_path / "py.txt").read_text().splitlines() == LINES
    # once here; the worker may write it a few times (its store's view lags its own writes within a batch)
    assert len(mine) == 1 and len(theirs) >= 1

    def timeless(value: bytes | None) -> bytes:
        assert value is not None
        return re.sub(rb'"discoverTimestamp":\d+', b'"discoverTimestamp":0', value)

    assert {timeless(value) for value in theirs} == {timeless(mine[0])}
