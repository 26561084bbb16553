"""Debezium's JDBC sink through the sink runner (``EmbeddedConnect``: the coordinator's REST API, then pull-mode
invocations reading the topic with the JsonConverter) into PostgreSQL, with debezium-examples'
``unwrap-smt/jdbc-sink.json`` keys: Debezium source events, no unwrap; the table's rows after each invocation."""

from __future__ import annotations

import uuid

import pytest

from connect_core.converters.json import JsonConverter
from connect_core.testing.embedded import EmbeddedConnect
from tests.integration.connectors.debezium_jdbc.test_sink_postgres import _rows
from tests.unit.connectors.debezium_jdbc._events import event, row, tombstone

pytestmark = pytest.mark.integration


def _json(is_key: bool) -> JsonConverter:
    converter = JsonConverter()
    converter.configure({"schemas.enable": "true"}, is_key)
    return converter


def test_published_jdbc_sink_config_through_the_runner(kafka_bootstrap: str, postgres_settings: dict[str, str]) -> None:
    uid = uuid.uuid4().hex[:10]
    topic, table = f"dbzjdbc-run-{uid}.inventory.customers", f"dbz_run_{uid}"
    keys, values = _json(True), _json(False)

    def encoded(records: list) -> list[tuple[bytes | None, bytes | None]]:
        return [(keys.from_connect_data(topic, r.key_schema, r.key),
                 values.from_connect_data(topic, r.value_schema, r.value)) for r in records]

    with EmbeddedConnect(kafka_bootstrap) as connect:
        try:
            connect.produce(topic, encoded([event("r", 0, after=row(1001, "Sally"), topic=topic),
                                            event("c", 1, after=row(1002, "George"), topic=topic)]))
            connect.create_connector(f"jdbc-sink-{uid}", {
                "connector.class": "io.debezium.connector.jdbc.JdbcSinkConnector", "tasks.max": "1",
                "topics": topic, "connection.url": postgres_settings["connection.url"],
                "connection.username": postgres_settings["user"],
                "connection.password": postgres_settings["password"], "insert.mode": "upsert",
                "delete.enabled": "true", "primary.key.mode": "record_key", "primary.key.fields": "id",
                "schema.evolution": "basic", "database.time_zone": "UTC", "table.name.format": table})
            connect.run_sink(f"jdbc-sink-{uid}")
            connect.assert_running(f"jdbc-sink-{uid}")
            assert _rows(postgres_settings, f"SELECT id, first_name FROM {table} ORDER BY id") == [
                (1001, "Sally"), (1002, "George")]
            connect.produce(topic, encoded([
                event("u", 2, before=row(1001, "Sally"), after=row(1001, "Sal"), topic=topic),
                event("d", 3, before=row(1002, "George"), topic=topic), tombstone(1002, 4, topic=topic)]))
            connect.run_sink(f"jdbc-sink-{uid}")
            assert _rows(postgres_settings, f"SELECT id, first_name FROM {table} ORDER BY id") == [(1001, "Sal")]
        finally:
            _rows(postgres_settings, f"DROP TABLE IF EXISTS {table}")
