"""table.poll.interval.ms through `lambda-connect up`: a table created after the JDBC source started, matching its
whitelist, gets a task and its rows reach Kafka without any REST call (Confluent's TableMonitorThread; here the
coordinator's heartbeat, every 10 s on `up`, once a minute deployed)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import pymysql
import pytest
from confluent_kafka import Consumer, TopicPartition

if TYPE_CHECKING:
    from tests.e2e.conftest import Up

pytestmark = pytest.mark.integration


def _sql(settings: dict[str, str], *statements: str) -> None:
    conn = pymysql.connect(host=settings["host"], port=int(settings["port"]), user=settings["user"],
                           password=settings["password"], database=settings["database"], autocommit=True)
    try:
        with conn.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
    finally:
        conn.close()


def _values(bootstrap: str, topic: str) -> list[bytes]:
    """Every value in partition 0 of ``topic`` (empty while it does not exist)."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"probe-{uuid.uuid4().hex[:8]}",
                         "enable.auto.commit": False, "isolation.level": "read_committed"})
    try:
        if topic not in consumer.list_topics(timeout=10).topics:
            return []
        _, high = consumer.get_watermark_offsets(TopicPartition(topic, 0), timeout=10)
        consumer.assign([TopicPartition(topic, 0, 0)])
        values: list[bytes] = []
        while len(values) < high and (message := consumer.poll(5)) is not None:
            if message.error() is None and (value := message.value()) is not None:
                values.append(value)
        return values
    finally:
        consumer.close()


def test_a_table_created_later_is_picked_up_without_a_rest_call(
    up: Up, mariadb_settings: dict[str, str], kafka_bootstrap: str,
) -> None:
    first, second = f"mon_{uuid.uuid4().hex[:8]}", f"mon_{uuid.uuid4().hex[:8]}"
    _sql(mariadb_settings, f"CREATE TABLE {first} (id INT PRIMARY KEY, name VARCHAR(20))",
         f"INSERT INTO {first} VALUES (1, 'one')")
    try:
        name, prefix = f"{up.prefix}-jdbc", f"{up.prefix}-"
        status, answer = up.http("POST", "/connectors", {"name": name, "config": {
            "connector.class": "io.confluent.connect.jdbc.JdbcSourceConnector",
            "connection.url": mariadb_settings["connection.url"], "connection.user": mariadb_settings["user"],
            "connection.password": mariadb_settings["password"], "mode": "incrementing",
            "incrementing.column.name": "id", "table.whitelist": f"{first},{second}", "topic.prefix": prefix,
            "tasks.max": "2", "poll.interval.ms": "500", "table.poll.interval.ms": "1000"}})
        assert status == 201, answer
        up.wait_for(lambda: _values(kafka_bootstrap, prefix + first), "the first table's row in Kafka")
        assert len(up.http("GET", f"/connectors/{name}/tasks")[1]) == 1

        _sql(mariadb_settings, f"CREATE TABLE {second} (id INT PRIMARY KEY, name VARCHAR(20))",
             f"INSERT INTO {second} VALUES (7, 'seven')")
        up.wait_for(lambda: len(up.http("GET", f"/connectors/{name}/tasks")[1]) == 2,
                    "a second task for the new table", timeout_s=90)
        values = up.wait_for(lambda: _values(kafka_bootstrap, prefix + second), "the new table's row in Kafka",
                             timeout_s=90)
        assert b'"seven"' in values[0]
        assert len(_values(kafka_bootstrap, prefix + first)) == 1  # the first table is not read twice
    finally:
        _sql(mariadb_settings, f"DROP TABLE IF EXISTS {first}", f"DROP TABLE IF EXISTS {second}")
