"""``RegistryConverter``: what Confluent's Avro, JSON Schema and Protobuf converters share.

Writing: the Connect schema becomes a registry schema (the format's job), its subject follows the subject name
strategy, its id comes from registering it (``auto.register.schemas``), from the subject's latest version
(``use.latest.version``) or from a lookup; the bytes are the wire format around the format's payload. Reading:
the id names the writer's schema (fetched once per process), the subject's version of it becomes the Connect
schema's version when the schema carries none, as Confluent's converters do.
"""

from __future__ import annotations

import abc
import ssl
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from connect_core.api.config import config_error, parse_config
from connect_core.api.converter import Converter
from connect_core.api.errors import DataError
from connect_core.api.schema_and_value import SchemaAndValue
from connect_core.converters.schema_registry.client import (
    RegisteredSchema,
    RegistryRequestError,
    SchemaRegistryClient,
    client_for,
)
from connect_core.converters.schema_registry.config import STRATEGIES, SchemaRegistryConverterConfig
from connect_core.converters.schema_registry.wire_format import frame, unframe

if TYPE_CHECKING:
    from connect_core.api.header import Headers
    from connect_core.api.schema import Schema

__all__ = ["RegistryConverter", "WriterSchema", "remember"]

K = TypeVar("K")
V = TypeVar("V")


def remember(cache: dict[K, V], key: K, value: V, size: int) -> V:
    """Put ``value`` in a cache of at most ``size`` entries (``schemas.cache.config``), the oldest leaving first:
    a converter that meets ever new schemas keeps bounded memory, as Confluent's converters do."""
    if cache and len(cache) >= size:
        del cache[next(iter(cache))]
    cache[key] = value
    return value


class WriterSchema:
    """A format's registry form of one Connect schema: text, type, record name and format-specific state."""

    __slots__ = ("record_name", "state", "text", "type")

    def __init__(self, text: str, schema_type: str, record_name: str | None, state: Any = None) -> None:
        """``record_name`` feeds RecordNameStrategy (None: the schema is not a record)."""
        self.text = text
        self.type = schema_type
        self.record_name = record_name
        self.state = state


class RegistryConverter(Converter, abc.ABC):
    """Base of the registry converters; subclasses map Connect data to one schema format."""

    config_model: ClassVar[type[SchemaRegistryConverterConfig]] = SchemaRegistryConverterConfig
    file_keys: ClassVar[tuple[str, ...]] = ("schema.registry.ssl.truststore.location",
                                            "schema.registry.ssl.keystore.location")
    schema_type: ClassVar[str]

    def configure(self, configs: dict[str, Any], is_key: bool) -> None:
        """Parse the keys and bind the process-wide registry client for these settings."""
        config = self.config = parse_config(SchemaRegistryConverterConfig, configs)
        self.is_key = is_key
        self.client = self._client(config)
        strategy = config.key_subject_name_strategy if is_key else config.value_subject_name_strategy
        self._strategy = STRATEGIES[strategy]
        self._writers: dict[Schema, tuple[WriterSchema, str | None, int]] = {}
        self._setup(config)

    @staticmethod
    def _client(config: SchemaRegistryConverterConfig) -> SchemaRegistryClient:
        urls, user_info = [], None
        for configured in config.schema_registry_url:
            scheme, sep, rest = configured.partition("://")
            if sep and "@" in rest.split("/", 1)[0]:
                credentials, _, host = rest.partition("@")
                urls.append(f"{scheme}://{host}")
                if config.basic_auth_credentials_source == "URL":
                    user_info = credentials
            else:
                urls.append(configured)
        if config.basic_auth_credentials_source in ("USER_INFO", "SASL_INHERIT"):
            user_info = config.basic_auth_user_info.get_secret_value() or None
        context, ssl_key = None, ()
        if any(u.startswith("https://") for u in urls):
            context, ssl_key = _ssl_context(config)
        return client_for(urls, user_info=user_info, ssl_context=context, ssl_key=ssl_key,
                          latest_ttl_s=float(config.latest_cache_ttl_sec))

    def _setup(self, config: SchemaRegistryConverterConfig) -> None:
        """Format-specific configuration (data mapping caches)."""

    # -- format hooks --------------------------------------------------------------------------------------
    @abc.abstractmethod
    def writer_schema(self, schema: Schema) -> WriterSchema:
        """The registry schema of a Connect schema."""

    @abc.abstractmethod
    def parse_registered(self, registered: RegisteredSchema) -> WriterSchema:
        """A registered schema (``use.latest.version``) in the form ``serialize`` takes."""

    @abc.abstractmethod
    def serialize(self, writer: WriterSchema, schema: Schema, value: Any) -> bytes:
        """The payload after the wire-format header (Protobuf includes its message indexes)."""

    @abc.abstractmethod
    def deserialize(self, registered: RegisteredSchema, version: int | None, payload: memoryview) -> SchemaAndValue:
        """Connect data from a payload written with ``registered``."""

    # -- Converter -----------------------------------------------------------------------------------------
    def from_connect_data(self, topic: str, schema: Schema | None, value: Any,
                          headers: Headers | None = None) -> bytes | None:
        """Wire-format bytes; a null value is a Kafka null (tombstone)."""
        if value is None and (schema is None or schema.optional):
            return None
        if schema is None:
            raise DataError(f"{type(self).__name__} needs a schema: schemaless data cannot be written to topic "
                            f"{topic}")
        cached = self._writers.get(schema)
        if cached is None:
            cached = remember(self._writers, schema, self._resolve_writer(topic, schema),
                              self.config.schemas_cache_config)
        writer, _subject, schema_id = cached
        return frame(schema_id, self.serialize(writer, schema, value))

    def _resolve_writer(self, topic: str, schema: Schema) -> tuple[WriterSchema, str | None, int]:
        writer = self.writer_schema(schema)
        subject = self.subject(topic, writer.record_name)
        config = self.config
        schema_id: int | None
        if config.auto_register_schemas:
            schema_id = self.client.register(subject, writer.text, writer.type, normalize=config.normalize_schemas)
        elif config.use_latest_version:
            latest = self.client.latest(subject)
            if config.latest_compatibility_strict and not self.client.is_compatible(subject, writer.text, writer.type):
                raise DataError(f"Schema being registered is incompatible with the latest schema of subject "
                                f"{subject} (latest.compatibility.strict=true)")
            writer = self.parse_registered(latest)
            schema_id = latest.id
        else:
            schema_id = self.client.lookup(subject, writer.text, writer.type, normalize=config.normalize_schemas).id
        if schema_id is None:
            raise DataError(f"the schema registry returned no schema id for subject {subject}")
        return writer, subject, schema_id

    def subject(self, topic: str, record_name: str | None) -> str:
        """The subject of a schema under the configured strategy (Confluent's subject name strategies)."""
        if self._strategy == "topic":
            return f"{topic}-{'key' if self.is_key else 'value'}"
        if record_name is None:
            key = "key.subject.name.strategy" if self.is_key else "value.subject.name.strategy"
            raise DataError(f"In configuration {key} = {self._strategy_class()}, the message "
                            f"{'key' if self.is_key else 'value'} must only be a record schema")
        return record_name if self._strategy == "record" else f"{topic}-{record_name}"

    def _strategy_class(self) -> str:
        return self.config.key_subject_name_strategy if self.is_key else self.config.value_subject_name_strategy

    def to_connect_data(self, topic: str, value: bytes | None, headers: Headers | None = None) -> SchemaAndValue:
        """Connect data of wire-format bytes; a Kafka null is ``SchemaAndValue.NULL``."""
        if value is None:
            return SchemaAndValue.NULL
        schema_id, payload = unframe(value)
        try:
            registered = self.client.schema_by_id(schema_id)
        except RegistryRequestError as error:
            raise DataError(f"Failed to deserialize data for topic {topic} to {self.schema_type}: "
                            f"schema id {schema_id}: {error}") from error
        return self.deserialize(registered, self._version(topic, registered), payload)

    def _version(self, topic: str, registered: RegisteredSchema) -> int | None:
        """The subject's version of a writer schema (Confluent sets it as the Connect schema's version)."""
        try:
            record_name = self.parse_registered(registered).record_name
            subject = self.subject(topic, record_name)
            return self.client.lookup(subject, registered.schema, registered.schema_type).version
        except (RegistryRequestError, DataError):
            return None  # written under another subject or strategy: no version, as data still converts


def _ssl_context(config: SchemaRegistryConverterConfig) -> tuple[ssl.SSLContext, tuple[Any, ...]]:
    for store_key, kind in (("schema.registry.ssl.truststore.type", config.ssl_truststore_type),
                            ("schema.registry.ssl.keystore.type", config.ssl_keystore_type)):
        if kind.upper() != "PEM":
            raise config_error(store_key, kind, "only PEM stores can be read here (JKS and PKCS12 need a JVM)")
    context = ssl.create_default_context(cafile=config.ssl_truststore_location or None)
    if not config.ssl_endpoint_identification_algorithm:
        context.check_hostname = False
    if config.ssl_keystore_location:
        _load_key_store(context, config.ssl_keystore_location, config.ssl_key_password.get_secret_value())
    key = (config.ssl_truststore_location, config.ssl_keystore_location, config.ssl_endpoint_identification_algorithm)
    return context, key


def _load_key_store(context: ssl.SSLContext, location: str, password: str) -> None:
    """The PEM keystore's key and chain; an encrypted key takes ``schema.registry.ssl.key.password`` (never a prompt:
    OpenSSL would ask on the terminal when no password is given)."""
    asked: list[bool] = []

    def key_password() -> str:
        asked.append(True)
        return password

    try:
        context.load_cert_chain(location, password=key_password)
    except ssl.SSLError as error:
        if asked:
            reason = ("does not decrypt the private key of schema.registry.ssl.keystore.location" if password else
                      "must be set: the private key of schema.registry.ssl.keystore.location is encrypted")
            raise config_error("schema.registry.ssl.key.password", "[hidden]" if password else "", reason) from error
        raise config_error("schema.registry.ssl.keystore.location", location,
                           f"not a PEM private key with its certificate chain ({error})") from error
