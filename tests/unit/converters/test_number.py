"""Kafka's primitive converters: big-endian fixed-width numbers and a one-byte boolean."""

from __future__ import annotations

import math
from typing import Any

import pytest

from connect_core.api.errors import DataError
from connect_core.api.schema import (
    BOOLEAN_SCHEMA,
    FLOAT32_SCHEMA,
    FLOAT64_SCHEMA,
    INT8_SCHEMA,
    INT16_SCHEMA,
    INT32_SCHEMA,
    INT64_SCHEMA,
    OPTIONAL_BOOLEAN_SCHEMA,
    OPTIONAL_FLOAT32_SCHEMA,
    OPTIONAL_FLOAT64_SCHEMA,
    OPTIONAL_INT16_SCHEMA,
    OPTIONAL_INT32_SCHEMA,
    OPTIONAL_INT64_SCHEMA,
    STRING_SCHEMA,
)
from connect_core.converters import CONVERTERS, HEADER_CONVERTERS
from connect_core.converters.number import (
    BooleanConverter,
    DoubleConverter,
    FloatConverter,
    IntegerConverter,
    LongConverter,
    ShortConverter,
)


@pytest.mark.parametrize(
    ("conv", "schema", "value", "data"),
    [
        (IntegerConverter(), INT32_SCHEMA, 42, b"\x00\x00\x00\x2a"),
        (IntegerConverter(), INT32_SCHEMA, -1, b"\xff\xff\xff\xff"),
        (LongConverter(), INT64_SCHEMA, -(2**63), b"\x80" + b"\x00" * 7),
        (ShortConverter(), INT16_SCHEMA, 32767, b"\x7f\xff"),
        (FloatConverter(), FLOAT32_SCHEMA, 1.5, b"\x3f\xc0\x00\x00"),
        (DoubleConverter(), FLOAT64_SCHEMA, -0.0, b"\x80" + b"\x00" * 7),
        (BooleanConverter(), BOOLEAN_SCHEMA, True, b"\x01"),
        (BooleanConverter(), None, False, b"\x00"),
    ],
)
def test_writes_kafka_serializer_bytes(conv: Any, schema: Any, value: Any, data: bytes) -> None:
    assert conv.from_connect_data("t", schema, value) == data
    assert conv.from_connect_header("t", "h", schema, value) == data


@pytest.mark.parametrize(
    ("conv", "data", "schema", "value"),
    [
        (IntegerConverter(), b"\x00\x00\x00\x2a", OPTIONAL_INT32_SCHEMA, 42),
        (LongConverter(), b"\xff" * 8, OPTIONAL_INT64_SCHEMA, -1),
        (ShortConverter(), b"\x80\x00", OPTIONAL_INT16_SCHEMA, -32768),
        (FloatConverter(), b"\x3f\xc0\x00\x00", OPTIONAL_FLOAT32_SCHEMA, 1.5),
        (DoubleConverter(), b"\x40\x09\x21\xfb\x54\x44\x2d\x18", OPTIONAL_FLOAT64_SCHEMA, math.pi),
        (BooleanConverter(), b"\x00", OPTIONAL_BOOLEAN_SCHEMA, False),
    ],
)
def test_reads_the_optional_schema_and_value(conv: Any, data: bytes, schema: Any, value: Any) -> None:
    assert tuple(conv.to_connect_data("t", data)) == (schema, value)
    assert tuple(conv.to_connect_header("t", "h", data)) == (schema, value)


@pytest.mark.parametrize("conv", [IntegerConverter(), LongConverter(), FloatConverter(), BooleanConverter()])
def test_null_is_null_both_ways(conv: Any) -> None:
    assert conv.from_connect_data("t", None, None) is None
    assert conv.to_connect_data("t", None).value is None


@pytest.mark.parametrize(
    ("conv", "data", "message"),
    [
        (IntegerConverter(), b"\x00\x01", "Failed to deserialize integer: "),
        (LongConverter(), b"", "Failed to deserialize long: "),
        (ShortConverter(), b"\x00", "Failed to deserialize short: "),
        (DoubleConverter(), b"\x00" * 4, "Failed to deserialize double: "),
        (BooleanConverter(), b"\x02", "Failed to deserialize boolean: "),
        (BooleanConverter(), b"\x00\x00", "Failed to deserialize boolean: "),
    ],
)
def test_wrong_byte_count_is_a_data_error(conv: Any, data: bytes, message: str) -> None:
    with pytest.raises(DataError) as err:
        conv.to_connect_data("t", data)
    assert str(err.value) == message


@pytest.mark.parametrize(
    ("conv", "schema", "value", "message"),
    [
        (IntegerConverter(), INT64_SCHEMA, 5, "Failed to serialize to integer (was class java.lang.Long): "),
        (IntegerConverter(), None, 2**31, "Failed to serialize to integer (was class java.lang.Long): "),
        (ShortConverter(), INT8_SCHEMA, 5, "Failed to serialize to short (was class java.lang.Byte): "),
        (LongConverter(), STRING_SCHEMA, "5", "Failed to serialize to long (was class java.lang.String): "),
        (FloatConverter(), FLOAT64_SCHEMA, 1.5, "Failed to serialize to float (was class java.lang.Double): "),
        (DoubleConverter(), None, 1, "Failed to serialize to double (was class java.lang.Long): "),
        (IntegerConverter(), None, True, "Failed to serialize to integer (was class java.lang.Boolean): "),
        (BooleanConverter(), INT32_SCHEMA, 1, "Invalid schema type for BooleanConverter: INT32"),
        (BooleanConverter(), None, "true", "BooleanConverter is not compatible with objects of type class "
                                           "java.lang.String"),
    ],
)
def test_other_java_classes_are_rejected_with_kafka_messages(
    conv: Any, schema: Any, value: Any, message: str
) -> None:
    with pytest.raises(DataError) as err:
        conv.from_connect_data("t", schema, value)
    assert str(err.value) == message


def test_schemaless_values_that_fit_are_accepted() -> None:
    assert IntegerConverter().from_connect_data("t", None, 7) == b"\x00\x00\x00\x07"
    assert FloatConverter().from_connect_data("t", None, 0.5) == b"\x3f\x00\x00\x00"


def test_configure_records_the_converter_type() -> None:
    conv = IntegerConverter()
    conv.configure({}, True)
    assert conv.config.converter_type == "key"
    conv.configure({})
    assert conv.config.converter_type == "header"


@pytest.mark.parametrize("name", ["Integer", "Long", "Float", "Double", "Short", "Boolean"])
def test_registered_under_kafka_and_short_names(name: str) -> None:
    target = f"connect_core.converters.number:{name}Converter"
    assert CONVERTERS[f"org.apache.kafka.connect.converters.{name}Converter"] == target
    assert CONVERTERS[f"{name}Converter"] == target
    assert HEADER_CONVERTERS[f"org.apache.kafka.connect.converters.{name}Converter"] == target
