"""JdbcSourceTask: reads its tables (or the query) once per invocation (Confluent ``JdbcSourceTask``).

``start`` connects, looks up each table's committed offset (protocol 1 first, then the legacy protocol 0 map),
validates the offset columns and builds one ``TableQuerier`` per table. ``poll`` drains the queriers in order,
``batch.max.rows`` at a time, and returns ``[]`` once every table is caught up, so the runner ends the invocation.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Final

from connect_core.api.config import config_error, parse_config
from connect_core.api.errors import ConfigError, ConnectError, RetriableError
from connect_core.api.file_roots import file_roots_of
from connect_core.api.task import SourceTask, partition_key
from connect_core.connectors.jdbc._connection import connect
from connect_core.connectors.jdbc._dialect import dialect_for
from connect_core.connectors.jdbc._offsets import (
    QUERY_PARTITION,
    Offset,
    bulk_partition,
    table_partition_v0,
    table_partition_v1,
)
from connect_core.connectors.jdbc._querier import QuerySpec, TableQuerier
from connect_core.connectors.jdbc._tables import incrementing_column_for, timestamp_columns_for
from connect_core.connectors.jdbc._url import parse_jdbc_url, resolve_file_roots
from connect_core.connectors.jdbc.source_config import BULK, INCREMENTING, TIMESTAMP, JdbcSourceConfig, parse_zone

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Callable

    from connect_core.api.record import SourceRecord, SourceValues
    from connect_core.connectors.jdbc._dialect import ColumnInfo, Dialect, TableId

__all__ = ["TABLES_CONFIG", "TABLES_FETCHED_CONFIG", "JdbcSourceTask"]

log = logging.getLogger(__name__)

TABLES_CONFIG: Final = "tables"
TABLES_FETCHED_CONFIG: Final = "tables.fetched"
_TRANSIENT: Final = ("OperationalError", "InterfaceError")


class JdbcSourceTask(SourceTask):
    """Copies rows of its assigned tables (or the query) into records, with Confluent's offsets."""

    def __init__(self) -> None:
        """Create a stopped task."""
        self._conn: Any = None
        self._queriers: list[TableQuerier] = []
        self._batch_max_rows = 0
        self._config: JdbcSourceConfig | None = None
        self._dialect: Dialect | None = None

    def start(self, props: dict[str, str]) -> None:
        """Parse the connector's model, connect, and prepare one querier per table with its stored offset."""
        config = parse_config(JdbcSourceConfig, props)
        config = config.model_copy(update={"connection_url": resolve_file_roots(config.connection_url,
                                                                                file_roots_of(self))})
        self._batch_max_rows = config.batch_max_rows
        query = config.effective_query
        table_names = [t for t in _split_tables(props.get(TABLES_CONFIG, "")) if t]
        if not table_names and not query:
            if props.get(TABLES_FETCHED_CONFIG, "true").lower() == "false":
                log.info("Started JDBC source task. Waiting for DB tables to be fetched.")
                return
            raise ConfigError("Task is being killed because it was not assigned a table nor a query to execute. If "
                              "run in table mode please make sure that the tables exist on the database. If the "
                              "table does exist on the database, we recommend using the fully qualified table name.")
        if table_names and query:
            raise ConfigError("Invalid configuration: a JdbcSourceTask cannot have both a table and a query "
                              "assigned to it")
        dialect = dialect_for(parse_jdbc_url(config.connection_url).family, config.dialect_name,
                              config.quote_sql_identifiers)
        self._config, self._dialect = config, dialect
        self._conn = connect(config, dialect)
        try:
            tables = [dialect.parse_table_identifier(t) for t in table_names]
            self._queriers = self._build(config, dialect, tables, query)
        except BaseException:
            self.stop()
            raise

    def _build(self, config: JdbcSourceConfig, dialect: Dialect, tables: list[TableId],
               query: str) -> list[TableQuerier]:
        tz = parse_zone(config.db_timezone)
        settings = (config.effective_numeric_mapping, config.timestamp_granularity.lower(), tz)
        targets: list[TableId | None] = list(tables) if tables else [None]
        incremental = config.mode != BULK
        candidates = {t: _partitions(t, incremental) for t in targets}
        stored = self.context.offset_storage_reader.offsets([p for ps in candidates.values() for p in ps]) \
            if incremental else {}
        queriers = []
        for table in targets:
            info = dialect.describe(self._conn, table) if table is not None else None
            ts_cols = timestamp_columns_for(config, table) if config.mode != INCREMENTING else []
            inc_col = self._incrementing_column(config, table, info) if config.mode not in (BULK, TIMESTAMP) else None
            if info is not None and table is not None:
                _check_columns(config, table, info, ts_cols, inc_col)
            offset_map = next((stored[k] for k in map(partition_key, candidates[table]) if k in stored), None)
            offset = self._initial_offset(config, dialect, offset_map, tz)
            partition = candidates[table][0] if incremental else (bulk_partition(table) if table else QUERY_PARTITION)
            topic = config.topic_prefix.strip() + (table.table if table is not None else "")
            spec = QuerySpec(table, query, config.query_suffix, topic, dict(partition), ts_cols, inc_col,
                             config.timestamp_delay_interval_ms, config.incrementing_grace_period_ms)
            queriers.append(TableQuerier(dialect, spec, offset, settings, info))
        self._conn.commit()
        return queriers

    def _incrementing_column(self, config: JdbcSourceConfig, table: TableId | None,
                             info: dict[str, ColumnInfo] | None) -> str:
        column = incrementing_column_for(config, table)
        if column or info is None:
            return column
        auto = next((c.name for c in info.values() if c.autoincrement), None)
        if auto is None:
            raise config_error("incrementing.column.name", "", f"table {table.fqn() if table else ''} has no "
                               "auto-increment column to detect; name the incrementing column")
        return auto

    def _initial_offset(self, config: JdbcSourceConfig, dialect: Dialect, stored: dict[str, Any] | None,
                        tz: dt.tzinfo) -> Offset:
        if stored is not None or config.timestamp_initial is None:
            return Offset.from_map(stored)
        if config.timestamp_initial == -1:
            # -1 = "now" by the database clock, stored as Confluent does: millis only
            return Offset(timestamp_ms=Offset.from_instant(dialect.current_time(self._conn, tz)).timestamp_ms)
        return Offset(timestamp_ms=config.timestamp_initial)

    def poll(self) -> list[SourceRecord]:
        """The next batch from the first querier not yet caught up; ``[]`` when all are."""
        batch = self._poll_values()
        return [] if batch is None else batch.records()

    def values_poll(self) -> Callable[[], SourceValues | None] | None:
        """``poll``'s batch as one ``SourceValues`` (a querier's records share their partition, topic and schema and
        have no key, timestamp or headers), or None when ``poll`` is not this class's own (a subclass's)."""
        return self._poll_values if type(self).poll is _OWN_POLL else None

    def _poll_values(self) -> SourceValues | None:
        """``poll``'s records as values: the first querier's batch not yet caught up; None when all are."""
        for querier in self._queriers:
            if querier.done:
                continue
            batch = self._poll_with_retries(querier)
            if batch is not None:
                return batch
        # Every table is caught up: this round ends here, and the next poll (the next invocation of a warm task,
        # or the next round of a long one) queries every table again from its offset.
        for querier in self._queriers:
            querier.done = False
        return None

    def _poll_with_retries(self, querier: TableQuerier) -> SourceValues | None:
        """``querier.poll_values``; a transient SQL error (a lost connection, a deadlock) is retried
        ``query.retry.attempts`` times on a new connection from the querier's offset, then fails the task naming the
        key. With -1 (unlimited, the default) it is a ``RetriableError``: the next poll (this invocation's or the next
        one's, in this warm container or another) queries again on a new connection, as Confluent's connection
        provider makes one when the last is no longer valid. Other SQL errors fail at once, as Confluent fails on
        ``SQLNonTransientException``."""
        assert self._config is not None and self._dialect is not None, "start() first"
        attempts = self._config.query_retry_attempts
        retries = 0
        while True:
            try:
                if self._conn is None:  # dropped after a transient error
                    self._conn = connect(self._config, self._dialect)
                return querier.poll_values(self._conn, self._batch_max_rows)
            except ConnectError:
                raise
            except Exception as e:
                where = querier.spec.table.fqn() if querier.spec.table else "the query"
                if type(e).__name__ not in _TRANSIENT:
                    raise ConnectError(f"Failed to run query for {where}: {e}") from e
                querier.reset()
                self._drop_connection()
                if attempts < 0:
                    raise RetriableError(f"Failed to run query for {where}: {e}") from e
                if retries >= attempts:
                    raise ConnectError(f"Failed to query {where} after {retries} retries (query.retry.attempts="
                                       f"{attempts}): {e}") from e
                retries += 1
                log.warning("SQL error while querying %s (retry %d/%d): %s", where, retries, attempts, e)

    def _drop_connection(self) -> None:
        """Close the connection of a failed query (quietly: a lost one may not close cleanly) and forget every
        querier's cursor on it; the next poll connects again."""
        for querier in self._queriers:
            querier.reset()
        old, self._conn = self._conn, None
        if old is None:
            return
        try:
            old.close()
        except Exception:  # a lost connection may not close cleanly
            log.debug("closing the connection of a failed query", exc_info=True)

    def stop(self) -> None:
        """Close any open cursor and the connection."""
        conn, self._conn = self._conn, None
        if conn is None:
            return
        for querier in self._queriers:
            try:
                querier.close(conn)
            except Exception:  # closing must not mask the reason for stopping
                log.warning("Error closing a JDBC cursor", exc_info=True)
        try:
            conn.close()
        except Exception:
            log.warning("Error closing the JDBC connection", exc_info=True)


_OWN_POLL: Final = JdbcSourceTask.poll


def _split_tables(text: str) -> list[str]:
    """Split the internal ``tables`` property on commas outside quotes."""
    out: list[str] = []
    current: list[str] = []
    quote: str | None = None
    for ch in text:
        if quote is not None:
            quote = None if ch == quote else quote
        elif ch in "`\"":
            quote = ch
        elif ch == ",":
            out.append("".join(current).strip())
            current = []
            continue
        current.append(ch)
    out.append("".join(current).strip())
    return out


def _partitions(table: TableId | None, incremental: bool) -> list[dict[str, str]]:
    if table is None:
        return [QUERY_PARTITION]
    if not incremental:
        return [bulk_partition(table)]
    return [table_partition_v1(table), table_partition_v0(table)]


def _check_columns(config: JdbcSourceConfig, table: TableId, info: dict[str, ColumnInfo], ts_cols: list[str],
                   inc_col: str | None) -> None:
    """Confluent's ``validateColumnsExist`` and ``validateNonNullable``, for every table (not only the first)."""
    by_lower = {name.lower(): col for name, col in info.items()}
    if inc_col and inc_col.lower() not in by_lower:
        raise config_error("incrementing.column.name", inc_col,
                           f"Incrementing column: {inc_col} does not exist in table {table.fqn()}.")
    missing = [c for c in ts_cols if c.lower() not in by_lower]
    if missing:
        raise config_error("timestamp.column.name", ",".join(ts_cols),
                           f"Timestamp columns: {', '.join(missing)} do not exist in table {table.fqn()}.")
    if not config.validate_non_null:
        return
    if inc_col and by_lower[inc_col.lower()].nullable:
        raise ConnectError(f"Cannot make incremental queries using incrementing column {inc_col} on "
                           f"{table.fqn()} because this column is nullable.")
    if ts_cols and all(by_lower[c.lower()].nullable for c in ts_cols):
        raise ConnectError(f"Cannot make incremental queries using timestamp columns {','.join(ts_cols)} on "
                           f"{table.fqn()} because all of these columns are nullable.")
