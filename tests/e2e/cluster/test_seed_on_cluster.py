"""The seed scenario's JDBC pair on the three-broker cluster (MSK's defaults: auto-creation off, RF 3, min ISR 2),
through `lambda-connect up --worker-config` naming it, as a user deploying against MSK would.

The source's topic is created beforehand by the test, as an operator does when ``topic.creation.*`` is not used;
everything else (internal topics, the runs topic, the sink's DLQ) must be created by us, at the replication factor
Kafka Connect would use, or nothing is delivered and the tasks sit RUNNING."""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any

import pymysql
import pytest

from tests.e2e.cluster.conftest import create_topics, replication, topic_names
from tests.e2e.conftest import start_up
from tests.e2e.test_standalone import _rewrite

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.integration


def _rows(database: dict[str, Any], table: str) -> list[tuple[Any, ...]]:
    try:
        with database["conn"].cursor() as cur:
            cur.execute(f"SELECT id, status FROM {database['db']}.{table} ORDER BY id")
            return list(cur.fetchall())
    except pymysql.MySQLError:
        return []


def test_jdbc_source_and_sink_with_a_dlq_on_the_msk_like_cluster(
    msk_cluster: dict[str, str], orders_db: dict[str, Any], tmp_path: Path,
) -> None:
    bootstrap = msk_cluster["bootstrap.servers"]
    name = f"msk-{uuid.uuid4().hex[:8]}"
    worker = _rewrite("connect-distributed.properties", tmp_path, **{
        "bootstrap.servers": bootstrap, "group.id": name, "offset.storage.topic": f"{name}-offsets",
        "config.storage.topic": f"{name}-configs", "status.storage.topic": f"{name}-status",
        # Kafka's sample file says 1 for a one-broker development cluster; a production worker keeps Kafka's 3
        "offset.storage.replication.factor": "3", "config.storage.replication.factor": "3",
        "status.storage.replication.factor": "3"})  # fmt: skip
    topic, dlq = f"{name}-orders", f"{name}-dlq"
    create_topics(bootstrap, topic)
    jdbc = {"connection.url": orders_db["url"], "connection.user": orders_db["user"],
            "connection.password": orders_db["password"]}
    with start_up(bootstrap, tmp_path, "--worker-config", str(worker)) as up:
        bodies = {
            f"{name}-src": {"connector.class": "io.confluent.connect.jdbc.JdbcSourceConnector", **jdbc,
                            "mode": "incrementing", "incrementing.column.name": "id", "table.whitelist": "orders",
                            "topic.prefix": f"{name}-", "poll.interval.ms": "500"},
            f"{name}-sink": {"connector.class": "io.confluent.connect.jdbc.JdbcSinkConnector", **jdbc,
                             "topics": topic, "auto.create": "true", "table.name.format": "copy",
                             "pk.mode": "record_value", "pk.fields": "id", "insert.mode": "upsert",
                             "errors.tolerance": "all", "errors.deadletterqueue.topic.name": dlq},
        }
        for connector, config in bodies.items():
            status, answer = up.http("POST", "/connectors", {"name": connector, "config": config})
            assert status == 201, answer
        up.wait_for(lambda: _rows(orders_db, "copy") == [(1, "PLACED"), (2, "SHIPPED"), (3, "PICKED")],
                    "the rows copied by the JDBC sink", timeout_s=120)
        # a record the sink cannot write goes to the DLQ, which the sink's reporter creates at RF 3
        from confluent_kafka import Producer

        producer = Producer({"bootstrap.servers": bootstrap})
        producer.produce(topic, json.dumps({"not": "a connect envelope"}).encode())
        assert producer.flush(30) == 0
        up.wait_for(lambda: dlq in topic_names(bootstrap), "the DLQ topic", timeout_s=120)
        up.wait_for(lambda: {n: [t["state"] for t in s["status"]["tasks"]] for n, s in up.http(
                             "GET", "/connectors?expand=status")[1].items()} == dict.fromkeys(bodies, ["RUNNING"]),
                    "every task RUNNING")
    names = topic_names(bootstrap)
    internal = [f"{name}-configs", f"{name}-offsets", f"{name}-status", f"{name}-status-runs"]
    assert set(internal) <= names
    assert {t: replication(bootstrap, t) for t in [*internal, dlq]} == dict.fromkeys([*internal, dlq], {3})


def test_jdbc_source_creates_its_topic_with_topic_creation_keys_on_the_msk_like_cluster(
    msk_cluster: dict[str, str], orders_db: dict[str, Any], tmp_path: Path,
) -> None:
    """KIP-158: no pre-created topic; the source's ``topic.creation.default.*`` keys create it (3 partitions, the
    broker's replication factor, a day's retention), then the rows arrive; the connector's day-two calls (stop, offsets
    reset, resume) run on the cluster too, and the rows come again."""
    from confluent_kafka.admin import AdminClient, ConfigResource

    bootstrap = msk_cluster["bootstrap.servers"]
    name = f"msk-{uuid.uuid4().hex[:8]}"
    worker = _rewrite("connect-distributed.properties", tmp_path, **{
        "bootstrap.servers": bootstrap, "group.id": name, "offset.storage.topic": f"{name}-offsets",
        "config.storage.topic": f"{name}-configs", "status.storage.topic": f"{name}-status",
        "offset.storage.replication.factor": "3", "config.storage.replication.factor": "3",
        "status.storage.replication.factor": "3",
        "value.converter.schemas.enable": "false"})  # fmt: skip
    topic = f"{name}-orders"
    src = f"{name}-src"
    with start_up(bootstrap, tmp_path, "--worker-config", str(worker)) as up:
        status, answer = up.http("POST", "/connectors", {"name": src, "config": {
            "connector.class": "io.confluent.connect.jdbc.JdbcSourceConnector", "connection.url": orders_db["url"],
            "connection.user": orders_db["user"], "connection.password": orders_db["password"],
            "mode": "incrementing", "incrementing.column.name": "id", "table.whitelist": "orders",
            "topic.prefix": f"{name}-", "poll.interval.ms": "500", "topic.creation.default.partitions": "3",
            "topic.creation.default.replication.factor": "-1", "topic.creation.default.retention.ms": "86400000"}})
        assert status == 201, answer
        up.wait_for(lambda: len(_ids(bootstrap, topic)) == 3, "the three rows", timeout_s=120)
        assert replication(bootstrap, topic) == {3}
        metadata = AdminClient({"bootstrap.servers": bootstrap}).list_topics(topic=topic, timeout=10)
        assert len(metadata.topics[topic].partitions) == 3
        admin = AdminClient({"bootstrap.servers": bootstrap})
        described = next(iter(admin.describe_configs([ConfigResource("TOPIC", topic)]).values())).result(30)
        assert described["retention.ms"].value == "86400000"
        # day two: stop, reset the offsets, resume: the table is read again from the start
        assert up.http("PUT", f"/connectors/{src}/stop")[0] == 204
        up.wait_for(lambda: up.http("GET", f"/connectors/{src}/status")[1]["connector"]["state"] == "STOPPED",
                    "STOPPED")
        status, answer = up.http("DELETE", f"/connectors/{src}/offsets")
        assert status == 200, answer
        assert up.http("PUT", f"/connectors/{src}/resume")[0] == 202
        up.wait_for(lambda: len(_ids(bootstrap, topic)) == 6, "the rows read again", timeout_s=120)
        assert sorted(_ids(bootstrap, topic)) == [1, 1, 2, 2, 3, 3]


def _ids(bootstrap: str, topic: str) -> list[int]:
    """The ``id`` of every committed record of ``topic`` (schemaless JSON values), [] before it exists."""
    from confluent_kafka import Consumer

    from connect_core.api.errors import ConnectError
    from connect_core.kafka.clients import consumer_config
    from connect_core.kafka.read_to_end import read_to_end
    from connect_core.kafka.settings import KafkaClientSettings

    consumer = Consumer(consumer_config(KafkaClientSettings(bootstrap_servers=bootstrap)))
    ids: list[int] = []
    try:
        read_to_end(consumer, topic, {}, lambda message: ids.append(json.loads(message.value())["id"]))
    except ConnectError:  # not created yet
        return []
    finally:
        consumer.close()
    return ids
