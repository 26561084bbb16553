"""JdbcSourceConnector: lists and filters the tables, then splits them over tasks (Confluent ``JdbcSourceConnector``).

There is no table monitor thread: the coordinator calls ``start`` + ``task_configs`` whenever it (re)configures
the connector, and each call lists the tables afresh. Query mode is always one task.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from connect_core.api.config import parse_config
from connect_core.api.connector import ExactlyOnceSupport, SourceConnector
from connect_core.api.errors import ConnectError
from connect_core.api.file_roots import file_roots_of
from connect_core.connectors.jdbc._url import URL_CONFIG, file_roots_errors, resolve_file_roots
from connect_core.connectors.jdbc.source_config import JdbcSourceConfig

if TYPE_CHECKING:
    from pydantic import BaseModel

    from connect_core.api.config import ConfigValueInfo
    from connect_core.api.task import Task
    from connect_core.connectors.jdbc._dialect import TableId

__all__ = ["JdbcSourceConnector", "group_partitions"]



def group_partitions(elements: list[Any], num_groups: int) -> list[list[Any]]:
    """Kafka ``ConnectorUtils.groupPartitions``: contiguous chunks, the first ``n % groups`` one larger."""
    per_group, leftover = divmod(len(elements), num_groups)
    out, start = [], 0
    for group in range(num_groups):
        size = per_group + (1 if group < leftover else 0)
        out.append(elements[start:start + size])
        start += size
    return out


class JdbcSourceConnector(SourceConnector):
    """Copies tables (or one query) from a relational database; tables are split over ``tasks.max`` tasks."""

    config_model: ClassVar[type[BaseModel]] = JdbcSourceConfig

    def __init__(self) -> None:
        """Create a stopped connector."""
        self._props: dict[str, str] = {}
        self._config: JdbcSourceConfig | None = None
        self._tables: list[TableId] = []
        self._table_strings: list[str] = []

    def start(self, props: dict[str, str]) -> None:
        """Validate the config and, in table mode, read the current table list from the database."""
        config = parse_config(JdbcSourceConfig, props)
        # the database file the connector lists tables of is the one the roots check accepted
        self._config = config.model_copy(update={"connection_url": resolve_file_roots(config.connection_url,
                                                                                      file_roots_of(self))})
        self._props = dict(props)
        if self._config.effective_query:
            return
        from connect_core.connectors.jdbc._connection import connect
        from connect_core.connectors.jdbc._dialect import dialect_for
        from connect_core.connectors.jdbc._tables import select_tables
        from connect_core.connectors.jdbc._url import parse_jdbc_url

        config = self._config
        dialect = dialect_for(parse_jdbc_url(config.connection_url).family, config.dialect_name,
                              config.quote_sql_identifiers)
        conn = connect(config, dialect)
        try:
            listed = dialect.list_tables(conn, config.table_types, config.catalog_pattern, config.schema_pattern)
        finally:
            conn.close()
        self._tables = select_tables(listed, config, dialect)
        self._table_strings = [dialect.table_sql(t) for t in self._tables]

    def validate(self, props: dict[str, str]) -> list[ConfigValueInfo]:
        """The model's results, plus a refusal of a SQLite file outside the worker's file roots."""
        return file_roots_errors(super().validate(props), props.get(URL_CONFIG), file_roots_of(self))

    def reconfiguration_interval_ms(self, props: dict[str, str]) -> int | None:
        """``table.poll.interval.ms`` in table mode (Confluent's ``TableMonitorThread``): tables created or dropped
        since are picked up by the next reconfiguration; never for a query."""
        config = parse_config(JdbcSourceConfig, props)
        return None if config.effective_query else config.table_poll_interval_ms

    def tables(self) -> list[TableId]:
        """The tables found by the last ``start``."""
        return list(self._tables)

    def task_class(self) -> type[Task]:
        """``JdbcSourceTask``."""
        from connect_core.connectors.jdbc.source_task import JdbcSourceTask

        return JdbcSourceTask

    def task_configs(self, max_tasks: int) -> list[dict[str, str]]:
        """One config for the query; otherwise ``min(#tables, max_tasks)`` configs of contiguous table groups."""
        from connect_core.connectors.jdbc.source_task import TABLES_CONFIG, TABLES_FETCHED_CONFIG

        assert self._config is not None, "start() first"
        if self._config.effective_query or not self._table_strings:
            return [{**self._props, TABLES_CONFIG: "", TABLES_FETCHED_CONFIG: "true"}]
        groups = group_partitions(self._table_strings, min(len(self._table_strings), max_tasks))
        return [{**self._props, TABLES_CONFIG: ",".join(group), TABLES_FETCHED_CONFIG: "true"} for group in groups]

    def exactly_once_support(self, connector_config: dict[str, str] | None = None) -> ExactlyOnceSupport | None:
        """Offsets are stored in the same transaction as the records, so exactly-once is supported."""
        return ExactlyOnceSupport.SUPPORTED

    def stop(self) -> None:
        """Nothing stays open between calls."""

    def alter_offsets(self, connector_config: dict[str, str], offsets: dict[Any, Any]) -> bool:
        """Refuse offsets the task could not read back (``incrementing``/``timestamp``/``timestamp_nanos`` must be
        integers, timestamps non-negative); Confluent checks nothing and the task then fails in ``poll``.

        Returns False: the offsets are framework-managed, as Confluent's connector (no override) reports.
        """
        from connect_core.connectors.jdbc._offsets import Offset

        for offset in offsets.values():
            if offset is None:
                continue
            parsed = Offset.from_map(offset)  # ConnectError for a value that is not an integer
            if any(v is not None and v < 0 for v in (parsed.timestamp_ms, parsed.timestamp_nanos)):
                raise ConnectError("The 'timestamp' and 'timestamp_nanos' values of a JDBC source offset should be "
                                   "non-negative")
        return False
