"""``JdbcSourceConfig``: every key of Confluent's ``JdbcSourceConnectorConfig`` with its defaults and messages.

The connector and its tasks parse this one model. Cross-field rules follow Confluent's
``JdbcSourceConnectorValidation`` and the connector's ``start`` checks; each error names its key in Kafka's
"Invalid value V for configuration K: reason" format so ``validate`` reports it on the right key.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, SecretStr, model_validator

from connect_core.api.config import config_error, config_field, in_range, valid_string
from connect_core.connectors.jdbc._url import valid_jdbc_url

__all__ = [
    "BULK", "INCREMENTING", "MODES", "TIMESTAMP", "TIMESTAMP_INCREMENTING", "JdbcSourceConfig", "parse_zone",
]

BULK: Final = "bulk"
TIMESTAMP: Final = "timestamp"
INCREMENTING: Final = "incrementing"
TIMESTAMP_INCREMENTING: Final = "timestamp+incrementing"
MODES: Final = (BULK, TIMESTAMP, INCREMENTING, TIMESTAMP_INCREMENTING)
NUMERIC_MAPPINGS: Final = ("none", "precision_only", "best_fit", "best_fit_eager_double")
GRANULARITIES: Final = (
    "connect_logical", "micros_long", "micros_string", "micros_iso_datetime_string",
    "nanos_long", "nanos_string", "nanos_iso_datetime_string",
)
TABLE_TYPES: Final = ("TABLE", "VIEW", "SYSTEM TABLE", "GLOBAL TEMPORARY", "LOCAL TEMPORARY", "ALIAS", "SYNONYM")
ISOLATION_MODES: Final = (
    "DEFAULT", "READ_UNCOMMITTED", "READ_COMMITTED", "REPEATABLE_READ", "SERIALIZABLE", "SQL_SERVER_SNAPSHOT",
)
DEFAULT_BATCH_MAX_ROWS: Final = 1000
DEFAULT_POLL_INTERVAL_MS: Final = 5000
DEFAULT_TABLE_POLL_INTERVAL_MS: Final = 60_000
DEFAULT_CONNECTION_ATTEMPTS: Final = 3
DEFAULT_CONNECTION_BACKOFF_MS: Final = 10_000
DEFAULT_DB_TIMEZONE: Final = "UTC"
DEFAULT_CREDENTIALS_PROVIDER: Final = "io.confluent.connect.jdbc.util.DefaultJdbcCredentialsProvider"
_INVALID_TOPIC_CHARS = re.compile(r"[^a-zA-Z0-9._-]")
_SELECT = re.compile(r"(?is)^SELECT\b")
_LEGACY_NEW_CONFLICT = (
    "Cannot mix legacy and new configuration approaches. Legacy configurations (table.whitelist, table.blacklist, "
    "timestamp.column.name, incrementing.column.name) cannot be used together with new configurations "
    "(table.include.list, table.exclude.list, timestamp.columns.mapping, incrementing.column.mapping). Please "
    "choose one approach: either use all legacy configurations or all new configurations."
)
_NO_TABLE_FILTER = (
    "At least one table filtering configuration is required. Provide one of: table.whitelist, table.blacklist, "
    "table.include.list, or table.exclude.list."
)


def _topic_prefix(key: str, value: Any) -> None:
    if value is None:
        raise config_error(key, value, "Topic prefix must not be null.")
    trimmed = value.strip()
    if len(trimmed) > 249:
        raise config_error(key, value, "Topic prefix length must not exceed max topic name length, 249 chars")
    if _INVALID_TOPIC_CHARS.search(trimmed):
        raise config_error(
            key, value, "Topic prefix must not contain any character other than ASCII alphanumerics, '.', '_' and '-'."
        )


_OFFSET_ZONE = re.compile(r"^(?:UTC|GMT)?([+-])(\d{1,2})(?::?(\d{2}))?$")


def parse_zone(text: str) -> dt.tzinfo:
    """A Java ``ZoneId``: a region name (``Europe/Paris``) or a fixed offset (``+01:00``, ``UTC+1``)."""
    match = _OFFSET_ZONE.match(text.strip())
    if match:
        sign = -1 if match[1] == "-" else 1
        return dt.timezone(sign * dt.timedelta(hours=int(match[2]), minutes=int(match[3] or 0)))
    if text.strip().upper() in ("Z", "UTC", "GMT"):
        return dt.UTC
    return zoneinfo.ZoneInfo(text.strip())


def _time_zone(key: str, value: Any) -> None:
    try:
        parse_zone(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise config_error(key, value, "Invalid time zone identifier") from None


def _optional_choice(*choices: str) -> Any:
    check = valid_string(*choices, case_insensitive=True)
    return lambda key, value: None if value is None else check(key, value)


def _table_types(key: str, value: Any) -> None:
    for item in value or []:
        if item.upper() not in TABLE_TYPES:
            raise config_error(key, value, f"String must be one of: {', '.join(TABLE_TYPES)}")


def _credentials_provider(key: str, value: Any) -> None:
    """Only Confluent's default provider (``connection.user``/``connection.password``) exists here: a custom class
    (a Java plugin) would otherwise be ignored in silence and the connector log in with other credentials."""
    if value not in (DEFAULT_CREDENTIALS_PROVIDER, DEFAULT_CREDENTIALS_PROVIDER.rsplit(".", 1)[1]):
        raise config_error(key, value, f"Only {DEFAULT_CREDENTIALS_PROVIDER} (connection.user and "
                           "connection.password) is supported; set the credentials with those keys (a config "
                           "provider such as ${secretsmanager:...} keeps them out of the config)")


def _field(default: Any, alias: str, description: str, **kw: Any) -> Any:
    return config_field(default, alias=alias, description=description, **kw)


_DB, _MODE, _CONN = "Database", "Mode", "Connector"


class JdbcSourceConfig(BaseModel):
    """Config of the JDBC source (Confluent ``JdbcSourceConnectorConfig``); fields are Confluent's keys."""

    model_config = ConfigDict(defer_build=True, populate_by_name=True, frozen=True)

    # -- Database ----------------------------------------------------------------------------------
    connection_url: str = _field("", "connection.url", "JDBC connection URL, e.g. jdbc:mysql://localhost:3306/db, "
                                 "jdbc:mariadb://..., jdbc:postgresql://..., jdbc:sqlite:/path/file.db",
                                 importance="HIGH", group=_DB, width="LONG", display_name="JDBC URL",
                                 validator=valid_jdbc_url)
    connection_user: str | None = _field(None, "connection.user", "JDBC connection user.", importance="HIGH",
                                         group=_DB, width="LONG", display_name="JDBC User")
    connection_password: SecretStr | None = _field(None, "connection.password", "JDBC connection password.",
                                                   importance="HIGH", group=_DB, width="SHORT",
                                                   display_name="JDBC Password")
    credentials_provider_class: str = _field(
        DEFAULT_CREDENTIALS_PROVIDER, "jdbc.credentials.provider.class",
        "Credentials provider to use for authentication to the database. Only the default (connection.user and "
        "connection.password) is supported; validate refuses any other class.", importance="LOW", group=_DB,
        type="CLASS", validator=_credentials_provider)
    connection_attempts: int = _field(DEFAULT_CONNECTION_ATTEMPTS, "connection.attempts",
                                      "Maximum number of attempts to retrieve a valid JDBC connection. Must be a "
                                      "positive integer.", importance="LOW", group=_DB, validator=in_range(1))
    connection_backoff_ms: int = _field(DEFAULT_CONNECTION_BACKOFF_MS, "connection.backoff.ms",
                                        "Backoff time in milliseconds between connection attempts.",
                                        importance="LOW", group=_DB, type="LONG")
    table_whitelist: list[str] = _field([], "table.whitelist", "List of tables to include in copying. If "
                                        "specified, table.blacklist may not be set.", group=_DB, width="LONG")
    table_blacklist: list[str] = _field([], "table.blacklist", "List of tables to exclude from copying. If "
                                        "specified, table.whitelist may not be set.", group=_DB, width="LONG")
    table_include_list: list[str] = _field([], "table.include.list", "Regular expressions matched against the "
                                           "fully qualified table name of tables to copy.", group=_DB, width="LONG")
    table_exclude_list: list[str] = _field([], "table.exclude.list", "Regular expressions of fully qualified "
                                           "table names to leave out; only with table.include.list.", group=_DB)
    catalog_pattern: str | None = _field(None, "catalog.pattern", "Catalog pattern to fetch table metadata from "
                                         "the database. \"\" retrieves those without a catalog; null (default) "
                                         "means the current database on MySQL/MariaDB.", group=_DB, width="SHORT")
    schema_pattern: str | None = _field(None, "schema.pattern", "Schema pattern to fetch table metadata from the "
                                        "database. \"\" retrieves those without a schema; null (default) does not "
                                        "narrow the search.", importance="HIGH", group=_DB, width="SHORT")
    numeric_precision_mapping: bool = _field(False, "numeric.precision.mapping", "Deprecated: use "
                                             "numeric.mapping=precision_only.", importance="LOW", group=_DB)
    numeric_mapping: str | None = _field(None, "numeric.mapping", "Map NUMERIC/DECIMAL values by precision and "
                                         "optionally scale to integral or decimal types: none, precision_only, "
                                         "best_fit, best_fit_eager_double.", importance="LOW", group=_DB,
                                         validator=_optional_choice(*NUMERIC_MAPPINGS), recommended=NUMERIC_MAPPINGS)
    dialect_name: str = _field("", "dialect.name", "The database dialect; empty means detect it from the JDBC URL.",
                               importance="LOW", group=_DB, width="LONG", recommended=(
                                   "", "MySqlDatabaseDialect", "PostgreSqlDatabaseDialect", "SqliteDatabaseDialect"))
    # -- Mode --------------------------------------------------------------------------------------
    mode: str = _field("", "mode", "The mode for updating a table each time it is polled: bulk, incrementing, "
                       "timestamp or timestamp+incrementing.", importance="HIGH", group=_MODE, width="MEDIUM",
                       validator=valid_string("", *MODES), recommended=MODES)
    incrementing_column_name: str = _field("", "incrementing.column.name", "The name of the strictly incrementing "
                                           "column to use to detect new rows. Any empty value indicates the column "
                                           "should be autodetected by looking for an auto-incrementing column. This "
                                           "column may not be nullable.", group=_MODE, width="MEDIUM")
    timestamp_column_name: list[str] = _field([], "timestamp.column.name", "Comma separated list of one or more "
                                              "timestamp columns to detect new or modified rows using the COALESCE "
                                              "SQL function.", group=_MODE, width="MEDIUM")
    timestamp_columns_mapping: list[str] = _field([], "timestamp.columns.mapping", "Per-table timestamp columns "
                                                  "for table.include.list: regex1:[colA|colB],regex2:[colC].",
                                                  group=_MODE)
    incrementing_column_mapping: list[str] = _field([], "incrementing.column.mapping", "Per-table incrementing "
                                                    "column for table.include.list: regex1:col,regex2:col.",
                                                    group=_MODE)
    timestamp_initial: int | None = _field(None, "timestamp.initial", "The epoch timestamp (ms) used for initial "
                                           "queries that use timestamp criteria. Use -1 to use the current time. "
                                           "If not specified, all data will be retrieved.", importance="LOW",
                                           group=_MODE, type="LONG")
    validate_non_null: bool = _field(True, "validate.non.null", "Validate that incrementing and timestamp columns "
                                     "are NOT NULL; the task fails to start otherwise.", importance="LOW",
                                     group=_MODE)
    query: str = _field("", "query", "If specified, the query to perform to select new or updated rows; "
                        "whole-table copying is disabled. The connector appends its WHERE/ORDER BY in incremental "
                        "modes, so wrap queries with their own WHERE as a subquery.", group=_MODE, width="SHORT")
    query_masked: SecretStr | None = _field(None, "query.masked", "Same as query, hidden from logs and the REST "
                                            "API.", group=_MODE)
    quote_sql_identifiers: str = _field("always", "quote.sql.identifiers", "When to quote table names, column "
                                        "names, and other identifiers in SQL statements: always or never.",
                                        group=_MODE, validator=valid_string("always", "never",
                                                                            case_insensitive=True),
                                        recommended=("always", "never"))
    query_suffix: str = _field("", "query.suffix", "Suffix to append at the end of the generated query.",
                               importance="LOW", group=_MODE)
    transaction_isolation_mode: str = _field("DEFAULT", "transaction.isolation.mode", "Transaction isolation level "
                                             "used when running queries.", importance="LOW", group=_MODE,
                                             validator=valid_string(*ISOLATION_MODES), recommended=ISOLATION_MODES)
    query_retry_attempts: int = _field(-1, "query.retry.attempts", "Number of times to retry a transient SQL "
                                       "error (lost connection, deadlock) on a new connection within one invocation "
                                       "before the task fails; -1 (unlimited) leaves the retry to the next "
                                       "invocation, on a new connection.", importance="LOW",
                                       group=_MODE)
    # -- Connector ---------------------------------------------------------------------------------
    table_types: list[str] = _field(["TABLE"], "table.types", "Table types to extract: TABLE, VIEW, SYSTEM TABLE, "
                                    "GLOBAL TEMPORARY, LOCAL TEMPORARY, ALIAS, SYNONYM.", importance="LOW",
                                    group=_CONN, validator=_table_types)
    poll_interval_ms: int = _field(DEFAULT_POLL_INTERVAL_MS, "poll.interval.ms", "Frequency in ms to poll for new "
                                   "data in each table (the schedule of the task's function).", importance="HIGH",
                                   group=_CONN)
    batch_max_rows: int = _field(DEFAULT_BATCH_MAX_ROWS, "batch.max.rows", "Maximum number of rows to include in a "
                                 "single batch when polling for new data.", importance="LOW", group=_CONN,
                                 validator=in_range(1))
    max_buffer_size: int = _field(0, "max.buffer.size", "Accepted for compatibility; batches are read straight "
                                  "from the cursor.", importance="LOW", group=_CONN,
                                  no_effect="batches are read straight from the cursor (batch.max.rows bounds them)")
    poll_linger_ms: int = _field(5000, "poll.linger.ms", "Accepted for compatibility; poll never lingers.",
                                 importance="LOW", group=_CONN, type="LONG",
                                 no_effect="an invocation polls until caught up or out of budget; it never lingers")
    table_poll_interval_ms: int = _field(DEFAULT_TABLE_POLL_INTERVAL_MS, "table.poll.interval.ms", "Frequency in "
                                         "ms to poll for new or removed tables (on the coordinator's heartbeat, so "
                                         "at least its interval); changed tables reconfigure the tasks.",
                                         importance="LOW", group=_CONN, type="LONG")
    topic_prefix: str = _field("", "topic.prefix", "Prefix to prepend to table names to generate the name of the "
                               "Kafka topic, or in the case of a custom query, the full name of the topic.",
                               importance="HIGH", group=_CONN, validator=_topic_prefix)
    timestamp_delay_interval_ms: int = _field(0, "timestamp.delay.interval.ms", "How long to wait after a row with "
                                              "certain timestamp appears before we include it in the result, so "
                                              "transactions with earlier timestamps can commit.", importance="HIGH",
                                              group=_CONN, type="LONG")
    incrementing_grace_period_ms: int = _field(
        0, "incrementing.grace.period.ms", "lambda-connect only, incrementing mode: how long (on the database clock) "
        "a gap in the incrementing column is waited for before the watermark moves past it. A row committed late "
        "with a lower id (its transaction was open while higher ids committed) fills its gap and is emitted; ids "
        "behind the watermark that were already emitted are skipped. 0: Confluent's behaviour (such rows are "
        "missed).", importance="MEDIUM", group=_CONN, type="LONG", validator=in_range(0))
    db_timezone: str = _field(DEFAULT_DB_TIMEZONE, "db.timezone", "Time zone of the database's DATETIME values and "
                              "of the session; used when querying with time-based criteria.", group=_CONN,
                              validator=_time_zone)
    timestamp_granularity: str = _field("connect_logical", "timestamp.granularity", "How TIMESTAMP columns are "
                                        "represented: connect_logical, micros_*, nanos_*.", importance="LOW",
                                        group=_CONN, validator=valid_string(*GRANULARITIES, case_insensitive=True),
                                        recommended=GRANULARITIES)
    date_calendar_system: str = _field("LEGACY", "date.calendar.system", "LEGACY or PROLEPTIC_GREGORIAN; Python "
                                       "dates are always proleptic Gregorian.", importance="LOW", group=_CONN,
                                       validator=valid_string("LEGACY", "PROLEPTIC_GREGORIAN",
                                                              case_insensitive=True),
                                       no_effect="Python dates are always proleptic Gregorian")

    # -- derived -----------------------------------------------------------------------------------
    @property
    def effective_query(self) -> str:
        """``query``, or ``query.masked`` when that is the one set."""
        return self.query or (self.query_masked.get_secret_value() if self.query_masked else "")

    @property
    def effective_numeric_mapping(self) -> str:
        """``numeric.mapping``, else ``precision_only`` when the deprecated boolean is set, else ``none``."""
        if self.numeric_mapping is not None:
            return self.numeric_mapping.lower()
        return "precision_only" if self.numeric_precision_mapping else "none"

    @property
    def uses_new_table_configs(self) -> bool:
        """True when the regex style (include/exclude lists, column mappings) is used."""
        return bool(self.table_include_list or self.table_exclude_list or self.timestamp_columns_mapping
                    or self.incrementing_column_mapping)

    @property
    def uses_legacy_table_configs(self) -> bool:
        """True when the legacy style (white/black lists, column names) is used."""
        return bool(self.table_whitelist or self.table_blacklist or self.incrementing_column_name.strip()
                    or [c for c in self.timestamp_column_name if c.strip()])

    @model_validator(mode="after")
    def _cross_field_rules(self) -> JdbcSourceConfig:
        self._check_mode_and_query()
        if not self.effective_query:
            self._check_table_selection()
        return self

    def _check_mode_and_query(self) -> None:
        if not self.mode:
            raise config_error("mode", self.mode, "Query mode must be specified")
        if self.query and self.query_masked is not None and self.query_masked.get_secret_value():
            raise config_error("query", self.query, "Both 'query' and 'query.masked' configs cannot be set at the "
                               "same time. Please use only one of them.")
        query = self.effective_query
        if not query:
            return
        key = "query" if self.query else "query.masked"
        if self.table_whitelist or self.table_blacklist or self.table_include_list or self.table_exclude_list:
            raise config_error(key, query, "Do not specify table filtering configs with 'query'. Remove "
                               "table.whitelist / table.blacklist / table.include.list / table.exclude.list when "
                               "using query mode or 'query' when using table filtering mode.")
        if not _SELECT.search(query.strip()):
            raise config_error(key, query, f"Only SELECT statements are supported for '{key}'. Please provide a "
                               "statement that starts with SELECT.")
        if self.mode in (INCREMENTING, TIMESTAMP_INCREMENTING) and not self.incrementing_column_name.strip():
            raise config_error("incrementing.column.name", "", "An incrementing column must be named in query "
                               "mode: there is no table to find an auto-increment column in.")
        if self.mode in (TIMESTAMP, TIMESTAMP_INCREMENTING) and not self.timestamp_column_name:
            raise config_error("timestamp.column.name", "", f"Timestamp columns are required in mode {self.mode}.")

    def _check_table_selection(self) -> None:
        legacy, new = self.uses_legacy_table_configs, self.uses_new_table_configs
        if self.table_whitelist and self.table_blacklist:
            raise config_error("table.whitelist", self.table_whitelist,
                               "table.whitelist and table.blacklist are exclusive.")
        if legacy and new:
            key = "table.include.list" if self.table_include_list else "table.whitelist"
            raise config_error(key, getattr(self, key.replace(".", "_")), _LEGACY_NEW_CONFLICT)
        if not legacy and not new:
            raise config_error("table.whitelist", "", _NO_TABLE_FILTER)
        if new:
            self._check_new_style()
        elif self.mode in (TIMESTAMP, TIMESTAMP_INCREMENTING) and not self.timestamp_column_name:
            raise config_error("timestamp.column.name", "", f"Timestamp columns are required in mode {self.mode}.")

    def _check_new_style(self) -> None:
        if self.table_exclude_list and not self.table_include_list:
            raise config_error("table.exclude.list", self.table_exclude_list, "table.exclude.list cannot be used "
                               "without table.include.list. Exclude list only applies to tables that match the "
                               "include list.")
        uses_ts = self.mode in (TIMESTAMP, TIMESTAMP_INCREMENTING)
        uses_inc = self.mode in (INCREMENTING, TIMESTAMP_INCREMENTING)
        if uses_ts != bool(self.timestamp_columns_mapping):
            reason = ("Timestamp column configuration must be provided when using mode 'timestamp' or "
                      "'timestamp+incrementing'. Provide 'timestamp.columns.mapping'." if uses_ts else
                      "Timestamp column configurations should not be provided if mode is not 'timestamp' or "
                      "'timestamp+incrementing'. Remove 'timestamp.columns.mapping'.")
            raise config_error("mode", self.mode, reason)
        if uses_inc != bool(self.incrementing_column_mapping):
            reason = ("Incrementing column configuration must be provided when using mode 'incrementing' or "
                      "'timestamp+incrementing'. Provide 'incrementing.column.mapping'." if uses_inc else
                      "Incrementing column configurations should not be provided if mode is not 'incrementing' "
                      "or 'timestamp+incrementing'. Remove 'incrementing.column.mapping'.")
            raise config_error("mode", self.mode, reason)
        for key, values in (("table.include.list", self.table_include_list),
                            ("table.exclude.list", self.table_exclude_list)):
            for pattern in values:
                try:
                    re.compile(pattern)
                except re.error as e:
                    raise config_error(key, values, f"Invalid regular expression {pattern}: {e}") from None
