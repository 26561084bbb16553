"""``BinlogSourceConfig``: the keys of Debezium's MySQL/MariaDB connector that the binlog source implements.

The connector and its task parse this one model. Keys in Debezium's namespaces that lambda-connect does not
implement are refused at validate (``unsupported_keys``) rather than silently ignored: a config that asks for
behaviour we do not have must not look accepted.
"""

from __future__ import annotations

import re
import zlib
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, SecretStr, model_validator

from connect_core.api.config import config_error, config_field, in_range, valid_string

__all__ = [
    "DECIMAL_MODES", "SNAPSHOT_MODES", "TIME_PRECISION_MODES", "BinlogSourceConfig", "unsupported_keys",
]

SNAPSHOT_MODES: Final = ("initial", "no_data", "when_needed", "never")
DECIMAL_MODES: Final = ("precise", "double", "string")
TIME_PRECISION_MODES: Final = ("adaptive_time_microseconds", "connect")
DEFAULT_PORT: Final = 3306
DEFAULT_MAX_BATCH_SIZE: Final = 2048
DEFAULT_SNAPSHOT_FETCH_SIZE: Final = 10_000
_DB = "Connector"
_EVENTS = "Events"
_NO_HISTORY = ("every binlog row event carries its column names (binlog_row_metadata=FULL), so no schema history "
               "topic is kept")
_INVALID_TOPIC_CHARS = re.compile(r"[^a-zA-Z0-9._-]")
# Keys of the worker and of lambda-connect's own trigger settings: never the connector's to refuse.
_FRAMEWORK_KEYS: Final = frozenset({
    "name", "connector.class", "tasks.max", "tasks.max.enforce", "key.converter", "value.converter",
    "header.converter", "transforms", "predicates", "config.action.reload", "exactly.once.support",
    "transaction.boundary", "transaction.boundary.interval.ms", "offsets.storage.topic", "topics", "topics.regex",
    "poll.interval.ms",
})
_FRAMEWORK_PREFIXES: Final = (
    "key.converter.", "value.converter.", "header.converter.", "transforms.", "predicates.", "errors.",
    "topic.creation.", "producer.override.", "consumer.override.", "admin.override.", "lambda.",
)


def _field(default: Any, alias: str, doc: str, **kw: Any) -> Any:
    return config_field(default, alias=alias, description=doc, **kw)


def _topic_prefix(key: str, value: Any) -> None:
    if not value or _INVALID_TOPIC_CHARS.search(value):
        raise config_error(key, value, "The 'topic.prefix' value is invalid: A value must be non-empty and may only "
                           "contain ASCII alphanumerics, '.', '_' and '-'.")


def _regexes(key: str, value: Any) -> None:
    for pattern in value or []:
        try:
            re.compile(pattern)
        except re.error as e:
            raise config_error(key, ",".join(value), f"A comma-separated list of valid regular expressions is "
                               f"expected, but {pattern} is not: {e}") from None


class BinlogSourceConfig(BaseModel):
    """Config of the binlog source (Debezium ``MySqlConnectorConfig``/``MariaDbConnectorConfig``), Debezium's keys."""

    model_config = ConfigDict(defer_build=True, populate_by_name=True, frozen=True)

    hostname: str = _field(..., "database.hostname", "Resolvable hostname or IP address of the database server.",
                           importance="HIGH", group=_DB)
    port: int = _field(DEFAULT_PORT, "database.port", "Port of the database server.", importance="HIGH", group=_DB,
                       validator=in_range(1, 65535))
    user: str = _field(..., "database.user", "Name of the database user to be used when connecting to the "
                       "database (needs SELECT, RELOAD, SHOW DATABASES, REPLICATION SLAVE and REPLICATION CLIENT).",
                       importance="HIGH", group=_DB)
    password: SecretStr | None = _field(None, "database.password", "Password of the database user.",
                                        importance="HIGH", group=_DB)
    server_id: int | None = _field(None, "database.server.id", "A numeric ID of this database client, which must be "
                                   "unique across all currently-running database processes in the cluster. Default: "
                                   "derived from topic.prefix (5400-6399).", type="LONG", group=_DB,
                                   validator=in_range(1, 2**32 - 1))
    topic_prefix: str = _field(..., "topic.prefix", "Topic prefix that identifies and provides a namespace for the "
                               "particular database server/cluster; every topic name starts with it.",
                               importance="HIGH", group=_DB, validator=_topic_prefix)
    database_include_list: list[str] = _field([], "database.include.list", "Regular expressions matching the names "
                                              "of the databases to capture.", group=_DB, validator=_regexes)
    database_exclude_list: list[str] = _field([], "database.exclude.list", "Regular expressions matching the names "
                                              "of the databases to leave out.", group=_DB, validator=_regexes)
    table_include_list: list[str] = _field([], "table.include.list", "Regular expressions matching the fully "
                                           "qualified names (database.table) of the tables to capture.", group=_DB,
                                           validator=_regexes)
    table_exclude_list: list[str] = _field([], "table.exclude.list", "Regular expressions matching the fully "
                                           "qualified names (database.table) of the tables to leave out.", group=_DB,
                                           validator=_regexes)
    column_exclude_list: list[str] = _field([], "column.exclude.list", "Regular expressions matching the fully "
                                            "qualified names (database.table.column) of columns to leave out of "
                                            "change event values.", group=_DB, validator=_regexes)
    snapshot_mode: str = _field("initial", "snapshot.mode", "When to snapshot: 'initial' (when no offset exists), "
                                "'no_data' (only the binlog position, no rows), 'when_needed' (also when the stored "
                                "binlog position is no longer on the server), 'never' (stream from the oldest binlog).",
                                group=_DB, validator=valid_string(*SNAPSHOT_MODES, case_insensitive=True),
                                recommended=SNAPSHOT_MODES)
    snapshot_fetch_size: int = _field(DEFAULT_SNAPSHOT_FETCH_SIZE, "snapshot.fetch.size", "Rows read from a table "
                                      "per snapshot query.", group=_DB, validator=in_range(1))
    max_batch_size: int = _field(DEFAULT_MAX_BATCH_SIZE, "max.batch.size", "Maximum number of change events "
                                 "returned by one poll.", group=_DB, validator=in_range(1))
    tombstones_on_delete: bool = _field(True, "tombstones.on.delete", "Whether a delete event is followed by a "
                                        "tombstone (null value) with the same key.", group=_EVENTS)
    decimal_handling_mode: str = _field("precise", "decimal.handling.mode", "DECIMAL/NUMERIC as 'precise' "
                                        "(Connect Decimal), 'double' or 'string'.", group=_EVENTS,
                                        validator=valid_string(*DECIMAL_MODES, case_insensitive=True),
                                        recommended=DECIMAL_MODES)
    time_precision_mode: str = _field("adaptive_time_microseconds", "time.precision.mode", "Temporal values as "
                                      "Debezium's types ('adaptive_time_microseconds') or Kafka Connect's logical "
                                      "types ('connect').", group=_EVENTS,
                                      validator=valid_string(*TIME_PRECISION_MODES, case_insensitive=True),
                                      recommended=TIME_PRECISION_MODES)
    include_schema_changes: bool = _field(True, "include.schema.changes", "Whether DDL statements are written to "
                                          "the schema change topic named after topic.prefix.", group=_EVENTS)
    heartbeat_interval_ms: int = _field(0, "heartbeat.interval.ms", "When > 0, a heartbeat record goes to "
                                        "__debezium-heartbeat.<topic.prefix> when the binlog position moved without "
                                        "a change event for this long, so the stored offset keeps up.",
                                        group=_EVENTS, validator=in_range(0))
    history_bootstrap: str | None = _field(None, "schema.history.internal.kafka.bootstrap.servers", "Accepted for "
                                           "Debezium configs; unused: every binlog row event carries its column "
                                           "names (binlog_row_metadata=FULL), so no schema history topic is kept.",
                                           importance="LOW", group=_DB, no_effect=_NO_HISTORY)
    history_topic: str | None = _field(None, "schema.history.internal.kafka.topic", "Accepted for Debezium "
                                       "configs; unused (see schema.history.internal.kafka.bootstrap.servers).",
                                       importance="LOW", group=_DB, no_effect=_NO_HISTORY)

    @model_validator(mode="after")
    def _lists_exclusive(self) -> BinlogSourceConfig:
        if self.table_include_list and self.table_exclude_list:
            raise config_error("table.exclude.list", ",".join(self.table_exclude_list), '"table.include.list" is '
                               'already specified')
        if self.database_include_list and self.database_exclude_list:
            raise config_error("database.exclude.list", ",".join(self.database_exclude_list),
                               '"database.include.list" is already specified')
        return self

    @property
    def effective_server_id(self) -> int:
        """``database.server.id``, else a stable id from the topic prefix (Debezium picks a random one)."""
        return self.server_id or 5400 + zlib.crc32(self.topic_prefix.encode()) % 1000

    @property
    def mode(self) -> str:
        """``snapshot.mode`` in lower case."""
        return self.snapshot_mode.lower()


def unsupported_keys(props: dict[str, Any]) -> dict[str, str]:
    """Every key that is neither the worker's nor this connector's, with the message ``validate`` shows for it."""
    own = {info.alias for info in BinlogSourceConfig.model_fields.values()}
    out: dict[str, str] = {}
    for key in props:
        if key in own or key in _FRAMEWORK_KEYS or key.startswith(_FRAMEWORK_PREFIXES):
            continue
        out[key] = (f"The configuration {key} is not supported by lambda-connect's binlog connector; it accepts "
                    f"{', '.join(sorted(str(k) for k in own))} (see README, Change data capture)")
    return out
