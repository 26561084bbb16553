"""``JsonConverterConfig`` (Kafka ``org.apache.kafka.connect.json.JsonConverterConfig``)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, field_validator

from connect_core.api.config import config_error, config_field, valid_string
from connect_core.api.errors import DataError

__all__ = [
    "DECIMAL_FORMAT_DEFAULT",
    "REPLACE_NULL_WITH_DEFAULT_DEFAULT",
    "SCHEMAS_CACHE_SIZE_DEFAULT",
    "SCHEMAS_ENABLE_DEFAULT",
    "SCHEMA_CONTENT_CONFIG",
    "JsonConverterConfig",
]

SCHEMAS_ENABLE_DEFAULT = True
SCHEMAS_CACHE_SIZE_DEFAULT = 1000
DECIMAL_FORMAT_DEFAULT = "BASE64"
REPLACE_NULL_WITH_DEFAULT_DEFAULT = True
SCHEMA_CONTENT_CONFIG = "schema.content"


def _check_schema_content(key: str, value: str | None) -> None:
    """Kafka refuses a bad ``schema.content`` only in ``configure`` (a failed task); we name the key at validate."""
    from connect_core.converters.json import JsonConverter

    try:
        JsonConverter().schema_of_content(value)
    except DataError as e:
        raise config_error(key, value, str(e)) from e


class JsonConverterConfig(BaseModel):
    """Keys of the JSON converter, given without the ``key.converter.``/``value.converter.`` prefix."""

    model_config = ConfigDict(defer_build=True, populate_by_name=True, frozen=True)

    schemas_enable: bool = config_field(
        SCHEMAS_ENABLE_DEFAULT,
        alias="schemas.enable",
        description="Include schemas within each of the serialized values and keys.",
        importance="HIGH",
        group="Schemas",
        display_name="Enable Schemas",
    )
    schemas_cache_size: int = config_field(
        SCHEMAS_CACHE_SIZE_DEFAULT,
        alias="schemas.cache.size",
        description="The maximum number of schemas that can be cached in this converter instance.",
        importance="HIGH",
        group="Schemas",
        display_name="Schema Cache Size",
    )
    # KIP-1054 (Kafka 4.2): one schema for every record read; the value is checked when the converter is configured
    # (JsonConverter.configure), so validate names this key for a schema Kafka would only refuse in the task
    schema_content: str | None = config_field(
        None,
        alias=SCHEMA_CONTENT_CONFIG,
        description=(
            "When set, this is used as the schema for all messages, and the schemas within each of the message will "
            "be ignored.Otherwise, the schema will be included in the content of each message. This configuration "
            "applies only 'schemas.enable' is true, and it exclusively affects the sink connector."
        ),
        importance="HIGH",
        group="Schemas",
        width="MEDIUM",
        display_name="Schema Content",
        validator=_check_schema_content,
    )
    decimal_format: Literal["BASE64", "NUMERIC"] = config_field(
        DECIMAL_FORMAT_DEFAULT,
        alias="decimal.format",
        description=(
            "Controls which format this converter will serialize decimals in. This value is case insensitive "
            "and can be either 'BASE64' (default) or 'NUMERIC'"
        ),
        importance="LOW",
        group="Serialization",
        display_name="Decimal Format",
        validator=valid_string("BASE64", "NUMERIC", case_insensitive=True),
    )
    replace_null_with_default: bool = config_field(
        REPLACE_NULL_WITH_DEFAULT_DEFAULT,
        alias="replace.null.with.default",
        description=(
            "Whether to replace fields that have a default value and that are null to the default value. "
            "When set to true, the default value is used, otherwise null is used."
        ),
        importance="LOW",
        group="Serialization",
        display_name="Replace null with default",
    )
    converter_type: Literal["key", "value", "header"] | None = config_field(
        None,
        alias="converter.type",
        description="How this converter will be used.",
        importance="LOW",
        validator=valid_string("key", "value", "header"),
    )

    @field_validator("decimal_format", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value
