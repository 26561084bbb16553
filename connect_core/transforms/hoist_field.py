"""HoistField: wrap the key/value in a single-field struct or map (Kafka ``transforms.HoistField``)."""

from __future__ import annotations

import abc
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict

from connect_core.api.config import config_field, parse_config
from connect_core.api.schema import Schema, SchemaBuilder
from connect_core.api.struct import Struct
from connect_core.api.transformation import Transformation
from connect_core.transforms._util import SchemaCache, attach_variants, key_record, value_record

if TYPE_CHECKING:
    from connect_core.api.record import ConnectRecord

FIELD_CONFIG = "field"


class HoistFieldConfig(BaseModel):
    """Config of HoistField (Kafka ``HoistField.CONFIG_DEF``)."""

    model_config = ConfigDict(populate_by_name=True, frozen=True)

    field: str = config_field(
        ..., alias=FIELD_CONFIG,
        description="Field name for the single field that will be created in the resulting Struct or Map.",
    )


class HoistField(Transformation["ConnectRecord"], abc.ABC):
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
        updated_schema = self._schema_cache.get(schema)
        if updated_schema is None:
            updated_schema = SchemaBuilder.struct().field(self._field, schema).build()
            self._schema_cache.put(schema, updated_schema)
        return self._new_record(record, updated_schema, Struct(updated_schema).put(self._field, value))

    @abc.abstractmethod
    def _operating_schema(self, record: ConnectRecord) -> Schema | None: ...

    @abc.abstractmethod
    def _operating_value(self, record: ConnectRecord) -> Any: ...

    @abc.abstractmethod
    def _new_record(self, record: ConnectRecord, schema: Schema | None, value: Any) -> ConnectRecord: ...


class _Key(HoistField):
    """``HoistField$Key``: hoists the record key."""

    def _operating_schema(self, record: ConnectRecord) -> Schema | None:
        return record.key_schema

    def _operating_value(self, record: ConnectRecord) -> Any:
        return record.key

    def _new_record(self, record: ConnectRecord, schema: Schema | None, value: Any) -> ConnectRecord:
        return key_record(record, schema, value)


class _Value(HoistField):
    """``HoistField$Value``: hoists the record value."""

    def _operating_schema(self, record: ConnectRecord) -> Schema | None:
        return record.value_schema

    def _operating_value(self, record: ConnectRecord) -> Any:
        return record.value

    def _new_record(self, record: ConnectRecord, schema: Schema | None, value: Any) -> ConnectRecord:
        return value_record(record, schema, value)


attach_variants(HoistField, _Key, _Value)
