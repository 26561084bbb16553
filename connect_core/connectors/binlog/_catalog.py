"""Which tables and columns are captured, and what ``information_schema`` and the binlog say about them.

The snapshot reads tables as they are now, so its schemas come from ``information_schema``. A binlog event is decoded
with the columns as they were when written (``event_schema``): its table map (``binlog_row_metadata=FULL``) carries
each column's name, type, length, precision, scale, signedness, members and nullability, so the binlog itself is
Debezium's schema history, exact without parsing DDL; ``information_schema`` adds literal defaults and display types.
Filters follow Debezium (``database``/``table``/``column`` include and exclude lists, each regex matched in full);
the system databases are never captured.
"""

from __future__ import annotations

import dataclasses
import re
from typing import TYPE_CHECKING, Any, Final

from connect_core.connectors.binlog._envelope import TableSchema
from connect_core.connectors.binlog._types import ColumnDef, same_type, table_map_column

if TYPE_CHECKING:
    from connect_core.connectors.binlog._envelope import SourceSchema
    from connect_core.connectors.binlog.config import BinlogSourceConfig

__all__ = ["Catalog", "TableFilter"]

SYSTEM_DATABASES: Final = frozenset({"mysql", "information_schema", "performance_schema", "sys"})


def _compile(patterns: list[str]) -> list[re.Pattern[str]]:
    return [re.compile(p, re.IGNORECASE) for p in patterns]


class TableFilter:
    """Debezium's table and column selection."""

    def __init__(self, config: BinlogSourceConfig) -> None:
        """Compile the four lists once."""
        self._db_in = _compile(config.database_include_list)
        self._db_out = _compile(config.database_exclude_list)
        self._t_in = _compile(config.table_include_list)
        self._t_out = _compile(config.table_exclude_list)
        self._c_out = _compile(config.column_exclude_list)
        self._cache: dict[tuple[str, str], bool] = {}
        signal = config.signal_data_collection
        # the signal table is always captured, whatever the lists say (Debezium's RelationalTableFilters)
        self.signal_table: tuple[str, str] | None = tuple(signal.split(".", 1)) if signal else None  # type: ignore[assignment]

    def database(self, db: str) -> bool:
        """Whether any table of ``db`` may be captured."""
        if db.lower() in SYSTEM_DATABASES:
            return False
        if self._db_in:
            return any(p.fullmatch(db) for p in self._db_in)
        return not any(p.fullmatch(db) for p in self._db_out)

    def table(self, db: str, table: str) -> bool:
        """Whether ``db.table`` is captured (cached: called for every binlog row event)."""
        key = (db, table)
        hit = self._cache.get(key)
        if hit is None:
            name = f"{db}.{table}"
            hit = (self.database(db) and (
                any(p.fullmatch(name) for p in self._t_in) if self._t_in
                else not any(p.fullmatch(name) for p in self._t_out))) or key == self.signal_table
            self._cache[key] = hit
        return hit

    def column(self, db: str, table: str, column: str) -> bool:
        """Whether a column is kept in change events."""
        name = f"{db}.{table}.{column}"
        return not any(p.fullmatch(name) for p in self._c_out)


class Catalog:
    """Table schemas read from ``information_schema``, cached until a DDL statement touches the table."""

    def __init__(self, config: BinlogSourceConfig, source: SourceSchema, table_filter: TableFilter) -> None:
        """Nothing is read until a table is asked for."""
        self._config = config
        self._source = source
        self._filter = table_filter
        self._columns: dict[tuple[str, str], tuple[dict[str, ColumnDef], list[str]]] = {}
        self._schemas: dict[tuple[str, str, tuple[str, ...]], TableSchema] = {}
        self._event_schemas: dict[tuple[Any, ...], TableSchema] = {}

    def tables(self, conn: Any) -> list[tuple[str, str]]:
        """Every captured base table, ordered by database then table name."""
        with conn.cursor() as cursor:
            cursor.execute("SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema.TABLES WHERE TABLE_TYPE = "
                           "'BASE TABLE' ORDER BY TABLE_SCHEMA, TABLE_NAME")
            rows = cursor.fetchall()
        return [(db, t) for db, t in rows if self._filter.table(db, t)]

    def forget_all(self) -> None:
        """Drop every cached definition (a DDL statement may name any table of any database)."""
        self._columns.clear()
        self._schemas.clear()
        self._event_schemas.clear()

    def describe(self, conn: Any, db: str, table: str) -> tuple[dict[str, ColumnDef], list[str]]:
        """The table's columns by name (table order) and its primary key columns (key order)."""
        key = (db, table)
        hit = self._columns.get(key)
        if hit is None:
            with conn.cursor() as cursor:
                cursor.execute(
                    "SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, IS_NULLABLE, NUMERIC_PRECISION, NUMERIC_SCALE, "
                    "DATETIME_PRECISION, COLUMN_DEFAULT FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = %s "
                    "AND TABLE_NAME = %s ORDER BY ORDINAL_POSITION", (db, table))
                columns = {r[0]: ColumnDef(r[0], r[1].lower(), r[2], r[3] == "YES", _int(r[4]), _int(r[5]),
                                           _int(r[6]), r[7]) for r in cursor.fetchall()}
                cursor.execute(
                    "SELECT COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = %s AND "
                    "TABLE_NAME = %s AND CONSTRAINT_NAME = 'PRIMARY' ORDER BY ORDINAL_POSITION", (db, table))
                pk = [r[0] for r in cursor.fetchall()]
            hit = self._columns[key] = (columns, pk)
        return hit

    def schema(self, conn: Any, db: str, table: str, names: tuple[str, ...] | None = None) -> TableSchema:
        """The ``TableSchema`` for the columns ``names`` (a binlog event's own column list) or the table's now.

        A column the event has but the table no longer has (dropped since) is read as an optional string of its
        value's text, so an old event still decodes after ALTER TABLE ... DROP COLUMN.
        """
        columns, pk = self.describe(conn, db, table)
        names = tuple(columns) if names is None else names
        skey = (db, table, names)
        hit = self._schemas.get(skey)
        if hit is None:
            defs = [columns.get(n) or ColumnDef(n, "longtext", "longtext", True) for n in names]
            kept = [c for c in defs if self._filter.column(db, table, c.name)]
            hit = self._schemas[skey] = TableSchema.build(
                self._config.topic_prefix, db, table, kept, pk, source=self._source,
                decimal_mode=self._config.decimal_handling_mode.lower(),
                time_mode=self._config.time_precision_mode.lower())
        return hit

    def event_schema(self, conn: Any, db: str, table: str, columns: list[Any], nullable: list[bool]) -> TableSchema:
        """The ``TableSchema`` of a row event whose table map gave ``columns`` (python-mysql-replication's, in table
        order) and their ``nullable`` flags: the table as it was when the event was written."""
        signature = (db, table, *((c.name, c.type, getattr(c, "unsigned", False), getattr(c, "precision", None),
                                   getattr(c, "decimals", None), getattr(c, "fsp", None), getattr(c, "bits", None),
                                   getattr(c, "length_size", None), getattr(c, "character_set_name", None),
                                   tuple(getattr(c, "enum_values", None) or ()),
                                   tuple(getattr(c, "set_values", None) or ()), null)
                                  for c, null in zip(columns, nullable, strict=True)))
        hit = self._event_schemas.get(signature)
        if hit is None:
            current, pk = self.describe(conn, db, table)
            defs = []
            for column, null in zip(columns, nullable, strict=True):
                written = table_map_column(column, null)
                now = current.get(written.name)
                defs.append(dataclasses.replace(now, nullable=null) if now is not None and same_type(written, now)
                            else written)
            kept = [c for c in defs if self._filter.column(db, table, c.name)]
            if len(self._event_schemas) > 1024:  # a long-lived task over many table versions: start again
                self._event_schemas.clear()
            hit = self._event_schemas[signature] = TableSchema.build(
                self._config.topic_prefix, db, table, kept, pk, source=self._source,
                decimal_mode=self._config.decimal_handling_mode.lower(),
                time_mode=self._config.time_precision_mode.lower())
        return hit

    def kept_positions(self, schema: TableSchema, names: tuple[str, ...]) -> list[int] | None:
        """Positions of ``schema.columns`` within ``names`` (None when every column is kept, in order)."""
        if len(schema.columns) == len(names):
            return None
        return [names.index(c) for c in schema.columns]


def _int(value: Any) -> int | None:
    return None if value is None else int(value)
