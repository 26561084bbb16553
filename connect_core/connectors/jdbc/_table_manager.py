"""Table metadata, auto.create and auto.evolve (Confluent ``DbStructure``), cached across warm invocations.

DDL runs before any row of a batch is written and is committed on its own: MySQL commits implicitly on DDL, and
an ALTER waiting for a metadata lock held by our own open write transaction would deadlock.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, NamedTuple

from connect_core.api.errors import ConnectError

if TYPE_CHECKING:
    from collections.abc import Iterable

    from sqlalchemy.engine import Connection

    from connect_core.connectors.jdbc._dialect import TableId
    from connect_core.connectors.jdbc._sql_builder import ColumnSpec, SqlBuilder

__all__ = ["TableInfo", "TableManager"]

log = logging.getLogger(__name__)


class TableInfo(NamedTuple):
    """An existing table: column names (lower-cased -> actual) and primary key columns in order."""

    columns: dict[str, str]
    primary_key: list[str]


class TableManager:
    """Creates and evolves destination tables as records require; remembers what it saw."""

    def __init__(self, builder: SqlBuilder, auto_create: bool, auto_evolve: bool) -> None:
        """Use ``builder`` for the DDL text; ``auto_create``/``auto_evolve`` are the config keys."""
        self._builder = builder
        self._auto_create = auto_create
        self._auto_evolve = auto_evolve
        self._cache: dict[TableId, TableInfo | None] = {}

    def invalidate(self) -> None:
        """Forget cached metadata (after a failed write, the table may have changed under us)."""
        self._cache.clear()

    def info(self, conn: Connection, table: TableId) -> TableInfo | None:
        """The table's columns and key, or None if it does not exist."""
        if table not in self._cache:
            self._cache[table] = self._describe(conn, table)
        return self._cache[table]

    def _describe(self, conn: Connection, table: TableId) -> TableInfo | None:
        import sqlalchemy

        inspector = sqlalchemy.inspect(conn)
        schema = table.catalog or table.schema
        if not inspector.has_table(table.table, schema=schema):
            return None
        columns = {c["name"].lower(): c["name"] for c in inspector.get_columns(table.table, schema=schema)}
        primary_key = list(inspector.get_pk_constraint(table.table, schema=schema).get("constrained_columns") or [])
        return TableInfo(columns, primary_key)

    def ensure(
        self, conn: Connection, table: TableId, keys: Iterable[ColumnSpec], values: Iterable[ColumnSpec]
    ) -> None:
        """Create ``table`` or add the missing columns, as auto.create / auto.evolve allow; commits the DDL."""
        keys, values = list(keys), list(values)
        info = self.info(conn, table)
        if info is None:
            if not self._auto_create:
                raise ConnectError(f"Table {table.fqn()} is missing and auto-creation is disabled")
            sql = self._builder.create_table(table, keys, values)
            log.info("Creating table %s: %s", table.fqn(), sql)
            self._run_ddl(conn, table, sql)
            info = self.info(conn, table)
            if info is None:
                raise ConnectError(f"Table {table.fqn()} could not be created")
        missing = [c for c in [*keys, *values] if c.name.lower() not in info.columns]
        if not missing:
            return
        if not self._auto_evolve:
            names = ", ".join(c.name for c in missing)
            raise ConnectError(f"Table {table.fqn()} is missing fields ({names}) and auto-evolution is disabled")
        for column in missing:
            if not column.optional and column.default is None:
                raise ConnectError(f"Cannot ALTER TABLE {table.fqn()} to add missing field {column.name}, as the "
                                   "field is not optional and does not have a default value")
            sql = self._builder.add_column(table, column)
            log.info("Amending table %s: %s", table.fqn(), sql)
            self._run_ddl(conn, table, sql)

    def _run_ddl(self, conn: Connection, table: TableId, sql: str) -> None:
        try:
            conn.exec_driver_sql(sql)
            conn.commit()
        except Exception:
            # Another invocation may have created/altered the table concurrently: re-read before giving up.
            conn.rollback()
            self._cache.pop(table, None)
            if self.info(conn, table) is None:
                raise
            log.info("DDL on %s failed but the table exists; re-checking its columns", table.fqn())
            return
        self._cache.pop(table, None)
