"""Regressions found on the real PostgreSQL: unconstrained NUMERIC, wide decimals, identity columns, json text."""

from __future__ import annotations

import decimal
import zoneinfo
from typing import TYPE_CHECKING, Any

from connect_core.api.logical import Decimal
from connect_core.connectors.jdbc._dialect import PostgreSqlDialect, TableId
from connect_core.connectors.jdbc._types import ColumnDef, postgres_column, schema_and_converter

if TYPE_CHECKING:
    import pytest

UTC = zoneinfo.ZoneInfo("UTC")


def test_unconstrained_numeric_reports_zero_precision_and_scale_like_pgjdbc() -> None:
    # psycopg describes NUMERIC without typmod as precision = scale = 65535, which broke quantize()
    col = postgres_column(("nb", 1700, None, -1, 65535, 65535, None))
    assert (col.category, col.precision, col.scale) == ("NUMERIC", 0, 0)
    mapped = schema_and_converter(col, "none", "connect_logical", UTC)
    assert mapped is not None
    schema, convert = mapped
    assert schema.name == Decimal.LOGICAL_NAME and schema.parameters["scale"] == "0"
    assert convert(decimal.Decimal("2.5")) == decimal.Decimal("3")  # getBigDecimal(col, 0): HALF_UP


def test_decimals_wider_than_the_default_context_convert() -> None:
    mapped = schema_and_converter(ColumnDef("d", "DECIMAL", True, True, 38, 10), "none", "connect_logical", UTC)
    assert mapped is not None
    value = decimal.Decimal("1234567890123456789012345678.1234567891")
    assert mapped[1](value) == value


class _Cursor:
    def __init__(self, rows: list[tuple[Any, ...]]) -> None:
        self.rows, self.executed = rows, []

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> None:
        self.executed.append((sql, params))

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self.rows

    def close(self) -> None:
        pass


class _Conn:
    def __init__(self, rows: list[tuple[Any, ...]]) -> None:
        self.cur = _Cursor(rows)

    def cursor(self) -> _Cursor:
        return self.cur


def test_postgres_identity_and_serial_columns_are_auto_increment() -> None:
    conn = _Conn([("id", "NO", None, "YES"), ("seq", "NO", "nextval('t_seq_seq'::regclass)", "NO"),
                  ("v", "YES", None, "NO")])
    info = PostgreSqlDialect().describe(conn, TableId(None, "public", "t"))
    assert {n: (c.nullable, c.autoincrement) for n, c in info.items()} == {
        "id": (False, True), "seq": (False, True), "v": (True, False)}
    assert conn.cur.executed[0][1] == ("t", "public")


def test_postgres_session_keeps_json_as_text(monkeypatch: pytest.MonkeyPatch) -> None:
    import psycopg2.extras

    registered: dict[str, Any] = {}
    monkeypatch.setattr(psycopg2.extras, "register_default_json", lambda conn, loads: registered.update(json=loads))
    monkeypatch.setattr(psycopg2.extras, "register_default_jsonb", lambda conn, loads: registered.update(jsonb=loads))
    PostgreSqlDialect().setup_session(object(), "UTC")
    assert registered["json"]('{"a": 1}') == '{"a": 1}' and registered["jsonb"]("[1]") == "[1]"


def test_postgres_bit_strings_map_like_pgjdbc() -> None:
    # psycopg returns bit(n) as '0'/'1' text and reports internal_size = n - 4
    def convert(desc: tuple[Any, ...], value: str) -> tuple[Any, Any]:
        mapped = schema_and_converter(postgres_column(desc), "none", "connect_logical", UTC)
        assert mapped is not None
        return mapped[0].type.name, mapped[1](value)

    assert convert(("b1", 1560, None, -3, None, None, None), "1") == ("BOOLEAN", True)
    assert convert(("b1", 1560, None, -3, None, None, None), "0") == ("BOOLEAN", False)
    assert convert(("b8", 1560, None, 4, None, None, None), "10000001") == ("INT8", -127)
    assert convert(("b16", 1560, None, 12, None, None, None), "1000000000000001") == ("BYTES", b"\x80\x01")
