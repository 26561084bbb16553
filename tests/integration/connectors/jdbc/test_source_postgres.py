"""JdbcSourceConnector / JdbcSourceTask against the real PostgreSQL: every mode, Confluent's offsets, types.

PostgreSQL tables are ``schema.table`` (pgjdbc's ``getTables`` has no catalog), so the protocol-1 partition of a
table ``t`` in ``public`` is ``{"protocol": "1", "table": "public.t"}`` exactly as Confluent's connector stores it.
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import TYPE_CHECKING, Any

import psycopg2
import pytest

from connect_core.api.errors import ConfigError, ConnectError
from connect_core.api.logical import Date, Decimal, Time, Timestamp
from connect_core.api.schema import Type
from connect_core.connectors.jdbc.source_connector import JdbcSourceConnector
from connect_core.connectors.jdbc.source_task import JdbcSourceTask
from tests.unit.connectors._memory_offsets import MemoryOffsetReader, start_task

if TYPE_CHECKING:
    from collections.abc import Iterator

from tests.integration.connectors.jdbc._helpers import run_source as _run
from tests.integration.connectors.jdbc._helpers import sql as _sql

pytestmark = pytest.mark.integration

UTC = dt.UTC


def _connect(settings: dict[str, str]) -> Any:
    conn = psycopg2.connect(host=settings["host"], port=int(settings["port"]), user=settings["user"],
                            password=settings["password"], dbname=settings["database"])
    conn.autocommit = True
    return conn


@pytest.fixture
def db(postgres_settings: dict[str, str]) -> Iterator[tuple[Any, str]]:
    """A connection and a unique table name (tables named ``<name>*`` are dropped afterwards)."""
    conn = _connect(postgres_settings)
    name = f"src_{uuid.uuid4().hex[:10]}"
    try:
        yield conn, name
    finally:
        with conn.cursor() as cursor:
            cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE %s",
                           (f"{name}%",))
            for (table,) in cursor.fetchall():
                cursor.execute(f'DROP TABLE IF EXISTS "{table}"')
        conn.close()




def _props(settings: dict[str, str], table: str, **extra: str) -> dict[str, str]:
    return {"connection.url": settings["connection.url"], "connection.user": settings["user"],
            "connection.password": settings["password"], "table.whitelist": table,
            "tables": f'"public"."{table}"', "topic.prefix": "pg-", **extra}




def _ids(records: list) -> list[Any]:
    return [r.value.get("id") for r in records]


def test_incrementing_mode_exact_offsets_autodetected_identity_and_resume(
    postgres_settings: dict[str, str], db: tuple
) -> None:
    conn, table = db
    _sql(conn, f'CREATE TABLE "{table}" (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name TEXT NOT NULL)')
    _sql(conn, f'INSERT INTO "{table}" (name) VALUES (%s)', params=[(f"n{i}",) for i in range(5)])
    reader = MemoryOffsetReader()
    props = _props(postgres_settings, table, mode="incrementing", **{"batch.max.rows": "2"})  # column autodetected
    first = _run(props, reader)
    assert [r.value.get("name") for r in first] == [f"n{i}" for i in range(5)]
    assert first[0].topic == f"pg-{table}" and first[0].value_schema.name == table
    assert first[0].source_partition == {"protocol": "1", "table": f"public.{table}"}
    assert [r.source_offset for r in first] == [{"incrementing": i} for i in range(1, 6)]
    assert reader.requested[:2] == [{"protocol": "1", "table": f"public.{table}"}, {"table": table}]

    _sql(conn, f"INSERT INTO \"{table}\" (name) VALUES ('n5'), ('n6')")
    resumed = MemoryOffsetReader(reader.committed)  # a cold task reading what the first one committed
    assert [r.value.get("name") for r in _run(props, resumed)] == ["n5", "n6"]
    assert _run(props, resumed) == []


def test_legacy_protocol_zero_offset_is_picked_up(postgres_settings: dict[str, str], db: tuple) -> None:
    conn, table = db
    _sql(conn, f'CREATE TABLE "{table}" (id SERIAL PRIMARY KEY, v INT)',
         f'INSERT INTO "{table}" (v) SELECT g FROM generate_series(1, 4) g')
    reader = MemoryOffsetReader()
    reader.set({"table": table}, {"incrementing": 2})  # what an old Confluent version left in connect-offsets
    records = _run(_props(postgres_settings, table, mode="incrementing"), reader)
    assert _ids(records) == [3, 4]
    assert records[-1].source_partition == {"protocol": "1", "table": f"public.{table}"}


@pytest.mark.parametrize("column_type", ["TIMESTAMP(6)", "TIMESTAMPTZ"])
def test_timestamp_mode_exact_offsets_reemits_updates_and_resumes(
    postgres_settings: dict[str, str], db: tuple, column_type: str
) -> None:
    conn, table = db
    _sql(conn, f'CREATE TABLE "{table}" (id INT PRIMARY KEY, v TEXT, updated {column_type} NOT NULL)')
    _sql(conn, f'INSERT INTO "{table}" VALUES (%s, %s, %s)', params=[
        (1, "a", dt.datetime(2024, 1, 1, 0, 0, 0, 123456, tzinfo=UTC)),
        (2, "b", dt.datetime(2024, 1, 1, 0, 0, 1, tzinfo=UTC)),
        (3, "c", dt.datetime(2024, 1, 1, 0, 0, 1, tzinfo=UTC))])
    reader = MemoryOffsetReader()
    props = _props(postgres_settings, table, mode="timestamp", **{"timestamp.column.name": "updated",
                                                                  "batch.max.rows": "1"})
    first = _run(props, reader)
    assert _ids(first) == [1, 2, 3]
    # equal timestamps: the offset only moves to T once the next row is past T (Confluent PR #1093)
    assert [r.source_offset for r in first] == [
        {"timestamp": 1704067200123, "timestamp_nanos": 123456000},
        {"timestamp": 1704067200123, "timestamp_nanos": 123456000},
        {"timestamp": 1704067201000, "timestamp_nanos": 0}]
    assert first[0].source_partition == {"protocol": "1", "table": f"public.{table}"}
    assert first[0].value.get("updated") == dt.datetime(2024, 1, 1, 0, 0, 0, 123456, tzinfo=UTC)

    _sql(conn, f"UPDATE \"{table}\" SET v = 'a!', updated = now() WHERE id = 1",
         f"INSERT INTO \"{table}\" VALUES (4, 'd', now())")
    resumed = MemoryOffsetReader(reader.committed)
    again = _run(props, resumed)
    assert sorted((r.value.get("id"), r.value.get("v")) for r in again) == [(1, "a!"), (4, "d")]
    assert _run(props, resumed) == []


def test_timestamp_incrementing_mode_exact_offsets_and_updates(postgres_settings: dict[str, str], db: tuple) -> None:
    conn, table = db
    _sql(conn, f'CREATE TABLE "{table}" (id SERIAL PRIMARY KEY, v TEXT, modified TIMESTAMP(3), '
               "created TIMESTAMP(3) NOT NULL)")
    at = dt.datetime(2024, 5, 1, 12, 0, 0, 500000)
    _sql(conn, f'INSERT INTO "{table}" (v, modified, created) VALUES (%s, %s, %s)',
         params=[("a", None, at), ("b", None, at), ("c", at + dt.timedelta(seconds=1), at)])
    reader = MemoryOffsetReader()
    props = _props(postgres_settings, table, mode="timestamp+incrementing",
                   **{"timestamp.column.name": "modified,created", "incrementing.column.name": "id"})
    first = _run(props, reader)
    assert _ids(first) == [1, 2, 3]  # ordered by COALESCE(modified, created), id
    assert [r.source_offset for r in first] == [
        {"timestamp": 1714564800500, "timestamp_nanos": 500000000, "incrementing": 1},
        {"timestamp": 1714564800500, "timestamp_nanos": 500000000, "incrementing": 2},
        {"timestamp": 1714564801500, "timestamp_nanos": 500000000, "incrementing": 3}]
    _sql(conn, f"UPDATE \"{table}\" SET v = 'b!', modified = now() AT TIME ZONE 'UTC' WHERE id = 2")
    resumed = MemoryOffsetReader(reader.committed)
    again = _run(props, resumed)
    assert [(r.value.get("id"), r.value.get("v")) for r in again] == [(2, "b!")]
    assert _run(props, resumed) == []


def test_bulk_and_query_modes(postgres_settings: dict[str, str], db: tuple) -> None:
    conn, table = db
    _sql(conn, f'CREATE TABLE "{table}" (id INT PRIMARY KEY, name TEXT)',
         f"INSERT INTO \"{table}\" VALUES (1, 'x'), (2, 'y%'), (3, 'z')")
    bulk_props = _props(postgres_settings, table, mode="bulk")
    bulk = _run(bulk_props, MemoryOffsetReader())
    assert sorted(_ids(bulk)) == [1, 2, 3]
    assert bulk[0].source_partition == {"table": table} and bulk[0].source_offset is None
    assert len(_run(bulk_props, MemoryOffsetReader())) == 3  # bulk re-reads everything

    props = _props(postgres_settings, table, mode="incrementing", **{
        "query": f"SELECT * FROM (SELECT id, name FROM \"{table}\" WHERE name LIKE '%%' OR name LIKE '%') t",
        "incrementing.column.name": "id", "query.suffix": "LIMIT 2", "topic.prefix": f"pg-q-{table}"})
    props.pop("table.whitelist")
    props["tables"] = ""
    reader = MemoryOffsetReader()
    first = _run(props, reader)
    assert _ids(first) == [1, 2]
    assert first[0].topic == f"pg-q-{table}" and first[0].source_partition == {"query": "query"}
    assert first[0].value_schema.name is None
    assert first[-1].source_offset == {"incrementing": 2}
    assert _ids(_run(props, reader)) == [3]
    assert _run(props, reader) == []


def test_connector_lists_schema_qualified_tables_and_splits_them(postgres_settings: dict[str, str], db: tuple) -> None:
    conn, table = db
    names = [f"{table}_{i}" for i in range(3)]
    for name in names:
        _sql(conn, f'CREATE TABLE "{name}" (id SERIAL PRIMARY KEY, v INT)',
             f'INSERT INTO "{name}" (v) VALUES (1), (2)')
    connector = JdbcSourceConnector()
    props = {k: v for k, v in _props(postgres_settings, table, mode="incrementing").items() if k != "tables"}
    props["table.whitelist"] = ",".join([f"public.{names[0]}", names[1], f'"public"."{names[2]}"'])
    connector.start(props)
    configs = connector.task_configs(2)
    assert [c["tables"] for c in configs] == [f'"public"."{names[0]}","public"."{names[1]}"',
                                             f'"public"."{names[2]}"']
    seen = [(r.topic, r.value.get("id")) for c in connector.task_configs(3) for r in _run(c, MemoryOffsetReader())]
    assert sorted(seen) == sorted((f"pg-{n}", i) for n in names for i in (1, 2))


TYPES = """CREATE TABLE "{t}" (
  id SERIAL PRIMARY KEY, si SMALLINT NOT NULL, i INTEGER, bi BIGINT,
  n_int NUMERIC(5,0), n_small NUMERIC(10,2), n_big NUMERIC(30,4), n_wide NUMERIC(38,10), n_free NUMERIC,
  r REAL, d DOUBLE PRECISION, dt_date DATE, dt_time TIME(3), dt_ts TIMESTAMP(6), dt_tz TIMESTAMPTZ,
  tx TEXT, vc VARCHAR(10), ch CHAR(3), by BYTEA, bo BOOLEAN, u UUID, j JSON, jb JSONB, b1 BIT(1), b8 BIT(8))"""
ROW = ("INSERT INTO \"{t}\" (si, i, bi, n_int, n_small, n_big, n_wide, n_free, r, d, dt_date, dt_time, dt_ts, "
       "dt_tz, tx, vc, ch, by, bo, u, j, jb, b1, b8) VALUES (-300, 42, -9000000000, 12345, 12345678.91, "
       "12345678901234567890.1234, 1234567890123456789012345678.1234567891, 2.5, 1.5, 2.25, '2024-02-29', "
       "'13:14:15.678', '2024-02-29 10:11:12.345678', '2024-02-29 10:11:12.345+01', 'long text', 'héllo', 'ab', "
       "'\\x0a0b', true, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{{\"a\":  1}}', '{{\"b\": [1, 2]}}', B'1', "
       "B'10000001')")


def _types_record(settings: dict[str, str], table: str, **extra: str) -> Any:
    records = _run(_props(settings, table, mode="bulk", **extra), MemoryOffsetReader())
    assert len(records) == 1
    return records[0].value


def test_postgres_column_types_map_like_confluent(postgres_settings: dict[str, str], db: tuple) -> None:
    conn, table = db
    _sql(conn, TYPES.format(t=table), ROW.format(t=table))
    value = _types_record(postgres_settings, table)
    schema = value.schema
    kinds = {f.name: (f.schema.type, f.schema.name, f.schema.optional) for f in schema.fields}
    assert schema.name == table
    assert kinds["id"] == (Type.INT32, None, False) and kinds["si"] == (Type.INT16, None, False)
    assert (kinds["i"][0], kinds["bi"][0]) == (Type.INT32, Type.INT64)
    assert (value.get("si"), value.get("i"), value.get("bi")) == (-300, 42, -9000000000)
    assert kinds["r"][0] is Type.FLOAT32 and kinds["d"][0] is Type.FLOAT64
    assert (value.get("r"), value.get("d")) == (1.5, 2.25)
    assert schema.field("n_small").schema.name == Decimal.LOGICAL_NAME
    assert schema.field("n_small").schema.parameters == {"scale": "2", "connect.decimal.precision": "10"}
    assert value.get("n_small") == decimal.Decimal("12345678.91")
    assert value.get("n_big") == decimal.Decimal("12345678901234567890.1234")
    assert value.get("n_wide") == decimal.Decimal("1234567890123456789012345678.1234567891")
    # NUMERIC without precision: pgjdbc reports precision 0 / scale 0, so Confluent rounds to a scale-0 Decimal
    assert schema.field("n_free").schema.parameters == {"scale": "0", "connect.decimal.precision": "0"}
    assert value.get("n_free") == decimal.Decimal("3")
    assert kinds["dt_date"][1] == Date.LOGICAL_NAME and value.get("dt_date") == dt.date(2024, 2, 29)
    assert kinds["dt_time"][1] == Time.LOGICAL_NAME and value.get("dt_time") == dt.time(13, 14, 15, 678000)
    assert kinds["dt_ts"][1] == Timestamp.LOGICAL_NAME and kinds["dt_tz"][1] == Timestamp.LOGICAL_NAME
    assert value.get("dt_ts") == dt.datetime(2024, 2, 29, 10, 11, 12, 345678, tzinfo=UTC)
    assert value.get("dt_tz") == dt.datetime(2024, 2, 29, 9, 11, 12, 345000, tzinfo=UTC)
    assert [kinds[k][0] for k in ("tx", "vc", "ch", "u", "j", "jb")] == [Type.STRING] * 6
    assert (value.get("vc"), value.get("ch")) == ("héllo", "ab ")
    assert value.get("u") == "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"
    assert value.get("j") == '{"a":  1}'  # json keeps the text as stored; jsonb is normalized by the server
    assert value.get("jb") == '{"b": [1, 2]}'
    assert kinds["by"][0] is Type.BYTES and value.get("by") == b"\x0a\x0b"
    assert kinds["bo"][0] is Type.BOOLEAN and value.get("bo") is True
    assert kinds["b1"][0] is Type.BOOLEAN and value.get("b1") is True  # PostgreSQL bit(1) -> boolean
    assert kinds["b8"][0] is Type.INT8 and value.get("b8") == -127


@pytest.mark.parametrize(("mapping", "expected"), [
    ("none", ("decimal", "decimal", "decimal")),
    ("precision_only", (Type.INT32, "decimal", "decimal")),
    ("best_fit", (Type.INT32, Type.FLOAT64, "decimal")),
    ("best_fit_eager_double", (Type.INT32, Type.FLOAT64, Type.FLOAT64)),
])
def test_numeric_mapping_on_postgres_numeric(
    postgres_settings: dict[str, str], db: tuple, mapping: str, expected: tuple
) -> None:
    conn, table = db
    _sql(conn, TYPES.format(t=table), ROW.format(t=table))
    value = _types_record(postgres_settings, table, **{"numeric.mapping": mapping})

    def kind(name: str) -> Any:
        s = value.schema.field(name).schema
        return "decimal" if s.name == Decimal.LOGICAL_NAME else s.type

    assert (kind("n_int"), kind("n_small"), kind("n_big")) == expected
    if expected[0] is Type.INT32:
        assert value.get("n_int") == 12345
    if expected[1] is Type.FLOAT64:
        assert value.get("n_small") == pytest.approx(12345678.91)


def test_bad_configs_name_the_setting(postgres_settings: dict[str, str], db: tuple) -> None:
    conn, table = db
    _sql(conn, f'CREATE TABLE "{table}" (id INT PRIMARY KEY, v TEXT)')
    props = _props(postgres_settings, table, mode="timestamp", **{"timestamp.column.name": "nope"})
    with pytest.raises(ConfigError, match="timestamp.column.name"):
        start_task(JdbcSourceTask(), props, MemoryOffsetReader())
    with pytest.raises(ConfigError, match="incrementing.column.name"):  # no serial/identity to autodetect
        start_task(JdbcSourceTask(), {**props, "mode": "incrementing"}, MemoryOffsetReader())
    unreachable = {**props, "connection.url": "jdbc:postgresql://127.0.0.1:1/connect", "connection.attempts": "1"}
    with pytest.raises(ConnectError, match="connection.url"):
        start_task(JdbcSourceTask(), unreachable, MemoryOffsetReader())


# -- a large table streams ------------------------------------------------------------------------
_FIRST_POLL = """
import json, sys
from connect_core.connectors.jdbc.source_task import JdbcSourceTask
from infra.local._process import peak_rss_mib
from tests.unit.connectors._memory_offsets import MemoryOffsetReader, start_task

task = start_task(JdbcSourceTask(), json.loads(sys.argv[1]), MemoryOffsetReader())
before = peak_rss_mib()
records = task.poll()
after = peak_rss_mib()
task.stop()
print(json.dumps({"records": len(records), "grew_mb": after - before}))
"""
LARGE_ROWS = 200_000  # of 1 KB: a client-side cursor holds 200 MB after execute, a server-side one a batch


def test_a_large_table_streams_through_a_server_side_cursor(
    postgres_settings: dict[str, str], db: tuple[Any, str],
) -> None:
    import json
    import subprocess
    import sys
    from pathlib import Path

    conn, name = db
    _sql(conn, f'CREATE TABLE "{name}" (id BIGINT PRIMARY KEY, payload TEXT NOT NULL)',
         f"INSERT INTO \"{name}\" SELECT g, repeat('x', 1000) FROM generate_series(1, {LARGE_ROWS}) g")
    props = _props(postgres_settings, name, mode="incrementing", **{"incrementing.column.name": "id",
                                                                     "batch.max.rows": "500"})
    root = Path(__file__).resolve().parents[4]
    done = subprocess.run([sys.executable, "-c", _FIRST_POLL, json.dumps(props)], capture_output=True, text=True,
                          timeout=300, check=False, cwd=root, env={"PYTHONPATH": str(root), "PATH": ""})
    assert done.returncode == 0, done.stderr[-2000:]
    first = json.loads(done.stdout.strip().splitlines()[-1])

    assert first["records"] == 500
    assert first["grew_mb"] < 100, first  # one batch of 500 rows, not the 200 MB table


def test_schema_pattern_picks_the_schema_of_a_table_name_found_in_two(
    postgres_settings: dict[str, str], db: tuple
) -> None:
    """``schema.pattern``: without it a whitelisted name is found in every schema (two tables behind one topic name:
    refused, as Confluent's); with it, only in the matching one."""
    conn, table = db
    schema = f"{table}_s"
    _sql(conn, f'CREATE SCHEMA "{schema}"')
    try:
        for where in ("public", schema):
            _sql(conn, f'CREATE TABLE "{where}"."{table}" (id INT PRIMARY KEY)')
        props = {"connection.url": postgres_settings["connection.url"], "connection.user": postgres_settings["user"],
                 "connection.password": postgres_settings["password"], "table.whitelist": table, "mode": "bulk",
                 "topic.prefix": "pg-"}

        def tables(**extra: str) -> list[str]:
            connector = JdbcSourceConnector()
            connector.start({**props, **extra})
            return sorted(t for c in connector.task_configs(4) for t in c["tables"].split(",") if t)

        with pytest.raises(ConnectError, match="duplicate unqualified table names"):
            tables()
        assert tables(**{"schema.pattern": schema}) == [f'"{schema}"."{table}"']
        assert tables(**{"schema.pattern": "pub%"}) == [f'"public"."{table}"']  # a LIKE pattern, as JDBC's
    finally:
        _sql(conn, f'DROP SCHEMA "{schema}" CASCADE')
