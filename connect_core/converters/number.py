"""Kafka's primitive converters (``org.apache.kafka.connect.converters.*``), also usable as header converters.

``IntegerConverter``, ``LongConverter``, ``ShortConverter``, ``FloatConverter`` and ``DoubleConverter`` write what
Kafka's ``IntegerSerializer`` & co. write (fixed-width, big-endian, IEEE 754 for floats) and read back an optional
INT32/INT64/INT16/FLOAT32/FLOAT64 value; ``BooleanConverter`` writes one byte (1/0). Null is null both ways, and
the error messages are Kafka's.

Kafka accepts only the exact Java class (an ``IntegerConverter`` rejects a ``Long``). A Python value carries no
width, so with a schema the schema's type stands in for the Java class (an INT64 value is rejected by
``IntegerConverter`` as Kafka would); without a schema an ``int`` is accepted by the integral converters when it
fits, and a ``float`` by both floating-point converters (Kafka would see a ``Long``/``Double`` there).
"""

from __future__ import annotations

import datetime as _dt
import decimal
import struct
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict
from typing_extensions import override

from connect_core.api.config import config_field, parse_config
from connect_core.api.converter import DataHeaderConverter
from connect_core.api.errors import DataError
from connect_core.api.schema import (
    OPTIONAL_BOOLEAN_SCHEMA,
    OPTIONAL_FLOAT32_SCHEMA,
    OPTIONAL_FLOAT64_SCHEMA,
    OPTIONAL_INT16_SCHEMA,
    OPTIONAL_INT32_SCHEMA,
    OPTIONAL_INT64_SCHEMA,
    Type,
)
from connect_core.api.schema_and_value import SchemaAndValue
from connect_core.api.struct import Struct

if TYPE_CHECKING:
    from connect_core.api.header import Headers
    from connect_core.api.schema import Schema

__all__ = [
    "BooleanConverter",
    "DoubleConverter",
    "FloatConverter",
    "IntegerConverter",
    "LongConverter",
    "NumberConverterConfig",
    "ShortConverter",
]

_SCHEMA_CLASSES = {
    Type.INT8: "java.lang.Byte",
    Type.INT16: "java.lang.Short",
    Type.INT32: "java.lang.Integer",
    Type.INT64: "java.lang.Long",
    Type.FLOAT32: "java.lang.Float",
    Type.FLOAT64: "java.lang.Double",
}
_PYTHON_CLASSES: dict[type, str] = {
    bool: "java.lang.Boolean",
    int: "java.lang.Long",
    float: "java.lang.Double",
    str: "java.lang.String",
    bytes: "[B",
    bytearray: "[B",
    list: "java.util.ArrayList",
    dict: "java.util.HashMap",
    Struct: "org.apache.kafka.connect.data.Struct",
    decimal.Decimal: "java.math.BigDecimal",
}


def java_class(schema: Schema | None, value: Any) -> str:
    """The Java class Kafka's converters would see for ``value`` (the schema gives numbers their width)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and schema is not None and schema.name is None:
        named = _SCHEMA_CLASSES.get(schema.type)
        if named is not None:
            return named
    if isinstance(value, (_dt.date, _dt.time)):
        return "java.util.Date"
    return _PYTHON_CLASSES.get(type(value), f"{type(value).__module__}.{type(value).__qualname__}")


class NumberConverterConfig(BaseModel):
    """Keys of the primitive converters (Kafka ``NumberConverterConfig``/``BooleanConverterConfig``)."""

    model_config = ConfigDict(defer_build=True, populate_by_name=True, frozen=True)

    converter_type: str | None = config_field(None, alias="converter.type", description="How this converter is used.")


class _PrimitiveConverter(DataHeaderConverter):
    """Shared plumbing: configuration and the header methods, which are the data methods (as in Kafka)."""

    config_model: ClassVar[type[NumberConverterConfig]] = NumberConverterConfig

    def __init__(self) -> None:
        """Create; ``configure`` only records ``converter.type``."""
        self.config = NumberConverterConfig()

    @override
    def configure(self, configs: dict[str, Any], is_key: bool | None = None) -> None:
        """Apply config; ``is_key`` sets ``converter.type`` as Kafka does (None = header converter).

        Kafka's ``configure(Map)`` requires ``converter.type``; like our JsonConverter we default it to ``header``.
        """
        props = dict(configs)
        if is_key is not None:
            props["converter.type"] = "key" if is_key else "value"
        else:
            props.setdefault("converter.type", "header")
        self.config = parse_config(NumberConverterConfig, props)




class _NumberConverter(_PrimitiveConverter):
    """Kafka's ``NumberConverter``: a fixed-width serializer plus the optional schema it reads back."""

    type_name: ClassVar[str]
    schema: ClassVar[Schema]
    java_class_name: ClassVar[str]
    struct_format: ClassVar[str]
    integral: ClassVar[bool]

    def _accepts(self, schema: Schema | None, value: Any) -> bool:
        if isinstance(value, bool):
            return False
        if schema is None:
            return isinstance(value, int) if self.integral else isinstance(value, float)
        return java_class(schema, value) == self.java_class_name

    @override
    def from_connect_data(
        self, topic: str, schema: Schema | None, value: Any, headers: Headers | None = None
    ) -> bytes | None:
        """Serialise ``value`` big-endian; None stays None; another Java class is a DataError."""
        if value is None:
            return None
        if not self._accepts(schema, value):
            raise DataError(f"Failed to serialize to {self.type_name} (was class {java_class(schema, value)}): ")
        try:
            return struct.pack(self.struct_format, value)
        except (struct.error, OverflowError):
            # Out of range: this int is not one of this converter's Java class.
            raise DataError(f"Failed to serialize to {self.type_name} (was class java.lang.Long): ") from None

    @override
    def to_connect_data(self, topic: str, value: bytes | None, headers: Headers | None = None) -> SchemaAndValue:
        """Deserialise to ``(OPTIONAL_<TYPE>_SCHEMA, value)``; the byte count must be exact."""
        if value is None:
            return SchemaAndValue(self.schema, None)
        if len(value) != struct.calcsize(self.struct_format):
            raise DataError(f"Failed to deserialize {self.type_name}: ")
        return SchemaAndValue(self.schema, struct.unpack(self.struct_format, bytes(value))[0])


class IntegerConverter(_NumberConverter):
    """Kafka ``org.apache.kafka.connect.converters.IntegerConverter``: 4-byte big-endian INT32."""

    type_name = "integer"
    schema = OPTIONAL_INT32_SCHEMA
    java_class_name = "java.lang.Integer"
    struct_format = ">i"
    integral = True


class LongConverter(_NumberConverter):
    """Kafka ``org.apache.kafka.connect.converters.LongConverter``: 8-byte big-endian INT64."""

    type_name = "long"
    schema = OPTIONAL_INT64_SCHEMA
    java_class_name = "java.lang.Long"
    struct_format = ">q"
    integral = True


class ShortConverter(_NumberConverter):
    """Kafka ``org.apache.kafka.connect.converters.ShortConverter``: 2-byte big-endian INT16."""

    type_name = "short"
    schema = OPTIONAL_INT16_SCHEMA
    java_class_name = "java.lang.Short"
    struct_format = ">h"
    integral = True


class FloatConverter(_NumberConverter):
    """Kafka ``org.apache.kafka.connect.converters.FloatConverter``: 4-byte IEEE 754 FLOAT32."""

    type_name = "float"
    schema = OPTIONAL_FLOAT32_SCHEMA
    java_class_name = "java.lang.Float"
    struct_format = ">f"
    integral = False


class DoubleConverter(_NumberConverter):
    """Kafka ``org.apache.kafka.connect.converters.DoubleConverter``: 8-byte IEEE 754 FLOAT64."""

    type_name = "double"
    schema = OPTIONAL_FLOAT64_SCHEMA
    java_class_name = "java.lang.Double"
    struct_format = ">d"
    integral = False


class BooleanConverter(_PrimitiveConverter):
    """Kafka ``org.apache.kafka.connect.converters.BooleanConverter``: one byte, 1 for true and 0 for false."""

    @override
    def from_connect_data(
        self, topic: str, schema: Schema | None, value: Any, headers: Headers | None = None
    ) -> bytes | None:
        """Serialise a bool; the schema must be absent or BOOLEAN."""
        if schema is not None and schema.type is not Type.BOOLEAN:
            raise DataError(f"Invalid schema type for BooleanConverter: {schema.type.name}")
        if value is None:
            return None
        if not isinstance(value, bool):
            java = java_class(schema, value)
            raise DataError(f"BooleanConverter is not compatible with objects of type class {java}")
        return b"\x01" if value else b"\x00"

    @override
    def to_connect_data(self, topic: str, value: bytes | None, headers: Headers | None = None) -> SchemaAndValue:
        """Deserialise to ``(OPTIONAL_BOOLEAN_SCHEMA, value)``; only the single bytes 0 and 1 are valid."""
        if value is None:
            return SchemaAndValue(OPTIONAL_BOOLEAN_SCHEMA, None)
        if len(value) != 1 or value[0] > 1:
            raise DataError("Failed to deserialize boolean: ")
        return SchemaAndValue(OPTIONAL_BOOLEAN_SCHEMA, value[0] == 1)
