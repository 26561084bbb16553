"""Drop: set the key or the value to null, with its schema nullified, retained, validated as optional or made
optional (Confluent's ``io.confluent.connect.transforms.Drop$Key``/``$Value``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict

from connect_core.api.config import config_field, parse_config, valid_string
from connect_core.api.errors import DataError
from connect_core.api.schema import Schema, Type
from connect_core.api.transformation import Transformation
from connect_core.transforms._sides import KeySide, RecordSide, ValueSide
from connect_core.transforms._util import attach_variants

if TYPE_CHECKING:
    from connect_core.api.record import ConnectRecord

__all__ = ["Drop", "DropConfig", "optional_schema"]


class DropConfig(BaseModel):
    """Config of Drop (its documented property)."""

    model_config = ConfigDict(defer_build=True, populate_by_name=True, frozen=True)

    schema_behavior: str = config_field(
        "nullify", alias="schema.behavior",
        validator=valid_string("nullify", "retain", "validate", "force_optional"),
        description="How to handle non-null schemas. If set to nullify, then the schema for the new record is null. "
        "If set to retain, the schema is used, regardless of whether it is optional. If set to validate, the schema "
        "is checked first, and if it is optional, it is used as-is; otherwise, an exception is thrown. If set to "
        "force_optional, the schema is overwritten to be optional, if it is not already.",
    )


def optional_schema(schema: Schema) -> Schema:
    """``schema`` made optional, everything else kept."""
    if schema.optional:
        return schema
    return Schema(schema.type, True, schema.default_value, schema.name, schema.version, schema.doc, schema.parameters,
                  list(schema.fields) if schema.type is Type.STRUCT else None, schema.key_schema, schema.value_schema)


class Drop(RecordSide, Transformation["ConnectRecord"]):
    """Confluent's Drop: use Drop.Key or Drop.Value."""

    config_model: ClassVar[type[BaseModel]] = DropConfig
    Key: ClassVar[type[Drop]]
    Value: ClassVar[type[Drop]]

    def configure(self, configs: dict[str, Any]) -> None:
        """Read ``schema.behavior``."""
        self.config = parse_config(DropConfig, configs)

    def apply(self, record: ConnectRecord) -> ConnectRecord:
        """The record with a null key or value."""
        schema = self._operating_schema(record)
        behavior = self.config.schema_behavior
        if schema is None or behavior == "nullify":
            new_schema = None
        elif behavior == "retain":
            new_schema = schema
        elif behavior == "validate":
            if not schema.optional:
                raise DataError(f"Schema {schema!r} is not optional and cannot hold the null the record is given")
            new_schema = schema
        else:
            new_schema = optional_schema(schema)
        return self._new_record(record, new_schema, None, record.headers.duplicate())


class _Key(KeySide, Drop):
    """``Drop$Key``."""


class _Value(ValueSide, Drop):
    """``Drop$Value``."""


attach_variants(Drop, _Key, _Value)
