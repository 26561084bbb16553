"""``JsonConverterConfig`` (Kafka ``org.apache.kafka.connect.json.JsonConverterConfig``)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, field_validator

from connect_core.api.config import config_field, valid_string

__all__ = [
    "DECIMAL_FORMAT_DEFAULT",
    "REPLACE_NULL_WITH_DEFAULT_DEFAULT",
    "SCHEMAS_CACHE_SIZE_DEFAULT",
    "SCHEMAS_ENABLE_DEFAULT",
    "JsonConverterConfig",
]

SCHEMAS_ENABLE_DEFAULT = True
SCHEMAS_CACHE_SIZE_DEFAULT = 1000
DECIMAL_FORMAT_DEFAULT = "BASE64"
REPLACE_NULL_WITH_DEFAULT_DEFAULT = True


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
