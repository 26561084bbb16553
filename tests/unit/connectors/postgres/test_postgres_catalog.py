"""A table's row structs: the one-comprehension path against the column-by-column reference."""

from __future__ import annotations

import pytest

from connect_core.api.config import parse_config
from connect_core.connectors.postgres._catalog import ColumnInfo, TableFilter, build_table_schema
from connect_core.connectors.postgres._envelope import SourceBlock
from connect_core.connectors.postgres._pgoutput import UNCHANGED_TOAST
from connect_core.connectors.postgres._types import ColumnType
from connect_core.connectors.postgres.config import PostgresSourceConfig

BASE = {"database.hostname": "db", "database.user": "u", "database.dbname": "d", "topic.prefix": "p"}
COLUMNS = [
    ColumnInfo("id", ColumnType(23, -1, "int4"), True, None),
    ColumnInfo("name", ColumnType(25, -1, "text"), True, "'none'::text"),
    ColumnInfo("price", ColumnType(1700, -1, "numeric"), False, None),
    ColumnInfo("at", ColumnType(1184, -1, "timestamptz"), False, None),
    ColumnInfo("tags", ColumnType(1009, -1, "_text", element=ColumnType(25, -1, "text")), False, None),
    ColumnInfo("skipped", ColumnType(25, -1, "text"), False, None),
    ColumnInfo("ok", ColumnType(16, -1, "bool"), True, None),
]
ROWS = [
    ["1", "a", "12.50", "2026-11-25 08:00:00.123+01", '{x,NULL,"y z"}', "s", "t"],
    ["2", "", "-0.001", "2026-01-01 00:00:00+00", "{}", "", "f"],
    ["3", None, None, None, None, None, "t"],
    ["4", UNCHANGED_TOAST, "1", "2026-01-01 00:00:00+00", UNCHANGED_TOAST, "s", "f"],
    ["5", "b"],
    ["6", "a", "1", "2026-01-01 00:00:00+00", "{}", "s", "t", "extra"],
]


@pytest.mark.parametrize("partial", [False, True])
def test_rows_agree_with_the_reference(partial: bool) -> None:
    config = parse_config(PostgresSourceConfig, {**BASE, "column.exclude.list": r"public\.t\.skipped"})
    table = build_table_schema("p", "public", "t", COLUMNS, ["id"], config=config, table_filter=TableFilter(config),
                               source=SourceBlock("p", "d"))
    for values in ROWS:
        assert table.row(values, partial=partial) == table.row_reference(values, partial=partial)
        assert table.row(tuple(values), partial=partial) == table.row_reference(tuple(values), partial=partial)
    first = table.row(ROWS[0])
    assert first.get("name") == "a" and first.get("tags") == ["x", None, "y z"] and first.get("ok") is True
    assert first.schema.field("skipped") is None
    assert table.row(ROWS[2], partial=True).get("name") == "none"  # a key-only old row: the default
