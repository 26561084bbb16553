"""``jackson_json`` (orjson plus fixes) against ``jackson_json_readable`` (value by value): the same bytes whenever the
fast path writes, on randomised nested data full of the cases where orjson and Jackson differ."""

from __future__ import annotations

import datetime as dt
import decimal
import math
import random
import struct
import uuid
from typing import Any

import orjson
import pytest

from connect_core.api.jackson_json import (
    JavaFloat,
    astral_escaped,
    has_astral,
    jackson_escaped,
    jackson_json,
    jackson_json_readable,
)
from connect_core.api.java_text import jackson_string

EDGE_DOUBLES = [0.0, -0.0, 1e-3, -1e-3, 0.0009999999999999998, 1e-4, 1e-5, 1e-7, 1e7, -1e7, 9999999.999999998,
                1e10, 1e15, 1e16, 1e21, 1e22, 1e23, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308,
                9007199254740993.0, 0.1, 2.0 / 3.0, math.nan, math.inf, -math.inf]  # fmt: skip
EDGE_INTS = [0, -1, 2**31, -(2**31) - 1, 2**63 - 1, -(2**63), 2**63, 2**64 - 1, 2**64, -(2**63) - 1, 10**30]
PIECES = ["a", "plain text", '"', "\\", "\\u00ab", "\\\\u00e9", "/", "\x00", "\x01", "\x08", "\x0c", "\n", "\r", "\t",
          "\x1f", "\x7f", "é", "€", "\u2028", "日本", "😀", "𝄞", "🇩🇪", "<>&'", "null", "1e5", "12345678.9"]  # fmt: skip


class _Str(str):
    pass


def _double(rng: random.Random) -> float:
    roll = rng.random()
    if roll < 0.15:
        return struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0]  # any double, NaN and inf too
    if roll < 0.35:
        return rng.choice(EDGE_DOUBLES)
    if roll < 0.75:
        return rng.uniform(-1e7, 1e7) * 10.0 ** -rng.randint(0, 9)  # where Java prints plain digits
    return rng.uniform(-1e6, 1e6) * 10.0 ** rng.randint(-12, 25)


def _string(rng: random.Random) -> str:
    text = "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 4)))
    return text + "\ud800" if rng.random() < 0.01 else text  # a lone surrogate: orjson refuses it


def _scalar(rng: random.Random, *, data: bool) -> Any:
    roll = rng.random()
    if roll < 0.2:
        return _string(rng)
    if roll < 0.4:
        return _double(rng)
    if roll < 0.55:
        return rng.choice(EDGE_INTS) if rng.random() < 0.3 else rng.randint(-(10**12), 10**12)
    if roll < 0.65:
        return rng.choice([None, True, False])
    if roll < 0.75:
        return rng.choice([bytes, bytearray, memoryview])(rng.randbytes(rng.randint(0, 7)))
    if roll < 0.8 and data:
        return JavaFloat(_double(rng))
    if roll < 0.85 and data:
        return decimal.Decimal(rng.choice(["0", "-0.00", "1.50", "-12345678901234567890.123", "1E+3", "NaN"]))
    if roll < 0.97:
        return _string(rng)
    # what neither writes as JSON (a schemaless value Kafka has no type for), or a subclass the fast path declines
    return rng.choice([uuid.UUID(int=rng.getrandbits(128)), dt.datetime(2024, 1, 2), _Str("sub"),
                       decimal.Decimal("1.5")])


def _value(rng: random.Random, depth: int = 0, *, data: bool = False) -> Any:
    roll = rng.random()
    if depth >= 4 or roll < 0.4:
        return _scalar(rng, data=data)
    size = rng.randint(0, 6)
    if roll < 0.75:
        keys = [_string(rng) if rng.random() < 0.97 else rng.randint(0, 9) for _ in range(size)]
        return {key: _value(rng, depth + 1, data=data) for key in keys}
    items = [_value(rng, depth + 1, data=data) for _ in range(size)]
    return tuple(items) if rng.random() < 0.2 else items


def _readable(value: Any) -> bytes | None:
    try:
        return jackson_json_readable(value).encode("utf-8")
    except (TypeError, UnicodeEncodeError):  # no JSON text (a type, a key) or a lone surrogate
        return None


@pytest.mark.parametrize(("seed", "data"), [(seed, data) for seed in range(4) for data in (False, True)])
def test_random_values_give_the_readable_writers_bytes(seed: int, data: bool) -> None:
    rng = random.Random(seed)
    fast_count = 0
    for _ in range(3000):
        value = _value(rng, data=data)
        fast = jackson_json(value, data=data)
        if fast is not None:
            assert fast == _readable(value), value
            fast_count += 1
    assert fast_count > 1500  # the orjson path really wrote most of them


def test_the_fast_path_declines_what_only_the_readable_writer_can_tell() -> None:
    assert jackson_json({1: "int key"}) is None
    assert jackson_json({"a": decimal.Decimal("1.5")}) is None  # a schemaless Decimal is Kafka's error
    assert jackson_json([JavaFloat(0.1)]) is None  # no float32 subclass among schemaless values
    assert jackson_json({"u": uuid.UUID(int=1)}) is None  # orjson would write it as a string
    assert jackson_json(["\ud800"]) is None
    assert jackson_json([2**64]) is None
    assert jackson_json({"s": _Str("x")}) is None


@pytest.mark.parametrize(("value", "text"), [
    (1e10, b"1.0E10"), (1e-5, b"1.0E-5"), (-0.0, b"-0.0"), (math.nan, b'"NaN"'), (-math.inf, b'"-Infinity"'),
    (123456789.0, b"1.23456789E8"), (0.001, b"0.001"), (9999999.0, b"9999999.0"), (5e-324, b"4.9E-324"),
    ("\x1f\x01", b'"\\u001F\\u0001"'), ("😀", b'"\\uD83D\\uDE00"'), ("é\u2028\x7f", '"é\u2028\x7f"'.encode()),
    ("\\u00ab", b'"\\\\u00ab"'), ({"b": 1, "a": [b"\x01", None]}, b'{"b":1,"a":["AQ==",null]}'),
    ((1, 2), b"[1,2]"), (2**64 - 1, b"18446744073709551615"),
])  # fmt: skip
def test_jacksons_text_of_the_cases_orjson_writes_differently(value: Any, text: bytes) -> None:
    assert jackson_json(value) == text
    assert jackson_json_readable(value).encode("utf-8") == text


def test_data_numbers_are_javas_texts() -> None:
    value = [JavaFloat(0.1), JavaFloat(1e10), decimal.Decimal("-0.00"), decimal.Decimal("1E+3")]
    assert jackson_json(value, data=True) == b"[0.1,1.0E10,0.00,1E+3]"
    assert jackson_json_readable(value) == "[0.1,1.0E10,0.00,1E+3]"


def test_escapes_are_fixed_only_inside_strings() -> None:
    assert jackson_escaped(b'{"a":"\\u001f","b":"\\\\u001f"}') == b'{"a":"\\u001F","b":"\\\\u001f"}'
    text = b'{"a":1}'
    assert jackson_escaped(text) is text


@pytest.mark.parametrize("seed", range(5))
def test_astral_escapes_on_the_bytes_are_jacksons(seed: int) -> None:
    """``astral_escaped`` (on orjson's bytes) writes what the exact string writer writes, on random strings of the
    pieces whose orjson text escapes no control character; ``has_astral`` tells them apart."""
    rng = random.Random(seed)
    pieces = [p for p in PIECES if p.isprintable() or p == "\t"] + ["\U0010ffff", "\U00010000", "🚀🚀"]
    for _ in range(400):
        value = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        text = orjson.dumps(value)
        if b"\\u" in text:
            continue  # an escaped backslash before "u": the exact path's case, not this one's
        assert has_astral(text) == any(ord(c) > 0xFFFF for c in value)
        assert astral_escaped(text) == jackson_string(value).encode("utf-8")
        assert astral_escaped(text) == jackson_escaped(text)
