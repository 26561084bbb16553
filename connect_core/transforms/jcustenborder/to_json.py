"""ToJSON: serialise a struct (or, since 0.1.0.15, a schemaless map) to JSON text or bytes as Kafka's JsonConverter
writes it (jcustenborder's ``ToJSON``); strings and bytes pass unchanged.

The text is ``connect_core.api.data_json``'s, JsonConverter's with ``schemas.enable=false`` (its ``decimal.format``
and ``replace.null.with.default`` keys apply). ``schemas.enable=true`` (the schema envelope) is refused: the schema
JSON lives with the converters, which a transformation may not import (docs/architecture.md's layering).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict

from connect_core.api.config import config_field, parse_config, valid_string
from connect_core.api.data_json import to_json_text
from connect_core.api.errors import ConfigError
from connect_core.api.schema import OPTIONAL_BYTES_SCHEMA, OPTIONAL_STRING_SCHEMA
from connect_core.api.transformation import Transformation
from connect_core.transforms._sides import KeySide, RecordSide, ValueSide
from connect_core.transforms._util import attach_variants
from connect_core.transforms.jcustenborder._base import BaseTransformation

if TYPE_CHECKING:
    from connect_core.api.record import ConnectRecord
    from connect_core.api.schema import Schema
    from connect_core.api.struct import Struct

__all__ = ["ToJSON", "ToJSONConfig"]


class ToJSONConfig(BaseModel):
    """Config of ToJSON (``ToJSONConfig.config()``); other keys reach the JsonConverter as they do in the original."""

    model_config = ConfigDict(defer_build=True, populate_by_name=True, frozen=True)

    output_schema_type: str = config_field(
        "STRING", alias="output.schema.type", validator=valid_string("STRING", "BYTES"),
        description="The connect schema type to output the converted JSON as.",
    )
    schemas_enable: bool = config_field(False, alias="schemas.enable",
                                        description="Flag to determine if the JSON data should include the schema.")


class ToJSON(RecordSide, BaseTransformation, Transformation["ConnectRecord"]):
    """``ToJSON``: use ToJSON.Key or ToJSON.Value."""

    config_model: ClassVar[type[BaseModel]] = ToJSONConfig
    Key: ClassVar[type[ToJSON]]
    Value: ClassVar[type[ToJSON]]

    def configure(self, configs: dict[str, Any]) -> None:
        """Read the output type and the JsonConverter keys that shape the text."""
        self.config = parse_config(ToJSONConfig, configs)
        if self.config.schemas_enable:
            raise ConfigError("Invalid value true for configuration schemas.enable: lambda-connect's ToJSON writes "
                              "JSON without the schema envelope only")
        decimal_format = str(configs.get("decimal.format", "BASE64")).strip().upper()
        if decimal_format not in ("BASE64", "NUMERIC"):
            raise ConfigError(f"Invalid value {decimal_format} for configuration decimal.format: String must be one "
                              "of: BASE64, NUMERIC")
        self._decimal_format: Any = decimal_format
        self._replace_null = str(configs.get("replace.null.with.default", "true")).strip().lower() != "false"

    def apply(self, record: ConnectRecord) -> ConnectRecord:
        """Serialise the operating side."""
        schema, value = self.process(self._operating_schema(record), self._operating_value(record))
        return self._new_record(record, schema, value, record.headers.duplicate())

    def _json(self, schema: Schema | None, value: Any) -> tuple[Schema | None, Any]:
        text = to_json_text(schema, value, decimal_format=self._decimal_format,
                            replace_null_with_default=self._replace_null)
        if self.config.output_schema_type == "BYTES":
            return OPTIONAL_BYTES_SCHEMA, text.encode()
        return OPTIONAL_STRING_SCHEMA, text

    def process_string(self, schema: Schema, value: str) -> tuple[Schema | None, Any]:
        """Unchanged."""
        return schema, value

    def process_bytes(self, schema: Schema, value: bytes) -> tuple[Schema | None, Any]:
        """Unchanged."""
        return schema, value

    def process_struct(self, schema: Schema, value: Struct) -> tuple[Schema | None, Any]:
        """The struct as JSON."""
        return self._json(schema, value)

    def process_schemaless_map(self, value: dict[str, Any]) -> tuple[Schema | None, Any]:
        """A schemaless map as JSON (0.1.0.58; 0.1.0.14 refuses maps)."""
        return self._json(None, value)


class _Key(KeySide, ToJSON):
    """``ToJSON$Key``."""


class _Value(ValueSide, ToJSON):
    """``ToJSON$Value``."""


attach_variants(ToJSON, _Key, _Value)
