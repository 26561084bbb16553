"""ValueToKey: build the key from fields of the value (Kafka ``transforms.ValueToKey``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict

from connect_core.api.config import ValidList, config_field, parse_config
from connect_core.api.errors import DataError
from connect_core.api.schema import Schema, SchemaBuilder
from connect_core.api.struct import Struct
from connect_core.api.transformation import Transformation
from connect_core.transforms._util import (
    SchemaCache,
    field_value,
    replace_null_field,
    require_map,
    require_struct,
)

if TYPE_CHECKING:
    from connect_core.api.record import ConnectRecord

__all__ = ["FIELDS_CONFIG", "ValueToKey", "ValueToKeyConfig"]

FIELDS_CONFIG = "fields"
PURPOSE = "copying fields from value to key"


class ValueToKeyConfig(BaseModel):
    """Config of ValueToKey (Kafka ``ValueToKey.CONFIG_DEF``)."""

    model_config = ConfigDict(defer_build=True, populate_by_name=True, frozen=True)

    fields: list[str] = config_field(
        ..., alias=FIELDS_CONFIG, importance="HIGH", type="LIST", validator=ValidList(empty_allowed=False),
        description="Field names on the record value to extract as the record key.",
    )
    replace_null_with_default: bool = replace_null_field()


class ValueToKey(Transformation["ConnectRecord"]):
    """Replace the key with a struct/map of selected value fields (Kafka ``ValueToKey``)."""

    config_model: ClassVar[type[BaseModel]] = ValueToKeyConfig

    def configure(self, configs: dict[str, Any]) -> None:
        """Read the field list and reset the key-schema cache."""
        self.config = parse_config(ValueToKeyConfig, configs)
        self._fields = list(self.config.fields)
        self._replace_null = self.config.replace_null_with_default
        self._schema_cache = SchemaCache()

    def apply(self, record: ConnectRecord) -> ConnectRecord:
        """Build the new key; a null value fails, as in Kafka."""
        if record.value_schema is None:
            value = require_map(record.value, PURPOSE)
            key: Any = {name: value.get(name) for name in self._fields}
            key_schema = None
        else:
            struct = require_struct(record.value, PURPOSE)
            key_schema = self._schema_cache.get_or_build(struct.schema, self._key_schema)
            key = Struct(key_schema)
            for name in self._fields:
                key.put(name, field_value(struct, name, self._replace_null))
        return record.new_record(record.topic, record.kafka_partition, key_schema, key, record.value_schema,
                                 record.value, record.timestamp, record.headers)

    def _key_schema(self, value_schema: Schema) -> Schema:
        builder = SchemaBuilder.struct()
        for name in self._fields:
            field = value_schema.field(name)
            if field is None:
                raise DataError("Field does not exist: " + name)
            builder.field(name, field.schema)
        return builder.build()
