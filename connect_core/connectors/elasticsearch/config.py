"""``ElasticsearchSinkConfig``: the keys of Confluent's Elasticsearch sink 15.x, names and defaults unchanged.

Keys that only tune Confluent's asynchronous bulk ingester (``linger.ms``, ``max.buffered.records``,
``flush.timeout.ms``, ``max.connection.idle.time.ms``) are accepted so existing configs validate; in a Lambda every
invocation writes its batch by its flush, so they have little or no effect. ``max.in.flight.requests`` bounds the
bulk requests sent while the next is encoded.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, SecretStr, field_validator, model_validator

from connect_core.api.config import config_field, in_range, valid_string
from connect_core.api.errors import ConfigError

__all__ = ["PEM_FILE_KEYS", "ElasticsearchSinkConfig"]

# The keys naming host files (PEM), confined by the worker's file roots (connect_core/api/file_roots.py).
PEM_FILE_KEYS = ("elastic.https.ssl.truststore.location", "elastic.https.ssl.keystore.location")

DEFAULT_BATCH_SIZE = 2000
DEFAULT_BULK_SIZE_BYTES = 5 * 1024 * 1024
DEFAULT_MAX_IN_FLIGHT_REQUESTS = 5
DEFAULT_MAX_BUFFERED_RECORDS = 20000
DEFAULT_LINGER_MS = 1
DEFAULT_FLUSH_TIMEOUT_MS = 180_000
DEFAULT_MAX_RETRIES = 5
DEFAULT_RETRY_BACKOFF_MS = 100
DEFAULT_MAX_CONNECTION_IDLE_TIME_MS = 60_000
DEFAULT_CONNECTION_TIMEOUT_MS = 1000
DEFAULT_READ_TIMEOUT_MS = 3000
DEFAULT_DATA_STREAM_NAMESPACE = "${topic}"

NullBehavior = Literal["IGNORE", "DELETE", "FAIL"]
MalformedBehavior = Literal["IGNORE", "WARN", "FAIL"]
WriteMethod = Literal["INSERT", "UPSERT"]
DataStreamType = Literal["NONE", "LOGS", "METRICS"]
_UPPER_FIELDS = ("behavior_on_null_values", "behavior_on_malformed_documents", "write_method", "data_stream_type")


def _key(alias: str, default: Any, description: str, **kwargs: Any) -> Any:
    """``config_field`` with the key first, so each definition reads like a ConfigDef line."""
    return config_field(default, alias=alias, description=description, **kwargs)


class ElasticsearchSinkConfig(BaseModel):
    """Config of ``ElasticsearchSinkConnector`` (Confluent ``ElasticsearchSinkConnectorConfig``)."""

    model_config = ConfigDict(defer_build=True, populate_by_name=True, frozen=True)

    connection_urls: list[str] = _key(
        "connection.url", ..., "Comma-separated Elasticsearch/OpenSearch URLs; no scheme means http.",
        importance="HIGH", group="Connector",
    )
    connection_username: str | None = _key(
        "connection.username", None, "Username for basic auth (used only when the password is set too).",
        group="Connector",
    )
    connection_password: SecretStr | None = _key(
        "connection.password", None, "Password for basic auth.", group="Connector"
    )
    batch_size: int = _key(
        "batch.size", DEFAULT_BATCH_SIZE, "Maximum number of actions in one bulk request.",
        group="Connector", validator=in_range(1, 1_000_000),
    )
    bulk_size_bytes: int = _key(
        "bulk.size.bytes", DEFAULT_BULK_SIZE_BYTES, "Maximum bulk request body size in bytes (-1 disables).",
        group="Connector", type="LONG", validator=in_range(-1),
    )
    max_in_flight_requests: int = _key(
        "max.in.flight.requests", DEFAULT_MAX_IN_FLIGHT_REQUESTS,
        "The maximum number of indexing requests that can be in flight to Elasticsearch before blocking "
        "further requests; also bounds retry_on_conflict of upserts.", group="Connector",
        validator=in_range(1, 1000),
    )
    max_buffered_records: int = _key(
        "max.buffered.records", DEFAULT_MAX_BUFFERED_RECORDS,
        "Kept for compatibility: a Lambda batch is bounded by the event source mapping.", group="Connector",
        no_effect="a batch is bounded by the event source mapping (lambda.batch.size)",
    )
    linger_ms: int = _key(
        "linger.ms", DEFAULT_LINGER_MS, "Kept for compatibility: batches are written at flush.",
        group="Connector", type="LONG", validator=in_range(0, 7 * 24 * 3600 * 1000),
        no_effect="each invocation's batch is written at its flush (lambda.maximum.batching.window.ms gathers records)",
    )
    flush_timeout_ms: int = _key(
        "flush.timeout.ms", DEFAULT_FLUSH_TIMEOUT_MS, "Kept for compatibility: the Lambda timeout bounds a flush.",
        group="Connector", type="LONG", validator=in_range(1000),
        no_effect="the function's timeout bounds a flush",
    )
    max_retries: int = _key(
        "max.retries", DEFAULT_MAX_RETRIES,
        "Retries of a failed bulk request, and of items rejected with 429, before the batch fails.",
        group="Connector", validator=in_range(0),
    )
    retry_backoff_ms: int = _key(
        "retry.backoff.ms", DEFAULT_RETRY_BACKOFF_MS,
        "Base of the jittered exponential backoff between retries.", group="Connector", type="LONG",
        validator=in_range(0),
    )
    connection_compression: bool = _key(
        "connection.compression", False, "Gzip-compress bulk request bodies.", group="Connector"
    )
    max_connection_idle_time_ms: int = _key(
        "max.connection.idle.time.ms", DEFAULT_MAX_CONNECTION_IDLE_TIME_MS,
        "Kept for compatibility: connections are pooled per warm Lambda container.", group="Connector",
        no_effect="connections are pooled per warm Lambda container",
    )
    connection_timeout_ms: int = _key(
        "connection.timeout.ms", DEFAULT_CONNECTION_TIMEOUT_MS, "TCP connect timeout in milliseconds.",
        group="Connector", validator=in_range(0),
    )
    read_timeout_ms: int = _key(
        "read.timeout.ms", DEFAULT_READ_TIMEOUT_MS, "Socket read timeout in milliseconds.",
        group="Connector", validator=in_range(0),
    )
    key_ignore: bool = _key(
        "key.ignore", False, "Use topic+partition+offset as document id instead of the record key.",
        importance="HIGH", group="Data Conversion",
    )
    topic_key_ignore: list[str] = _key(
        "topic.key.ignore", [], "Topics for which key.ignore is true.", group="Data Conversion"
    )
    schema_ignore: bool = _key(
        "schema.ignore", False, "Do not put a mapping from the record schema; rely on dynamic mapping.",
        group="Data Conversion",
    )
    topic_schema_ignore: list[str] = _key(
        "topic.schema.ignore", [], "Topics for which schema.ignore is true.", group="Data Conversion"
    )
    compact_map_entries: bool = _key(
        "compact.map.entries", True, "Write string-keyed maps as JSON objects rather than key/value entries.",
        group="Data Conversion",
    )
    drop_invalid_message: bool = _key(
        "drop.invalid.message", False, "Drop (and log) records that cannot be converted to documents.",
        group="Data Conversion",
    )
    behavior_on_null_values: NullBehavior = _key(
        "behavior.on.null.values", "FAIL", "What a tombstone does: IGNORE, DELETE or FAIL.",
        group="Data Conversion", validator=valid_string("IGNORE", "DELETE", "FAIL", case_insensitive=True),
    )
    behavior_on_malformed_documents: MalformedBehavior = _key(
        "behavior.on.malformed.documents", "FAIL", "What a document the cluster rejects does: IGNORE, WARN or FAIL.",
        group="Data Conversion", validator=valid_string("IGNORE", "WARN", "FAIL", case_insensitive=True),
    )
    write_method: WriteMethod = _key(
        "write.method", "INSERT", "INSERT replaces whole documents; UPSERT merges into existing ones.",
        group="Data Conversion", validator=valid_string("INSERT", "UPSERT", case_insensitive=True),
    )
    external_version_header: str = _key(
        "external.version.header", "", "Header whose numeric value replaces the offset as external version.",
        group="Data Conversion",
    )
    use_autogenerated_ids: bool = _key(
        "use.autogenerated.ids", False, "INSERT only: let the cluster generate ids (not idempotent).",
        group="Data Conversion",
    )
    security_protocol: str = _key(
        "elastic.security.protocol", "PLAINTEXT", "PLAINTEXT or SSL; SSL needs https:// URLs (certificates are "
        "always verified, against the truststore when one is set, else the system's CAs).", group="Security",
        validator=valid_string("PLAINTEXT", "SSL", case_insensitive=True),
    )
    truststore_location: str | None = _key(
        "elastic.https.ssl.truststore.location", None, "A PEM file of CA certificates to verify the cluster with.",
        group="Security",
    )
    truststore_type: str = _key(
        "elastic.https.ssl.truststore.type", "JKS", "Only PEM can be honoured here (JKS/PKCS12 are refused when a "
        "truststore location is set).", group="Security",
    )
    truststore_password: SecretStr | None = _key(
        "elastic.https.ssl.truststore.password", None, "Not needed for PEM; refused when set.", group="Security",
    )
    keystore_location: str | None = _key(
        "elastic.https.ssl.keystore.location", None, "A PEM file with the client certificate and its key.",
        group="Security",
    )
    keystore_type: str = _key(
        "elastic.https.ssl.keystore.type", "JKS", "Only PEM can be honoured (JKS/PKCS12 are refused when a keystore "
        "location is set).", group="Security",
    )
    keystore_password: SecretStr | None = _key(
        "elastic.https.ssl.keystore.password", None, "Not supported; refused when set.", group="Security",
    )
    key_password: SecretStr | None = _key(
        "elastic.https.ssl.key.password", None, "Not supported (the PEM key must be unencrypted); refused when set.",
        group="Security",
    )
    endpoint_identification_algorithm: str = _key(
        "elastic.https.ssl.endpoint.identification.algorithm", "https",
        "https verifies the cluster's host name; empty turns that off.", group="Security",
    )
    data_stream_type: DataStreamType = _key(
        "data.stream.type", "NONE", "NONE, LOGS or METRICS; with a dataset, writes go to a data stream.",
        group="Data Stream", validator=valid_string("NONE", "LOGS", "METRICS", case_insensitive=True),
    )
    data_stream_dataset: str = _key(
        "data.stream.dataset", "", "Dataset part of the data stream name.", group="Data Stream"
    )
    data_stream_namespace: str = _key(
        "data.stream.namespace", DEFAULT_DATA_STREAM_NAMESPACE, "Namespace part; ${topic} is replaced.",
        group="Data Stream",
    )
    data_stream_timestamp_field: list[str] = _key(
        "data.stream.timestamp.field", [], "Fields copied to @timestamp (first present wins).",
        group="Data Stream",
    )

    def host_files(self) -> list[tuple[str, str]]:
        """The PEM files this config names, as (key, path): they must lie under the worker's file roots."""
        return [(key, path) for key, path in zip(PEM_FILE_KEYS, (self.truststore_location, self.keystore_location),
                                                 strict=True) if path]

    @field_validator(*_UPPER_FIELDS, mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _check(self) -> ElasticsearchSinkConfig:
        if not self.connection_urls:
            raise ConfigError("Invalid value [] for configuration connection.url: at least one URL is required")
        if (self.data_stream_type == "NONE") != (not self.data_stream_dataset):
            raise ConfigError(
                "Invalid value for configuration data.stream.type: data.stream.type and data.stream.dataset "
                "must be set together"
            )
        self._check_security()
        if self.use_autogenerated_ids and self.write_method == "UPSERT":
            raise ConfigError(
                "Invalid value true for configuration use.autogenerated.ids: requires write.method=INSERT"
            )
        return self

    def _check_security(self) -> None:
        """TLS settings are honoured or refused, never silently dropped."""
        if self.security_protocol.upper() == "SSL" and any(u.lower().startswith("http://")
                                                           for u in self.connection_urls):
            raise ConfigError("Invalid value SSL for configuration elastic.security.protocol: every connection.url "
                              "must be https://")
        for key, location, store_type in (
            ("elastic.https.ssl.truststore.type", self.truststore_location, self.truststore_type),
            ("elastic.https.ssl.keystore.type", self.keystore_location, self.keystore_type),
        ):
            if location and store_type.upper() != "PEM":
                raise ConfigError(f"Invalid value {store_type} for configuration {key}: only PEM stores can be "
                                  "used by this connector")
        for key, value in (("elastic.https.ssl.truststore.password", self.truststore_password),
                           ("elastic.https.ssl.keystore.password", self.keystore_password),
                           ("elastic.https.ssl.key.password", self.key_password)):
            if value is not None:
                raise ConfigError(f"Invalid value [hidden] for configuration {key}: not supported (PEM files "
                                  "without a password only)")

    @property
    def is_data_stream(self) -> bool:
        """Whether records go to a data stream (``<type>-<dataset>-<namespace>``) instead of an index."""
        return self.data_stream_type != "NONE"

    def ignore_key(self, topic: str) -> bool:
        """``key.ignore`` for ``topic`` (global, per topic, or implied by autogenerated ids)."""
        return self.key_ignore or topic in self.topic_key_ignore or self.use_autogenerated_ids

    def ignore_schema(self, topic: str) -> bool:
        """``schema.ignore`` for ``topic``."""
        return self.schema_ignore or topic in self.topic_schema_ignore
