"""JdbcSinkTask end to end on a SQLite temp file: modes, keys, DDL, deletes, schemaless maps, retries."""

from __future__ import annotations

import datetime as dt
import decimal
import sqlite3
from typing import TYPE_CHECKING, Any

import pytest

from connect_core.api import ConfigError, ConnectError, DataError, SinkRecord
from connect_core.api.connector import ConnectorContext
from connect_core.api.logical import Date, Decimal, Timestamp
from connect_core.api.schema import INT32_SCHEMA, INT64_SCHEMA, STRING_SCHEMA, SchemaBuilder
from connect_core.api.struct import Struct
from connect_core.api.task import SinkTaskContext
from connect_core.connectors.jdbc.sink_connector import JdbcSinkConnector
from connect_core.connectors.jdbc.sink_task import JdbcSinkTask
from tests.unit.connectors._memory_offsets import TEMP_ROOTS

if TYPE_CHECKING:
    from pathlib import Path

VALUE = (
    SchemaBuilder.struct()
    .field("id", INT64_SCHEMA)
    .field("status", STRING_SCHEMA)
    .field("amount", Decimal.builder(2).optional().build())
    .build()
)
KEY = SchemaBuilder.struct().field("id", INT64_SCHEMA).build()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "sink.db"


def _run(db: Path, records: list[SinkRecord], **props: str) -> None:
    task = JdbcSinkTask(sleep=lambda _: None)
    task.initialize(SinkTaskContext({}, file_roots=TEMP_ROOTS))
    task.start({"connection.url": f"jdbc:sqlite:{db}", "auto.create": "true", **props})
    try:
        task.put(records)
        task.flush({})
    finally:
        task.stop()


def _rows(db: Path, sql: str = "SELECT * FROM orders ORDER BY 1") -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def _order(i: int, status: str, offset: int, amount: str | None = None) -> SinkRecord:
    value = Struct(VALUE).put("id", i).put("status", status)
    if amount is not None:
        value.put("amount", decimal.Decimal(amount))
    return SinkRecord("orders", 0, KEY, Struct(KEY).put("id", i), VALUE, value, offset)


def _tombstone(i: int, offset: int) -> SinkRecord:
    return SinkRecord("orders", 0, KEY, Struct(KEY).put("id", i), VALUE, None, offset)


def test_insert_mode_without_key_appends_rows(db: Path) -> None:
    _run(db, [_order(1, "NEW", 0, "1.50"), _order(1, "PAID", 1)])
    assert _rows(db) == [(1, "NEW", 1.5), (1, "PAID", None)]


def test_upsert_with_record_key_is_idempotent_and_keeps_order(db: Path) -> None:
    batch = [_order(1, "NEW", 0), _order(2, "NEW", 1), _order(1, "PAID", 2)]
    props = {"insert.mode": "upsert", "pk.mode": "record_key"}
    _run(db, batch, **props)
    _run(db, batch[1:], **props)  # a retry with other boundaries
    assert _rows(db) == [(1, "PAID", None), (2, "NEW", None)]


def test_upsert_does_not_reset_columns_the_record_lacks(db: Path) -> None:
    props = {"insert.mode": "upsert", "pk.mode": "record_value", "pk.fields": "id"}
    _run(db, [SinkRecord("orders", 0, None, None, None, {"id": 1, "status": "NEW", "note": "x"}, 0)], **props)
    _run(db, [SinkRecord("orders", 0, None, None, None, {"id": 1, "status": "PAID"}, 1)], **props)
    assert _rows(db, "SELECT id, status, note FROM orders") == [(1, "PAID", "x")]


def test_update_mode_changes_existing_rows_only(db: Path) -> None:
    _run(db, [_order(1, "NEW", 0)], **{"pk.mode": "record_value", "pk.fields": "id"})
    _run(db, [_order(1, "PAID", 1), _order(2, "GHOST", 2)], **{"insert.mode": "update", "pk.mode": "record_value",
                                                                "pk.fields": "id"})
    assert _rows(db) == [(1, "PAID", None)]


def test_kafka_pk_mode_uses_coordinates(db: Path) -> None:
    batch = [_order(1, "NEW", 5), _order(1, "NEW", 6)]
    props = {"insert.mode": "upsert", "pk.mode": "kafka"}
    _run(db, batch, **props)
    _run(db, batch, **props)
    assert _rows(db, "SELECT __connect_topic, __connect_partition, __connect_offset, id FROM orders ORDER BY 3") == [
        ("orders", 0, 5, 1), ("orders", 0, 6, 1)]


def test_primitive_key_needs_one_pk_field(db: Path) -> None:
    record = SinkRecord("orders", 0, STRING_SCHEMA, "k1", VALUE, Struct(VALUE).put("id", 1).put("status", "A"), 0)
    _run(db, [record], **{"pk.mode": "record_key", "pk.fields": "code", "insert.mode": "upsert"})
    assert _rows(db, "SELECT code, id, status FROM orders") == [("k1", 1, "A")]


def test_tombstones_delete_rows_in_order(db: Path) -> None:
    props = {"insert.mode": "upsert", "pk.mode": "record_key", "delete.enabled": "true"}
    _run(db, [_order(1, "NEW", 0), _order(2, "NEW", 1), _tombstone(1, 2), _tombstone(2, 3), _order(2, "BACK", 4)],
         **props)
    assert _rows(db) == [(2, "BACK", None)]


def test_tombstones_are_skipped_without_delete_enabled(db: Path) -> None:
    _run(db, [_order(1, "NEW", 0), _tombstone(1, 1)], **{"insert.mode": "upsert", "pk.mode": "record_key"})
    assert _rows(db) == [(1, "NEW", None)]


def test_auto_evolve_adds_nullable_columns(db: Path) -> None:
    _run(db, [_order(1, "NEW", 0)], **{"pk.mode": "record_key", "insert.mode": "upsert"})
    wider = SchemaBuilder.struct().field("id", INT64_SCHEMA).field("status", STRING_SCHEMA).field(
        "day", Date.builder().optional().build()).build()
    record = SinkRecord("orders", 0, KEY, Struct(KEY).put("id", 2), wider,
                        Struct(wider).put("id", 2).put("status", "NEW").put("day", dt.date(2024, 1, 2)), 1)
    with pytest.raises(ConnectError, match="auto-evolution is disabled"):
        _run(db, [record], **{"pk.mode": "record_key", "insert.mode": "upsert"})
    _run(db, [record], **{"pk.mode": "record_key", "insert.mode": "upsert", "auto.evolve": "true"})
    assert _rows(db, "SELECT id, day FROM orders ORDER BY id") == [(1, None), (2, "2024-01-02")]


def test_missing_table_without_auto_create_fails(db: Path) -> None:
    with pytest.raises(ConnectError, match="auto-creation is disabled"):
        _run(db, [_order(1, "NEW", 0)], **{"auto.create": "false"})


def test_schemaless_maps_with_known_keys(db: Path) -> None:
    props = {"insert.mode": "upsert", "pk.mode": "record_value", "pk.fields": "id"}
    ts = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.UTC)
    records = [
        SinkRecord("orders", 0, None, None, None, {"id": 1, "status": "NEW", "meta": {"a": [1]}, "at": ts}, 0),
        SinkRecord("orders", 0, None, None, None, {"id": 2, "status": "NEW"}, 1),
    ]
    _run(db, records, **props)
    assert _rows(db, "SELECT id, status, meta, at FROM orders ORDER BY id") == [
        (1, "NEW", '{"a":[1]}', "2024-05-01 12:00:00"), (2, "NEW", None, None)]


def test_schemaless_keys_come_from_the_existing_table(db: Path) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, status TEXT)")
    props = {"insert.mode": "upsert", "pk.mode": "record_value", "auto.create": "false"}
    _run(db, [SinkRecord("orders", 0, None, None, None, {"id": 1, "status": s}, i) for i, s in enumerate("AB")],
         **props)
    assert _rows(db) == [(1, "B")]


@pytest.mark.parametrize("field", ['x" TEXT); DROP TABLE victims; --', "a b", "1abc", "name`", "a;b"])
def test_unquoted_identifiers_from_records_are_refused(db: Path, field: str) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE victims (id INTEGER)")
    props = {"insert.mode": "upsert", "pk.mode": "record_value", "pk.fields": "id", "quote.sql.identifiers": "never"}
    with pytest.raises(DataError, match="cannot be used unquoted"):
        _run(db, [SinkRecord("orders", 0, None, None, None, {"id": 1, field: "x"}, 0)], **props)
    assert _rows(db, "SELECT name FROM sqlite_master WHERE name = 'victims'") == [("victims",)]


def test_plain_identifiers_work_unquoted(db: Path) -> None:
    props = {"insert.mode": "upsert", "pk.mode": "record_value", "pk.fields": "id", "quote.sql.identifiers": "never"}
    _run(db, [SinkRecord("orders", 0, None, None, None, {"id": 1, "status_1": "x"}, 0)], **props)
    assert _rows(db, "SELECT id, status_1 FROM orders") == [(1, "x")]


def test_schemaless_maps_without_known_keys_fail(db: Path) -> None:
    with pytest.raises(ConnectError, match="set pk.fields"):
        _run(db, [SinkRecord("orders", 0, None, None, None, {"id": 1}, 0)],
             **{"insert.mode": "upsert", "pk.mode": "record_value"})


def test_schemaless_map_key_with_delete(db: Path) -> None:
    props = {"insert.mode": "upsert", "pk.mode": "record_key", "delete.enabled": "true"}
    _run(db, [SinkRecord("orders", 0, None, {"id": 1}, None, {"status": "NEW"}, 0),
              SinkRecord("orders", 0, None, {"id": 2}, None, {"status": "NEW"}, 1),
              SinkRecord("orders", 0, None, {"id": 1}, None, None, 2)], **props)
    assert _rows(db, "SELECT id, status FROM orders") == [(2, "NEW")]


def test_fields_whitelist_and_table_name_format(db: Path) -> None:
    props = {"pk.mode": "record_key", "fields.whitelist": "status", "table.name.format": "kafka_${topic}"}
    _run(db, [_order(1, "NEW", 0, "2.00")], **props)
    assert _rows(db, "SELECT * FROM kafka_orders") == [(1, "NEW")]


def test_timestamps_are_written_in_db_timezone(db: Path) -> None:
    schema = SchemaBuilder.struct().field("id", INT32_SCHEMA).field("at", Timestamp.schema()).build()
    value = Struct(schema).put("id", 1).put("at", dt.datetime(2024, 1, 1, 12, 0, tzinfo=dt.UTC))
    _run(db, [SinkRecord("orders", 0, None, None, schema, value, 0)], **{"db.timezone": "Europe/Paris"})
    assert _rows(db, "SELECT at FROM orders") == [("2024-01-01 13:00:00",)]


def test_failed_batch_is_rolled_back_entirely(db: Path) -> None:
    props = {"pk.mode": "record_key"}
    _run(db, [_order(1, "NEW", 0)], **props)
    with pytest.raises(ConnectError, match="UNIQUE"):
        _run(db, [_order(2, "NEW", 1), _order(1, "DUP", 2)], **props)
    assert _rows(db) == [(1, "NEW", None)]


def test_non_map_values_are_rejected(db: Path) -> None:
    with pytest.raises(DataError, match="non-null Struct value"):
        _run(db, [SinkRecord("orders", 0, None, None, STRING_SCHEMA, "text", 0)])


def test_config_rules_follow_confluent() -> None:
    connector = JdbcSinkConnector()
    connector.initialize(ConnectorContext(TEMP_ROOTS))
    with pytest.raises(ConfigError, match="Primary key mode must be 'record_key' when delete support is enabled"):
        connector.start({"connection.url": "jdbc:sqlite:x.db", "delete.enabled": "true"})
    connector.start({"connection.url": "jdbc:sqlite:x.db", "pk.mode": "RECORD_KEY"})
    assert connector.task_class() is JdbcSinkTask
    assert connector.task_configs(1) == [{"connection.url": "jdbc:sqlite:x.db", "pk.mode": "RECORD_KEY"}]


def test_transient_errors_are_retried_then_raised_as_retriable(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sqlalchemy.exc

    from connect_core.api import RetriableError
    from connect_core.connectors.jdbc._sink_writer import JdbcSinkWriter

    calls: list[int] = []

    def flaky(self: JdbcSinkWriter, records: list[SinkRecord]) -> None:
        calls.append(len(records))
        raise sqlalchemy.exc.OperationalError("INSERT", {}, Exception("database is locked"))

    monkeypatch.setattr(JdbcSinkWriter, "write", flaky)
    with pytest.raises(RetriableError, match="after 2 retries"):
        _run(db, [_order(1, "NEW", 0)], **{"max.retries": "2"})
    assert calls == [1, 1, 1]


def test_rows_of_two_topics_and_both_ops_interleaved_keep_each_tables_order(db: Path) -> None:
    """The writer groups consecutive rows of one table and shape into one statement: a run ends when the shape
    (upsert/delete) of its table changes, whatever rows of another table come between."""
    def other(i: int, status: str, offset: int) -> SinkRecord:
        return SinkRecord("refunds", 0, KEY, Struct(KEY).put("id", i), VALUE,
                          Struct(VALUE).put("id", i).put("status", status), offset)

    props = {"insert.mode": "upsert", "pk.mode": "record_key", "delete.enabled": "true"}
    _run(db, [_order(1, "NEW", 0), other(1, "R1", 0), _order(2, "NEW", 1), _tombstone(1, 2), other(2, "R2", 1),
              _order(1, "AGAIN", 3), other(1, "R1b", 2), _tombstone(2, 4), _order(3, "NEW", 5)], **props)
    assert _rows(db) == [(1, "AGAIN", None), (3, "NEW", None)]
    assert _rows(db, "SELECT * FROM refunds ORDER BY 1") == [(1, "R1b", None), (2, "R2", None)]
