"""HoistField: wrap the key/value in a single-field struct or map (Kafka ``transforms.HoistField``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict

from connect_core.api.config import config_field, parse_config
from connect_core.api.schema import Schema, SchemaBuilder
from connect_core.api.struct import Struct
from connect_core.api.transformation import Transformation
from connect_core.transforms._sides import KeySide, RecordSide, ValueSide
from connect_core.transforms._util import SchemaCache, attach_variants

if TYPE_CHECKING:
    from connect_core.api.record import ConnectRecord

__all__ = ["FIELD_CONFIG", "HoistField", "HoistFieldConfig"]

FIELD_CONFIG = "field"


class HoistFieldConfig(BaseModel):
    """Config of HoistField (Kafka ``HoistField.CONFIG_DEF``)."""

    model_config = ConfigDict(defer_build=True, populate_by_name=True, frozen=True)

    field: str = config_field(
        ..., alias=FIELD_CONFIG,
        description="Field name for the single field that will be created in the resulting Struct or Map.",
    )


class HoistField(RecordSide, Transformation["ConnectRecord"]):
    """Wrap data in a struct/map with one field (Kafka ``HoistField``); use HoistField.Key or HoistField.Value."""

    config_model: ClassVar[type[BaseModel]] = HoistFieldConfig
    Key: ClassVar[type[HoistField]]
    Value: ClassVar[type[HoistField]]

    def configure(self, configs: dict[str, Any]) -> None:
        """Read the field name and reset the schema cache."""
        self.config = parse_config(HoistFieldConfig, configs)
        self._field = self.config.field
        self._schema_cache = SchemaCache()

    def apply(self, record: ConnectRecord) -> ConnectRecord:
        """Hoist the operating side; a null value is hoisted too, as Kafka does."""
        value = self._operating_value(record)
        schema = self._operating_schema(record)
        if schema is None:
            return self._new_record(record, None, {self._field: value})
        updated_schema = self._schema_cache.get_or_build(schema, self._hoisted_schema)
        return self._new_record(record, updated_schema, Struct(updated_schema).put(self._field, value))

    def _hoisted_schema(self, schema: Schema) -> Schema:
        return SchemaBuilder.struct().field(self._field, schema).build()


class _Key(KeySide, HoistField):
    """``HoistField$Key``: hoists the record key."""


class _Value(ValueSide, HoistField):
    """``HoistField$Value``: hoists the record value."""


attach_variants(HoistField, _Key, _Value)
