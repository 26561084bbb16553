"""``SchemaRegistryConverterConfig``: the keys Confluent's Avro, JSON Schema and Protobuf converters share.

Names and defaults are Confluent's (``AbstractKafkaSchemaSerDeConfig`` plus ``AvroDataConfig``). TLS material
is read as PEM (``*.type=PEM``, Kafka's own PEM support): JKS and PKCS12 stores cannot be read without a JVM.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, SecretStr, field_validator

from connect_core.api.config import config_field, valid_string

__all__ = ["STRATEGIES", "SchemaRegistryConverterConfig"]

_STRATEGY_PACKAGE = "io.confluent.kafka.serializers.subject."
STRATEGIES = {
    _STRATEGY_PACKAGE + "TopicNameStrategy": "topic",
    _STRATEGY_PACKAGE + "RecordNameStrategy": "record",
    _STRATEGY_PACKAGE + "TopicRecordNameStrategy": "topic_record",
    "TopicNameStrategy": "topic",
    "RecordNameStrategy": "record",
    "TopicRecordNameStrategy": "topic_record",
}
_DEFAULT_STRATEGY = _STRATEGY_PACKAGE + "TopicNameStrategy"
_GROUP = "Schema Registry"


def _strategy(key: str, value: str) -> None:
    from connect_core.api.config import config_error

    if value not in STRATEGIES:
        raise config_error(key, value, "Supported: " + ", ".join(k for k in STRATEGIES if "." in k))


class SchemaRegistryConverterConfig(BaseModel):
    """Keys of the registry converters, without the ``key.converter.``/``value.converter.`` prefix."""

    model_config = ConfigDict(defer_build=True, populate_by_name=True, frozen=True)

    schema_registry_url: list[str] = config_field(
        alias="schema.registry.url", importance="HIGH", group=_GROUP,
        description="Comma-separated list of URLs for schema registry instances; tried in turn on connection "
                    "errors.")
    basic_auth_credentials_source: Literal["URL", "USER_INFO", "SASL_INHERIT"] = config_field(
        "URL", alias="basic.auth.credentials.source", group=_GROUP,
        validator=valid_string("URL", "USER_INFO", "SASL_INHERIT"),
        description="Where basic auth credentials come from: URL (user:password@ in the URL) or USER_INFO "
                    "(basic.auth.user.info). SASL_INHERIT is accepted and treated as USER_INFO.")
    basic_auth_user_info: SecretStr = config_field(
        SecretStr(""), alias="basic.auth.user.info", group=_GROUP,
        description="user:password for basic auth, with basic.auth.credentials.source=USER_INFO.")
    ssl_truststore_location: str = config_field(
        "", alias="schema.registry.ssl.truststore.location", group=_GROUP,
        description="PEM file of the CA certificates that sign the registry's certificate.")
    ssl_truststore_type: str = config_field(
        "PEM", alias="schema.registry.ssl.truststore.type", group=_GROUP,
        description="Must be PEM here (JKS/PKCS12 need a JVM).")
    ssl_truststore_password: SecretStr = config_field(
        SecretStr(""), alias="schema.registry.ssl.truststore.password", group=_GROUP,
        description="Unused for PEM trust stores; accepted for compatibility.",
        no_effect="PEM trust stores have no password")
    ssl_keystore_location: str = config_field(
        "", alias="schema.registry.ssl.keystore.location", group=_GROUP,
        description="PEM file with the client certificate chain and private key (mutual TLS).")
    ssl_keystore_type: str = config_field(
        "PEM", alias="schema.registry.ssl.keystore.type", group=_GROUP,
        description="Must be PEM here (JKS/PKCS12 need a JVM).")
    ssl_keystore_password: SecretStr = config_field(
        SecretStr(""), alias="schema.registry.ssl.keystore.password", group=_GROUP,
        description="Accepted for compatibility; the PEM key is decrypted with schema.registry.ssl.key.password.",
        no_effect="the PEM key is decrypted with schema.registry.ssl.key.password")
    ssl_key_password: SecretStr = config_field(
        SecretStr(""), alias="schema.registry.ssl.key.password", group=_GROUP,
        description="Password of the PEM private key.")
    ssl_endpoint_identification_algorithm: str = config_field(
        "https", alias="schema.registry.ssl.endpoint.identification.algorithm", group=_GROUP,
        description="https checks the registry's host name; empty disables the check.")
    auto_register_schemas: bool = config_field(
        True, alias="auto.register.schemas", group=_GROUP,
        description="Register the schema of written data under its subject; false looks it up instead.")
    use_latest_version: bool = config_field(
        False, alias="use.latest.version", group=_GROUP,
        description="Write with the latest registered version of the subject instead of the data's own schema "
                    "(with auto.register.schemas=false).")
    latest_compatibility_strict: bool = config_field(
        True, alias="latest.compatibility.strict", group=_GROUP,
        description="With use.latest.version: fail when the registry finds the data's schema incompatible with "
                    "the subject's latest version.")
    latest_cache_ttl_sec: int = config_field(
        -1, alias="latest.cache.ttl.sec", group=_GROUP,
        description="How long the latest version of a subject is cached; -1 for ever.")
    normalize_schemas: bool = config_field(
        False, alias="normalize.schemas", group=_GROUP, description="Ask the registry to normalize schemas.")
    key_subject_name_strategy: str = config_field(
        _DEFAULT_STRATEGY, alias="key.subject.name.strategy", type="CLASS", validator=_strategy, group=_GROUP,
        description="Subject of key schemas: TopicNameStrategy (<topic>-key), RecordNameStrategy (record name) "
                    "or TopicRecordNameStrategy (<topic>-<record name>).")
    value_subject_name_strategy: str = config_field(
        _DEFAULT_STRATEGY, alias="value.subject.name.strategy", type="CLASS", validator=_strategy, group=_GROUP,
        description="Subject of value schemas, as key.subject.name.strategy.")
    schemas_cache_config: int = config_field(
        1000, alias="schemas.cache.config", group=_GROUP,
        description="How many schema conversions each converter keeps, each way (and writer schemas resolved "
                    "with the registry); the oldest leave first.")
    enhanced_avro_schema_support: bool = config_field(
        False, alias="enhanced.avro.schema.support", group=_GROUP,
        description="Keep Avro enums and full record names in unions across conversions.")
    connect_meta_data: bool = config_field(
        True, alias="connect.meta.data", group=_GROUP,
        description="Carry Connect metadata (connect.name, version, doc, parameters, default) in the schemas.")

    @field_validator("schema_registry_url", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value
