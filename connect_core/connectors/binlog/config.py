"""``BinlogSourceConfig``: the keys of Debezium's MySQL/MariaDB connector that the binlog source implements.

The connector and its task parse this one model. A key Debezium defines whose value asks for behaviour lambda-connect
does not have is refused at validate (``unsupported_keys``) rather than silently ignored: such a config must not look
accepted. A key nobody defines (a renamed Debezium 1.x key, a typo) is logged as unused and ignored, as Debezium and
Kafka Connect do (``unused_keys``).
"""

from __future__ import annotations

import re
import zlib
from typing import Any, Final

from pydantic import ConfigDict, SecretStr, model_validator

from connect_core.api.config import config_error, config_field, in_range, no_effect_warning, valid_string
from connect_core.connectors._debezium.config import (
    IncrementalSnapshotKeys,
    is_framework_key,
    signal_collection_validator,
    validate_regexes,
    validate_topic_prefix,
)

__all__ = [
    "DEBEZIUM_KEYS", "DECIMAL_MODES", "SNAPSHOT_MODES", "TIME_PRECISION_MODES", "BinlogSourceConfig", "no_effect_keys",
    "unsupported_keys", "unused_keys",
]

SNAPSHOT_MODES: Final = ("initial", "no_data", "when_needed", "never", "always")
DECIMAL_MODES: Final = ("precise", "double", "string")
TIME_PRECISION_MODES: Final = ("adaptive_time_microseconds", "connect")
DEFAULT_PORT: Final = 3306
DEFAULT_MAX_BATCH_SIZE: Final = 2048
DEFAULT_SNAPSHOT_FETCH_SIZE: Final = 10_000
_DB = "Connector"
_EVENTS = "Events"
_NO_HISTORY = ("every binlog row event carries its column names (binlog_row_metadata=FULL), so no schema history "
               "topic is kept")


def _field(default: Any, alias: str, doc: str, **kw: Any) -> Any:
    return config_field(default, alias=alias, description=doc, **kw)


class BinlogSourceConfig(IncrementalSnapshotKeys):
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
                               importance="HIGH", group=_DB, validator=validate_topic_prefix)
    database_include_list: list[str] = _field([], "database.include.list", "Regular expressions matching the names "
                                              "of the databases to capture.", group=_DB, validator=validate_regexes)
    database_exclude_list: list[str] = _field([], "database.exclude.list", "Regular expressions matching the names "
                                              "of the databases to leave out.", group=_DB, validator=validate_regexes)
    table_include_list: list[str] = _field([], "table.include.list", "Regular expressions matching the fully "
                                           "qualified names (database.table) of the tables to capture.", group=_DB,
                                           validator=validate_regexes)
    table_exclude_list: list[str] = _field([], "table.exclude.list", "Regular expressions matching the fully "
                                           "qualified names (database.table) of the tables to leave out.", group=_DB,
                                           validator=validate_regexes)
    column_exclude_list: list[str] = _field([], "column.exclude.list", "Regular expressions matching the fully "
                                            "qualified names (database.table.column) of columns to leave out of "
                                            "change event values.", group=_DB, validator=validate_regexes)
    snapshot_mode: str = _field("initial", "snapshot.mode", "When to snapshot: 'initial' (when no offset exists), "
                                "'no_data' (only the binlog position, no rows), 'when_needed' (also when the stored "
                                "binlog position is no longer on the server), 'never' (stream from the oldest binlog), "
                                "'always' (at every start of the connector: its creation, a new config, a restart).",
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

    signal_data_collection: str | None = _field(None, "signal.data.collection", "The table that sends signals to "
                                                "the connector (<database>.<table>, columns id, type, data): an "
                                                "'execute-snapshot' row starts an incremental snapshot. It is always "
                                                "captured, as Debezium captures it.", group=_DB,
                                                validator=signal_collection_validator("databaseName"))

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


# Debezium 3.3's MariaDbConnector ConfigDef: every key it defines that the model above does not, with its default
# (None: no default). tests/compat/debezium checks this list against the connector's own ConfigDef.
DEBEZIUM_KEYS: Final[dict[str, str | None]] = {
    "bigint.unsigned.handling.mode": "long", "binlog.buffer.size": "0", "column.include.list": None,
    "column.propagate.source.type": None, "connect.keep.alive": "true", "connect.keep.alive.interval.ms": "60000",
    "connect.timeout.ms": "30000", "connection.validation.timeout.ms": "60000", "converters": None,
    "custom.metric.tags": None, "database.initial.statements": None, "database.query.timeout.ms": "600000",
    "database.server.id.offset": "10000", "database.ssl.keystore": None, "database.ssl.keystore.password": None,
    "database.ssl.mode": "disable", "database.ssl.truststore": None, "database.ssl.truststore.password": None,
    "datatype.propagate.source.type": None, "enable.time.adjuster": "true", "errors.max.retries": "-1",
    "event.deserialization.failure.handling.mode": "fail", "event.processing.failure.handling.mode": "fail",
    "executor.shutdown.timeout.ms": "4000", "extended.headers.enabled": "true", "gtid.source.excludes": None,
    "gtid.source.filter.dml.events": "true", "gtid.source.includes": None,
    "guardrail.collections.limit.action": "warn", "guardrail.collections.max": "0", "heartbeat.action.query": None,
    "heartbeat.topics.prefix": "__debezium-heartbeat", "include.query": "false", "include.schema.comments": "false",
    "inconsistent.schema.handling.mode": "fail", "incremental.snapshot.allow.schema.changes": "false",
    "internal.advanced.metrics.enable": "false", "internal.log.position.check.enable": "true",
    "internal.snapshot.scan.all.columns.force": "false", "max.queue.size": "8192", "max.queue.size.in.bytes": "0",
    "message.key.columns": None, "min.row.count.to.stream.results": "1000", "notification.enabled.channels": None,
    "notification.sink.topic.name": None, "openlineage.integration.config.file.path": "./openlineage.yml",
    "openlineage.integration.dataset.kafka.bootstrap.servers": None, "openlineage.integration.enabled": "false",
    "openlineage.integration.job.description": "Debezium change data capture job",
    "openlineage.integration.job.namespace": None, "openlineage.integration.job.owners": None,
    "openlineage.integration.job.tags": None, "post.processors": None, "provide.transaction.metadata": "false",
    "query.fetch.size": "0", "retriable.restart.connector.wait.ms": "10000",
    "schema.history.internal": "io.debezium.storage.kafka.history.KafkaSchemaHistory",
    "schema.history.internal.skip.unparseable.ddl": "false",
    "schema.history.internal.store.only.captured.databases.ddl": "false",
    "schema.history.internal.store.only.captured.tables.ddl": "false", "schema.name.adjustment.mode": "none",
    "signal.poll.interval.ms": "5000",
    "skipped.operations": "t", "snapshot.delay.ms": "0", "snapshot.include.collection.list": None,
    "snapshot.lock.timeout.ms": "10000", "snapshot.locking.mode": "minimal", "snapshot.max.threads": "1",
    "snapshot.mode.configuration.based.snapshot.data": "false",
    "snapshot.mode.configuration.based.snapshot.on.data.error": "false",
    "snapshot.mode.configuration.based.snapshot.on.schema.error": "false",
    "snapshot.mode.configuration.based.snapshot.schema": "false",
    "snapshot.mode.configuration.based.start.stream": "false", "snapshot.mode.custom.name": None,
    "snapshot.query.mode": "select_all", "snapshot.query.mode.custom.name": None,
    "snapshot.select.statement.overrides": None, "snapshot.tables.order.by.row.count": "disabled",
    "sourceinfo.struct.maker": "io.debezium.connector.mariadb.MariaDbSourceInfoStructMaker",
    "streaming.delay.ms": "0", "table.ignore.builtin": "true",
    "topic.naming.strategy": "io.debezium.schema.SchemaTopicNamingStrategy",
    "transaction.metadata.factory": "io.debezium.pipeline.txmetadata.DefaultTransactionMetadataFactory",
    "use.nongraceful.disconnect": "false",
}
# Defined keys that tune how Debezium's JVM process works (queues, timeouts, threads, metrics): nothing they ask of the
# captured data; any value is accepted, with a validate warning that it has no effect here.
_TUNING: Final = frozenset({
    "binlog.buffer.size", "connect.keep.alive", "connect.keep.alive.interval.ms", "connect.timeout.ms",
    "connection.validation.timeout.ms", "custom.metric.tags", "database.query.timeout.ms", "database.server.id.offset",
    "errors.max.retries", "executor.shutdown.timeout.ms", "extended.headers.enabled", "guardrail.collections.max",
    "guardrail.collections.limit.action", "internal.advanced.metrics.enable", "internal.log.position.check.enable",
    "max.queue.size", "max.queue.size.in.bytes", "min.row.count.to.stream.results", "query.fetch.size",
    "retriable.restart.connector.wait.ms", "signal.poll.interval.ms", "snapshot.delay.ms", "snapshot.lock.timeout.ms",
    "snapshot.locking.mode", "snapshot.max.threads", "streaming.delay.ms", "use.nongraceful.disconnect",
    "schema.history.internal.skip.unparseable.ddl", "schema.history.internal.store.only.captured.databases.ddl",
    "schema.history.internal.store.only.captured.tables.ddl",
    *(k for k in DEBEZIUM_KEYS if k.startswith("openlineage.")),
})
# Defined by pattern: column masking and truncation, which lambda-connect does not do.
_DEBEZIUM_PATTERNS: Final = (re.compile(r"column\.mask\.hash\.[^.]+\.with\.salt\..+"),
                             re.compile(r"column\.mask\.with\.\d+\.chars"),
                             re.compile(r"column\.truncate\.to\.\d+\.chars"))
# the history's, the JDBC driver's and the Kafka signal consumer's (pass-through) keys
_DEBEZIUM_NAMESPACES: Final = ("schema.history.internal.", "driver.", "signal.consumer.")
_TLS_WORDS: Final = ("ssl", "tls", "keystore", "truststore")


def _same(value: Any, default: str | None) -> bool:
    text = str(value).strip()
    if default is None:
        return text == ""
    return text.lower() == default.lower() or text.lower() == f"class {default}".lower()


def unsupported_keys(props: dict[str, Any]) -> dict[str, str]:
    """Every key Debezium defines that this connector cannot honour, with the message ``validate`` shows for it.

    As Debezium, a key nobody defines is no error (``unused_keys``: logged and ignored, e.g. Debezium 1.x's
    ``database.history.kafka.topic``); a defined key whose value asks for behaviour lambda-connect does not have is
    refused rather than silently ignored; Debezium's defaults and JVM tuning keys are accepted.
    """
    own = {info.alias for info in BinlogSourceConfig.model_fields.values()}
    out: dict[str, str] = {}
    for key, value in props.items():
        if key in own or is_framework_key(key) or key in _TUNING:
            continue
        if key in DEBEZIUM_KEYS:
            refused = not _same(value, DEBEZIUM_KEYS[key])
        else:  # masking patterns; driver TLS properties are never silently dropped (a plain-text connection)
            refused = (any(p.fullmatch(key) for p in _DEBEZIUM_PATTERNS)
                       or (key.startswith(("database.", "driver.")) and any(w in key.lower() for w in _TLS_WORDS)))
        if refused:
            out[key] = (f"The configuration {key}={value} cannot be honoured by lambda-connect's binlog connector "
                        "(see README, Change data capture)")
    return out


def no_effect_keys(props: dict[str, Any]) -> dict[str, str]:
    """Debezium's tuning keys a config sets, with the validate warning that they do nothing here."""
    return {key: no_effect_warning(key, "it tunes Debezium's own process (queues, timeouts, threads, metrics)")
            for key in props if key in _TUNING}


def unused_keys(props: dict[str, Any]) -> list[str]:
    """Keys neither Debezium nor the worker defines: Kafka's "supplied but isn't a known config" (logged, ignored)."""
    own = {info.alias for info in BinlogSourceConfig.model_fields.values()}
    return [key for key in props
            if key not in own and not is_framework_key(key)
            and key not in DEBEZIUM_KEYS and not key.startswith(_DEBEZIUM_NAMESPACES)
            and not any(p.fullmatch(key) for p in _DEBEZIUM_PATTERNS) and key != "binlog.connector.flavour"]
