"""SimpleHeaderConverter unit tests; expectations were printed by Kafka 4.1.1 (tests/compat/JsonOracle.java)."""

from __future__ import annotations

import datetime as dt
import decimal

import pytest

from connect_core.api.logical import Date, Decimal, Time, Timestamp
from connect_core.api.schema import (
    BOOLEAN_SCHEMA,
    FLOAT32_SCHEMA,
    FLOAT64_SCHEMA,
    INT8_SCHEMA,
    INT16_SCHEMA,
    INT32_SCHEMA,
    INT64_SCHEMA,
    STRING_SCHEMA,
    Schema,
    SchemaBuilder,
    Type,
)
from connect_core.api.struct import Struct
from connect_core.converters.simple_header import SimpleHeaderConverter

CONV = SimpleHeaderConverter()


@pytest.mark.parametrize(
    ("text", "schema", "value"),
    [
        ("", STRING_SCHEMA, ""),
        ("true", BOOLEAN_SCHEMA, True),
        ("FALSE", STRING_SCHEMA, "FALSE"),
        ("127", INT8_SCHEMA, 127),
        ("128", INT16_SCHEMA, 128),
        ("32768", INT32_SCHEMA, 32768),
        ("2147483648", INT64_SCHEMA, 2147483648),
        ("9223372036854775808", Decimal.schema(0), decimal.Decimal("9223372036854775808")),
        ("1e3", INT16_SCHEMA, 1000),
        ("1.0", INT8_SCHEMA, 1),
        ("1.5", FLOAT32_SCHEMA, 1.5),
        ("3.4028235E39", FLOAT64_SCHEMA, 3.4028235e39),
        ("  12  ", INT8_SCHEMA, 12),
        ("a b", STRING_SCHEMA, "a b"),
        ('{"a":1', STRING_SCHEMA, '{"a":1'),
        ("2024-02-29", Date.schema(), dt.date(2024, 2, 29)),
        ("13:45:30.123Z", Time.schema(), dt.time(13, 45, 30, 123000)),
        ("2024-01-02T03:04:05.678Z", Timestamp.schema(), dt.datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=dt.UTC)),
        ("2024-01-02T03:04:05Z", STRING_SCHEMA, "2024-01-02T03:04:05Z"),
    ],
)
def test_to_connect_header_infers_types_like_kafka(text: str, schema: Schema, value: object) -> None:
    result = CONV.to_connect_header("t", "h", text.encode())
    assert result.schema == schema
    assert result.value == value


def test_arrays_and_maps_get_common_element_schemas() -> None:
    array = CONV.to_connect_header("t", "h", b"[1,2,3]")
    assert array.schema == SchemaBuilder.array(INT8_SCHEMA).build()
    assert array.value == [1, 2, 3]
    mapping = CONV.to_connect_header("t", "h", b'{"a":1,"b":2}')
    assert mapping.schema == SchemaBuilder.map(STRING_SCHEMA, INT8_SCHEMA).build()
    assert mapping.value == {"a": 1, "b": 2}
    mixed = CONV.to_connect_header("t", "h", b'[1,"a"]')
    assert mixed.schema is not None
    assert mixed.schema.type is Type.ARRAY
    assert mixed.schema.value_schema is None


@pytest.mark.parametrize(
    ("schema", "value", "expected"),
    [
        (STRING_SCHEMA, "hello", b"hello"),
        (FLOAT64_SCHEMA, 1e10, b"1.0E10"),
        (FLOAT32_SCHEMA, 0.1, b"0.1"),
        (Schema.BYTES_SCHEMA, b"\x01\x02\x03", b"AQID"),
        (Decimal.schema(7), decimal.Decimal("0.0000001"), b"1E-7"),
        (Date.schema(), dt.date(2024, 2, 29), b"2024-02-29"),
        (Date.schema(), dt.date(1969, 7, 20), b"00:00:00.000Z"),  # Kafka picks the format by millis
        (Time.schema(), dt.time(13, 45, 30, 123000), b"13:45:30.123Z"),
        (Timestamp.schema(), dt.datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=dt.UTC), b"2024-01-02T03:04:05.678Z"),
        (None, [1, "two", None, 3.0, False], b'[1,"two",null,3.0,false]'),
        (None, {1: "a", 2: "b"}, b'{1:"a",2:"b"}'),
        (None, None, None),
    ],
)
def test_from_connect_header_renders_like_kafka(schema: Schema | None, value: object, expected: bytes | None) -> None:
    assert CONV.from_connect_header("t", "h", schema, value) == expected


def test_struct_renders_all_fields_with_defaults() -> None:
    schema = (
        SchemaBuilder.struct()
        .field("id", INT32_SCHEMA)
        .field("name", SchemaBuilder.string().optional())
        .field("score", SchemaBuilder.float64().default_value(1.5))
        .build()
    )
    value = Struct(schema).put("id", 2)
    assert CONV.from_connect_header("t", "h", schema, value) == b'{"id":2,"name":null,"score":1.5}'


def test_non_utf8_bytes_come_back_as_bytes() -> None:
    result = CONV.to_connect_header("t", "h", b"\xff\xfe")
    assert result.schema == Schema.BYTES_SCHEMA
    assert result.value == b"\xff\xfe"
