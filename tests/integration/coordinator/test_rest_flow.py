"""The whole REST flow against the real broker: FileStreamSource and FileStreamSink through create, status,
pause/resume/stop/restart, offsets and delete, with a real source task run in between."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import pytest

from connect_core.api.version import package_version
from connect_core.runtime.source_runner import SourceRunner
from connect_core.storage.config_state import TargetState
from tests.integration.coordinator.conftest import WORKER_ID

if TYPE_CHECKING:
    from pathlib import Path

    from connect_core.runtime.worker import WorkerSettings
    from tests.integration.coordinator.conftest import Client

pytestmark = pytest.mark.integration


def test_server_info_reports_the_brokers_cluster_id(client: Client, kafka_bootstrap: str) -> None:
    from connect_core.kafka.clients import admin_client

    expected = admin_client(client.worker.kafka).list_topics(timeout=10).cluster_id
    response = client.call("GET", "/")
    assert response.status == 200
    assert response.body["kafka_cluster_id"] == expected
    assert set(response.body) == {"version", "commit", "kafka_cluster_id"}


def test_health_is_healthy(client: Client) -> None:
    response = client.call("GET", "/health")
    assert (response.status, response.body["status"]) == (200, "healthy")


def test_source_connector_lifecycle(client: Client, worker: WorkerSettings, tmp_path: Path, prefix: str) -> None:
    source_file = tmp_path / "in.txt"
    source_file.write_text("one\ntwo\nthree\n")
    config = {"connector.class": "FileStreamSource", "file": str(source_file), "topic": f"{prefix}-lines",
              "tasks.max": "1"}

    created = client.call("POST", "/connectors", {"name": "src", "config": config})
    assert created.status == 201, created.body
    assert created.headers["Location"] == "http://127.0.0.1:8083/connectors/src"
    assert client.call("POST", "/connectors", {"name": "src", "config": config}).status == 409

    fresh_status = client.call("GET", "/connectors/src/status", fresh=True)  # a cold coordinator sees the same
    assert fresh_status.body == {
        "name": "src", "connector": {"state": "RUNNING", "worker_id": WORKER_ID, "version": package_version()},
        "tasks": [{"id": 0, "state": "UNASSIGNED", "worker_id": WORKER_ID}], "type": "source",
    }
    assert client.call("GET", "/connectors", fresh=True).body == ["src"]
    tasks = client.call("GET", "/connectors/src/tasks").body
    assert tasks[0]["id"] == {"connector": "src", "task": 0}
    assert client.deployer.deployed["src"].target_state is TargetState.STARTED

    # the task function runs once: records + offsets in one transaction, status RUNNING
    runner = SourceRunner(worker)
    try:
        result = runner.run("src", 0, lambda: 20_000.0)
    finally:
        runner.close()
    assert result.records == 3
    assert client.call("GET", "/connectors/src/tasks/0/status").body["state"] == "RUNNING"
    offsets = client.call("GET", "/connectors/src/offsets").body
    assert offsets == {"offsets": [{"partition": {"filename": str(source_file)}, "offset": {"position": 14}}]}

    assert client.call("PUT", "/connectors/src/pause").status == 202
    paused = client.call("GET", "/connectors/src/status", fresh=True).body
    assert (paused["connector"]["state"], paused["tasks"][0]["state"]) == ("PAUSED", "PAUSED")
    assert client.call("PUT", "/connectors/src/resume").status == 202
    assert client.call("GET", "/connectors/src/status").body["connector"]["state"] == "RUNNING"

    restart = client.call("POST", "/connectors/src/restart", query="includeTasks=true&onlyFailed=false")
    assert restart.status == 202
    assert [t["state"] for t in restart.body["tasks"]] == ["RESTARTING"]

    move = {"offsets": [{"partition": {"filename": str(source_file)}, "offset": {"position": 4}}]}
    assert client.call("PATCH", "/connectors/src/offsets", move).status == 400  # not stopped
    assert client.call("PUT", "/connectors/src/stop").status == 204
    stopped = client.call("GET", "/connectors/src/status", fresh=True).body
    assert (stopped["connector"]["state"], stopped["tasks"]) == ("STOPPED", [])
    assert client.call("GET", "/connectors/src/tasks").body == []
    altered = client.call("PATCH", "/connectors/src/offsets", move)
    assert altered.status == 200, altered.body
    assert client.call("GET", "/connectors/src/offsets", fresh=True).body == move
    reset = client.call("DELETE", "/connectors/src/offsets")
    assert reset.status == 200
    assert client.call("GET", "/connectors/src/offsets", fresh=True).body == {"offsets": []}

    assert client.call("PUT", "/connectors/src/resume").status == 202
    assert len(client.call("GET", "/connectors/src/tasks").body) == 1
    assert client.call("DELETE", "/connectors/src").status == 204
    assert client.call("GET", "/connectors/src", fresh=True).status == 404
    assert client.call("GET", "/connectors/src/status", fresh=True).status == 404
    assert client.deployer.actions("src")[-1] == "remove"


def _commit_group(worker: WorkerSettings, group: str, topic: str, offsets: dict[int, int]) -> None:
    from confluent_kafka import Consumer, TopicPartition

    consumer = Consumer({**worker.kafka.client_config(), "group.id": group, "enable.auto.commit": False})
    try:
        consumer.commit(offsets=[TopicPartition(topic, p, o) for p, o in offsets.items()], asynchronous=False)
    finally:
        consumer.close()


def _data_topic(worker: WorkerSettings, name: str, partitions: int) -> None:
    from connect_core.kafka.admin import ensure_topic
    from connect_core.kafka.clients import admin_client

    ensure_topic(admin_client(worker.kafka), name, partitions, 1)


def test_sink_connector_offsets_are_its_consumer_group(client: Client, worker: WorkerSettings, tmp_path: Path,
                                                       prefix: str) -> None:
    topic = f"{prefix}-sink-in"
    _data_topic(worker, topic, 2)
    from confluent_kafka import Producer

    producer = Producer(worker.kafka.client_config())
    for i in range(10):
        producer.produce(topic, value=f"v{i}".encode(), partition=i % 2)
    producer.flush(10)

    config = {"connector.class": "FileStreamSink", "file": str(tmp_path / "out.txt"), "topics": topic}
    assert client.call("PUT", "/connectors/snk/config", config).status == 201
    assert client.call("PUT", "/connectors/snk/config", {**config, "tasks.max": "1"}).status == 200
    _commit_group(worker, "connect-snk", topic, {0: 3, 1: 5})

    def entry(partition: int, offset: int) -> dict[str, object]:
        return {"partition": {"kafka_topic": topic, "kafka_partition": partition}, "offset": {"kafka_offset": offset}}

    assert client.call("GET", "/connectors/snk/offsets").body == {"offsets": [entry(0, 3), entry(1, 5)]}
    assert client.call("DELETE", "/connectors/snk/offsets").status == 400  # not stopped
    assert client.call("PUT", "/connectors/snk/stop").status == 204

    altered = client.call("PATCH", "/connectors/snk/offsets", {"offsets": [
        {"partition": {"kafka_topic": topic, "kafka_partition": 0}, "offset": {"kafka_offset": "1"}},
        {"partition": {"kafka_topic": topic, "kafka_partition": 1}, "offset": None},
    ]})
    assert altered.status == 200, altered.body
    assert client.call("GET", "/connectors/snk/offsets").body == {"offsets": [entry(0, 1)]}
    assert client.call("DELETE", "/connectors/snk/offsets").status == 200
    assert client.call("GET", "/connectors/snk/offsets").body == {"offsets": []}
    assert client.call("DELETE", "/connectors/snk").status == 204


def test_sink_offsets_cannot_change_while_the_group_has_members(client: Client, worker: WorkerSettings,
                                                                 tmp_path: Path, prefix: str) -> None:
    from confluent_kafka import Consumer

    topic = f"{prefix}-busy"
    _data_topic(worker, topic, 1)
    config = {"connector.class": "FileStreamSink", "file": str(tmp_path / "out.txt"), "topics": topic}
    assert client.call("POST", "/connectors", {"name": "busy", "config": config, "initial_state": "STOPPED"}
                       ).status == 201
    zombie = Consumer({**worker.kafka.client_config(), "group.id": "connect-busy", "auto.offset.reset": "earliest"})
    zombie.subscribe([topic])
    try:
        deadline = time.monotonic() + 30
        while not zombie.assignment() and time.monotonic() < deadline:
            zombie.poll(0.5)
        response = client.call("DELETE", "/connectors/busy/offsets")
        assert response.status == 500
        assert response.body["message"].startswith(
            "Failed to reset consumer group offsets for connector busy either because its tasks haven't stopped "
            "completely yet"
        )
    finally:
        zombie.close()
    assert client.call("DELETE", "/connectors/busy/offsets").status == 200


def test_errors_over_the_real_broker(client: Client) -> None:
    invalid = client.call("POST", "/connectors", {"name": "bad", "config": {"connector.class": "FileStreamSink"}})
    assert invalid.status == 400
    assert invalid.body["message"].startswith("Connector configuration is invalid and contains the following 2 "
                                              "error(s):\nMust configure one of topics or topics.regex")
    assert client.call("GET", "/connectors/nope").body == {"error_code": 404, "message": "Connector nope not found"}
    assert client.call("GET", "/connector-plugins").status == 200
    validate = client.call("PUT", "/connector-plugins/FileStreamSource/config/validate",
                           {"connector.class": "FileStreamSource", "name": "x", "topic": "t"})
    assert (validate.status, validate.body["error_count"]) == (200, 0)


def test_offsets_change_fences_a_source_invocation_still_under_way(client: Client, worker: WorkerSettings,
                                                                   tmp_path: Path, prefix: str) -> None:
    """A stopped connector's last invocation, still inside its transaction, cannot bring old offsets back after a
    reset: the reset fences the task's producer first (Kafka's zombie fencing with exactly-once sources)."""
    from confluent_kafka import KafkaException, Producer

    from connect_core.kafka.clients import producer_config
    from connect_core.storage.offset_state import offset_key, offset_value

    source_file = tmp_path / "in.txt"
    config = {"connector.class": "FileStreamSource", "file": str(source_file), "topic": f"{prefix}-zombie",
              "tasks.max": "1"}
    assert client.call("PUT", "/connectors/zsrc/config", config).status == 201
    zombie = Producer(producer_config(worker.kafka, transactional_id=worker.transactional_id("zsrc", 0)))
    zombie.init_transactions(30)
    zombie.begin_transaction()
    zombie.produce(worker.storage.offset_storage_topic, offset_value({"position": 99}),
                   offset_key("zsrc", {"filename": str(source_file)}))
    zombie.flush(30)
    assert client.call("PUT", "/connectors/zsrc/stop").status == 204
    reset = client.call("DELETE", "/connectors/zsrc/offsets")
    assert reset.status == 200, reset.body
    with pytest.raises(KafkaException):  # fenced: its offsets never commit
        zombie.commit_transaction(30)
    assert client.call("GET", "/connectors/zsrc/offsets", fresh=True).body == {"offsets": []}
    assert client.call("DELETE", "/connectors/zsrc").status == 204
