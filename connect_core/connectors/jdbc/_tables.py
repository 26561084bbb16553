"""Which tables a connector copies and which offset columns each uses (Confluent ``TableMonitorThread`` filters).

Legacy style: ``table.whitelist`` / ``table.blacklist`` match a table by its unqualified name, its unquoted
fully-qualified name or its quoted fully-qualified name. Regex style: ``table.include.list`` /
``table.exclude.list`` match the unquoted fully-qualified name (full match, case-sensitive), and
``timestamp.columns.mapping`` / ``incrementing.column.mapping`` give each table its columns.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from connect_core.api.errors import ConfigError, ConnectError

if TYPE_CHECKING:
    from connect_core.connectors.jdbc._dialect import Dialect, TableId
    from connect_core.connectors.jdbc.source_config import JdbcSourceConfig

__all__ = ["incrementing_column_for", "select_tables", "timestamp_columns_for"]

_TS_MAPPING = re.compile(r"^(?P<regex>.+):\[(?P<cols>[^\]]*)\]$")


def _names(table: TableId, dialect: Dialect) -> set[str]:
    return {table.table, table.fqn(), dialect.table_sql(table)}


def select_tables(tables: list[TableId], config: JdbcSourceConfig, dialect: Dialect) -> list[TableId]:
    """Filter the listed tables; fails on duplicate unqualified names, since they would share a topic."""
    if config.table_whitelist:
        wanted = set(config.table_whitelist)
        chosen = [t for t in tables if _names(t, dialect) & wanted]
    elif config.table_blacklist:
        unwanted = set(config.table_blacklist)
        chosen = [t for t in tables if not _names(t, dialect) & unwanted]
    elif config.table_include_list:
        include = [re.compile(p) for p in config.table_include_list]
        exclude = [re.compile(p) for p in config.table_exclude_list]
        chosen = [t for t in tables if any(p.fullmatch(t.fqn()) for p in include)
                  and not any(p.fullmatch(t.fqn()) for p in exclude)]
    else:
        chosen = list(tables)
    seen: dict[str, TableId] = {}
    for table in chosen:
        if table.table in seen:
            raise ConnectError(f"The connector uses the unqualified table name as the topic name and has detected "
                               f"duplicate unqualified table names. This could lead to mixed data types in the "
                               f"topic and downstream processing errors. To prevent such processing errors, the "
                               f"JDBC Source connector fails to start when it detects duplicate table name "
                               f"configurations. Update the connector's configuration to include only one of "
                               f"{seen[table.table].fqn()} and {table.fqn()}.")
        seen[table.table] = table
    return chosen


def _mapping_for(entries: list[str], table: TableId, key: str) -> str:
    matches = []
    for entry in entries:
        regex, sep, value = entry.rpartition(":") if key == "incrementing.column.mapping" else _split_ts(entry)
        if not sep:
            raise ConfigError(f"Invalid value {entry} for configuration {key}: expected regex:column")
        if re.fullmatch(regex, table.fqn()):
            matches.append(value)
    if len(matches) != 1:
        raise ConfigError(f"Invalid value {','.join(entries)} for configuration {key}: table {table.fqn()} "
                          f"matches {len(matches)} entries, it must match exactly one")
    return matches[0]


def _split_ts(entry: str) -> tuple[str, str, str]:
    match = _TS_MAPPING.match(entry.strip())
    return (match["regex"], ":", match["cols"]) if match else ("", "", "")


def timestamp_columns_for(config: JdbcSourceConfig, table: TableId | None) -> list[str]:
    """``timestamp.column.name``, or this table's entry of ``timestamp.columns.mapping``."""
    if table is not None and config.timestamp_columns_mapping:
        cols = _mapping_for(config.timestamp_columns_mapping, table, "timestamp.columns.mapping")
        return [c.strip() for c in cols.split("|") if c.strip()]
    return [c for c in config.timestamp_column_name if c.strip()]


def incrementing_column_for(config: JdbcSourceConfig, table: TableId | None) -> str:
    """``incrementing.column.name``, or this table's entry of ``incrementing.column.mapping`` ("" = autodetect)."""
    if table is not None and config.incrementing_column_mapping:
        return _mapping_for(config.incrementing_column_mapping, table, "incrementing.column.mapping").strip()
    return config.incrementing_column_name.strip()
