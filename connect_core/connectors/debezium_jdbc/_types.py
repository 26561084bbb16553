"""Debezium's column types for schema evolution (its MySQL/MariaDB and PostgreSQL dialects over Hibernate's DDL
type names), as a ``SqlBuilder`` of the shared JDBC writer.

Debezium 3.x keeps its 2.x resolution: a STRING without a source length is the dialect's LONGVARCHAR (``longtext``,
``text``), or ``varchar(255)`` in a MySQL key; BYTES is LONGVARBINARY; temporal types take the dialect's default
precision (6); ``VariableScaleDecimal`` is DOUBLE. Source type propagation (``__debezium.source.column.type``
parameters) is not read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from connect_core.api.logical import Date, Decimal, Time, Timestamp
from connect_core.api.schema import Type
from connect_core.connectors.jdbc._sql_builder import SqlBuilder
from connect_core.connectors.jdbc._url import MYSQL

if TYPE_CHECKING:
    from connect_core.connectors.jdbc._sql_builder import ColumnSpec

__all__ = ["DebeziumSqlBuilder"]

_MYSQL: Final[dict[object, str]] = {
    Type.INT8: "tinyint", Type.INT16: "smallint", Type.INT32: "int", Type.INT64: "bigint", Type.FLOAT32: "float",
    Type.FLOAT64: "double", Type.BOOLEAN: "boolean", Type.STRING: "longtext", Type.BYTES: "longblob",
    "key_string": "varchar(255)", "nested": "longtext",
    Date.LOGICAL_NAME: "date", Time.LOGICAL_NAME: "time(6)", Timestamp.LOGICAL_NAME: "datetime(6)",
    "io.debezium.time.Date": "date", "io.debezium.time.Time": "time(6)", "io.debezium.time.MicroTime": "time(6)",
    "io.debezium.time.NanoTime": "time(6)", "io.debezium.time.ZonedTime": "time(6)",
    "io.debezium.time.Timestamp": "datetime(6)", "io.debezium.time.MicroTimestamp": "datetime(6)",
    "io.debezium.time.NanoTimestamp": "datetime(6)", "io.debezium.time.ZonedTimestamp": "timestamp(6)",
    "io.debezium.data.VariableScaleDecimal": "double", "io.debezium.data.Json": "json",
}
_POSTGRES: Final[dict[object, str]] = {
    Type.INT8: "smallint", Type.INT16: "smallint", Type.INT32: "integer", Type.INT64: "bigint",
    Type.FLOAT32: "real", Type.FLOAT64: "double precision", Type.BOOLEAN: "boolean", Type.STRING: "text",
    Type.BYTES: "bytea", "key_string": "text", "nested": "text",
    Date.LOGICAL_NAME: "date", Time.LOGICAL_NAME: "time(6)", Timestamp.LOGICAL_NAME: "timestamp(6)",
    "io.debezium.time.Date": "date", "io.debezium.time.Time": "time(6)", "io.debezium.time.MicroTime": "time(6)",
    "io.debezium.time.NanoTime": "time(6)", "io.debezium.time.ZonedTime": "time(6) with time zone",
    "io.debezium.time.Timestamp": "timestamp(6)", "io.debezium.time.MicroTimestamp": "timestamp(6)",
    "io.debezium.time.NanoTimestamp": "timestamp(6)",
    "io.debezium.time.ZonedTimestamp": "timestamp(6) with time zone",
    "io.debezium.data.VariableScaleDecimal": "double precision", "io.debezium.data.Json": "json",
    "io.debezium.data.Uuid": "uuid",
}
_NESTED: Final = (Type.ARRAY, Type.MAP, Type.STRUCT)
DEFAULT_DECIMAL_PRECISION: Final = 38  # the dialects' getDefaultDecimalPrecision


class DebeziumSqlBuilder(SqlBuilder):
    """The shared statements (insert, upsert, update, delete, create, alter) with Debezium's column types."""

    def sql_type(self, column: ColumnSpec, is_key: bool = False) -> str:
        """Debezium's ``getTypeName(schema, isKey)`` for the column's Connect type or semantic name."""
        types = _MYSQL if self.family == MYSQL else _POSTGRES
        if column.logical == Decimal.LOGICAL_NAME:  # ConnectDecimalType: the source's precision, at most the default
            scale = max(column.scale or 0, 0)
            precision = min(column.precision, DEFAULT_DECIMAL_PRECISION) if column.precision else \
                DEFAULT_DECIMAL_PRECISION
            return f"decimal({precision},{scale})" if self.family == MYSQL else f"numeric({precision},{scale})"
        if column.logical in types:
            return types[column.logical]
        if column.type in _NESTED:
            return types["nested"]
        if is_key and column.type is Type.STRING:
            return types["key_string"]
        return types[column.type]
