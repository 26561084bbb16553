"""Our Debezium JDBC sink against Debezium's own (``JdbcSinkConnector`` from its Maven Central plugin archive on a
Kafka Connect 4.3.1 worker) on the same topic: Debezium change events (snapshot read, create, update, delete, the
tombstone after it) as JsonConverter bytes with schemas. Each sink writes its own table on the same database;
the tables' rows and column types (name, type, nullability, key) must be equal, on MariaDB and on PostgreSQL.
"""

from __future__ import annotations

import time
import uuid
from typing import TYPE_CHECKING, Any

import psycopg2
import pymysql
import pytest
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic

from connect_core.api.header import Headers
from connect_core.api.record import SinkRecord
from connect_core.converters.json import JsonConverter
from connect_core.converters.simple_header import SimpleHeaderConverter
from tests.integration.connectors.debezium_jdbc._helpers import run_sink
from tests.unit.connectors.debezium_jdbc._events import event, row, tombstone

if TYPE_CHECKING:
    from tests.compat.connect_worker.conftest import ConnectWorker

pytestmark = pytest.mark.integration

SINK_KEYS = {"insert.mode": "upsert", "delete.enabled": "true", "primary.key.mode": "record_key",
             "schema.evolution": "basic"}


def _events(topic: str) -> list[SinkRecord]:
    sally = row(1001, "Sally", email="sally@example.com", born=19000, updated=1_700_000_000_123_456,
                created="2024-03-01T10:00:00.5Z", price="9.99", active=True)
    return [event("r", 0, after=sally, topic=topic), event("c", 1, after=row(1002, "George"), topic=topic),
            event("u", 2, before=sally, after=row(1001, "Sal", price="10.00", active=False), topic=topic),
            event("d", 3, before=row(1002, "George"), topic=topic), tombstone(1002, 4, topic=topic),
            event("c", 5, after=row(1003, "Edward", born=-1, updated=0), topic=topic)]


def _converter(is_key: bool) -> JsonConverter:
    converter = JsonConverter()
    converter.configure({"schemas.enable": "true"}, is_key)
    return converter


def _headers(record: SinkRecord) -> list[tuple[str, bytes]]:
    """The headers a producer might put on an event for ``primary.key.mode=record_header``: its row's id (text that
    SimpleHeaderConverter reads as INT16) and a tenant (STRING)."""
    subject = record.value.get("after") or record.value.get("before") if record.value is not None else None
    row_id = subject.get("id") if subject is not None else record.key.get("id")
    return [("id", str(row_id).encode()), ("tenant", b"acme")]


def _produce(bootstrap: str, topic: str, with_headers: bool = False) -> list[SinkRecord]:
    """The events as the worker reads them (JsonConverter bytes, SimpleHeaderConverter headers), and as our sink gets
    the same bytes back."""
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(topic, 1, 1)])[topic].result(30)
    keys, values, header_converter = _converter(True), _converter(False), SimpleHeaderConverter()
    producer = Producer({"bootstrap.servers": bootstrap})
    decoded = []
    for offset, record in enumerate(_events(topic)):
        key = keys.from_connect_data(topic, record.key_schema, record.key)
        value = values.from_connect_data(topic, record.value_schema, record.value)
        headers = _headers(record) if with_headers else []
        producer.produce(topic, value, key, headers=headers)
        k, v = keys.to_connect_data(topic, key), values.to_connect_data(topic, value)
        connect_headers = Headers()
        for name, raw in headers:
            parsed = header_converter.to_connect_header(topic, name, raw)
            connect_headers.add(name, parsed.value, parsed.schema)
        decoded.append(SinkRecord(topic, 0, k.schema, k.value, v.schema, v.value, offset, headers=connect_headers))
    assert producer.flush(30) == 0
    return decoded


class _Database:
    def __init__(self, kind: str, settings: dict[str, str]) -> None:
        self.kind, self.settings = kind, settings

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        s = self.settings
        if self.kind == "mariadb":
            conn: Any = pymysql.connect(host=s["host"], port=int(s["port"]), user=s["user"], password=s["password"],
                                        database=s["database"], autocommit=True)
        else:
            conn = psycopg2.connect(host=s["host"], port=int(s["port"]), user=s["user"], password=s["password"],
                                    dbname=s["database"])
            conn.autocommit = True
        try:
            with conn.cursor() as cur:
                cur.execute(sql)
                return [tuple(r) for r in cur.fetchall()] if cur.description else []
        finally:
            conn.close()

    def rows(self, table: str) -> list[tuple[Any, ...]] | None:
        try:
            return self.query(f"SELECT * FROM {table} ORDER BY id")
        except (pymysql.err.ProgrammingError, psycopg2.errors.UndefinedTable):
            return None

    def columns(self, table: str) -> list[tuple[Any, ...]]:
        if self.kind == "mariadb":
            return self.query("SELECT column_name, column_type, is_nullable, column_key FROM "
                              f"information_schema.columns WHERE table_schema = DATABASE() AND table_name = '{table}' "
                              "ORDER BY ordinal_position")
        return self.query("SELECT column_name, data_type, character_maximum_length, numeric_precision, numeric_scale, "
                          "datetime_precision, is_nullable FROM information_schema.columns WHERE table_schema = "
                          f"'public' AND table_name = '{table}' ORDER BY ordinal_position")


@pytest.mark.parametrize("key_mode", ["record_key", "record_header"])
@pytest.mark.parametrize("kind", ["mariadb", "postgres"])
def test_same_tables_as_debeziums_jdbc_sink(kind: str, key_mode: str, debezium_jdbc_worker: ConnectWorker,
                                            kafka_bootstrap: str, request: pytest.FixtureRequest) -> None:
    """``record_header``: every event carries headers ``id`` (INT16 by SimpleHeaderConverter) and ``tenant``,
    which become the table's key columns (deletes off: 3.2.0 refuses them beside record_header)."""
    settings = request.getfixturevalue(f"{kind}_settings")
    db = _Database(kind, settings)
    uid = uuid.uuid4().hex[:10]
    topic, theirs, ours = f"dbzjdbc-{kind}-{uid}", f"dbz_jvm_{uid}", f"dbz_py_{uid}"
    records = _produce(kafka_bootstrap, topic, with_headers=key_mode == "record_header")
    name = f"dbzjdbc-{kind}-{uid}"
    # 3.2.0.Final (the newest plugin archive on Maven Central) allows delete.enabled with record_key only (later
    # releases, and we, with record_value and record_header too): the deletes are skipped here
    deletes = key_mode == "record_key"
    sink_keys = {**SINK_KEYS, "primary.key.mode": key_mode, "delete.enabled": str(deletes).lower()}
    status, body = debezium_jdbc_worker.rest("PUT", f"/connectors/{name}/config", {
        "connector.class": "io.debezium.connector.jdbc.JdbcSinkConnector", "tasks.max": "1", "topics": topic,
        "connection.url": settings["connection.url"], "connection.username": settings["user"],
        "connection.password": settings["password"], "collection.name.format": theirs, **sink_keys})
    assert status == 201, body
    try:
        run_sink({"connection.url": settings["connection.url"], "connection.username": settings["user"],
                  "connection.password": settings["password"], "collection.name.format": ours, **sink_keys},
                 records)
        expected = db.rows(ours)
        assert expected == db.rows(ours) and expected is not None and len(expected) == (2 if deletes else 3)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and db.rows(theirs) != expected:
            time.sleep(1)
        if db.rows(theirs) != expected:
            _status, state = debezium_jdbc_worker.rest("GET", f"/connectors/{name}/status")
            pytest.fail(f"Debezium's sink wrote {db.rows(theirs)}, not {expected}: "
                        f"{[t.get('trace', t['state'])[:3000] for t in state.get('tasks', [])]}")
        assert db.columns(ours) == db.columns(theirs)
    finally:
        debezium_jdbc_worker.rest("DELETE", f"/connectors/{name}")
        for table in (theirs, ours):
            db.query(f"DROP TABLE IF EXISTS {table}")
