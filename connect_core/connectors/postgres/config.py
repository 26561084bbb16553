"""``PostgresSourceConfig``: the keys of Debezium's PostgreSQL connector that lambda-connect implements.

The connector and its task parse this one model. As Debezium's own ``ConfigDef`` does, a key this model does not
define is ignored (``undefined_keys`` names them so validate can log them); a value outside what a key accepts is
refused at validate, with Debezium's key name and, for ``snapshot.mode``, Debezium 3.7's message.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Final

from pydantic import ConfigDict, SecretStr, model_validator

from connect_core.api.config import config_error, config_field, in_range, valid_string
from connect_core.api.database_tls import LIBPQ_SSL_MODES, libpq_tls_problems
from connect_core.connectors._debezium.config import (
    IncrementalSnapshotKeys,
    is_framework_key,
    signal_collection_validator,
    validate_regexes,
    validate_topic_prefix,
)

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = [
    "DECIMAL_MODES", "PUBLICATION_MODES", "SNAPSHOT_MODES", "SSL_FILE_KEYS", "SSL_MODES", "TIME_PRECISION_MODES",
    "PostgresSourceConfig", "undefined_keys",
]

# Debezium 3.7's snapshot.mode values, in the order its refusal lists them; ``custom`` needs a Java class.
SNAPSHOT_MODES: Final = ("always", "initial_only", "configuration_based", "when_needed", "initial", "custom",
                         "no_data")
PUBLICATION_MODES: Final = ("all_tables", "disabled", "filtered")
# Debezium's SecureConnectionMode values: libpq's sslmode, which enforces them
SSL_MODES: Final = LIBPQ_SSL_MODES
SSL_FILE_KEYS: Final = ("database.sslrootcert", "database.sslcert", "database.sslkey")  # host paths: file roots
DECIMAL_MODES: Final = ("precise", "double", "string")
TIME_PRECISION_MODES: Final = ("adaptive", "adaptive_time_microseconds", "connect")
DEFAULT_PORT: Final = 5432
DEFAULT_SLOT: Final = "debezium"
DEFAULT_PUBLICATION: Final = "dbz_publication"
DEFAULT_MAX_BATCH_SIZE: Final = 2048
DEFAULT_SNAPSHOT_FETCH_SIZE: Final = 10_240
UNAVAILABLE_PLACEHOLDER: Final = "__debezium_unavailable_value"
_DB = "Connector"
_EVENTS = "Events"
_SLOT_NAME = re.compile(r"[a-z0-9_]{1,63}")


def _field(default: Any, alias: str, doc: str, **kw: Any) -> Any:
    return config_field(default, alias=alias, description=doc, **kw)


def _slot_name(key: str, value: Any) -> None:
    if not _SLOT_NAME.fullmatch(value or ""):
        raise config_error(key, value, "Valid replication slot name must contain only digits, lowercase characters "
                           "and underscores with length <= 63")


def _snapshot_mode(key: str, value: Any) -> None:
    if value is None:
        return
    if value.lower() not in SNAPSHOT_MODES:
        raise config_error(key, value, f"Value must be one of {', '.join(SNAPSHOT_MODES)}")
    if value.lower() == "custom":
        raise config_error(key, value, "snapshot.mode=custom loads a Java class (snapshot.mode.custom.name), which "
                           "lambda-connect cannot run; use initial, initial_only, no_data, when_needed, always or "
                           "configuration_based")


def _ssl_factory(key: str, value: Any) -> None:
    if value:
        raise config_error(key, value, "a Java SSLSocketFactory class, which lambda-connect cannot load: it connects "
                           "through libpq, whose TLS database.sslmode sets (require: no certificate check, "
                           "verify-ca / verify-full: checked against database.sslrootcert)")


def _plugin(key: str, value: Any) -> None:
    if value is not None and value.lower() != "pgoutput":
        raise config_error(key, value, "lambda-connect decodes the pgoutput plugin only (built into PostgreSQL 10+)"
                           "; decoderbufs is not supported")


def _key_columns(key: str, value: Any) -> None:
    for item in (value or "").split(";"):
        if item.strip() and ":" not in item:
            raise config_error(key, value, "Each item must be <fully-qualified table>:<column>[,<column>...], "
                               "items separated by ';'")


class PostgresSourceConfig(IncrementalSnapshotKeys):
    """Config of the PostgreSQL source (Debezium ``PostgresConnectorConfig``), Debezium's keys and defaults."""

    model_config = ConfigDict(defer_build=True, populate_by_name=True, frozen=True)

    hostname: str = _field(..., "database.hostname", "Resolvable hostname or IP address of the database server.",
                           importance="HIGH", group=_DB)
    port: int = _field(DEFAULT_PORT, "database.port", "Port of the database server.", importance="HIGH", group=_DB,
                       validator=in_range(1, 65535))
    user: str = _field(..., "database.user", "Name of the database user (needs REPLICATION and, for "
                       "publication.autocreate.mode=all_tables, the right to create FOR ALL TABLES publications).",
                       importance="HIGH", group=_DB)
    password: SecretStr | None = _field(None, "database.password", "Password of the database user.",
                                        importance="HIGH", group=_DB)
    ssl_mode: str = _field("prefer", "database.sslmode", "Whether to use an encrypted connection (libpq's sslmode): "
                           "'disable', 'allow' (plain first, then TLS), 'prefer' (TLS first, then plain), "
                           "'require' (TLS, fail without it), 'verify-ca' (also check the server's certificate "
                           "against database.sslrootcert) or 'verify-full' (also check it names the host).",
                           group=_DB, validator=valid_string(*SSL_MODES, case_insensitive=True),
                           recommended=SSL_MODES)
    ssl_root_cert: str | None = _field(None, "database.sslrootcert", "PEM file of the certificate authorities the "
                                       "server's certificate is checked against (under the worker's file roots; "
                                       "'system': the system's CA store).", group=_DB)
    ssl_cert: str | None = _field(None, "database.sslcert", "PEM file of the client's certificate (under the "
                                  "worker's file roots).", group=_DB)
    ssl_key: str | None = _field(None, "database.sslkey", "PEM file of the client certificate's private key (under "
                                 "the worker's file roots).", group=_DB)
    ssl_password: SecretStr | None = _field(None, "database.sslpassword", "Password of the private key in "
                                            "database.sslkey.", group=_DB)
    ssl_factory: str | None = _field(None, "database.sslfactory", "A Java SSLSocketFactory class: refused (TLS is "
                                     "libpq's, set by database.sslmode).", group=_DB, validator=_ssl_factory)
    dbname: str = _field(..., "database.dbname", "The name of the database from which to stream the changes.",
                         importance="HIGH", group=_DB)
    topic_prefix: str = _field(..., "topic.prefix", "Topic prefix that identifies and provides a namespace for the "
                               "particular database server/cluster; every topic name starts with it.",
                               importance="HIGH", group=_DB, validator=validate_topic_prefix)
    plugin_name: str = _field("pgoutput", "plugin.name", "The logical decoding plugin; lambda-connect decodes "
                              "'pgoutput' only (Debezium's default is decoderbufs).", group=_DB,
                              validator=_plugin, recommended=("pgoutput",))
    slot_name: str = _field(DEFAULT_SLOT, "slot.name", "The name of the logical replication slot to stream from "
                            "(created when missing).", group=_DB, validator=_slot_name)
    slot_drop_on_stop: bool = _field(False, "slot.drop.on.stop", "Whether to drop the replication slot when the "
                                     "connector is stopped (PUT /connectors/<name>/stop) or deleted; a function "
                                     "container's recycling is no stop. The publication is kept.", group=_DB)
    slot_drop_on_delete: bool = _field(True, "lambda.slot.drop.on.delete", "lambda-connect's key: whether DELETE "
                                       "/connectors/<name> drops the replication slot and the publication (unless "
                                       "publication.autocreate.mode=disabled); false keeps both, as Debezium "
                                       "leaves them.", group=_DB)
    publication_name: str = _field(DEFAULT_PUBLICATION, "publication.name", "The name of the publication pgoutput "
                                   "streams.", group=_DB)
    publication_autocreate_mode: str = _field(
        "all_tables", "publication.autocreate.mode", "'all_tables' creates the publication FOR ALL TABLES when "
        "missing, 'filtered' creates or updates it for exactly the captured tables, 'disabled' expects it to exist.",
        group=_DB, validator=valid_string(*PUBLICATION_MODES, case_insensitive=True), recommended=PUBLICATION_MODES)
    schema_include_list: list[str] = _field([], "schema.include.list", "Regular expressions matching the schemas "
                                            "to capture.", group=_DB, validator=validate_regexes)
    schema_exclude_list: list[str] = _field([], "schema.exclude.list", "Regular expressions matching the schemas "
                                            "to leave out.", group=_DB, validator=validate_regexes)
    table_include_list: list[str] = _field([], "table.include.list", "Regular expressions matching the fully "
                                           "qualified names (schema.table) of the tables to capture; the snapshot "
                                           "reads them in this order.", group=_DB, validator=validate_regexes)
    table_exclude_list: list[str] = _field([], "table.exclude.list", "Regular expressions matching the fully "
                                           "qualified names (schema.table) of the tables to leave out.", group=_DB,
                                           validator=validate_regexes)
    column_include_list: list[str] = _field([], "column.include.list", "Regular expressions matching the fully "
                                            "qualified names (schema.table.column) of the columns to capture.",
                                            group=_DB, validator=validate_regexes)
    column_exclude_list: list[str] = _field([], "column.exclude.list", "Regular expressions matching the fully "
                                            "qualified names (schema.table.column) of the columns to leave out.",
                                            group=_DB, validator=validate_regexes)
    message_key_columns: str | None = _field(None, "message.key.columns", "Key columns per table instead of the "
                                             "primary key: '<schema>.<table>:<column>[,<column>...]' items "
                                             "separated by ';' (the table part is a regular expression).",
                                             group=_EVENTS, validator=_key_columns)
    snapshot_mode: str = _field("initial", "snapshot.mode", "When to take a snapshot: 'initial' (no offset yet), "
                                "'initial_only' (then stop), 'no_data' (never), 'when_needed' (also when the stored "
                                "position is no longer in the slot), 'always' (at every connector start), "
                                "'configuration_based' (snapshot.mode.configuration.based.*).", group=_DB,
                                validator=_snapshot_mode, recommended=SNAPSHOT_MODES[:5] + SNAPSHOT_MODES[6:])
    snapshot_data: bool = _field(False, "snapshot.mode.configuration.based.snapshot.data", "With "
                                 "snapshot.mode=configuration_based: whether the snapshot reads the tables' rows.",
                                 group=_DB)
    start_stream: bool = _field(False, "snapshot.mode.configuration.based.start.stream", "With "
                                "snapshot.mode=configuration_based: whether the connector streams changes after the "
                                "snapshot.", group=_DB)
    snapshot_fetch_size: int = _field(DEFAULT_SNAPSHOT_FETCH_SIZE, "snapshot.fetch.size", "Rows read from a table "
                                      "per snapshot query.", group=_DB, validator=in_range(1))
    max_batch_size: int = _field(DEFAULT_MAX_BATCH_SIZE, "max.batch.size", "Maximum number of change events "
                                 "returned by one poll.", group=_DB, validator=in_range(1))
    tombstones_on_delete: bool = _field(True, "tombstones.on.delete", "Whether a delete event is followed by a "
                                        "tombstone (null value) with the same key.", group=_EVENTS)
    decimal_handling_mode: str = _field("precise", "decimal.handling.mode", "NUMERIC/DECIMAL/MONEY as 'precise' "
                                        "(Connect Decimal, or VariableScaleDecimal for unconstrained numeric), "
                                        "'double' or 'string'.", group=_EVENTS,
                                        validator=valid_string(*DECIMAL_MODES, case_insensitive=True),
                                        recommended=DECIMAL_MODES)
    time_precision_mode: str = _field("adaptive", "time.precision.mode", "Temporal values as Debezium's types with "
                                      "the column's precision ('adaptive'), with microseconds for TIME "
                                      "('adaptive_time_microseconds'), or Kafka Connect's logical types ('connect').",
                                      group=_EVENTS,
                                      validator=valid_string(*TIME_PRECISION_MODES, case_insensitive=True),
                                      recommended=TIME_PRECISION_MODES)
    include_unknown_datatypes: bool = _field(False, "include.unknown.datatypes", "Whether a column of a type the "
                                             "connector does not map is captured as bytes of its text (else the "
                                             "column is left out, as Debezium does).", group=_EVENTS)
    unavailable_value_placeholder: str = _field(UNAVAILABLE_PLACEHOLDER, "unavailable.value.placeholder", "The "
                                                "value of an unchanged TOASTed column that the server did not send.",
                                                group=_EVENTS)
    heartbeat_interval_ms: int = _field(0, "heartbeat.interval.ms", "When > 0, a heartbeat record goes to "
                                        "__debezium-heartbeat.<topic.prefix> when the slot moved without a change "
                                        "event for this long, so the stored offset (and the slot) keep up.",
                                        group=_EVENTS, validator=in_range(0))
    heartbeat_action_query: str | None = _field(None, "heartbeat.action.query", "A statement run on the database "
                                                "with each heartbeat (e.g. an insert into a heartbeat table, so an "
                                                "idle captured database still has WAL to confirm).", group=_EVENTS)

    signal_data_collection: str | None = _field(None, "signal.data.collection", "The table that sends signals to "
                                                "the connector (<schema>.<table>, columns id, type, data, all "
                                                "text): an 'execute-snapshot' row starts an incremental snapshot. "
                                                "It is always captured, as Debezium captures it.", group=_DB,
                                                validator=signal_collection_validator("schemaName"))

    @model_validator(mode="after")
    def _lists_exclusive(self) -> PostgresSourceConfig:
        for kind in ("schema", "table", "column"):
            if getattr(self, f"{kind}_include_list") and getattr(self, f"{kind}_exclude_list"):
                raise config_error(f"{kind}.exclude.list", ",".join(getattr(self, f"{kind}_exclude_list")),
                                   f'"{kind}.include.list" is already specified')
        return self

    @model_validator(mode="after")
    def _tls_files_given(self) -> PostgresSourceConfig:
        """What libpq would look for in the worker's home directory (``~/.postgresql``) is asked for by name."""
        problems = libpq_tls_problems({"sslmode": self.ssl_mode.lower(), "sslrootcert": self.ssl_root_cert or "",
                                       "sslcert": self.ssl_cert or "", "sslkey": self.ssl_key or ""})
        for keyword, reason in problems.items():  # the builder the JDBC connectors share (api/database_tls.py)
            key = f"database.{keyword}"
            raise config_error(key, self.ssl_mode if keyword == "sslmode" else None, reason.replace(
                "sslmode=", "database.sslmode=").replace(" sslcert and sslkey", " database.sslcert and "
                                                                                "database.sslkey"))
        return self

    def tls_files(self) -> dict[str, str]:
        """``{Debezium key: path}`` of the PEM files named (``sslrootcert=system`` is no file)."""
        files = {"database.sslrootcert": self.ssl_root_cert if self.ssl_root_cert != "system" else None,
                 "database.sslcert": self.ssl_cert, "database.sslkey": self.ssl_key}
        return {key: path for key, path in files.items() if path}

    def with_tls_files(self, resolve: Callable[[str, str], str]) -> PostgresSourceConfig:
        """This config with each PEM file replaced by ``resolve(key, path)`` (the file roots' real path)."""
        fields = {"database.sslrootcert": "ssl_root_cert", "database.sslcert": "ssl_cert",
                  "database.sslkey": "ssl_key"}
        return self.model_copy(update={fields[key]: resolve(key, path) for key, path in self.tls_files().items()})

    @property
    def mode(self) -> str:
        """``snapshot.mode`` in lower case."""
        return self.snapshot_mode.lower()

    @property
    def snapshots_data(self) -> bool:
        """Whether the snapshot reads rows (``no_data`` and configuration_based without data read none)."""
        if self.mode == "configuration_based":
            return self.snapshot_data
        return self.mode != "no_data"

    @property
    def streams(self) -> bool:
        """Whether changes are streamed after the snapshot (``initial_only`` stops)."""
        if self.mode == "configuration_based":
            return self.start_stream
        return self.mode != "initial_only"


def undefined_keys(props: dict[str, Any]) -> list[str]:
    """Keys that are neither the worker's nor this connector's (nor the Kafka signal consumer's ``signal.consumer.*``
    pass-through): Debezium ignores them, validate logs them."""
    own = {info.alias for info in PostgresSourceConfig.model_fields.values()}
    return sorted(k for k in props
                  if k not in own and not is_framework_key(k) and not k.startswith("signal.consumer."))
