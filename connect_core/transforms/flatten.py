"""Flatten: nested structs/maps become one level with joined names (Kafka ``transforms.Flatten``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict

from connect_core.api.config import config_field, parse_config
from connect_core.api.errors import DataError
from connect_core.api.schema import Schema, SchemaBuilder, Type
from connect_core.api.struct import Struct
from connect_core.api.transformation import Transformation
from connect_core.transforms._sides import KeySide, RecordSide, ValueSide
from connect_core.transforms._util import (
    SchemaCache,
    attach_variants,
    class_name,
    copy_schema_basics,
    require_map,
    require_struct,
)

if TYPE_CHECKING:
    from connect_core.api.record import ConnectRecord

__all__ = ["DELIMITER_CONFIG", "DELIMITER_DEFAULT", "Flatten", "FlattenConfig"]

DELIMITER_CONFIG = "delimiter"
DELIMITER_DEFAULT = "."
PURPOSE = "flattening"
_KEPT = frozenset({Type.INT8, Type.INT16, Type.INT32, Type.INT64, Type.FLOAT32, Type.FLOAT64, Type.BOOLEAN,
                   Type.STRING, Type.BYTES, Type.ARRAY})
_SCHEMALESS_LEAVES = (bool, int, float, str, bytes, bytearray, list)


class FlattenConfig(BaseModel):
    """Config of Flatten (Kafka ``Flatten.CONFIG_DEF``)."""

    model_config = ConfigDict(defer_build=True, populate_by_name=True, frozen=True)

    delimiter: str = config_field(
        DELIMITER_DEFAULT, alias=DELIMITER_CONFIG,
        description="Delimiter to insert between field names from the input record when generating field names for "
        "the output record",
    )


class Flatten(RecordSide, Transformation["ConnectRecord"]):
    """Flatten nested structures into one level (Kafka ``Flatten``); use Flatten.Key or Flatten.Value."""

    config_model: ClassVar[type[BaseModel]] = FlattenConfig
    Key: ClassVar[type[Flatten]]
    Value: ClassVar[type[Flatten]]

    def configure(self, configs: dict[str, Any]) -> None:
        """Read the delimiter and reset the schema cache."""
        self.config = parse_config(FlattenConfig, configs)
        self._delimiter = self.config.delimiter
        self._schema_cache = SchemaCache()

    def apply(self, record: ConnectRecord) -> ConnectRecord:
        """Flatten the operating side; null keys/values pass through unchanged."""
        value = self._operating_value(record)
        if value is None:
            return record
        schema = self._operating_schema(record)
        if schema is None:
            flat: dict[str, Any] = {}
            self._flatten_map(require_map(value, PURPOSE), "", flat)
            return self._new_record(record, None, flat)
        struct = require_struct(value, PURPOSE)
        updated_schema = self._schema_cache.get_or_build(struct.schema, self._flattened_schema)
        updated = Struct(updated_schema)
        self._flatten_struct(struct, "", updated)
        return self._new_record(record, updated_schema, updated)

    def _flattened_schema(self, schema: Schema) -> Schema:
        builder = copy_schema_basics(schema, SchemaBuilder.struct())
        self._flatten_schema(schema, "", builder, schema.optional, schema.default_value)
        return builder.build()

    def _name(self, prefix: str, name: str) -> str:
        return name if not prefix else prefix + self._delimiter + name

    def _flatten_map(self, original: dict[str, Any], prefix: str, out: dict[str, Any]) -> None:
        for key, value in original.items():
            name = self._name(prefix, key)
            if value is None or isinstance(value, _SCHEMALESS_LEAVES):
                out[name] = value
            elif isinstance(value, dict):
                self._flatten_map(value, name, out)
            elif isinstance(value, Struct):
                raise DataError(f"Flatten transformation does not support {class_name(value)} "
                                f"for record without schemas (for field {name}).")
            else:
                raise DataError(f"Flatten transformation was passed a value of type {class_name(value)} "
                                "which is not supported by Connect's data API")

    def _flatten_schema(
        self, schema: Schema, prefix: str, builder: SchemaBuilder, optional: bool, parent_default: Struct | None
    ) -> None:
        for field in schema.fields:
            name = self._name(prefix, field.name)
            field_optional = optional or field.schema.optional
            default = field.schema.default_value
            if default is None and parent_default is not None:
                default = parent_default.get(field.name)
            if field.schema.type in _KEPT:
                builder.field(name, _convert_field_schema(field.schema, field_optional, default))
            elif field.schema.type is Type.STRUCT:
                self._flatten_schema(field.schema, name, builder, field_optional, default)
            else:
                raise DataError(f"Flatten transformation does not support {field.schema.type.name} "
                                f"for record with schemas (for field {name}).")

    def _flatten_struct(self, struct: Struct, prefix: str, out: Struct) -> None:
        for field in struct.schema.fields:
            name = self._name(prefix, field.name)
            value = struct.get(field)  # Kafka's Flatten always takes the default (no KIP-1040 key)
            if field.schema.type is Type.STRUCT:
                if value is not None:
                    self._flatten_struct(value, name, out)
            else:
                out.put(name, value)


def _convert_field_schema(original: Schema, optional: bool, default: Any) -> Schema:
    """Copy a leaf schema, forcing optionality and a default inherited from ancestors (Kafka's convertFieldSchema)."""
    if original.type is Type.ARRAY:
        builder = SchemaBuilder.array(original.value_schema)  # type: ignore[arg-type]
    else:
        builder = SchemaBuilder.type(original.type)
    copy_schema_basics(original, builder)
    if optional:
        builder.optional()
    if default is not None:
        builder.default_value(default)
    return builder.build()


class _Key(KeySide, Flatten):
    """``Flatten$Key``: flattens the record key."""


class _Value(ValueSide, Flatten):
    """``Flatten$Value``: flattens the record value."""


attach_variants(Flatten, _Key, _Value)
