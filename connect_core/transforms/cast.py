"""Cast: change the type of fields, or of the whole key/value (Kafka ``org.apache.kafka.connect.transforms.Cast``)."""

from __future__ import annotations

import base64
import datetime as _dt
import decimal
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict

from connect_core.api.config import config_error, config_field, parse_config
from connect_core.api.errors import ConfigError, DataError
from connect_core.api.java_text import java_double_str, java_float_str, to_float32
from connect_core.api.logical import Date, Time, Timestamp
from connect_core.api.schema import Schema, SchemaBuilder, Type, infer_type
from connect_core.api.struct import Struct
from connect_core.api.transformation import Transformation
from connect_core.transforms import _java
from connect_core.transforms._sides import KeySide, RecordSide, ValueSide
from connect_core.transforms._util import (
    SchemaCache,
    attach_variants,
    class_name,
    copy_schema_basics,
    field_value,
    java_split,
    replace_null_field,
    require_map,
    require_struct,
)

if TYPE_CHECKING:
    from connect_core.api.record import ConnectRecord

__all__ = ["Cast", "CastConfig", "SPEC_CONFIG", "cast_value", "parse_field_types"]

SPEC_CONFIG = "spec"
PURPOSE = "cast types"
_INPUT_TYPES = (Type.INT8, Type.INT16, Type.INT32, Type.INT64, Type.FLOAT32, Type.FLOAT64, Type.BOOLEAN,
                Type.STRING, Type.BYTES)
_OUTPUT_TYPES = _INPUT_TYPES[:-1]
_INT_BITS = {Type.INT8: 8, Type.INT16: 16, Type.INT32: 32, Type.INT64: 64}
_BUILDERS = {
    Type.INT8: SchemaBuilder.int8, Type.INT16: SchemaBuilder.int16, Type.INT32: SchemaBuilder.int32,
    Type.INT64: SchemaBuilder.int64, Type.FLOAT32: SchemaBuilder.float32, Type.FLOAT64: SchemaBuilder.float64,
    Type.BOOLEAN: SchemaBuilder.bool, Type.STRING: SchemaBuilder.string,
}
_WHOLE_VALUE = None  # Kafka's key for "cast the entire value" in the parsed spec


def _type_list(types: tuple[Type, ...]) -> str:
    return "[" + ", ".join(t.name for t in types) + "]"


def _spec_type(text: str) -> Type:
    """``Schema.Type.valueOf`` of a spec type, failing with Kafka's ``ConfigException(name, cause)`` text."""
    name = text.strip().upper()
    if name not in Type.__members__:
        cause = f"java.lang.IllegalArgumentException: No enum constant org.apache.kafka.connect.data.Schema.Type.{name}"
        raise config_error("Invalid type found in casting spec: " + text.strip(), cause)
    return Type[name]


def parse_field_types(mappings: list[str]) -> dict[str | None, Type]:
    """Parse ``spec`` into {field or None (whole value): target type}, raising Kafka's ConfigException messages."""
    casts: dict[str | None, Type] = {}
    whole = False
    for mapping in mappings:
        parts = java_split(mapping, ":")
        if len(parts) > 2:
            raise config_error("renames", mappings, "Invalid rename mapping: " + mapping)
        if len(parts) == 1:
            casts[_WHOLE_VALUE] = _valid_output(_spec_type(parts[0]))
            whole = True
        else:
            casts[parts[0].strip()] = _valid_output(_spec_type(parts[1]))
    if whole and len(mappings) > 1:
        raise ConfigError("Cast transformations that specify a type to cast the entire value to "
                          "may only specify a single cast in their spec")
    return casts


def _valid_output(target: Type) -> Type:
    if target not in _OUTPUT_TYPES:
        raise ConfigError(f"Cast transformation does not support casting to {target.name}; "
                          f"supported types are {_type_list(_OUTPUT_TYPES)}")
    return target


def _check_spec(value: list[str] | None) -> None:
    if not value:
        raise ConfigError("Must specify at least one field to cast.")
    parse_field_types(value)


class CastConfig(BaseModel):
    """Config of Cast (Kafka ``Cast.CONFIG_DEF``)."""

    model_config = ConfigDict(defer_build=True, populate_by_name=True, frozen=True)

    spec: list[str] = config_field(
        ..., alias=SPEC_CONFIG, importance="HIGH", type="LIST", validator=lambda key, value: _check_spec(value),
        description="List of fields and the type to cast them to of the form field1:type,field2:type to cast fields "
        "of Maps or Structs. A single type to cast the entire value. Valid types are int8, int16, int32, int64, "
        "float32, float64, boolean, and string. Note that binary fields can only be cast to string.",
    )
    replace_null_with_default: bool = replace_null_field()


def _encode_logical(schema: Schema, value: Any) -> Any:
    name = schema.name
    if name == Date.LOGICAL_NAME:
        return Date.from_logical(schema, value)
    if name == Time.LOGICAL_NAME:
        return Time.from_logical(schema, value)
    if name == Timestamp.LOGICAL_NAME:
        return Timestamp.from_logical(schema, value)
    return value


def _date_string(value: Any) -> str:
    """Kafka's ``Values.dateFormatFor(date).format(date)`` for a logical Date/Time/Timestamp value (UTC)."""
    if isinstance(value, _dt.datetime):
        ms = Timestamp.from_logical(Timestamp.schema(), value)
    elif isinstance(value, _dt.date):
        ms = Date.from_logical(Date.schema(), value) * 86_400_000
    else:
        ms = Time.from_logical(Time.schema(), value)
    moment = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC) + _dt.timedelta(milliseconds=ms)
    time_part = moment.strftime("%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    if ms < 86_400_000:
        return time_part
    if ms % 86_400_000 == 0:
        return moment.strftime("%Y-%m-%d")
    return moment.strftime("%Y-%m-%dT") + time_part


def _to_string(value: Any, source: Type) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return java_float_str(value) if source is Type.FLOAT32 else java_double_str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, (_dt.date, _dt.time)):
        return _date_string(value)
    return str(value)


def _to_number(value: Any, target: Type) -> Any:
    if isinstance(value, str):
        if target in _INT_BITS:
            return _java.parse_int(value, _INT_BITS[target])
        parsed = _java.parse_float(value)
        return to_float32(parsed) if target is Type.FLOAT32 else parsed
    if not isinstance(value, (int, float, decimal.Decimal)):
        raise DataError(f"Unexpected type in Cast transformation: {class_name(value)}")
    if target in _INT_BITS:
        return _java.narrow(value, _INT_BITS[target])
    return to_float32(float(value)) if target is Type.FLOAT32 else float(value)


def cast_value(schema: Schema | None, value: Any, target: Type) -> Any:
    """Cast one value to ``target`` with Java's conversion rules (Kafka ``Cast.castValueToType``)."""
    if value is None:
        return None
    source = infer_type(value) if schema is None else schema.type
    if source is None:
        raise DataError(f"Cast transformation was passed a value of type {class_name(value)} "
                        "which is not supported by Connect's data API")
    if source not in _INPUT_TYPES:
        raise DataError(f"Cast transformation does not support casting from {source.name}; "
                        f"supported types are {_type_list(_INPUT_TYPES)}")
    if schema is not None and schema.name is not None and target is not Type.STRING:
        value = _encode_logical(schema, value)
    try:
        if target is Type.STRING:
            return _to_string(value, source)
        if target is Type.BOOLEAN:
            if isinstance(value, str):
                return value.lower() == "true"
            if isinstance(value, (bool, int, float, decimal.Decimal)):
                return _java.narrow(value, 64) != 0 if not isinstance(value, bool) else value
            raise DataError(f"Unexpected type in Cast transformation: {class_name(value)}")
        return _to_number(value, target)
    except ValueError as e:
        raise DataError(f"Value ({value}) was out of range for requested data type") from e


class Cast(RecordSide, Transformation["ConnectRecord"]):
    """Cast fields or the entire key/value to another primitive type (Kafka ``Cast``); use Cast.Key or Cast.Value."""

    config_model: ClassVar[type[BaseModel]] = CastConfig
    Key: ClassVar[type[Cast]]
    Value: ClassVar[type[Cast]]

    def configure(self, configs: dict[str, Any]) -> None:
        """Parse ``spec`` once so apply() only looks casts up."""
        self.config = parse_config(CastConfig, configs)
        self._casts = parse_field_types(self.config.spec)
        self._whole_type = self._casts.get(_WHOLE_VALUE)
        self._replace_null = self.config.replace_null_with_default
        self._schema_cache = SchemaCache()

    def apply(self, record: ConnectRecord) -> ConnectRecord:
        """Cast the operating side; null keys/values pass through unchanged."""
        value = self._operating_value(record)
        if value is None:
            return record
        schema = self._operating_schema(record)
        if schema is None:
            return self._apply_schemaless(record, value)
        return self._apply_with_schema(record, schema, value)

    def _apply_schemaless(self, record: ConnectRecord, value: Any) -> ConnectRecord:
        if self._whole_type is not None:
            return self._new_record(record, None, cast_value(None, value, self._whole_type))
        original = require_map(value, PURPOSE)
        updated = dict(original)
        for name, target in self._casts.items():
            if name is not None:  # None is the whole-value cast, handled above
                updated[name] = cast_value(None, original.get(name), target)
        return self._new_record(record, None, updated)

    def _apply_with_schema(self, record: ConnectRecord, schema: Schema, value: Any) -> ConnectRecord:
        updated_schema = self._schema_cache.get_or_build(schema, self._build_schema)
        if self._whole_type is not None:
            return self._new_record(record, updated_schema, cast_value(schema, value, self._whole_type))
        struct = require_struct(value, PURPOSE)
        updated = Struct(updated_schema)
        casts = self._casts
        for field in struct.schema.fields:
            original = field_value(struct, field.name, self._replace_null)
            target = casts.get(field.name)
            updated.put(field.name, original if target is None else cast_value(field.schema, original, target))
        return self._new_record(record, updated_schema, updated)

    def _build_schema(self, schema: Schema) -> Schema:
        if self._whole_type is not None:
            builder = copy_schema_basics(schema, _BUILDERS[self._whole_type]())
        else:
            builder = copy_schema_basics(schema, SchemaBuilder.struct())
            for field in schema.fields:
                target = self._casts.get(field.name)
                if target is None:
                    builder.field(field.name, field.schema)
                    continue
                field_builder = _BUILDERS[target]()
                if field.schema.optional:
                    field_builder.optional()
                if field.schema.default_value is not None:
                    field_builder.default_value(cast_value(field.schema, field.schema.default_value, target))
                builder.field(field.name, field_builder.build())
        if schema.optional:
            builder.optional()
        if schema.default_value is not None:
            # Like Kafka, a struct default is "cast" to STRUCT, which fails: Cast cannot rebuild struct defaults.
            builder.default_value(cast_value(schema, schema.default_value, self._whole_type or Type.STRUCT))
        return builder.build()


class _Key(KeySide, Cast):
    """``Cast$Key``: casts the record key."""


class _Value(ValueSide, Cast):
    """``Cast$Value``: casts the record value."""


attach_variants(Cast, _Key, _Value)
