"""SQL text of the sink: INSERT / upsert / UPDATE / DELETE / CREATE / ALTER per dialect, and Connect -> SQL types.

Statement shapes follow Confluent's dialects (reference section 2.3) with one deliberate change: SQLite upserts use
``ON CONFLICT (...) DO UPDATE`` instead of ``INSERT OR REPLACE``, which would delete and re-insert the row and reset
columns the record does not carry. MySQL string key columns are ``VARCHAR(256)`` rather than ``TEXT`` (which
MySQL cannot index: error 1170, kafka-connect-jdbc #996).
"""

from __future__ import annotations

import dataclasses
import decimal
from typing import TYPE_CHECKING, Any

from connect_core.api.errors import ConnectError
from connect_core.api.logical import Date, Decimal, Time, Timestamp
from connect_core.api.schema import Type
from connect_core.connectors.jdbc._url import MYSQL, POSTGRESQL, SQLITE

if TYPE_CHECKING:
    from collections.abc import Sequence

    from connect_core.connectors.jdbc._dialect import Dialect, TableId

__all__ = ["ColumnSpec", "SqlBuilder"]

_NESTED = (Type.ARRAY, Type.MAP, Type.STRUCT)
_TYPES: dict[str, dict[Any, str]] = {
    MYSQL: {
        Type.INT8: "TINYINT", Type.INT16: "SMALLINT", Type.INT32: "INT", Type.INT64: "BIGINT",
        Type.FLOAT32: "FLOAT", Type.FLOAT64: "DOUBLE", Type.BOOLEAN: "TINYINT", Type.STRING: "TEXT",
        Type.BYTES: "VARBINARY(1024)", Date.LOGICAL_NAME: "DATE", Time.LOGICAL_NAME: "TIME(3)",
        Timestamp.LOGICAL_NAME: "DATETIME(3)", "key_string": "VARCHAR(256)", "nested": "TEXT",
    },
    POSTGRESQL: {
        Type.INT8: "SMALLINT", Type.INT16: "SMALLINT", Type.INT32: "INT", Type.INT64: "BIGINT",
        Type.FLOAT32: "REAL", Type.FLOAT64: "DOUBLE PRECISION", Type.BOOLEAN: "BOOLEAN", Type.STRING: "TEXT",
        Type.BYTES: "BYTEA", Date.LOGICAL_NAME: "DATE", Time.LOGICAL_NAME: "TIME",
        Timestamp.LOGICAL_NAME: "TIMESTAMP", "nested": "TEXT",
    },
    SQLITE: {
        Type.INT8: "INTEGER", Type.INT16: "INTEGER", Type.INT32: "INTEGER", Type.INT64: "INTEGER",
        Type.FLOAT32: "REAL", Type.FLOAT64: "REAL", Type.BOOLEAN: "INTEGER", Type.STRING: "TEXT",
        Type.BYTES: "BLOB", Date.LOGICAL_NAME: "NUMERIC", Time.LOGICAL_NAME: "NUMERIC",
        Timestamp.LOGICAL_NAME: "NUMERIC", Decimal.LOGICAL_NAME: "NUMERIC", "nested": "TEXT",
    },
}


@dataclasses.dataclass(frozen=True, slots=True)
class ColumnSpec:
    """A column a record needs: its Connect type (``logical`` names Decimal/Date/...), nullability and default."""

    name: str
    type: Type
    optional: bool = True
    logical: str | None = None
    scale: int | None = None
    default: Any = None
    precision: int | None = None  # a Decimal's ``connect.decimal.precision`` parameter, when its schema has one


class SqlBuilder:
    """Builds statements for one dialect; identifiers go through the shared ``Dialect`` quoting rules."""

    def __init__(self, dialect: Dialect) -> None:
        """Bind to ``dialect`` (its ``family`` picks types and upsert syntax, ``placeholder`` the marker)."""
        self.dialect = dialect
        self.family = dialect.family
        self._escape_percent = dialect.placeholder == "%s"

    def _q(self, name: str) -> str:
        quoted = self.dialect.quote(name)
        return quoted.replace("%", "%%") if self._escape_percent else quoted

    def _t(self, table: TableId) -> str:
        return ".".join(self._q(p) for p in table.parts())

    def _marks(self, n: int) -> str:
        return ",".join([self.dialect.placeholder] * n)

    def insert(self, table: TableId, keys: Sequence[str], values: Sequence[str]) -> str:
        """``INSERT INTO t(k..., c...) VALUES(?...)``; binds keys then values."""
        cols = [*keys, *values]
        return f"INSERT INTO {self._t(table)}({','.join(map(self._q, cols))}) VALUES({self._marks(len(cols))})"

    def upsert(self, table: TableId, keys: Sequence[str], values: Sequence[str]) -> str:
        """Insert-or-update by primary key; binds keys then values like ``insert``."""
        if not keys:
            raise ConnectError(f"Write to table '{table.fqn()}' in UPSERT mode requires key field names to be "
                               "known, check the primary key configuration")
        insert = self.insert(table, keys, values)
        if self.family == MYSQL:
            updates = values or keys
            return f"{insert} ON DUPLICATE KEY UPDATE " + ",".join(f"{self._q(c)}=VALUES({self._q(c)})"
                                                                    for c in updates)
        if self.family in (POSTGRESQL, SQLITE):
            conflict = f" ON CONFLICT ({','.join(map(self._q, keys))}) "
            if not values:
                return insert + conflict + "DO NOTHING"
            return insert + conflict + "DO UPDATE SET " + ",".join(f"{self._q(c)}=EXCLUDED.{self._q(c)}"
                                                                   for c in values)
        raise ConnectError(f"Write to table '{table.fqn()}' in UPSERT mode is not supported with the "
                           f"{self.dialect.name} dialect.")

    def update(self, table: TableId, keys: Sequence[str], values: Sequence[str]) -> str:
        """``UPDATE t SET c = ? ... WHERE k = ? AND ...``; binds values then keys."""
        if not values:
            raise ConnectError(f"Update to table '{table.fqn()}' has no non-key columns to set")
        mark = self.dialect.placeholder
        sets = ", ".join(f"{self._q(c)} = {mark}" for c in values)
        where = " AND ".join(f"{self._q(k)} = {mark}" for k in keys)
        return f"UPDATE {self._t(table)} SET {sets}" + (f" WHERE {where}" if keys else "")

    def delete(self, table: TableId, keys: Sequence[str]) -> str:
        """``DELETE FROM t WHERE k = ? AND ...``."""
        if not keys:
            raise ConnectError("Require primary keys to support delete")
        mark = self.dialect.placeholder
        return f"DELETE FROM {self._t(table)} WHERE " + " AND ".join(f"{self._q(k)} = {mark}" for k in keys)

    def create_table(self, table: TableId, keys: Sequence[ColumnSpec], values: Sequence[ColumnSpec]) -> str:
        """``CREATE TABLE`` with ``PRIMARY KEY(...)`` on the key columns (no quoting of literals beyond defaults)."""
        specs = [self._column_spec(c, is_key=True) for c in keys]
        specs += [self._column_spec(c, is_key=False) for c in values]
        if keys:
            specs.append(f"PRIMARY KEY({','.join(self._q(k.name) for k in keys)})")
        return f"CREATE TABLE {self._t(table)} (\n" + ",\n".join(specs) + ")"

    def add_column(self, table: TableId, column: ColumnSpec) -> str:
        """``ALTER TABLE t ADD c TYPE NULL`` (one column per statement, as SQLite requires)."""
        return f"ALTER TABLE {self._t(table)} ADD {self._column_spec(column, is_key=False)}"

    def sql_type(self, column: ColumnSpec, is_key: bool = False) -> str:
        """The column type for auto.create/auto.evolve (Confluent's per-dialect ``getSqlType``)."""
        types = _TYPES.get(self.family, _TYPES[POSTGRESQL])
        if column.logical == Decimal.LOGICAL_NAME and self.family != SQLITE:
            scale = column.scale or 0
            return f"DECIMAL(65,{scale})" if self.family == MYSQL else "DECIMAL"
        if column.logical in types:
            return types[column.logical]
        if column.type in _NESTED:
            return types["nested"]
        if is_key and column.type is Type.STRING and "key_string" in types:
            return types["key_string"]
        return types[column.type]

    def _column_spec(self, column: ColumnSpec, is_key: bool) -> str:
        spec = f"{self._q(column.name)} {self.sql_type(column, is_key)}"
        default = _literal(column.default)
        if default is not None and not is_key:
            return f"{spec} DEFAULT {default}"
        return f"{spec} {'NULL' if column.optional and not is_key else 'NOT NULL'}"


def _literal(value: Any) -> str | None:
    """A SQL literal for simple defaults; other defaults are left to the application (None)."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, float, decimal.Decimal)):
        return str(value)
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return None
