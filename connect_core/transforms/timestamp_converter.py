"""TimestampConverter: convert between unix, string and Date/Time/Timestamp (Kafka ``TimestampConverter``).

Every conversion goes through epoch milliseconds, as Kafka goes through ``java.util.Date``.
"""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict

from connect_core.api.config import config_error, config_field, parse_config, valid_string
from connect_core.api.errors import ConfigError, ConnectError, DataError
from connect_core.api.logical import Date, Time, Timestamp
from connect_core.api.schema import (
    INT64_SCHEMA,
    OPTIONAL_INT64_SCHEMA,
    OPTIONAL_STRING_SCHEMA,
    STRING_SCHEMA,
    Schema,
    SchemaBuilder,
    Type,
)
from connect_core.api.struct import Struct
from connect_core.api.transformation import Transformation
from connect_core.transforms._date_format import SimpleDateFormat
from connect_core.transforms._sides import KeySide, RecordSide, ValueSide
from connect_core.transforms._util import (
    SchemaCache,
    attach_variants,
    class_name,
    copy_schema_basics,
    field_value,
    replace_null_field,
    require_map,
    require_struct_or_null,
)

if TYPE_CHECKING:
    from connect_core.api.record import ConnectRecord

__all__ = [
    "FIELD_CONFIG",
    "FORMAT_CONFIG",
    "TARGET_TYPE_CONFIG",
    "TimestampConverter",
    "TimestampConverterConfig",
    "UNIX_PRECISION_CONFIG",
    "UNIX_PRECISION_DEFAULT",
]

FIELD_CONFIG = "field"
TARGET_TYPE_CONFIG = "target.type"
FORMAT_CONFIG = "format"
UNIX_PRECISION_CONFIG = "unix.precision"
UNIX_PRECISION_DEFAULT = "milliseconds"
PURPOSE = "converting timestamp formats"
TYPE_STRING, TYPE_UNIX, TYPE_DATE, TYPE_TIME, TYPE_TIMESTAMP = "string", "unix", "Date", "Time", "Timestamp"
_PRECISIONS = ("nanoseconds", "microseconds", "milliseconds", "seconds")
_MS_PER_DAY = 86_400_000
_DATE, _TIME, _TIMESTAMP = Date.schema(), Time.schema(), Timestamp.schema()
_SCHEMAS = {
    TYPE_STRING: (STRING_SCHEMA, OPTIONAL_STRING_SCHEMA),
    TYPE_UNIX: (INT64_SCHEMA, OPTIONAL_INT64_SCHEMA),
    TYPE_DATE: (_DATE, Date.builder().optional().build()),
    TYPE_TIME: (_TIME, Time.builder().optional().build()),
    TYPE_TIMESTAMP: (_TIMESTAMP, Timestamp.builder().optional().build()),
}


class TimestampConverterConfig(BaseModel):
    """Config of TimestampConverter (Kafka ``TimestampConverter.CONFIG_DEF``)."""

    model_config = ConfigDict(defer_build=True, populate_by_name=True, frozen=True)

    field: str = config_field(
        "", alias=FIELD_CONFIG, importance="HIGH",
        description="The field containing the timestamp, or empty if the entire value is a timestamp",
    )
    target_type: str = config_field(
        ..., alias=TARGET_TYPE_CONFIG, importance="HIGH",
        validator=valid_string(TYPE_STRING, TYPE_UNIX, TYPE_DATE, TYPE_TIME, TYPE_TIMESTAMP),
        description="The desired timestamp representation: string, unix, Date, Time, or Timestamp",
    )
    format: str = config_field(
        "", alias=FORMAT_CONFIG,
        description="A SimpleDateFormat-compatible format for the timestamp. Used to generate the output when "
        "type=string or used to parse the input if the input is a string.",
    )
    unix_precision: str = config_field(
        UNIX_PRECISION_DEFAULT, alias=UNIX_PRECISION_CONFIG, importance="LOW", validator=valid_string(*_PRECISIONS),
        description="The desired Unix precision for the timestamp: seconds, milliseconds, microseconds, or "
        "nanoseconds. Used to generate the output when type=unix or used to parse the input if the input is a Long."
        "Note: This SMT will cause precision loss during conversions from, and to, values with sub-millisecond "
        "components.",
    )
    replace_null_with_default: bool = replace_null_field()


def _trunc_div(value: int, divisor: int) -> int:
    """Java's integer division (truncates toward zero), as TimeUnit conversions use."""
    q = abs(value) // divisor
    return q if value >= 0 else -q


class TimestampConverter(RecordSide, Transformation["ConnectRecord"]):
    """Convert timestamps between representations (Kafka ``TimestampConverter``); use .Key or .Value."""

    config_model: ClassVar[type[BaseModel]] = TimestampConverterConfig
    Key: ClassVar[type[TimestampConverter]]
    Value: ClassVar[type[TimestampConverter]]

    def configure(self, configs: dict[str, Any]) -> None:
        """Validate the target/format combination and compile the format once."""
        cfg = self.config = parse_config(TimestampConverterConfig, configs)
        if cfg.target_type == TYPE_STRING and not cfg.format.strip():
            raise ConfigError("TimestampConverter requires format option to be specified when using string timestamps")
        self._format: SimpleDateFormat | None = None
        if cfg.format.strip():
            try:
                self._format = SimpleDateFormat(cfg.format)
            except ValueError as e:
                raise config_error("TimestampConverter requires a SimpleDateFormat-compatible pattern for string "
                                   f"timestamps: {cfg.format}", f"java.lang.IllegalArgumentException: {e}") from e
        self._field = cfg.field
        self._target = cfg.target_type
        self._precision = cfg.unix_precision
        self._replace_null = cfg.replace_null_with_default
        self._schema_cache = SchemaCache()

    def apply(self, record: ConnectRecord) -> ConnectRecord:
        """Convert the whole key/value or one field of it; nulls stay null."""
        schema = self._operating_schema(record)
        value = self._operating_value(record)
        if schema is None:
            if value is None or not self._field:
                return self._new_record(record, None, self._convert(value, None))
            updated = dict(require_map(value, PURPOSE))
            updated[self._field] = self._convert(updated.get(self._field), None)
            return self._new_record(record, None, updated)
        if not self._field:
            target_schema = _SCHEMAS[self._target][1 if schema.optional else 0]
            return self._new_record(record, target_schema, self._convert(value, _type_from_schema(schema)))
        struct = require_struct_or_null(value, PURPOSE)
        updated_schema = self._schema_cache.get_or_build(schema, self._updated_schema)
        return self._new_record(record, updated_schema, self._convert_struct(struct, updated_schema))

    def _updated_schema(self, schema: Schema) -> Schema:
        builder = copy_schema_basics(schema, SchemaBuilder.struct())
        for field in schema.fields:
            if field.name == self._field:
                builder.field(field.name, _SCHEMAS[self._target][1 if field.schema.optional else 0])
            else:
                builder.field(field.name, field.schema)
        if schema.optional:
            builder.optional()
        if schema.default_value is not None:
            builder.default_value(self._convert_struct(schema.default_value, builder.build()))
        return builder.build()

    def _convert_struct(self, struct: Struct | None, updated_schema: Schema) -> Struct | None:
        if struct is None:
            return None
        out = Struct(updated_schema)
        for field in struct.schema.fields:
            value = field_value(struct, field.name, self._replace_null)
            if field.name == self._field:
                value = self._convert(value, _type_from_schema(field.schema))
            out.put(field.name, value)
        return out

    def _convert(self, value: Any, source_type: str | None) -> Any:
        if value is None:
            return None
        if source_type is None:
            source_type = _infer_type(value)
        return self._from_millis(self._to_millis(value, source_type))

    def _to_millis(self, value: Any, source_type: str) -> int:
        if source_type == TYPE_STRING:
            if not isinstance(value, str):
                raise DataError(f"Expected string timestamp to be a String, but found class {class_name(value)}")
            assert self._format is not None  # configure() rejects string input without a format
            try:
                return self._format.parse(value)
            except ValueError as e:
                raise DataError(f"Could not parse timestamp: value ({value}) does not match pattern "
                                f"({self._format.pattern})") from e
        if source_type == TYPE_UNIX:
            if not isinstance(value, int) or isinstance(value, bool):
                raise DataError(f"Expected Unix timestamp to be a Long, but found class {class_name(value)}")
            return {"seconds": value * 1000, "microseconds": _trunc_div(value, 1000),
                    "nanoseconds": _trunc_div(value, 1_000_000)}.get(self._precision, value)
        if isinstance(value, _dt.datetime):
            return Timestamp.from_logical(_TIMESTAMP, value)
        if isinstance(value, _dt.date):
            return Date.from_logical(_DATE, value) * _MS_PER_DAY
        if isinstance(value, _dt.time):
            return Time.from_logical(_TIME, value)
        raise DataError(f"Expected {source_type} to be a java.util.Date, but found class {class_name(value)}")

    def _from_millis(self, ms: int) -> Any:
        target = self._target
        if target == TYPE_STRING:
            return self._format.format(ms)  # type: ignore[union-attr]
        if target == TYPE_UNIX:
            return {"seconds": _floor_seconds(ms), "microseconds": ms * 1000,
                    "nanoseconds": ms * 1_000_000}.get(self._precision, ms)
        if target == TYPE_DATE:
            return Date.to_logical(_DATE, ms // _MS_PER_DAY)
        if target == TYPE_TIME:
            return Time.to_logical(_TIME, ms % _MS_PER_DAY)
        return Timestamp.to_logical(_TIMESTAMP, ms)


def _floor_seconds(ms: int) -> int:
    return _trunc_div(ms, 1000)


def _type_from_schema(schema: Schema) -> str:
    """Kafka's timestampTypeFromSchema: logical name first, then STRING -> string, INT64 -> unix."""
    name = schema.name
    if name == Timestamp.LOGICAL_NAME:
        return TYPE_TIMESTAMP
    if name == Date.LOGICAL_NAME:
        return TYPE_DATE
    if name == Time.LOGICAL_NAME:
        return TYPE_TIME
    if schema.type is Type.STRING:
        return TYPE_STRING
    if schema.type is Type.INT64:
        return TYPE_UNIX
    raise ConnectError(f"Schema {schema!r} does not correspond to a known timestamp type format")


def _infer_type(value: Any) -> str:
    """Kafka's inferTimestampType for schemaless values (datetime/date/time stand in for java.util.Date)."""
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
        return TYPE_TIMESTAMP
    if isinstance(value, int) and not isinstance(value, bool):
        return TYPE_UNIX
    if isinstance(value, str):
        return TYPE_STRING
    raise DataError(f"TimestampConverter does not support class {class_name(value)} objects as timestamps")


class _Key(KeySide, TimestampConverter):
    """``TimestampConverter$Key``: converts timestamps in the record key."""


class _Value(ValueSide, TimestampConverter):
    """``TimestampConverter$Value``: converts timestamps in the record value."""


attach_variants(TimestampConverter, _Key, _Value)
