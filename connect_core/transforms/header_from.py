"""HeaderFrom: copy or move fields into headers (Kafka ``transforms.HeaderFrom``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict

from connect_core.api.config import config_field, parse_config, valid_string
from connect_core.api.errors import ConfigError, DataError
from connect_core.api.schema import Schema, SchemaBuilder
from connect_core.api.struct import Struct
from connect_core.api.transformation import Transformation
from connect_core.transforms._sides import KeySide, RecordSide, ValueSide
from connect_core.transforms._util import (
    SchemaCache,
    attach_variants,
    copy_schema_basics,
    field_value,
    non_empty_list,
    replace_null_field,
    require_map,
    require_struct,
)

if TYPE_CHECKING:
    from connect_core.api.record import ConnectRecord

__all__ = ["COPY", "FIELDS_CONFIG", "HEADERS_CONFIG", "HeaderFrom", "HeaderFromConfig", "MOVE", "OPERATION_CONFIG"]

FIELDS_CONFIG = "fields"
HEADERS_CONFIG = "headers"
OPERATION_CONFIG = "operation"
MOVE = "move"
COPY = "copy"


class HeaderFromConfig(BaseModel):
    """Config of HeaderFrom (Kafka ``HeaderFrom.CONFIG_DEF``)."""

    model_config = ConfigDict(defer_build=True, populate_by_name=True, frozen=True)

    fields: list[str] = config_field(
        ..., alias=FIELDS_CONFIG, importance="HIGH", type="LIST", validator=non_empty_list,
        description="Field names in the record whose values are to be copied or moved to headers.",
    )
    headers: list[str] = config_field(
        ..., alias=HEADERS_CONFIG, importance="HIGH", type="LIST", validator=non_empty_list,
        description="Header names, in the same order as the field names listed in the fields configuration property.",
    )
    operation: str = config_field(
        ..., alias=OPERATION_CONFIG, importance="HIGH", validator=valid_string(MOVE, COPY),
        description="Either <code>move</code> if the fields are to be moved to the headers (removed from the key/"
        "value), or <code>copy</code> if the fields are to be copied to the headers (retained in the key/value).",
    )
    replace_null_with_default: bool = replace_null_field()


class HeaderFrom(RecordSide, Transformation["ConnectRecord"]):
    """Copy/move fields to headers (Kafka ``HeaderFrom``); use HeaderFrom.Key or HeaderFrom.Value."""

    config_model: ClassVar[type[BaseModel]] = HeaderFromConfig
    Key: ClassVar[type[HeaderFrom]]
    Value: ClassVar[type[HeaderFrom]]

    def configure(self, configs: dict[str, Any]) -> None:
        """Pair fields with headers; both lists must have the same length."""
        self.config = parse_config(HeaderFromConfig, configs)
        if len(self.config.fields) != len(self.config.headers):
            raise ConfigError(f"'{FIELDS_CONFIG}' config must have the same number of elements as "
                              f"'{HEADERS_CONFIG}' config.")
        self._pairs = list(zip(self.config.fields, self.config.headers, strict=True))
        self._moved = frozenset(self.config.fields)
        self._move = self.config.operation == MOVE
        self._purpose = "header " + self.config.operation
        self._replace_null = self.config.replace_null_with_default
        self._schema_cache = SchemaCache()

    def apply(self, record: ConnectRecord) -> ConnectRecord:
        """Add the headers (and drop the fields on move); a null key/value is an error, as in Kafka."""
        schema = self._operating_schema(record)
        value = self._operating_value(record)
        headers = record.headers.duplicate()
        if schema is None:
            original = require_map(value, self._purpose)
            updated = dict(original) if self._move else original
            for field, header in self._pairs:
                headers.add(header, original.get(field), None)
                if self._move:
                    updated.pop(field, None)
            return self._new_record(record, None, updated, headers)
        struct = require_struct(value, self._purpose)
        for field, header in self._pairs:
            field_def = schema.field(field)
            if field_def is None:
                raise DataError(f"Unknown field: {field}")
            headers.add(header, field_value(struct, field, self._replace_null), field_def.schema)
        if not self._move:
            return self._new_record(record, schema, struct, headers)
        updated_schema = self._schema_cache.get_or_build(schema, self._updated_schema)
        out = Struct(updated_schema)
        for f in updated_schema.fields:
            out.put(f, field_value(struct, f.name, self._replace_null))
        return self._new_record(record, updated_schema, out, headers)

    def _updated_schema(self, schema: Schema) -> Schema:
        builder = copy_schema_basics(schema, SchemaBuilder.struct())
        for f in schema.fields:
            if f.name not in self._moved:
                builder.field(f.name, f.schema)
        return builder.build()


class _Key(KeySide, HeaderFrom):
    """``HeaderFrom$Key``: takes header values from the record key."""


class _Value(ValueSide, HeaderFrom):
    """``HeaderFrom$Value``: takes header values from the record value."""


attach_variants(HeaderFrom, _Key, _Value)
