"""``HttpSinkConfig``: the keys of Confluent's HTTP sink (``io.confluent.connect.http.HttpSinkConnector``).

Names and defaults are Confluent's. TLS material is read from PEM files only (JKS/PKCS12 are refused, as in the
Elasticsearch sink); the Connect Reporter needs ``reporter.bootstrap.servers`` as in Confluent, and stays off
without it.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, SecretStr, field_validator, model_validator

from connect_core.api.config import config_field, in_range
from connect_core.api.errors import ConfigError

__all__ = ["PEM_FILE_KEYS", "HttpSinkConfig", "StatusCodes"]

PEM_FILE_KEYS = ("https.ssl.truststore.location", "https.ssl.keystore.location")

DEFAULT_HEADER_SEPARATOR = "|"
DEFAULT_BATCH_MAX_SIZE = 1
DEFAULT_BATCH_SEPARATOR = ","
DEFAULT_BATCH_KEY_PATTERN = "someKey"
DEFAULT_MAX_RETRIES = 10
DEFAULT_RETRY_BACKOFF_MS = 3000
DEFAULT_RETRY_ON_STATUS_CODES = "400-"
DEFAULT_TIMEOUT_MS = 30_000
DEFAULT_API_KEY_NAME = "API-Key"
DEFAULT_TOKEN_PROPERTY = "access_token"
DEFAULT_RESULT_TOPIC = "${connector}-success"
DEFAULT_ERROR_TOPIC = "${connector}-error"

Method = Literal["POST", "PUT", "PATCH", "DELETE"]
NullBehavior = Literal["ignore", "delete", "log", "fail"]
ErrorBehavior = Literal["fail", "log", "ignore"]
AuthType = Literal["NONE", "BASIC", "OAUTH2", "API_KEY"]
BodyFormat = Literal["string", "json"]
ErrorsAs = Literal["error_string", "http_response"]
_RANGE = re.compile(r"^\s*(\d{3})\s*(-\s*(\d{3})?)?\s*$")


def _key(alias: str, default: Any, description: str, **kwargs: Any) -> Any:
    """``config_field`` with the key first, so each definition reads like a ConfigDef line."""
    return config_field(default, alias=alias, description=description, **kwargs)


class StatusCodes:
    """``retry.on.status.codes``: codes and inclusive ranges, ``400-`` meaning 400 and above."""

    __slots__ = ("_ranges",)

    def __init__(self, spec: str) -> None:
        """Parse ``spec`` ("404,408,500-"), raising ``ConfigError`` naming the key on a malformed part."""
        ranges: list[tuple[int, int]] = []
        for part in (p for p in spec.split(",") if p.strip()):
            match = _RANGE.match(part)
            if match is None:
                raise ConfigError(f"Invalid value {spec} for configuration retry.on.status.codes: '{part.strip()}' "
                                  "is neither a status code nor a range such as 500- or 500-599")
            low = int(match.group(1))
            high = int(match.group(3)) if match.group(3) else (999 if match.group(2) else low)
            ranges.append((low, high))
        self._ranges = tuple(ranges)

    def __contains__(self, status: object) -> bool:
        """Whether ``status`` is one of the codes."""
        return isinstance(status, int) and any(low <= status <= high for low, high in self._ranges)


class HttpSinkConfig(BaseModel):
    """Config of ``HttpSinkConnector`` (Confluent ``HttpSinkConfig``)."""

    model_config = ConfigDict(defer_build=True, populate_by_name=True, frozen=True)

    http_api_url: str = _key(
        "http.api.url", ..., "The HTTP API URL; ${topic} and ${key} are replaced by each record's topic and key.",
        importance="HIGH", group="Connection",
    )
    request_method: Method = _key(
        "request.method", "POST", "The HTTP request method: POST, PUT, PATCH (or DELETE).", importance="HIGH",
        group="Connection",
    )
    behavior_on_null_values: NullBehavior = _key(
        "behavior.on.null.values", "ignore", "Records with a null value: ignore, delete (a DELETE request to the "
        "record's URL), log, or fail (handled as behavior.on.error says).", importance="LOW", group="Connection",
    )
    behavior_on_error: ErrorBehavior = _key(
        "behavior.on.error", "fail", "A request that failed for good: fail the task, log and go on, or ignore.",
        importance="LOW", group="Connection",
    )
    report_errors_as: ErrorsAs = _key(
        "report.errors.as", "error_string", "The value of error topic records: error_string (a message with the "
        "status code and response) or http_response (the response body).", importance="LOW", group="Connection",
    )
    headers: str = _key(
        "headers", "", "HTTP headers 'Name:value', separated by header.separator.", importance="HIGH",
        group="Connection",
    )
    header_separator: str = _key(
        "header.separator", DEFAULT_HEADER_SEPARATOR, "Separator of the headers list.", importance="HIGH",
        group="Connection",
    )
    sensitive_headers: SecretStr | None = _key(
        "sensitive.headers", None, "Headers (as in headers) whose values are secrets: never logged or shown.",
        importance="HIGH", group="Connection",
    )
    http_connect_timeout_ms: int = _key(
        "http.connect.timeout.ms", DEFAULT_TIMEOUT_MS, "Connect timeout of a request.", group="Connection",
        validator=in_range(1),
    )
    http_request_timeout_ms: int = _key(
        "http.request.timeout.ms", DEFAULT_TIMEOUT_MS, "Read timeout of a request.", group="Connection",
        validator=in_range(1),
    )
    idempotency_key_header: str = _key(
        "http.idempotency.key.header", "", "lambda-connect's addition: a header (e.g. Idempotency-Key) carrying a key "
        "derived from the request's first record coordinates, record count and method: the same on every retry of the "
        "request and when the same records are sent again in the same request; empty: none.",
        importance="LOW", group="Connection",
    )
    auth_type: AuthType = _key(
        "auth.type", "NONE", "NONE, BASIC, OAUTH2 (client credentials) or API_KEY.", importance="HIGH",
        group="Authentication",
    )
    connection_user: str | None = _key("connection.user", None, "BASIC user name.", group="Authentication")
    connection_password: SecretStr | None = _key(
        "connection.password", None, "BASIC password.", group="Authentication",
    )
    oauth2_token_url: str | None = _key(
        "oauth2.token.url", None, "OAUTH2: the token endpoint (client credentials grant).", group="Authentication",
    )
    oauth2_client_id: str | None = _key("oauth2.client.id", None, "OAUTH2 client id.", group="Authentication")
    oauth2_client_secret: SecretStr | None = _key(
        "oauth2.client.secret", None, "OAUTH2 client secret.", group="Authentication",
    )
    oauth2_client_auth_mode: Literal["header", "url"] = _key(
        "oauth2.client.auth.mode", "header", "How the client authenticates at the token endpoint: header (HTTP "
        "basic) or url (client_id and client_secret in the form body).", group="Authentication",
    )
    oauth2_client_scope: str = _key(
        "oauth2.client.scope", "any", "The scope requested with the token.", group="Authentication",
    )
    oauth2_token_property: str = _key(
        "oauth2.token.property", DEFAULT_TOKEN_PROPERTY, "The token's property in the token endpoint's answer.",
        group="Authentication",
    )
    api_key_location: Literal["HEADER", "URL_QUERY_PARAMETER"] = _key(
        "api.key.location", "HEADER", "API_KEY: where the key goes.", group="Authentication",
    )
    api_key_name: str = _key("api.key.name", DEFAULT_API_KEY_NAME, "API_KEY: the header or query parameter name.",
                             group="Authentication")
    api_key_value: SecretStr | None = _key("api.key.value", None, "API_KEY: the key.", group="Authentication")
    ssl_enabled: bool = _key(
        "https.ssl.enabled", False, "Accepted for compatibility: an https:// URL uses TLS either way.",
        group="Security", no_effect="an https:// URL uses TLS whatever this key says",
    )
    truststore_location: str | None = _key(
        "https.ssl.truststore.location", None, "A PEM file of CA certificates to verify the server with.",
        group="Security",
    )
    truststore_type: str = _key(
        "https.ssl.truststore.type", "JKS", "Only PEM can be honoured (refused otherwise when a location is set).",
        group="Security",
    )
    keystore_location: str | None = _key(
        "https.ssl.keystore.location", None, "A PEM file with the client certificate and its unencrypted key.",
        group="Security",
    )
    keystore_type: str = _key(
        "https.ssl.keystore.type", "JKS", "Only PEM can be honoured (refused otherwise when a location is set).",
        group="Security",
    )
    host_verifier_enabled: bool = _key(
        "https.host.verifier.enabled", True, "Verify the server's host name against its certificate.",
        group="Security",
    )
    batch_key_pattern: str = _key(
        "batch.key.pattern", DEFAULT_BATCH_KEY_PATTERN, "Records whose pattern (${topic}, ${key}) gives the same "
        "text are batched together.", group="Batching",
    )
    batch_max_size: int = _key(
        "batch.max.size", DEFAULT_BATCH_MAX_SIZE, "Records sent in one request at most.", importance="HIGH",
        group="Batching", validator=in_range(1, 1_000_000),
    )
    lambda_connect_max_in_flight_requests: int = _key(
        "lambda.connect.max.in.flight.requests", 1,
        "The most requests in flight at once, sent while the next is built (lambda-connect's key): a partition's "
        "requests one at a time and in order, partitions side by side, so the endpoint may get another partition's "
        "records first. 1 (the default): one request after another in the order they were built, as Confluent's "
        "sink sends them.", group="Batching", validator=in_range(1, 64),
    )
    batch_prefix: str = _key("batch.prefix", "", "Text before a batch's records.", group="Batching")
    batch_suffix: str = _key("batch.suffix", "", "Text after a batch's records.", group="Batching")
    batch_separator: str = _key("batch.separator", DEFAULT_BATCH_SEPARATOR, "Text between a batch's records.",
                                group="Batching")
    batch_json_as_array: bool = _key(
        "batch.json.as.array", False, "Send a batch as a JSON array of its records (prefix, suffix and separator "
        "are then not used).", group="Batching",
    )
    request_body_format: BodyFormat = _key(
        "request.body.format", "string", "A record in the body: its string form or its JSON.", group="Batching",
    )
    max_retries: int = _key(
        "max.retries", DEFAULT_MAX_RETRIES, "Retries of a failed request.", importance="MEDIUM", group="Retries",
        validator=in_range(0),
    )
    retry_backoff_ms: int = _key(
        "retry.backoff.ms", DEFAULT_RETRY_BACKOFF_MS, "Wait before the first retry; doubled (with jitter) for each "
        "further one.", group="Retries", validator=in_range(0),
    )
    retry_backoff_policy: Literal["CONSTANT_VALUE", "EXPONENTIAL_WITH_JITTER"] = _key(
        "retry.backoff.policy", "EXPONENTIAL_WITH_JITTER", "How the wait between retries grows.", group="Retries",
    )
    retry_on_status_codes: str = _key(
        "retry.on.status.codes", DEFAULT_RETRY_ON_STATUS_CODES, "Status codes retried: codes and ranges (404,500-).",
        group="Retries",
    )
    reporter_bootstrap_servers: str = _key(
        "reporter.bootstrap.servers", "", "The Kafka cluster of the result and error topics; empty: no reporting.",
        group="Reporter",
    )
    reporter_result_topic_name: str = _key(
        "reporter.result.topic.name", DEFAULT_RESULT_TOPIC, "Topic of successful responses (${connector} is the "
        "connector's name); empty disables it.", group="Reporter",
    )
    reporter_error_topic_name: str = _key(
        "reporter.error.topic.name", DEFAULT_ERROR_TOPIC, "Topic of failed requests; empty disables it.",
        group="Reporter",
    )

    @field_validator("request_method", "auth_type", "api_key_location", "retry_backoff_policy", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("behavior_on_null_values", "behavior_on_error", "request_body_format", "report_errors_as",
                     "oauth2_client_auth_mode", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _check(self) -> HttpSinkConfig:
        if not self.http_api_url.lower().startswith(("http://", "https://")):
            raise ConfigError(f"Invalid value {self.http_api_url} for configuration http.api.url: the URL must "
                              "start with http:// or https://")
        StatusCodes(self.retry_on_status_codes)
        self.header_pairs()
        required = {"BASIC": (("connection.user", self.connection_user),
                              ("connection.password", self.connection_password)),
                    "OAUTH2": (("oauth2.token.url", self.oauth2_token_url), ("oauth2.client.id", self.oauth2_client_id),
                               ("oauth2.client.secret", self.oauth2_client_secret)),
                    "API_KEY": (("api.key.value", self.api_key_value),)}
        for key, value in required.get(self.auth_type, ()):
            if not value:
                raise ConfigError(f"Missing required configuration \"{key}\" which has no default value "
                                  f"(auth.type={self.auth_type}).")
        for key, location, store_type in (
            ("https.ssl.truststore.type", self.truststore_location, self.truststore_type),
            ("https.ssl.keystore.type", self.keystore_location, self.keystore_type),
        ):
            if location and store_type.upper() != "PEM":
                raise ConfigError(f"Invalid value {store_type} for configuration {key}: only PEM stores can be "
                                  "used by this connector")
        return self

    def header_pairs(self) -> list[tuple[str, str]]:
        """``headers`` then ``sensitive.headers`` as (name, value) pairs; a part without ':' is refused."""
        pairs: list[tuple[str, str]] = []
        secret = self.sensitive_headers.get_secret_value() if self.sensitive_headers else ""
        for key, text in (("headers", self.headers), ("sensitive.headers", secret)):
            for part in (p for p in text.split(self.header_separator) if p.strip()):
                name, colon, value = part.partition(":")
                if not colon or not name.strip():
                    shown = part if key == "headers" else "[hidden]"
                    raise ConfigError(f"Invalid value {shown} for configuration {key}: a header is 'Name:value'")
                pairs.append((name.strip(), value.strip()))
        return pairs

    def host_files(self) -> list[tuple[str, str]]:
        """The PEM files this config names, as (key, path): they must lie under the worker's file roots."""
        return [(key, path) for key, path in zip(PEM_FILE_KEYS, (self.truststore_location, self.keystore_location),
                                                 strict=True) if path]
