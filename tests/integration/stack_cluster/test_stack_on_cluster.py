"""`make stack WORKER_CONFIG=<file naming the three-broker cluster>`: the deployed stack (LocalStack, conftest.py's)
on the cluster with MSK's defaults (auto-creation off, RF 3, min ISR 2). Its internal topics are created by the
coordinator at the cluster's replication factor; a JDBC source creates its topic through ``topic.creation.default.*``
(KIP-158); the JDBC sink's event source mapping consumes it in its own group on the cluster, and its DLQ is created
at RF 3."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pymysql
import pytest

from infra.local import stack
from tests.e2e.cluster.conftest import replication, topic_names
from tests.integration.stack.conftest import wait_for

pytestmark = pytest.mark.integration


def test_the_stack_runs_a_jdbc_pair_with_a_dlq_on_the_three_broker_cluster(
    cluster_stack: str, msk_cluster: dict[str, str], mariadb_settings: dict[str, str],
) -> None:
    bootstrap = msk_cluster["bootstrap.servers"]
    coordinator = stack.coordinator(cluster_stack)
    run = uuid.uuid4().hex[:8]
    table, prefix, copy = f"orders_{run}", f"msk_{run}_", f"copy_{run}"
    topic, dlq = prefix + table, f"msk-dlq-{run}"
    source, sink = f"msk-source-{run}", f"msk-sink-{run}"
    credentials = {"connection.url": mariadb_settings["connection.url"], "connection.user": mariadb_settings["user"],
                   "connection.password": mariadb_settings["password"]}
    conn = pymysql.connect(host=mariadb_settings["host"], port=int(mariadb_settings["port"]),
                           user=mariadb_settings["user"], password=mariadb_settings["password"],
                           database=mariadb_settings["database"], autocommit=True)
    try:
        with conn.cursor() as cursor:
            cursor.execute(f"CREATE TABLE {table} (ID INT PRIMARY KEY, STATUS VARCHAR(32) NOT NULL)")
            cursor.executemany(f"INSERT INTO {table} VALUES (%s, %s)", [(1, "PLACED"), (2, "SHIPPED"), (3, "PICKED")])
        bodies: list[dict[str, Any]] = [
            {"name": source, "config": {"connector.class": "io.confluent.connect.jdbc.JdbcSourceConnector",
                                        **credentials, "mode": "incrementing", "incrementing.column.name": "ID",
                                        "table.whitelist": table, "topic.prefix": prefix, "poll.interval.ms": "500",
                                        "topic.creation.default.replication.factor": "-1",
                                        "topic.creation.default.partitions": "1"}},
            {"name": sink, "config": {"connector.class": "io.confluent.connect.jdbc.JdbcSinkConnector",
                                      **credentials, "topics": topic, "table.name.format": copy,
                                      "insert.mode": "upsert", "pk.mode": "record_value", "pk.fields": "ID",
                                      "auto.create": "true", "errors.tolerance": "all",
                                      "errors.deadletterqueue.topic.name": dlq,
                                      "lambda.maximum.batching.window.ms": "100"}},
        ]
        for body in bodies:
            status, answer = coordinator.request("POST", "/connectors", body)
            assert status == 201, answer

        def copied() -> list[tuple[Any, ...]]:
            try:
                with conn.cursor() as cursor:
                    cursor.execute(f"SELECT ID, STATUS FROM {copy} ORDER BY ID")
                    return list(cursor.fetchall())
            except pymysql.MySQLError:
                return []

        wait_for(lambda: copied() == [(1, "PLACED"), (2, "SHIPPED"), (3, "PICKED")], "the rows in the copy", 300)
        from confluent_kafka import Producer

        producer = Producer({"bootstrap.servers": bootstrap})
        producer.produce(topic, json.dumps({"not": "an envelope"}).encode())
        assert producer.flush(30) == 0
        wait_for(lambda: dlq in topic_names(bootstrap), "the sink's DLQ", 300)
        internal = [f"{cluster_stack}-configs", f"{cluster_stack}-offsets", f"{cluster_stack}-status",
                    f"{cluster_stack}-status-runs"]
        assert {t: replication(bootstrap, t) for t in [*internal, topic, dlq]} == dict.fromkeys(
            [*internal, topic, dlq], {3})
        from confluent_kafka.admin import AdminClient

        admin = AdminClient({"bootstrap.servers": bootstrap})  # the mapping's group, committed on the cluster
        wait_for(lambda: f"connect-{sink}" in {g.group_id for g in admin.list_consumer_groups().result(30).valid},
                 "the mapping's consumer group", 60)
        for name in (source, sink):
            assert coordinator.request("DELETE", f"/connectors/{name}")[0] == 204
    finally:
        with conn.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
            cursor.execute(f"DROP TABLE IF EXISTS {copy}")
        conn.close()
