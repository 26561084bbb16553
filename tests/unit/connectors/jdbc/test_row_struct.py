"""The JDBC source's generated row builder (``compile_row_struct``) against ``Struct.put`` of each converted column."""

from __future__ import annotations

import datetime as dt
import decimal
import zoneinfo
from typing import Any

import pytest

from connect_core.api.errors import DataError
from connect_core.api.schema import SchemaBuilder
from connect_core.api.struct import Struct
from connect_core.connectors.jdbc._querier import compile_row_struct
from connect_core.connectors.jdbc._types import ColumnDef, schema_and_converter

COLUMNS = [
    ColumnDef("id", "BIGINT", nullable=False),
    ColumnDef("small", "TINYINT", nullable=True),
    ColumnDef("uns", "INTEGER", nullable=True, signed=False),
    ColumnDef("name", "STRING", nullable=False),
    ColumnDef("price", "DECIMAL", nullable=True, precision=12, scale=2),
    ColumnDef("score", "DOUBLE", nullable=True),
    ColumnDef("real", "REAL", nullable=True),
    ColumnDef("flag", "BOOLEAN", nullable=True),
    ColumnDef("created", "TIMESTAMP", nullable=True),
    ColumnDef("day", "DATE", nullable=True),
    ColumnDef("at", "TIME", nullable=True),
    ColumnDef("blob", "BYTES", nullable=True),
    ColumnDef("bits", "BIT", nullable=True, precision=4),
]

ROWS = [
    (1, 2, 3, "a", decimal.Decimal("1.50"), 0.5, 1.25, 1, dt.datetime(2024, 1, 2, 3, 4, 5, 600000),
     dt.date(2024, 1, 2), dt.timedelta(hours=1), b"\x00", b"\x05"),
    (2, None, None, "ü 😀", None, None, None, None, None, None, None, None, None),
    (None, 1, 1, "x", None, None, None, None, None, None, None, None, None),  # null id: put's error
    (2**63, 1, 1, "x", None, None, None, None, None, None, None, None, None),  # unsigned BIGINT past int64
    (True, 300, 2**40, 5, decimal.Decimal("1.239"), decimal.Decimal("2.5"), 3, "1",
     dt.datetime(2024, 1, 2, tzinfo=dt.timezone(dt.timedelta(hours=2))), dt.datetime(2024, 5, 6, 7),
     dt.time(1, 2), bytearray(b"ab"), "1010"),
    ("7", -129, -1, b"bytes", 12, 1, 2.5, 0, "2024-01-02 03:04:05", "2024-01-02", "01:02:03", "text", 3),
    (3, 1, 1, "x", float("nan"), float("inf"), 1e300, False, dt.date(2024, 1, 1), 2024, None, memoryview(b"m"), 1),
]


def _reference(schema: Any, setters: list[tuple[str, int, Any]], row: tuple[Any, ...]) -> Struct:
    """What the querier did per row before: ``put`` of every converted column, in order."""
    struct = Struct(schema)
    for name, idx, convert in setters:
        value = row[idx]
        struct.put(name, None if value is None else convert(value))
    return struct


def _outcome(function: Any) -> tuple[str, Any]:
    try:
        result = function()
    except (DataError, ValueError, TypeError, decimal.InvalidOperation) as error:
        return "error", f"{type(error).__name__}: {error}"
    return "ok", [(repr(v), type(v)) for v in result.values()]  # repr: NaN equals itself


@pytest.mark.parametrize("tz", [dt.UTC, zoneinfo.ZoneInfo("Europe/Paris"), dt.timezone(dt.timedelta(hours=-3))])
@pytest.mark.parametrize("row", ROWS)
def test_generated_rows_equal_put_per_column(tz: dt.tzinfo, row: tuple[Any, ...]) -> None:
    builder = SchemaBuilder.struct().name("t")
    setters = []
    for idx, col in enumerate(COLUMNS):
        mapped = schema_and_converter(col, "none", "connect_logical", tz)
        assert mapped is not None
        builder.field(col.name, mapped[0])
        setters.append((col.name, idx, mapped[1]))
    schema = builder.build()
    build = compile_row_struct(schema, setters)
    assert _outcome(lambda: build(row)) == _outcome(lambda: _reference(schema, setters, row))
