"""Debezium's JDBC sink against the real PostgreSQL: the tutorial's change events (upserts, deletes, tombstones),
a table named from the source block, truncates, and the column types Debezium's PostgreSQL dialect creates."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import TYPE_CHECKING, Any

import psycopg2
import pytest

from tests.integration.connectors.debezium_jdbc._helpers import run_sink, sink_props
from tests.unit.connectors.debezium_jdbc._events import event, flat, row, tombstone

if TYPE_CHECKING:
    from collections.abc import Iterator

pytestmark = pytest.mark.integration


def _rows(settings: dict[str, str], sql: str) -> list[tuple[Any, ...]]:
    conn = psycopg2.connect(host=settings["host"], port=int(settings["port"]), user=settings["user"],
                            password=settings["password"], dbname=settings["database"])
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
            return [tuple(r) for r in cur.fetchall()] if cur.description else []
    finally:
        conn.close()


@pytest.fixture
def table(postgres_settings: dict[str, str]) -> Iterator[str]:
    name = f"dbz_sink_{uuid.uuid4().hex[:10]}"
    yield name
    _rows(postgres_settings, f'DROP TABLE IF EXISTS "{name}"')


def test_change_events_with_debeziums_column_types(postgres_settings: dict[str, str], table: str) -> None:
    props = sink_props(postgres_settings, table, **{"insert.mode": "upsert", "primary.key.mode": "record_key",
                                                    "delete.enabled": "true"})
    sally = row(1001, "Sally", email="sally@example.com", born=19000, updated=1_700_000_000_123_456,
                created="2024-03-01T10:00:00.5Z", price="9.99", active=True)
    run_sink(props, [event("r", 0, after=sally), event("c", 1, after=row(1002, "George"))],
             [event("u", 2, before=sally, after=row(1001, "Sal", price="10.00", active=False)),
              event("d", 3, before=row(1002, "George")), tombstone(1002, 4)])
    assert _rows(postgres_settings, f"SELECT id, first_name, born, price, active, updated, created AT TIME ZONE "
                 f"'UTC' FROM {table} ORDER BY id") == [(1001, "Sal", None, decimal.Decimal("10.00"), False, None,
                                                         None)]
    run_sink(props, [event("c", 5, after=sally)])
    assert _rows(postgres_settings, f"SELECT born, updated, created AT TIME ZONE 'UTC' FROM {table}") == [
        (dt.date(2022, 1, 8), dt.datetime(2023, 11, 14, 22, 13, 20, 123456),
         dt.datetime(2024, 3, 1, 10, 0, 0, 500000))]
    columns = _rows(postgres_settings, "SELECT column_name, data_type, datetime_precision, numeric_precision, "
                    "numeric_scale, is_nullable FROM information_schema.columns WHERE table_schema = 'public' "
                    f"AND table_name = '{table}' ORDER BY ordinal_position")
    assert columns == [("id", "integer", None, 32, 0, "NO"), ("first_name", "text", None, None, None, "NO"),
                       ("email", "text", None, None, None, "YES"), ("born", "date", 0, None, None, "YES"),
                       ("updated", "timestamp without time zone", 6, None, None, "YES"),
                       ("created", "timestamp with time zone", 6, None, None, "YES"),
                       ("price", "numeric", None, 38, 2, "YES"), ("active", "boolean", None, None, None, "YES")]
    primary_key = _rows(postgres_settings, "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON "
                        f"a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) WHERE i.indrelid = '{table}'::regclass "
                        "AND i.indisprimary")
    assert primary_key == [("id",)]


def test_table_from_the_source_block_and_truncate(postgres_settings: dict[str, str], table: str) -> None:
    props = sink_props(postgres_settings, table, **{"primary.key.mode": "kafka", "truncate.enabled": "true",
                                                    "collection.name.format": f"${{source.table}}_{table}"})
    target = f"customers_{table}"
    try:
        run_sink(props, [event("c", 0, after=row(1, "a")), event("c", 1, after=row(2, "b"))])
        assert _rows(postgres_settings, f"SELECT __connect_topic, __connect_partition, __connect_offset, id FROM "
                     f"{target} ORDER BY 3") == [("dbserver1.inventory.customers", 0, 0, 1),
                                                  ("dbserver1.inventory.customers", 0, 1, 2)]
        run_sink(props, [event("t", 2), event("c", 3, after=row(3, "c"))])
        assert _rows(postgres_settings, f"SELECT id FROM {target}") == [(3,)]
        # no source block, no table: skipped as Debezium skips them (a tombstone after a delete, a flat row)
        run_sink({**props, "primary.key.mode": "record_key", "delete.enabled": "true"},
                 [event("d", 4, before=row(3, "c")), tombstone(3, 5), flat(row(4, "d"), 6)])
        assert _rows(postgres_settings, f"SELECT id FROM {target}") == []
    finally:
        _rows(postgres_settings, f"DROP TABLE IF EXISTS {target}")
