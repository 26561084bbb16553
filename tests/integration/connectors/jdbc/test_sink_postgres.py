"""JdbcSinkTask against the real PostgreSQL: insert/upsert (ON CONFLICT)/update, pk modes, DDL, deletes, retries."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import TYPE_CHECKING, Any

import psycopg2
import pytest

from connect_core.api import ConnectError, SinkRecord
from connect_core.api.logical import Date, Decimal, Timestamp
from connect_core.api.schema import INT64_SCHEMA, STRING_SCHEMA, SchemaBuilder
from connect_core.api.struct import Struct

if TYPE_CHECKING:
    from collections.abc import Iterator

from tests.integration.connectors.jdbc._helpers import run_sink as _run
from tests.integration.connectors.jdbc._helpers import sink_props as _props

pytestmark = pytest.mark.integration

KEY = SchemaBuilder.struct().field("order_id", STRING_SCHEMA).build()
VALUE = (SchemaBuilder.struct().field("order_id", STRING_SCHEMA).field("status", STRING_SCHEMA)
         .field("amount", Decimal.builder(2).optional().build()).build())


def _connect(settings: dict[str, str]) -> Any:
    conn = psycopg2.connect(host=settings["host"], port=int(settings["port"]), user=settings["user"],
                            password=settings["password"], dbname=settings["database"])
    conn.autocommit = True
    return conn


def _rows(settings: dict[str, str], sql: str) -> list[tuple[Any, ...]]:
    conn = _connect(settings)
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
            return [tuple(r) for r in cur.fetchall()] if cur.description else []
    finally:
        conn.close()


@pytest.fixture
def table(postgres_settings: dict[str, str]) -> Iterator[str]:
    name = f"it_sink_{uuid.uuid4().hex[:10]}"
    yield name
    for (doomed,) in _rows(postgres_settings, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                           f"AND tablename LIKE '{name}%'"):
        _rows(postgres_settings, f'DROP TABLE IF EXISTS "{doomed}"')






def _order(order_id: str, status: str, offset: int, amount: str | None = None) -> SinkRecord:
    value = Struct(VALUE).put("order_id", order_id).put("status", status)
    if amount is not None:
        value.put("amount", decimal.Decimal(amount))
    return SinkRecord("order-status-update-status", 0, KEY, Struct(KEY).put("order_id", order_id), VALUE, value,
                      offset)


def _tombstone(order_id: str, offset: int) -> SinkRecord:
    return SinkRecord("order-status-update-status", 0, KEY, Struct(KEY).put("order_id", order_id), VALUE, None,
                      offset)


def _columns(settings: dict[str, str], table: str) -> list[tuple[Any, ...]]:
    return _rows(settings, "SELECT column_name, data_type, is_nullable FROM information_schema.columns "
                 f"WHERE table_schema = 'public' AND table_name = '{table}' ORDER BY ordinal_position")


def _primary_key(settings: dict[str, str], table: str) -> list[str]:
    return [r[0] for r in _rows(settings, "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON "
                                "a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) WHERE i.indisprimary AND "
                                f"i.indrelid = 'public.\"{table}\"'::regclass ORDER BY a.attnum")]


def test_upsert_on_conflict_and_deletes_on_tombstones(postgres_settings: dict[str, str], table: str) -> None:
    props = _props(postgres_settings, table, **{"insert.mode": "upsert", "pk.mode": "record_key",
                                                "delete.enabled": "true"})
    _run(props, [_order("o1", "NEW", 0, "10.50"), _order("o2", "NEW", 1), _order("o1", "SHIPPED", 2, "10.50"),
                 _tombstone("o2", 3), _order("o3", "NEW", 4), _tombstone("o9", 5)])
    assert _rows(postgres_settings, f'SELECT order_id, status, amount FROM "{table}" ORDER BY 1') == [
        ("o1", "SHIPPED", decimal.Decimal("10.50")), ("o3", "NEW", None)]
    assert _columns(postgres_settings, table) == [
        ("order_id", "text", "NO"), ("status", "text", "NO"), ("amount", "numeric", "YES")]
    assert _primary_key(postgres_settings, table) == ["order_id"]


def test_a_retried_batch_leaves_no_duplicates(postgres_settings: dict[str, str], table: str) -> None:
    batch = [_order(f"o{i % 3}", f"S{i}", i) for i in range(9)]
    for mode in ("record_key", "kafka"):
        props = _props(postgres_settings, f"{table}_{mode}", **{"insert.mode": "upsert", "pk.mode": mode})
        _run(props, batch[:4])
        _run(props, batch)  # the whole batch again after a "failed" attempt that wrote a prefix
        _run(props, batch[2:7])  # and a bisected replay
        _run(props, batch[7:])
        rows = _rows(postgres_settings, f'SELECT order_id, status FROM "{table}_{mode}" ORDER BY 1, 2')
        if mode == "record_key":
            assert rows == [("o0", "S6"), ("o1", "S7"), ("o2", "S8")]
        else:
            assert len(rows) == 9
            assert _primary_key(postgres_settings, f"{table}_{mode}") == [
                "__connect_topic", "__connect_partition", "__connect_offset"]


def test_insert_mode_update_mode_and_record_value_keys(postgres_settings: dict[str, str], table: str) -> None:
    props = _props(postgres_settings, table, **{"pk.mode": "record_value", "pk.fields": "order_id"})
    _run(props, [_order("o1", "NEW", 0), _order("o2", "NEW", 1)])
    with pytest.raises(ConnectError, match="duplicate key"):
        _run(props, [_order("o1", "AGAIN", 2)])
    _run({**props, "insert.mode": "update"}, [_order("o1", "PAID", 3), _order("o9", "NONE", 4)])
    assert _rows(postgres_settings, f'SELECT order_id, status FROM "{table}" ORDER BY 1') == [
        ("o1", "PAID"), ("o2", "NEW")]
    assert _primary_key(postgres_settings, table) == ["order_id"]


def test_pk_mode_none_appends(postgres_settings: dict[str, str], table: str) -> None:
    _run(_props(postgres_settings, table), [_order("o1", "NEW", 0), _order("o1", "NEW", 1)])
    assert _rows(postgres_settings, f'SELECT COUNT(*) FROM "{table}"') == [(2,)]
    assert _primary_key(postgres_settings, table) == []


def test_auto_create_types_and_auto_evolve(postgres_settings: dict[str, str], table: str) -> None:
    props = _props(postgres_settings, table, **{"insert.mode": "upsert", "pk.mode": "record_key",
                                                "auto.evolve": "true"})
    _run(props, [_order("o1", "NEW", 0)])
    wider = (SchemaBuilder.struct().field("order_id", STRING_SCHEMA).field("status", STRING_SCHEMA)
             .field("shipped_on", Date.builder().optional().build())
             .field("updated_at", Timestamp.builder().optional().build())
             .field("qty", SchemaBuilder.int16().optional().build())
             .field("weight", SchemaBuilder.float64().optional().build())
             .field("fragile", SchemaBuilder.bool().optional().build())
             .field("blob", SchemaBuilder.bytes().optional().build()).build())
    value = (Struct(wider).put("order_id", "o2").put("status", "NEW").put("shipped_on", dt.date(2024, 3, 1))
             .put("updated_at", dt.datetime(2024, 3, 1, 8, 0, 0, 123_000, tzinfo=dt.UTC)).put("qty", 4)
             .put("weight", 1.25).put("fragile", True).put("blob", b"\x00\x01"))
    _run(props, [SinkRecord("t", 0, KEY, Struct(KEY).put("order_id", "o2"), wider, value, 1)])
    rows = _rows(postgres_settings, "SELECT order_id, shipped_on, updated_at, qty, weight, fragile, blob "
                 f'FROM "{table}" ORDER BY 1')
    assert rows[0] == ("o1", None, None, None, None, None, None)
    assert rows[1][:6] == ("o2", dt.date(2024, 3, 1), dt.datetime(2024, 3, 1, 8, 0, 0, 123_000), 4, 1.25, True)
    assert bytes(rows[1][6]) == b"\x00\x01"
    assert dict((c, (t, n)) for c, t, n in _columns(postgres_settings, table)) == {
        "order_id": ("text", "NO"), "status": ("text", "NO"), "amount": ("numeric", "YES"),
        "shipped_on": ("date", "YES"), "updated_at": ("timestamp without time zone", "YES"),
        "qty": ("smallint", "YES"), "weight": ("double precision", "YES"), "fragile": ("boolean", "YES"),
        "blob": ("bytea", "YES")}


def test_missing_table_without_auto_create_fails(postgres_settings: dict[str, str], table: str) -> None:
    with pytest.raises(ConnectError, match=table):
        _run({**_props(postgres_settings, table), "auto.create": "false"}, [_order("o1", "NEW", 0)])


def test_schemaless_maps_with_pk_fields_and_with_existing_table(postgres_settings: dict[str, str], table: str) -> None:
    props = _props(postgres_settings, table, **{"insert.mode": "upsert", "pk.mode": "record_value",
                                                "pk.fields": "id", "auto.evolve": "true"})
    _run(props, [SinkRecord("t", 0, None, None, None, {"id": "a", "status": "NEW", "total": 12.5}, 0)])
    no_pk_fields = {k: v for k, v in props.items() if k != "pk.fields"}  # the table's primary key is used
    _run(no_pk_fields, [SinkRecord("t", 0, None, None, None, {"id": "a", "status": "PAID", "note": "n"}, 1),
                        SinkRecord("t", 0, None, None, None, {"id": "b", "status": "NEW"}, 2),
                        SinkRecord("t", 0, None, None, None, {"id": "b", "status": "NEW"}, 2)])  # redelivered
    assert _rows(postgres_settings, f'SELECT id, status, total, note FROM "{table}" ORDER BY 1') == [
        ("a", "PAID", 12.5, "n"), ("b", "NEW", None, None)]


def test_upsert_into_existing_json_and_uuid_columns(postgres_settings: dict[str, str], table: str) -> None:
    _rows(postgres_settings, f'CREATE TABLE "{table}" (id UUID PRIMARY KEY, doc JSONB, raw JSON, n BIGINT)')
    schema = (SchemaBuilder.struct().field("id", STRING_SCHEMA).field("doc", STRING_SCHEMA)
              .field("raw", STRING_SCHEMA).field("n", INT64_SCHEMA).build())
    key = "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"

    def record(n: int, offset: int) -> SinkRecord:
        value = Struct(schema).put("id", key).put("doc", f'{{"n": {n}}}').put("raw", "[1, 2]").put("n", n)
        return SinkRecord("t", 0, None, None, schema, value, offset)

    props = _props(postgres_settings, table, **{"insert.mode": "upsert", "pk.mode": "record_value",
                                                "pk.fields": "id", "auto.create": "false"})
    _run(props, [record(1, 0), record(2, 1)])
    assert _rows(postgres_settings, f'SELECT id::text, doc, raw, n FROM "{table}"') == [(key, {"n": 2}, [1, 2], 2)]
