"""Debezium's JDBC sink against the real MariaDB: envelopes and flat rows, every insert.mode, deletes, tombstones,
truncates, schema evolution and the column types Debezium's MySQL dialect creates."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import TYPE_CHECKING, Any

import pymysql
import pytest

from connect_core.api.errors import ConnectError
from connect_core.api.schema import SchemaBuilder
from connect_core.api.struct import Struct
from tests.integration.connectors.debezium_jdbc._helpers import run_sink, sink_props
from tests.unit.connectors.debezium_jdbc._events import ROW, envelope_schema, event, flat, row, tombstone

if TYPE_CHECKING:
    from collections.abc import Iterator

pytestmark = pytest.mark.integration


def _connect(settings: dict[str, str]) -> pymysql.Connection:
    return pymysql.connect(host=settings["host"], port=int(settings["port"]), user=settings["user"],
                           password=settings["password"], database=settings["database"], autocommit=True)


def _rows(settings: dict[str, str], sql: str) -> list[tuple[Any, ...]]:
    with _connect(settings) as conn, conn.cursor() as cur:
        cur.execute(sql)
        return [tuple(r) for r in cur.fetchall()]


@pytest.fixture
def table(mariadb_settings: dict[str, str]) -> Iterator[str]:
    name = f"dbz_sink_{uuid.uuid4().hex[:10]}"
    yield name
    with _connect(mariadb_settings) as conn, conn.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS `{name}`")


def test_change_events_upserted_and_deleted_with_debeziums_column_types(mariadb_settings: dict[str, str],
                                                                        table: str) -> None:
    props = sink_props(mariadb_settings, table, **{"insert.mode": "upsert", "primary.key.mode": "record_key",
                                                   "delete.enabled": "true"})
    sally = row(1001, "Sally", email="sally@example.com", born=19000, updated=1_700_000_000_123_456,
                created="2024-03-01T10:00:00.5Z", price="9.99", active=True)
    run_sink(props, [event("r", 0, after=sally), event("c", 1, after=row(1002, "George")),
                     event("u", 2, before=sally, after=row(1001, "Sal", price="10.00")),
                     event("d", 3, before=row(1002, "George")), tombstone(1002, 4),
                     event("c", 5, after=row(1003, "Edward", born=-1))])
    assert _rows(mariadb_settings, f"SELECT id, first_name, born, price FROM `{table}` ORDER BY id") == [
        (1001, "Sal", None, decimal.Decimal("10.00")), (1003, "Edward", dt.date(1969, 12, 31), None)]
    columns = _rows(mariadb_settings, "SELECT column_name, column_type, is_nullable, column_key FROM "
                    f"information_schema.columns WHERE table_schema = DATABASE() AND table_name = '{table}' "
                    "ORDER BY ordinal_position")
    assert columns == [("id", "int(11)", "NO", "PRI"), ("first_name", "longtext", "NO", ""),
                       ("email", "longtext", "YES", ""), ("born", "date", "YES", ""),
                       ("updated", "datetime(6)", "YES", ""), ("created", "timestamp(6)", "YES", ""),
                       ("price", "decimal(38,2)", "YES", ""), ("active", "tinyint(1)", "YES", "")]


def test_temporal_values_and_use_time_zone(mariadb_settings: dict[str, str], table: str) -> None:
    props = sink_props(mariadb_settings, table, **{"primary.key.mode": "record_key",
                                                   "use.time.zone": "Europe/Paris"})
    run_sink(props, [event("c", 0, after=row(1, "S", updated=1_700_000_000_123_456,
                                              created="2024-03-01T10:00:00.5Z"))])
    # MicroTimestamp is a wall-clock time, written as it is; ZonedTimestamp is an instant, shown in the zone
    assert _rows(mariadb_settings, f"SELECT updated, created FROM `{table}`") == [
        (dt.datetime(2023, 11, 14, 22, 13, 20, 123456), dt.datetime(2024, 3, 1, 11, 0, 0, 500000))]


def test_insert_update_modes_flat_rows_and_truncate(mariadb_settings: dict[str, str], table: str) -> None:
    insert = sink_props(mariadb_settings, table, **{"primary.key.mode": "record_value",
                                                    "primary.key.fields": "id", "truncate.enabled": "true"})
    run_sink(insert, [flat(row(1, "a"), 0), flat(row(2, "b"), 1)])
    with pytest.raises(ConnectError, match="Duplicate entry"):
        run_sink(insert, [flat(row(2, "again"), 2)])
    update = {**insert, "insert.mode": "update"}
    run_sink(update, [flat(row(2, "b2"), 3), flat(row(9, "missing"), 4)])
    assert _rows(mariadb_settings, f"SELECT id, first_name FROM `{table}` ORDER BY id") == [(1, "a"), (2, "b2")]
    # a truncate event empties the table after the rows before it are written; the rows after it stay
    run_sink(insert, [flat(row(3, "c"), 5), event("t", 6), flat(row(4, "d"), 7)])
    assert _rows(mariadb_settings, f"SELECT id FROM `{table}`") == [(4,)]
    run_sink({**insert, "truncate.enabled": "false"}, [event("t", 8)])
    assert _rows(mariadb_settings, f"SELECT id FROM `{table}`") == [(4,)]


def test_deletes_skipped_unless_enabled_and_schema_evolution(mariadb_settings: dict[str, str], table: str) -> None:
    props = sink_props(mariadb_settings, table, **{"insert.mode": "upsert", "primary.key.mode": "record_key"})
    run_sink(props, [event("c", 0, after=row(1, "a")), event("d", 1, before=row(1, "a")), tombstone(1, 2)])
    assert _rows(mariadb_settings, f"SELECT id FROM `{table}`") == [(1,)]
    wider = (SchemaBuilder.struct().name(ROW.name).optional().field("id", SchemaBuilder.int32().build())
             .field("first_name", SchemaBuilder.string().build())
             .field("nickname", SchemaBuilder.string().optional().build()).build())
    envelope = envelope_schema(wider)
    after = Struct(wider).put("id", 2).put("first_name", "b").put("nickname", "bee")
    record = event("c", 3, after=row(2, "b"))
    record.value_schema = envelope
    value = Struct(envelope)
    for field in envelope.fields:
        value.put(field.name, after if field.name == "after" else record.value.get(field.name))
    record.value = value
    run_sink(props, [record])
    assert _rows(mariadb_settings, f"SELECT id, first_name, nickname FROM `{table}` ORDER BY id") == [
        (1, "a", None), (2, "b", "bee")]
    no_evolution = {**props, "schema.evolution": "none", "collection.name.format": f"{table}_absent"}
    with pytest.raises(ConnectError, match="is missing and auto-creation is disabled"):
        run_sink(no_evolution, [event("c", 4, after=row(3, "c"))])
