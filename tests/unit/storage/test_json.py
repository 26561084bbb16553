"""Internal JSON against bytes printed by Kafka 4.1.1's JsonConverter (schemas.enable=false) in jshell."""

from __future__ import annotations

import math

import pytest

from connect_core.storage._json import dumps, loads


def test_matches_jsonconverter_output_byte_for_byte() -> None:
    value = {
        "ctl": "a\x01b\x1f\t\n\r\b\f\"\\/\x7f é€😀\u2028",
        "d1": 1.0, "d2": 1e7, "d3": 1.5e-5, "d4": 123.456, "nan": math.nan, "inf": -math.inf,
        "l": 12345678901234, "b": True, "n": None, "bytes": bytes([1, 2, 3, 255]), "f": 1.1,
    }
    java = (
        '{"ctl":"a\\u0001b\\u001F\\t\\n\\r\\b\\f\\"\\\\/\x7f é€\\uD83D\\uDE00\u2028",'
        '"d1":1.0,"d2":1.0E7,"d3":1.5E-5,"d4":123.456,"nan":"NaN","inf":"-Infinity",'
        '"l":12345678901234,"b":true,"n":null,"bytes":"AQID/w==","f":1.1}'
    ).encode()
    assert dumps(value) == java


def test_offsets_key_is_a_compact_two_element_array() -> None:
    assert dumps(["conn", {"filename": "x"}]) == b'["conn",{"filename":"x"}]'


@pytest.mark.parametrize(
    ("value", "java"),
    [  # Double.toString on JDK 17
        (1e7, "1.0E7"), (1e-3, "0.001"), (9999999.0, "9999999.0"), (1e-4, "1.0E-4"),
        (123456789.125, "1.23456789125E8"), (0.002, "0.002"), (-0.0, "-0.0"), (1e21, "1.0E21"),
        (5e-324, "4.9E-324"), (1.7976931348623157e308, "1.7976931348623157E308"),
        (0.1 + 0.2, "0.30000000000000004"), (100.0, "100.0"), (-2.5, "-2.5"),
    ],
)
def test_doubles_are_written_like_java(value: float, java: str) -> None:
    assert dumps(value).decode() == java
    assert float(java) == value


def test_field_order_is_preserved() -> None:
    assert dumps({"z": 1, "a": 2}) == b'{"z":1,"a":2}'


def test_round_trips_through_loads() -> None:
    value = {"k": ["é€😀", 1, 2.5, None, False]}
    assert loads(dumps(value)) == value


def test_unsupported_types_are_refused() -> None:
    with pytest.raises(TypeError):
        dumps({"x": object()})
