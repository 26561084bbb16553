"""``DebeziumJdbcSinkConfig``: the keys of Debezium's ``JdbcSinkConnectorConfig`` (3.7) with their defaults.

The common sink keys come from ``io.debezium.sink.SinkConnectorConfig``. Keys that choose Java classes or tune a
JDBC pool (``connection.provider``, ``connection.pool.*``, the naming strategies) or another database's dialect are
accepted with their defaults so published configs keep working; validate warns when they are changed.
"""

from __future__ import annotations

import logging
import re
import zoneinfo
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, SecretStr, field_validator, model_validator

from connect_core.api.config import config_error, config_field, in_range, valid_string
from connect_core.api.errors import ConfigError
from connect_core.connectors.jdbc._url import SQLITE, parse_jdbc_url

__all__ = ["DebeziumJdbcSinkConfig"]

_log = logging.getLogger(__name__)

_CONN, _CONNECTOR, _ADVANCED, _FILTERS = "Connection", "Connector", "Connector Advanced", "Filters"
DEFAULT_COLLECTION_NAME_FORMAT: Final = "${topic}"
DEFAULT_BATCH_SIZE: Final = 500
DEFAULT_COLLECTION_NAMING_STRATEGY: Final = "io.debezium.sink.naming.DefaultCollectionNamingStrategy"
DEFAULT_COLUMN_NAMING_STRATEGY: Final = "io.debezium.sink.naming.DefaultColumnNamingStrategy"
DEFAULT_CONNECTION_PROVIDER: Final = "io.debezium.connector.jdbc.AgroalConnectionProvider"
_JAVA_ONLY = "a Java class of the Debezium jar; lambda-connect always behaves as the default"
_POOL = "lambda-connect keeps one connection per task invocation; there is no pool to size"
_OTHER_DIALECT = "only the MySQL/MariaDB and PostgreSQL dialects are supported"

InsertMode = Literal["insert", "upsert", "update"]
PrimaryKeyMode = Literal["none", "kafka", "record_key", "record_value", "record_header"]
SchemaEvolution = Literal["none", "validate-only", "basic"]


def _key(default: Any, alias: str, description: str, **kwargs: Any) -> Any:
    return config_field(default, alias=alias, description=description, **kwargs)


def _time_zone(key: str, value: Any) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise config_error(key, value, "Invalid time zone identifier") from None


def _server_url(key: str, value: Any) -> None:
    """A MySQL, MariaDB or PostgreSQL JDBC URL (the dialects lambda-connect has of Debezium's)."""
    if isinstance(value, str) and value and "${" not in value and parse_jdbc_url(value).family == SQLITE:
        raise config_error(key, value, "Debezium's JDBC sink supports MySQL, MariaDB and PostgreSQL URLs here")


def _regex_list(key: str, value: Any) -> None:
    for item in value or []:
        try:
            re.compile(item)
        except re.error as error:
            raise config_error(key, ",".join(value), f"A comma-separated list of valid regular expressions is "
                               f"expected, but {error}") from None


class DebeziumJdbcSinkConfig(BaseModel):
    """Config of Debezium's ``JdbcSinkConnector`` (``io.debezium.connector.jdbc.JdbcSinkConnectorConfig``)."""

    model_config = ConfigDict(defer_build=True, populate_by_name=True, frozen=True)

    connection_url: str = _key(..., "connection.url", "Valid JDBC URL", importance="HIGH", group=_CONN,
                               validator=_server_url)
    connection_username: str | None = _key(None, "connection.username", "Name of the database user to be used "
                                           "when connecting to the connection.", importance="HIGH", group=_CONN)
    connection_password: SecretStr | None = _key(None, "connection.password", "Password of the database user to "
                                                 "be used when connecting to the connection.", importance="HIGH",
                                                 group=_CONN)
    connection_provider: str = _key(DEFAULT_CONNECTION_PROVIDER, "connection.provider", "Fully qualified class "
                                    "name of the connection provider.", group=_CONN, no_effect=_JAVA_ONLY)
    connection_pool_min_size: int = _key(5, "connection.pool.min_size", "Minimum number of connection in the "
                                         "connection pool", group=_CONN, no_effect=_POOL)
    connection_pool_max_size: int = _key(32, "connection.pool.max_size", "Maximum number of connection in the "
                                         "connection pool", group=_CONN, no_effect=_POOL)
    connection_pool_timeout: int = _key(1800, "connection.pool.timeout", "Connection pool timeout", group=_CONN,
                                        type="LONG", no_effect=_POOL)
    insert_mode: InsertMode = _key("insert", "insert.mode", "The insertion mode to use. 'insert' - the default "
                                   "mode, uses standard SQL insert statements; 'upsert' - uses upsert semantics "
                                   "for the database if its supported and requires setting primary.key.mode and "
                                   "primary.key.fields;'update' - uses update semantics for the database if its "
                                   "supported.", importance="LOW", group=_CONNECTOR,
                                   validator=valid_string("insert", "upsert", "update", case_insensitive=True))
    delete_enabled: bool = _key(False, "delete.enabled", "Whether to treat `null` record values as deletes. "
                                "Requires primary.key.mode to be `record.key`.", importance="LOW", group=_CONNECTOR)
    truncate_enabled: bool = _key(False, "truncate.enabled", "Whether to process debezium event `t` as truncate "
                                  "statement.", importance="LOW", group=_CONNECTOR)
    collection_name_format: str = _key(DEFAULT_COLLECTION_NAME_FORMAT, "collection.name.format",
                                       "A format string for the table, which may contain '${topic}' as a "
                                       "placeholder for the original topic name.", group=_CONNECTOR)
    table_name_format: str | None = _key(None, "table.name.format", "Deprecated alias of collection.name.format, "
                                         "used when collection.name.format is not set.", group=_CONNECTOR)
    primary_key_mode: PrimaryKeyMode = _key("none", "primary.key.mode", "The primary key mode.", importance="HIGH",
                                            group=_CONNECTOR,
                                            validator=valid_string("none", "kafka", "record_key", "record_value",
                                                                   "record_header", case_insensitive=True))
    primary_key_fields: str | None = _key(None, "primary.key.fields", "A comma-separated list of primary key "
                                          "field names. This is interpreted differently depending on "
                                          "primary.key.mode.", importance="LOW", group=_CONNECTOR)
    schema_evolution: SchemaEvolution = _key("none", "schema.evolution", "Controls how schema evolution is handled "
                                             "by the sink connector", importance="LOW", group=_CONNECTOR,
                                             validator=valid_string("none", "validate-only", "basic",
                                                                    case_insensitive=True))
    quote_identifiers: bool = _key(False, "quote.identifiers", "When enabled, table, column, and other identifiers "
                                   "are quoted based on the database dialect. When disabled, only explicit cases "
                                   "where the dialect requires quoting will be used, such as names starting with "
                                   "an underscore.", importance="LOW", group=_CONNECTOR)
    collection_naming_strategy: str = _key(DEFAULT_COLLECTION_NAMING_STRATEGY, "collection.naming.strategy",
                                           "Name of the strategy class that defines the collection name from the "
                                           "topic name.", importance="LOW", group=_ADVANCED, type="CLASS",
                                           no_effect=_JAVA_ONLY)
    column_naming_strategy: str = _key(DEFAULT_COLUMN_NAMING_STRATEGY, "column.naming.strategy", "Name of the "
                                       "strategy class that implements the ColumnNamingStrategy interface.",
                                       importance="LOW", group=_ADVANCED, type="CLASS", no_effect=_JAVA_ONLY)
    collection_table_format: str = _key("${table}", "collection.table.format", "Alternative format that uses "
                                        "table name instead of topic name. Use ${schema} for schema name and "
                                        "${table} for table name.", group=_CONNECTOR, no_effect=_JAVA_ONLY)
    use_time_zone: str = _key("UTC", "use.time.zone", "The timezone used when inserting temporal values. Defaults "
                              "to UTC.", group=_CONNECTOR, validator=_time_zone)
    database_time_zone: str | None = _key(None, "database.time_zone", "Deprecated alias of use.time.zone, used "
                                          "when use.time.zone is not set.", group=_CONNECTOR)
    dialect_postgres_postgis_schema: str = _key("public", "dialect.postgres.postgis.schema", "Name of the schema "
                                                "where postgis extension is installed. Default is public",
                                                importance="LOW", group=_ADVANCED,
                                                no_effect="PostGIS types are not read (written as their Connect "
                                                          "types)")
    dialect_postgres_unnest_insert_enabled: bool = _key(False, "dialect.postgres.unnest.insert.enabled", "Enable "
                                                        "UNNEST-based batch inserts for PostgreSQL.",
                                                        importance="LOW", group=_ADVANCED,
                                                        no_effect="inserts are always multi-row statements")
    dialect_sqlserver_identity_insert: bool = _key(False, "dialect.sqlserver.identity.insert", "Allowing to "
                                                   "insert explicit value for identity column in table for "
                                                   "SQLSERVER.", importance="LOW", group=_ADVANCED,
                                                   no_effect=_OTHER_DIALECT)
    dialect_starrocks_catalog_name: str | None = _key(None, "dialect.starrocks.catalog.name", "Name of the "
                                                      "StarRocks catalog the connector writes into.",
                                                      importance="LOW", group=_ADVANCED, no_effect=_OTHER_DIALECT)
    batch_size: int = _key(DEFAULT_BATCH_SIZE, "batch.size", "Specifies how many records to attempt to batch "
                           "together into the destination table, when possible.", group=_ADVANCED,
                           validator=in_range(1))
    use_reduction_buffer: bool = _key(False, "use.reduction.buffer", "Specifies whether to use the reduction "
                                      "buffer.", importance="LOW", group=_CONNECTOR,
                                      no_effect="each invocation's records are written in order in one transaction")
    keyed_message_batch_mode: str = _key("deduplication", "keyed.message.batch.mode", "Controls how keyed records "
                                         "are batched: 'deduplication' (default) or 'passthrough'.",
                                         group=_ADVANCED, validator=valid_string("passthrough", "deduplication",
                                                                                 case_insensitive=True),
                                         no_effect="each invocation's records are written in order, so a key's "
                                                   "last change wins in either mode")
    field_include_list: list[str] | None = _key(None, "field.include.list", "A comma-separated list of regular "
                                                "expressions matching fully-qualified names of fields that should "
                                                "be included in change events. The field names must be delimited "
                                                "by the format <topic>:<field> ", group=_FILTERS,
                                                validator=_regex_list)
    field_exclude_list: list[str] | None = _key(None, "field.exclude.list", "A comma-separated list of regular "
                                                "expressions matching fully-qualified names of fields that should "
                                                "be excluded from change events. The field names must be delimited "
                                                "by the format <topic>:<field> ", group=_FILTERS,
                                                validator=_regex_list)
    flush_max_retries: int = _key(5, "flush.max.retries", "Max retry count when fail to flush. In case of "
                                  "retriable exceptions, the connector retries to flush.", importance="LOW",
                                  group=_ADVANCED, validator=in_range(0))
    flush_retry_delay_ms: int = _key(1000, "flush.retry.delay.ms", "Delay to retry when fail to flush",
                                     importance="LOW", group=_ADVANCED, type="LONG", validator=in_range(0))
    connection_restart_on_errors: bool = _key(False, "connection.restart.on.errors", "Specifies whether the "
                                              "connector should attempt to restart the connection automatically "
                                              "upon connection-related errors.", importance="LOW",
                                              group=_ADVANCED, no_effect="a lost connection is always reopened")
    cloud_events_schema_name_pattern: str = _key(".*CloudEvents\\.Envelope$", "cloud.events.schema.name.pattern",
                                                 "Regular expression pattern to identify CloudEvents messages by "
                                                 "matching the schema name with this pattern.", importance="LOW",
                                                 group=_ADVANCED)

    @model_validator(mode="before")
    @classmethod
    def _aliases(cls, data: Any) -> Any:
        """Debezium's deprecated aliases (``table.name.format``, ``database.time_zone``, used when the key is unset)
        and its insert-mode check, which asks whether ``primary.key.mode`` was set at all."""
        if isinstance(data, dict):
            data = dict(data)
            if str(data.get("insert_mode", "")).lower() == "upsert" and "primary_key_mode" not in data:
                raise config_error("insert.mode", "upsert", "When using UPSERT, please define 'primary.key.mode'.")
            if "collection_name_format" not in data and data.get("table_name_format") is not None:
                _log.warning("%s is deprecated: use %s", "table.name.format", "collection.name.format")
                data["collection_name_format"] = data["table_name_format"]
            if "use_time_zone" not in data and data.get("database_time_zone") is not None:
                _time_zone("database.time_zone", data["database_time_zone"])
                data["use_time_zone"] = data["database_time_zone"]
        return data

    @field_validator("insert_mode", "primary_key_mode", "schema_evolution", "keyed_message_batch_mode",
                     mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _check(self) -> DebeziumJdbcSinkConfig:
        if self.delete_enabled and self.primary_key_mode not in ("record_key", "record_value", "record_header"):
            raise config_error("delete.enabled", "true", "When 'delete.enabled' is set to 'true', the "
                               "'primary.key.mode' option must be set to 'record_key', 'record_value', or "
                               "'record_header'.")
        if self.field_include_list and self.field_exclude_list:
            raise ConfigError("Cannot define both column.exclude.list and column.include.list. Please specify only "
                              "one.")
        return self

    @property
    def key_fields(self) -> list[str]:
        """``primary.key.fields`` split on commas (Debezium's ``Strings.setOf``: trimmed, empty items dropped)."""
        names = (self.primary_key_fields or "").split(",")
        return list(dict.fromkeys(n.strip() for n in names if n.strip()))
