"""The shared JDBC writer with Debezium's column types and temporal binding, plus TRUNCATE."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from connect_core.connectors.debezium_jdbc._records import ZONELESS
from connect_core.connectors.debezium_jdbc._types import DebeziumSqlBuilder
from connect_core.connectors.jdbc._record_fields import RecordFields
from connect_core.connectors.jdbc._sink_writer import JdbcSinkWriter

if TYPE_CHECKING:
    from collections.abc import Callable

    from connect_core.connectors.jdbc._sql_builder import ColumnSpec
    from connect_core.connectors.jdbc.sink_config import JdbcSinkConfig

__all__ = ["DebeziumJdbcWriter"]


class _DebeziumFields(RecordFields):
    """Binds Debezium's zone-less timestamps as the wall-clock times they are (no shift to ``use.time.zone``)."""

    def _bind(self, column: ColumnSpec, value: Any) -> Any:
        if column.logical in ZONELESS and value.__class__ is dt.datetime and value.tzinfo is None:
            return value
        return super()._bind(column, value)


class DebeziumJdbcWriter(JdbcSinkWriter):
    """``JdbcSinkWriter`` with ``DebeziumSqlBuilder`` types; ``truncate`` empties a table in its own transaction."""

    def __init__(self, config: JdbcSinkConfig, sleep: Callable[[float], None]) -> None:
        """As ``JdbcSinkWriter``, with Debezium's types and binding."""
        super().__init__(config, sleep, builder=DebeziumSqlBuilder, fields=_DebeziumFields)

    def truncate(self, table_name: str) -> bool:
        """``TRUNCATE TABLE`` (Debezium's ``getTruncateStatement``); False when the table does not exist."""
        table = self.dialect.parse_table_identifier(table_name)
        with self._transaction() as conn:
            if self.tables.info(conn, table) is None:
                return False
            conn.exec_driver_sql("TRUNCATE TABLE " + ".".join(self.dialect.quote(p) for p in table.parts()))
        return True
