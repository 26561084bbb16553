"""JdbcSinkTask against the real MariaDB: DDL, every insert.mode and pk.mode, deletes, schemaless maps, retries."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import TYPE_CHECKING, Any

import pymysql
import pytest

from connect_core.api import ConfigError, ConnectError, SinkRecord
from connect_core.api.logical import Date, Decimal, Time, Timestamp
from connect_core.api.schema import INT64_SCHEMA, STRING_SCHEMA, SchemaBuilder
from connect_core.api.struct import Struct

if TYPE_CHECKING:
    from collections.abc import Iterator

from tests.integration.connectors.jdbc._helpers import run_sink as _run
from tests.integration.connectors.jdbc._helpers import sink_props as _props

pytestmark = pytest.mark.integration

KEY = SchemaBuilder.struct().field("order_id", STRING_SCHEMA).build()
VALUE = (
    SchemaBuilder.struct()
    .field("order_id", STRING_SCHEMA)
    .field("status", STRING_SCHEMA)
    .field("amount", Decimal.builder(2).optional().build())
    .build()
)


def _connect(settings: dict[str, str]) -> pymysql.Connection:
    return pymysql.connect(host=settings["host"], port=int(settings["port"]), user=settings["user"],
                           password=settings["password"], database=settings["database"], autocommit=True)


@pytest.fixture
def table(mariadb_settings: dict[str, str]) -> Iterator[str]:
    name = f"it_sink_{uuid.uuid4().hex[:10]}"
    yield name
    with _connect(mariadb_settings) as conn, conn.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS `{name}`")






def _rows(settings: dict[str, str], sql: str) -> list[tuple[Any, ...]]:
    with _connect(settings) as conn, conn.cursor() as cur:
        cur.execute(sql)
        return [tuple(r) for r in cur.fetchall()]


def _order(order_id: str, status: str, offset: int, amount: str | None = None) -> SinkRecord:
    value = Struct(VALUE).put("order_id", order_id).put("status", status)
    if amount is not None:
        value.put("amount", decimal.Decimal(amount))
    key = Struct(KEY).put("order_id", order_id)
    return SinkRecord("order-status-update-status", 0, KEY, key, VALUE, value, offset)


def _tombstone(order_id: str, offset: int) -> SinkRecord:
    return SinkRecord("order-status-update-status", 0, KEY, Struct(KEY).put("order_id", order_id), VALUE, None,
                      offset)


def test_seed_scenario_upserts_and_deletes_into_order_status(mariadb_settings: dict[str, str], table: str) -> None:
    props = _props(mariadb_settings, table, **{"insert.mode": "upsert", "pk.mode": "record_key",
                                               "delete.enabled": "true"})
    _run(props, [_order("o1", "NEW", 0, "10.50"), _order("o2", "NEW", 1), _order("o1", "SHIPPED", 2, "10.50"),
                 _tombstone("o2", 3), _order("o3", "NEW", 4)])
    assert _rows(mariadb_settings, f"SELECT order_id, status, amount FROM `{table}` ORDER BY 1") == [
        ("o1", "SHIPPED", decimal.Decimal("10.50")), ("o3", "NEW", None)]
    columns = _rows(mariadb_settings, "SELECT column_name, column_type, column_key FROM information_schema.columns "
                    f"WHERE table_schema = DATABASE() AND table_name = '{table}' ORDER BY ordinal_position")
    assert columns == [("order_id", "varchar(256)", "PRI"), ("status", "text", ""), ("amount", "decimal(65,2)", "")]


def test_retried_batches_leave_no_duplicates_in_upsert_mode(mariadb_settings: dict[str, str], table: str) -> None:
    batch = [_order(f"o{i % 3}", f"S{i}", i) for i in range(9)]
    for mode in ("record_key", "kafka"):
        props = _props(mariadb_settings, f"{table}_{mode}", **{"insert.mode": "upsert", "pk.mode": mode})
        try:
            _run(props, batch[:4])
            _run(props, batch)  # the same batch again, after a "failed" attempt that wrote a prefix
            _run(props, batch[2:7])  # and a bisected replay
            _run(props, batch[7:])
            rows = _rows(mariadb_settings, f"SELECT order_id, status FROM `{table}_{mode}` ORDER BY 1, 2")
        finally:
            _rows(mariadb_settings, f"DROP TABLE IF EXISTS `{table}_{mode}`")
        if mode == "record_key":
            assert rows == [("o0", "S6"), ("o1", "S7"), ("o2", "S8")]
        else:
            assert len(rows) == 9


def test_insert_mode_and_update_mode(mariadb_settings: dict[str, str], table: str) -> None:
    props = _props(mariadb_settings, table, **{"pk.mode": "record_value", "pk.fields": "order_id"})
    _run(props, [_order("o1", "NEW", 0), _order("o2", "NEW", 1)])
    with pytest.raises(ConnectError, match="Duplicate entry"):
        _run(props, [_order("o1", "AGAIN", 2)])
    _run({**props, "insert.mode": "update"}, [_order("o1", "PAID", 3), _order("o9", "NONE", 4)])
    assert _rows(mariadb_settings, f"SELECT order_id, status FROM `{table}` ORDER BY 1") == [
        ("o1", "PAID"), ("o2", "NEW")]


def test_pk_mode_none_appends(mariadb_settings: dict[str, str], table: str) -> None:
    _run(_props(mariadb_settings, table), [_order("o1", "NEW", 0), _order("o1", "NEW", 1)])
    assert _rows(mariadb_settings, f"SELECT COUNT(*) FROM `{table}`") == [(2,)]


def test_auto_evolve_adds_nullable_columns(mariadb_settings: dict[str, str], table: str) -> None:
    props = _props(mariadb_settings, table, **{"insert.mode": "upsert", "pk.mode": "record_key",
                                               "auto.evolve": "true"})
    _run(props, [_order("o1", "NEW", 0)])
    wider = (SchemaBuilder.struct().field("order_id", STRING_SCHEMA).field("status", STRING_SCHEMA)
             .field("shipped_on", Date.builder().optional().build())
             .field("cutoff", Time.builder().optional().build())
             .field("updated_at", Timestamp.builder().optional().build())
             .field("qty", SchemaBuilder.int32().optional().build()).build())
    value = (Struct(wider).put("order_id", "o2").put("status", "NEW").put("shipped_on", dt.date(2024, 3, 1))
             .put("cutoff", dt.time(17, 30, 0, 250_000))
             .put("updated_at", dt.datetime(2024, 3, 1, 8, 0, 0, 123_000, tzinfo=dt.UTC)).put("qty", 4))
    _run(props, [SinkRecord("t", 0, KEY, Struct(KEY).put("order_id", "o2"), wider, value, 1)])
    assert _rows(mariadb_settings, f"SELECT order_id, shipped_on, cutoff, updated_at, qty FROM `{table}` "
                 "ORDER BY 1") == [
        ("o1", None, None, None, None),
        ("o2", dt.date(2024, 3, 1), dt.timedelta(hours=17, minutes=30, milliseconds=250),
         dt.datetime(2024, 3, 1, 8, 0, 0, 123_000), 4)]


def test_schemaless_maps_with_pk_fields_and_with_existing_table(mariadb_settings: dict[str, str], table: str) -> None:
    props = _props(mariadb_settings, table, **{"insert.mode": "upsert", "pk.mode": "record_value",
                                               "pk.fields": "id", "auto.evolve": "true"})
    first = {"id": "a", "status": "NEW", "total": 12.5, "items": [{"sku": "x"}]}
    _run(props, [SinkRecord("t", 0, None, None, None, first, 0)])
    # Without pk.fields the existing table's primary key identifies rows.
    no_pk_fields = {k: v for k, v in props.items() if k != "pk.fields"}
    _run(no_pk_fields, [SinkRecord("t", 0, None, None, None, {"id": "a", "status": "PAID", "note": "n"}, 1),
                        SinkRecord("t", 0, None, None, None, {"id": "b", "status": "NEW"}, 2)])
    assert _rows(mariadb_settings, f"SELECT id, status, total, items, note FROM `{table}` ORDER BY 1") == [
        ("a", "PAID", 12.5, '[{"sku":"x"}]', "n"), ("b", "NEW", None, None, None)]


def test_db_timezone_shifts_timestamps(mariadb_settings: dict[str, str], table: str) -> None:
    schema = SchemaBuilder.struct().field("id", INT64_SCHEMA).field("at", Timestamp.schema()).build()
    value = Struct(schema).put("id", 1).put("at", dt.datetime(2024, 7, 1, 12, 0, tzinfo=dt.UTC))
    _run(_props(mariadb_settings, table, **{"db.timezone": "America/New_York"}),
         [SinkRecord("t", 0, None, None, schema, value, 0)])
    assert _rows(mariadb_settings, f"SELECT at FROM `{table}`") == [(dt.datetime(2024, 7, 1, 8, 0),)]


def test_dialect_name_forces_the_sql_written(mariadb_settings: dict[str, str], table: str) -> None:
    """``dialect.name``: the named dialect writes the SQL. MariaDB's own works; PostgreSQL's needs a PostgreSQL
    driver, which a jdbc:mariadb: URL does not get: refused naming the key, nothing written."""
    upsert = {"insert.mode": "upsert", "pk.mode": "record_key"}
    _run(_props(mariadb_settings, table, **upsert, **{"dialect.name": "MySqlDatabaseDialect"}),
         [_order("o1", "NEW", 0)])
    assert _rows(mariadb_settings, f"SELECT order_id, status FROM `{table}`") == [("o1", "NEW")]
    with pytest.raises(ConfigError, match="dialect.name"):
        _run(_props(mariadb_settings, table, **upsert, **{"dialect.name": "PostgreSqlDatabaseDialect"}),
             [_order("o1", "SHIPPED", 1)])
    assert _rows(mariadb_settings, f"SELECT order_id, status FROM `{table}`") == [("o1", "NEW")]


@pytest.mark.parametrize("pk_mode", ["record_key", "record_value"])
def test_the_struct_batch_path_stores_what_the_per_record_path_stores(mariadb_settings: dict[str, str],
                                                                     table: str, pk_mode: str) -> None:
    """Struct records (every column type, nulls, defaults, quotes, a wider schema mid-batch) through the batch
    path and through the per-record path: the same statements reach MariaDB and the two tables hold the same rows,
    with the key columns from the record's key or (a JDBC source's records) from its value."""
    import sqlalchemy

    from connect_core.connectors.jdbc.sink_task import JdbcSinkTask
    from tests.unit.connectors.jdbc.test_struct_rows import WIDER_VALUE, _record, _value

    def latin1_name(i: int) -> str:  # the test database's default character set is latin1
        return f"name-{i} ' \\ \n % %s ünï"

    records = [_record(i, _value(i).put("name", latin1_name(i))) for i in range(20)]
    records += [_record(i, _value(i, WIDER_VALUE).put("name", latin1_name(i)).put("extra", f"x{i}"))
                for i in range(15, 25)]  # updates too
    if pk_mode == "record_value":  # as a JDBC source writes them: no key
        records = [SinkRecord(r.topic, 0, None, None, r.value_schema, r.value, r.kafka_offset) for r in records]
    reference = f"{table}_ref"
    sent: dict[bool, list[str]] = {True: [], False: []}
    taken: list[bool] = []
    try:
        for batch_path, name in ((True, table), (False, reference)):
            def capture(_conn: Any, _cursor: Any, statement: str, *_args: Any, into: list[str] = sent[batch_path],
                        name: str = name) -> None:
                into.append(statement.replace(name, "T"))

            sqlalchemy.event.listen(sqlalchemy.engine.Engine, "before_cursor_execute", capture)
            task = JdbcSinkTask()
            task.start(_props(mariadb_settings, name, **{"insert.mode": "upsert", "pk.mode": pk_mode,
                                                          "pk.fields": "id", "auto.evolve": "true",
                                                          "batch.size": "8"}))
            writer = task._writer
            assert writer is not None and writer._struct_rows  # chosen by the config
            writer._struct_rows = batch_path
            def spy(*args: Any, original: Any = writer._write_struct_rows) -> bool:
                taken.append(original(*args))
                return taken[-1]

            writer._write_struct_rows = spy  # type: ignore[method-assign]
            try:
                task.put(records[:20])
                task.flush({})
                task.put(records[20:])  # the wider schema: auto.evolve, then rows of both shapes
                task.put(records[10:12])
                task.flush({})
            finally:
                task.stop()
                sqlalchemy.event.remove(sqlalchemy.engine.Engine, "before_cursor_execute", capture)
        assert taken == [True, True]
        writes = [[s for s in sent[path] if s.startswith("INSERT")] for path in (True, False)]
        assert writes[0] == writes[1] and len(writes[0]) >= 4
        query = "SELECT * FROM `{}` ORDER BY id"
        assert _rows(mariadb_settings, query.format(table)) == _rows(mariadb_settings, query.format(reference))
        assert len(_rows(mariadb_settings, query.format(table))) == 25
    finally:
        with _connect(mariadb_settings) as conn, conn.cursor() as cur:
            cur.execute(f"DROP TABLE IF EXISTS `{reference}`")


def test_a_row_refused_on_the_struct_batch_path_goes_to_the_reporter(mariadb_settings: dict[str, str],
                                                                     table: str) -> None:
    """A batch the batch path sends and MariaDB refuses (a duplicate key in insert mode) is written again row by row
    on the per-record path: the refused record goes to the errant record reporter, the others are written."""
    from connect_core.api.task import SinkTaskContext
    from connect_core.connectors.jdbc.sink_task import JdbcSinkTask
    from tests.unit.connectors.jdbc.test_struct_rows import _record, _value

    records = [_record(i, _value(i).put("name", f"n{i}")) for i in (1, 2, 3)]
    records.insert(2, _record(2, _value(2).put("name", "again")))  # the same key: the insert is refused
    reported: list[tuple[int, str]] = []
    task = JdbcSinkTask()
    task.initialize(SinkTaskContext({}, lambda record, error: reported.append((record.kafka_offset,
                                                                                type(error).__name__))))
    task.start(_props(mariadb_settings, table, **{"insert.mode": "insert", "pk.mode": "record_key"}))
    writer = task._writer
    assert writer is not None and writer._struct_rows
    try:
        task.put(records)
        task.flush({})
    finally:
        task.stop()
    assert reported == [(2, "IntegrityError")]
    assert _rows(mariadb_settings, f"SELECT id, name FROM `{table}` ORDER BY id") == [(1, "n1"), (2, "n2"), (3, "n3")]
