"""``JdbcSinkConfig``: the keys of Confluent's ``JdbcSinkConfig`` (10.x) with their defaults and messages.

The connector and its tasks parse this one model. Keys that only make sense for a JDBC driver or SQL Server
(``jdbc.credentials.provider.class``, ``mssql.use.merge.holdlock``) are not carried over.
"""

from __future__ import annotations

import zoneinfo
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, SecretStr, field_validator, model_validator

from connect_core.api.config import config_error, config_field, in_range, valid_string
from connect_core.api.errors import ConfigError
from connect_core.connectors.jdbc._url import valid_jdbc_url

__all__ = ["DEFAULT_KAFKA_PK_NAMES", "JdbcSinkConfig"]

DEFAULT_KAFKA_PK_NAMES: Final = ("__connect_topic", "__connect_partition", "__connect_offset")
DEFAULT_TABLE_NAME_FORMAT: Final = "${topic}"
DEFAULT_BATCH_SIZE: Final = 3000
DEFAULT_MAX_RETRIES: Final = 10
DEFAULT_MAX_IN_FLIGHT_STATEMENTS: Final = 3
DEFAULT_RETRY_BACKOFF_MS: Final = 3000
DEFAULT_CONNECTION_ATTEMPTS: Final = 3
DEFAULT_CONNECTION_BACKOFF_MS: Final = 10_000
DEFAULT_DB_TIMEZONE: Final = "UTC"
_CONN, _WRITES, _DATA, _DDL, _RETRIES = "Connection", "Writes", "Data Mapping", "DDL Support", "Retries"

InsertMode = Literal["insert", "upsert", "update"]
PkMode = Literal["none", "kafka", "record_key", "record_value"]


def _key(default: Any, alias: str, description: str, **kwargs: Any) -> Any:
    """``config_field`` with the key first, so each definition reads like a ConfigDef line."""
    return config_field(default, alias=alias, description=description, **kwargs)


def _time_zone(key: str, value: Any) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise config_error(key, value, "Invalid time zone identifier") from None


class JdbcSinkConfig(BaseModel):
    """Config of ``JdbcSinkConnector`` (Confluent ``io.confluent.connect.jdbc.sink.JdbcSinkConfig``)."""

    model_config = ConfigDict(defer_build=True, populate_by_name=True, frozen=True)

    connection_url: str = _key(..., "connection.url", "JDBC connection URL, e.g. jdbc:mysql://host:3306/db.",
                               importance="HIGH", group=_CONN, validator=valid_jdbc_url)
    connection_user: str | None = _key(None, "connection.user", "JDBC connection user.", importance="HIGH",
                                       group=_CONN)
    connection_password: SecretStr | None = _key(None, "connection.password", "JDBC connection password.",
                                                 importance="HIGH", group=_CONN)
    connection_attempts: int = _key(DEFAULT_CONNECTION_ATTEMPTS, "connection.attempts",
                                    "Attempts to open a connection before failing.", group=_CONN,
                                    validator=in_range(1))
    connection_backoff_ms: int = _key(DEFAULT_CONNECTION_BACKOFF_MS, "connection.backoff.ms",
                                      "Backoff between connection attempts in ms.", group=_CONN, type="LONG")
    dialect_name: str = _key("", "dialect.name", "The database dialect; empty means detect it from the URL.",
                             group=_CONN)
    insert_mode: InsertMode = _key("insert", "insert.mode", "insert, upsert (idempotent) or update.",
                                   importance="HIGH", group=_WRITES,
                                   validator=valid_string("insert", "upsert", "update", case_insensitive=True))
    batch_size: int = _key(DEFAULT_BATCH_SIZE, "batch.size", "Rows per multi-row statement.", group=_WRITES,
                           validator=in_range(0))
    delete_enabled: bool = _key(False, "delete.enabled", "Delete the row of a tombstone's key (pk.mode=record_key).",
                                group=_WRITES)
    table_name_format: str = _key(DEFAULT_TABLE_NAME_FORMAT, "table.name.format",
                                  "Destination table name; ${topic} is replaced by the record's topic.",
                                  group=_DATA)
    pk_mode: PkMode = _key("none", "pk.mode", "Where the primary key comes from: none, kafka, record_key or "
                           "record_value.", importance="HIGH", group=_DATA,
                           validator=valid_string("none", "kafka", "record_key", "record_value",
                                                  case_insensitive=True))
    pk_fields: list[str] = _key([], "pk.fields", "Primary key field names; meaning depends on pk.mode.",
                                group=_DATA)
    fields_whitelist: list[str] = _key([], "fields.whitelist", "Value fields to write (empty: all); key fields "
                                       "are chosen by pk.mode independently.", group=_DATA)
    db_timezone: str = _key(DEFAULT_DB_TIMEZONE, "db.timezone", "Time zone in which DATE, TIME and TIMESTAMP "
                            "values are written.", group=_DATA, validator=_time_zone)
    auto_create: bool = _key(False, "auto.create", "CREATE TABLE from the record schema when it is missing.",
                             group=_DDL)
    auto_evolve: bool = _key(False, "auto.evolve", "ALTER TABLE ADD nullable columns the record has and the table "
                             "lacks.", group=_DDL)
    quote_sql_identifiers: str = _key("always", "quote.sql.identifiers", "always or never quote identifiers.",
                                      group=_DDL, validator=valid_string("always", "never", case_insensitive=True))
    lambda_connect_max_in_flight_statements: int = _key(
        DEFAULT_MAX_IN_FLIGHT_STATEMENTS, "lambda.connect.max.in.flight.statements",
        "The most statements of a batch sent or waiting to be sent while the next is encoded, run in order on the "
        "batch's one transaction; bounds the encoded bytes held (1: each encoded after the one before is answered).",
        group=_WRITES, validator=in_range(1, 64))
    max_retries: int = _key(DEFAULT_MAX_RETRIES, "max.retries", "Retries of a batch after a transient database "
                            "error.", group=_RETRIES, validator=in_range(0))
    retry_backoff_ms: int = _key(DEFAULT_RETRY_BACKOFF_MS, "retry.backoff.ms", "Wait before each retry in ms.",
                                 group=_RETRIES, validator=in_range(0))

    @field_validator("insert_mode", "pk_mode", "quote_sql_identifiers", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _check(self) -> JdbcSinkConfig:
        if self.delete_enabled and self.pk_mode != "record_key":
            raise ConfigError("Primary key mode must be 'record_key' when delete support is enabled")
        if self.pk_mode == "kafka" and self.pk_fields and len(self.pk_fields) != 3:
            raise config_error("pk.fields", ",".join(self.pk_fields),
                               "pk.mode kafka needs no pk.fields (for the defaults) or exactly 3 names")
        return self

    @property
    def kafka_pk_names(self) -> tuple[str, ...]:
        """Column names of topic, partition and offset in pk.mode kafka."""
        return tuple(self.pk_fields) if self.pk_fields else DEFAULT_KAFKA_PK_NAMES

    def table_name(self, topic: str) -> str:
        """``table.name.format`` with ``${topic}`` replaced."""
        name = self.table_name_format.replace("${topic}", topic)
        if not name:
            raise ConfigError(f"Destination table name for topic '{topic}' is empty using the format string "
                              f"'{self.table_name_format}'")
        return name
