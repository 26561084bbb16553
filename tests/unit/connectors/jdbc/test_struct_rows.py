"""The JDBC sink's batch path for Struct records (``_write_struct_rows``) against the per-record reference path.

Both paths run on the same records against a recording connection (a real, unconnected pymysql connection for the
escaping, statements captured instead of sent): the batch path must send exactly the statements, in the same order,
and prepare the same tables as ``_plan`` + ``_write_rows``, or leave the batch to the reference path (returning
False before sending anything) where it cannot.
"""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

import pymysql
import pytest
from pymysql.constants import SERVER_STATUS

from connect_core.api import SinkRecord
from connect_core.api.config import parse_config
from connect_core.api.logical import Date, Decimal, Time, Timestamp
from connect_core.api.schema import (
    BOOLEAN_SCHEMA,
    FLOAT64_SCHEMA,
    INT16_SCHEMA,
    INT32_SCHEMA,
    INT64_SCHEMA,
    STRING_SCHEMA,
    SchemaBuilder,
)
from connect_core.api.struct import Struct
from connect_core.connectors.jdbc._mysql_literals import MultiRowInsert, escapes_of, struct_rows_writer
from connect_core.connectors.jdbc._sink_writer import JdbcSinkWriter
from connect_core.connectors.jdbc.sink_config import JdbcSinkConfig

KEY = SchemaBuilder.struct().field("id", INT64_SCHEMA).build()
STRING_KEY = SchemaBuilder.struct().field("code", STRING_SCHEMA).build()
VALUE = (
    SchemaBuilder.struct()
    .field("id", INT64_SCHEMA)
    .field("name", STRING_SCHEMA)
    .field("qty", INT32_SCHEMA)
    .field("price", Decimal.builder(2).build())
    .field("score", FLOAT64_SCHEMA)
    .field("active", BOOLEAN_SCHEMA)
    .field("created_at", Timestamp.builder().build())
    .field("day", Date.builder().build())
    .field("note", SchemaBuilder.string().optional().build())
    .field("category", INT16_SCHEMA)
    .field("at", Time.builder().optional().build())
    .field("blob", SchemaBuilder.bytes().optional().build())
    .field("tags", SchemaBuilder.array(STRING_SCHEMA).optional().build())
    .field("attrs", SchemaBuilder.map(STRING_SCHEMA, INT32_SCHEMA).optional().build())
    .field("level", SchemaBuilder.int32().optional().default_value(7).build())
    .build()
)
# the same columns plus one (auto.evolve's case): a schema change in the middle of a batch
WIDER = SchemaBuilder.struct()
for _field in VALUE.fields:
    WIDER.field(_field.name, _field.schema)
WIDER_VALUE = WIDER.field("extra", SchemaBuilder.string().optional().build()).build()
SMALL = SchemaBuilder.struct().field("code", STRING_SCHEMA).field("n", INT64_SCHEMA).build()
UTC = dt.UTC
T0 = dt.datetime(2024, 1, 1, tzinfo=UTC)


def _value(i: int, schema: Any = VALUE, **override: Any) -> Struct:
    fields = {
        "id": i, "name": f"name-{i} ' \\ \n % %s ünï 😀" if i % 3 == 0 else f"name-{i}\x01" if i % 11 == 0 else
        f"name-{i}", "qty": i % 1000 - 500,
        "price": decimal.Decimal(i % 100_000).scaleb(-2) if i % 13 else decimal.Decimal("1E+3"),
        "score": [0.25, 1e16, -2.5e-7, 3.0, 0.0][i % 5],
        "active": i % 2 == 0, "created_at": T0 + dt.timedelta(milliseconds=i * 1001),
        "day": dt.date(2024, 1, 1) + dt.timedelta(days=i % 365), "note": None if i % 4 == 0 else f"note {i}",
        "category": i % 7, "at": dt.time(1, 2, 3, 4000) if i % 5 == 0 else None,
        "blob": b"\x00'x" if i % 6 == 0 else None, "tags": ["a", "b"] if i % 7 == 0 else None,
        "attrs": {"k": i} if i % 8 == 0 else None, "level": None if i % 2 else i,
    }
    struct = Struct(schema)
    for name, value in fields.items():
        if schema.field(name) is not None:
            struct.put(name, value)
    for name, value in override.items():  # unvalidated: the binder's other branches
        struct._values[schema.field(name).index] = value
    return struct


def _record(i: int, value: Any, topic: str = "rows", key: Any = None) -> SinkRecord:
    key = key if key is not None else Struct(KEY).put("id", i)
    return SinkRecord(topic, 0, key.schema, key, value.schema if value is not None else VALUE, value, i)


class _Recorder:
    """What the writer uses of a SQLAlchemy connection: the DB-API connection and ``exec_driver_sql``."""

    def __init__(self, dbapi: Any) -> None:
        self.connection = self
        self.dbapi_connection = dbapi
        self.sent: list[Any] = []

    def exec_driver_sql(self, sql: str, params: Any = None) -> None:
        self.sent.append(sql if params is None else (sql, params))


def _dbapi(no_backslash_escapes: bool = False) -> pymysql.Connection:
    conn = pymysql.connections.Connection(defer_connect=True, charset="utf8mb4")
    conn.server_status = SERVER_STATUS.SERVER_STATUS_NO_BACKSLASH_ESCAPES if no_backslash_escapes else 0
    return conn


def _writer(**props: str) -> JdbcSinkWriter:
    config = parse_config(JdbcSinkConfig, {
        "connection.url": "jdbc:mysql://localhost:3306/db", "insert.mode": "upsert", "pk.mode": "record_key",
        "auto.create": "true", **props})
    return JdbcSinkWriter(config)


def _both(records: list[SinkRecord], no_backslash_escapes: bool = False, **props: str) -> tuple[Any, Any]:
    """(sent statements, prepared tables) of the batch path and of the reference path."""
    results = []
    for batch_path in (True, False):
        writer = _writer(**props)
        prepared: list[Any] = []
        writer._prepare_tables = lambda _conn, planned, prepared=prepared: prepared.extend(  # type: ignore[method-assign]
            (table, row.keys, row.values) for table, _op, row in planned)
        conn = _Recorder(_dbapi(no_backslash_escapes))
        if batch_path:
            assert writer._write_struct_rows(conn, records) is True  # type: ignore[arg-type]
        else:
            planned = writer._plan(records)
            writer._prepare_tables(conn, planned)  # type: ignore[arg-type]
            writer._write_rows(conn, planned)  # type: ignore[arg-type]
        assert all(isinstance(sent, str) for sent in conn.sent)  # multi-row statements, never executemany
        results.append((conn.sent, sorted(set(prepared), key=repr)))
    return results[0], results[1]


@pytest.mark.parametrize("no_backslash_escapes", [False, True])
@pytest.mark.parametrize("timezone", ["UTC", "Europe/Paris"])
def test_the_batch_path_sends_the_reference_statements(no_backslash_escapes: bool, timezone: str) -> None:
    """Every column type, nulls, defaults, quotes and ``%`` in strings, a schema change and a second topic mid-batch,
    cut into several statements by ``batch.size``."""
    records = [_record(i, _value(i)) for i in range(40)]
    records += [_record(i, _value(i, WIDER_VALUE).put("extra", f"x{i}")) for i in range(40, 50)]  # evolves: new run
    records += [_record(i, _value(i)) for i in range(50, 55)]  # back to the narrower shape: another run
    records += [_record(i, Struct(SMALL).put("code", f"c{i}").put("n", i), "other", Struct(STRING_KEY).put(
        "code", f"c{i}")) for i in range(55, 60)]  # another table: its own run
    records += [_record(i, _value(i)) for i in range(60, 70)]
    ours, reference = _both(records, no_backslash_escapes, **{"batch.size": "7", "db.timezone": timezone,
                                                              "table.name.format": "t_${topic}"})
    assert ours == reference
    assert len(ours[0]) > 10


@pytest.mark.parametrize("pk_fields", ["id", "name,id"])
def test_record_value_keys_take_the_batch_path_with_the_reference_statements(pk_fields: str) -> None:
    """``pk.mode=record_value`` (a JDBC source's records: no key): the key columns come from the value's
    ``pk.fields``, in their order, the value's other fields after them, as on the reference path; a schema change
    and a second topic mid-batch."""
    def keyless(i: int, value: Any, topic: str = "rows") -> SinkRecord:
        return SinkRecord(topic, 0, None, None, value.schema, value, i)

    records = [keyless(i, _value(i)) for i in range(30)]
    records += [keyless(i, _value(i, WIDER_VALUE).put("extra", f"x{i}")) for i in range(30, 40)]
    records += [keyless(i, _value(i), "other") for i in range(40, 45)]
    records += [keyless(i, _value(i)) for i in range(45, 50)]
    ours, reference = _both(records, **{"pk.mode": "record_value", "pk.fields": pk_fields, "batch.size": "9",
                                        "table.name.format": "t_${topic}"})
    assert ours == reference
    assert len(ours[0]) >= 6 and f"INSERT INTO `t_rows`(`{pk_fields.split(',', maxsplit=1)[0]}`" in ours[0][0]


def test_values_of_other_classes_and_aware_datetimes_take_the_binder() -> None:
    """A value of another class than the column's usual one (an int in a double column, a naive or non-UTC
    datetime, a str for a Decimal) is bound and escaped exactly as the reference path does."""
    paris = dt.timezone(dt.timedelta(hours=1))
    odd = [
        _value(1, score=3), _value(2, created_at=dt.datetime(2024, 5, 6, 7, 8, 9)),
        _value(3, created_at=dt.datetime(2024, 5, 6, 7, 8, 9, 10, tzinfo=paris)), _value(4, qty=True),
        _value(5, price=decimal.Decimal("1E+3")), _value(6, day=dt.datetime(2024, 1, 2, 3, 4)),
        _value(7, created_at=dt.datetime(1, 1, 1, tzinfo=UTC)), _value(8, score=1e-7),
    ]
    ours, reference = _both([_record(i, v) for i, v in enumerate(odd)])
    assert ours == reference


def test_columns_of_one_kind_each() -> None:
    """Columns written whole (every value of the column's class), all null, or one row apart from the others."""
    paris = dt.timezone(dt.timedelta(hours=1))
    null = {"note": None, "at": None, "blob": None, "tags": None, "attrs": None, "level": None}
    batches = [
        [_value(i, **null) for i in range(5)],
        [_value(i, score=1.5, price=decimal.Decimal("2.50"), name="x") for i in range(5)],
        [_value(i, created_at=T0.astimezone(paris)) for i in range(3)] + [_value(9)],
        [_value(i, name="a\x01b") for i in range(3)],
        [_value(1)],
    ]
    for values in batches:
        ours, reference = _both([_record(i, v) for i, v in enumerate(values)])
        assert ours == reference


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_a_value_pymysql_refuses_leaves_the_batch_to_the_reference_path(bad: float) -> None:
    writer = _writer()
    conn = _Recorder(_dbapi())
    records = [_record(1, _value(1)), _record(2, _value(2, score=bad))]
    assert writer._write_struct_rows(conn, records) is False  # type: ignore[arg-type]
    assert conn.sent == []


@pytest.mark.parametrize("records", [
    [_record(1, _value(1)), _record(2, None)],  # a tombstone
    [_record(1, _value(1)), SinkRecord("rows", 0, None, 5, VALUE, _value(2), 2)],  # a primitive key
    [SinkRecord("rows", 0, KEY, Struct(KEY).put("id", 1), None, {"id": 1}, 1)],  # a schemaless value
    [],
])
def test_other_records_leave_the_batch_to_the_reference_path(records: list[SinkRecord]) -> None:
    conn = _Recorder(_dbapi())
    assert _writer(**{"delete.enabled": "true"})._write_struct_rows(conn, records) is False  # type: ignore[arg-type]
    assert conn.sent == []


@pytest.mark.parametrize("records", [
    [SinkRecord("rows", 0, None, None, VALUE, _value(1), 1), SinkRecord("rows", 0, None, None, VALUE, None, 2)],
    [SinkRecord("rows", 0, None, None, None, {"id": 1}, 1)],  # a schemaless value
])
def test_other_records_leave_a_record_value_batch_to_the_reference_path(records: list[SinkRecord]) -> None:
    conn = _Recorder(_dbapi())
    writer = _writer(**{"pk.mode": "record_value", "pk.fields": "id", "delete.enabled": "false"})
    assert writer._write_struct_rows(conn, records) is False  # type: ignore[arg-type]
    assert conn.sent == []


def test_only_insert_and_upsert_on_record_keys_or_values_take_the_batch_path() -> None:
    assert _writer()._struct_rows
    assert _writer(**{"insert.mode": "insert"})._struct_rows
    assert not _writer(**{"insert.mode": "update"})._struct_rows
    assert _writer(**{"pk.mode": "record_value", "pk.fields": "id"})._struct_rows
    assert not _writer(**{"pk.mode": "kafka"})._struct_rows
    assert not _writer(**{"pk.mode": "none", "insert.mode": "insert"})._struct_rows
    assert not JdbcSinkWriter(parse_config(JdbcSinkConfig, {"connection.url": "jdbc:sqlite:/tmp/x.db"}))._struct_rows


def test_the_row_writer_gives_the_statement_text_of_the_bound_row() -> None:
    """``struct_rows_writer``'s text for one record equals ``MultiRowInsert.statements`` of the reference row."""
    writer = _writer()
    dbapi = _dbapi()
    escapes = escapes_of(dbapi)
    assert escapes is not None
    fields = writer._fields
    key_specs, key_plan, value_specs, value_plan = fields.struct_pair(KEY, VALUE)
    rows_text = struct_rows_writer(escapes, dbapi.escape, fields.struct_columns(key_plan, value_plan),
                                   fields.utc_naive)
    insert = MultiRowInsert("INSERT INTO t VALUES ", "", len(key_specs) + len(value_specs))
    for i in range(30):  # each record alone: every column of one value, written whole
        key, value = Struct(KEY).put("id", i), _value(i)
        row = fields.row(SinkRecord("rows", 0, KEY, key, VALUE, value, i))
        assert insert.join(dbapi.encoding, rows_text([key.values()], [value.values()])) == insert.statements(
            dbapi, [row.key_values + row.value_values])
