"""The generated JSON line writers against the exact writer (``data_json.to_json_text``): same bytes, same errors."""

from __future__ import annotations

import datetime as dt
import decimal
import math
import random
import struct
from typing import Any

import pytest

from connect_core.api.data_json import to_json_text
from connect_core.api.logical import Date, Decimal, Time, Timestamp
from connect_core.api.record import SinkRecord
from connect_core.api.schema import SchemaBuilder
from connect_core.api.struct import Struct
from connect_core.connectors.s3._format import RecordFormat
from connect_core.connectors.s3._json_lines import compile_line

SCHEMA = (SchemaBuilder.struct().name("row")
          .field("i8", SchemaBuilder.int8().build())
          .field("i64", SchemaBuilder.int64().optional().build())
          .field("f32", SchemaBuilder.float32().optional().build())
          .field("f64", SchemaBuilder.float64().build())
          .field("s", SchemaBuilder.string().optional().build())
          .field("with default", SchemaBuilder.string().optional().default_value("dflt").build())
          .field("b", SchemaBuilder.bool().optional().build())
          .field("raw", SchemaBuilder.bytes().optional().build())
          .field("price", Decimal.builder(2).optional().build())
          .field("units", Decimal.builder(0).optional().build())
          .field("ts", Timestamp.builder().optional().build())
          .field("day", Date.builder().optional().build())
          .field("t", Time.builder().optional().build())
          .build())


def _float(rng: random.Random) -> float:
    roll = rng.random()
    if roll < 0.1:
        return struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0]  # any double, NaN and inf too
    if roll < 0.2:
        return rng.choice([0.0, -0.0, 1e-3, -1e-3, 0.0009999999999999998, 1e-4, 1e-05, 1e7, -1e7, 9999999.999999998,
                           math.inf, -math.inf, math.nan, 1e16, 1e22, 1.7976931348623157e308, 5e-324])
    if roll < 0.6:  # where Java prints plain digits as orjson does
        return rng.uniform(-1e7, 1e7) * 10.0 ** -rng.randint(0, 9)
    return rng.uniform(-1e6, 1e6) * 10.0 ** rng.randint(-12, 25)


def _text(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.05:
        return "lone \ud800 surrogate"
    if roll < 0.5:
        return "".join(chr(rng.randrange(0, 0x3000)) for _ in range(rng.randrange(0, 12)))
    return "".join(chr(rng.choice([rng.randrange(0, 0x80), rng.randrange(0x80, 0x110000)])) for _ in range(6)) \
        .encode("utf-8", "replace").decode("utf-8", "replace")


def _decimal(rng: random.Random, scale: int) -> decimal.Decimal:
    if rng.random() < 0.1:
        return decimal.Decimal(rng.choice(["NaN", "Infinity", "-0.00", "0.00", "-0", "1E+2", "1.00E+2", "0.05", "-0.5",
                                           "1234567890123456789012345678.90", "-99999999999999999999999999999999",
                                           "12.3", "7"]))
    return decimal.Decimal(f"{rng.randrange(-10**30, 10**30)}E-{scale}")  # exact, past the context's 28 digits


def _timestamp(rng: random.Random) -> dt.datetime:
    moment = dt.datetime(1970, 1, 1) + dt.timedelta(microseconds=rng.randrange(-10**15, 10**16))
    return moment if rng.random() < 0.8 else moment.replace(tzinfo=dt.timezone(dt.timedelta(hours=rng.randint(-9, 9))))


def _maybe(rng: random.Random, value: Any, wrong: Any = "x") -> Any:
    roll = rng.random()
    return None if roll < 0.04 else wrong if roll < 0.05 else value


def _row(rng: random.Random) -> Struct:
    values = [
        _maybe(rng, rng.randrange(-128, 128), wrong=True),
        _maybe(rng, rng.randrange(-2**63, 2**63) if rng.random() < 0.9 else rng.choice([2**64 + 5, -2**63 - 1, 0])),
        _maybe(rng, _float(rng), wrong=3),
        _maybe(rng, _float(rng)),
        _maybe(rng, _text(rng), wrong=b"bytes"),
        _maybe(rng, _text(rng)),
        _maybe(rng, rng.random() < 0.5, wrong=1),
        _maybe(rng, rng.randbytes(rng.randrange(0, 9)), wrong=bytearray(b"ba")),
        _maybe(rng, _decimal(rng, 2), wrong=decimal.Decimal("1.5")),
        _maybe(rng, _decimal(rng, 0), wrong=decimal.Decimal("1.50")),
        _maybe(rng, _timestamp(rng)),
        _maybe(rng, dt.date(1970, 1, 1) + dt.timedelta(days=rng.randrange(-10**5, 10**5)), wrong=rng.choice(
            [dt.datetime(2024, 5, 1), dt.datetime(2024, 5, 1, 3), dt.datetime(2024, 5, 1, tzinfo=dt.UTC)])),
        _maybe(rng, dt.time(rng.randrange(24), rng.randrange(60), rng.randrange(60), 1000 * rng.randrange(1000))),
    ]
    return Struct.from_validated(SCHEMA, values)  # unchecked on purpose: wrong types must fall back, not differ


def _exact(value: Any, decimal_format: Any = "BASE64", schema: Any = SCHEMA) -> bytes | type[BaseException]:
    try:
        return to_json_text(schema, value, decimal_format=decimal_format).encode("utf-8") + b"\n"
    except Exception as e:
        return type(e)


def _staged(fmt: RecordFormat, value: Any, schema: Any = SCHEMA) -> bytes | type[BaseException]:
    try:
        return fmt.stage([SinkRecord("t", 0, None, None, schema, value, 0)])[0]
    except Exception as e:
        return type(e)


def test_the_flat_schema_compiles_and_writes_plain_rows_itself() -> None:
    line = compile_line(SCHEMA, base64_decimals=True)
    assert line is not None
    row = Struct(SCHEMA).put("i8", 1).put("f64", 0.5).put("s", "é\n").put("price", decimal.Decimal("1.25"))
    assert line(row) == _exact(row) == (
        b'{"i8":1,"i64":null,"f32":null,"f64":0.5,"s":"\xc3\xa9\\n","with default":"dflt","b":null,"raw":null,'
        b'"price":"fQ==","units":null,"ts":null,"day":null,"t":null}\n')
    assert line(Struct(SCHEMA).put("i8", 1).put("f64", 1e-5)) is None  # Java prints 1.0E-5, orjson 0.00001


@pytest.mark.parametrize("seed", range(4))
def test_random_rows_give_the_exact_writers_bytes_or_its_error(seed: int) -> None:
    rng = random.Random(seed)
    fmt = RecordFormat("json", "value")
    compiled = 0
    line = compile_line(SCHEMA, base64_decimals=True)
    assert line is not None
    for _ in range(5000):
        row = _row(rng)
        assert _staged(fmt, row) == _exact(row), row
        compiled += line(row) is not None
    assert compiled > 1000  # the generated path really wrote many of them


REQUIRED = (SchemaBuilder.struct().name("required")
            .field("i8", SchemaBuilder.int8().build()).field("i64", SchemaBuilder.int64().build())
            .field("f32", SchemaBuilder.float32().build()).field("f64", SchemaBuilder.float64().build())
            .field("s", SchemaBuilder.string().build())
            .field("with default", SchemaBuilder.string().default_value("dflt").build())
            .field("b", SchemaBuilder.bool().build()).field("raw", SchemaBuilder.bytes().build())
            .field("price", Decimal.builder(2).build()).field("units", Decimal.builder(0).build())
            .field("ts", Timestamp.builder().build()).field("day", Date.builder().build())
            .field("t", Time.builder().build())
            .build())


@pytest.mark.parametrize("seed", range(2))
def test_required_fields_give_the_exact_writers_bytes_or_its_error(seed: int) -> None:
    """Required fields have no null test in the generated writer (each conversion rejects None itself)."""
    rng = random.Random(100 + seed)
    fmt = RecordFormat("json", "value")
    line = compile_line(REQUIRED, base64_decimals=True)
    assert line is not None
    compiled = 0
    for _ in range(3000):
        row = Struct.from_validated(REQUIRED, _row(rng).values())
        assert _staged(fmt, row, REQUIRED) == _exact(row, schema=REQUIRED), row
        compiled += line(row) is not None
    assert compiled > 300


def test_numeric_decimals_nested_and_schemaless_values_keep_the_exact_writer() -> None:
    assert compile_line(SCHEMA, base64_decimals=False) is None
    nested = SchemaBuilder.struct().field("inner", SCHEMA).build()
    assert compile_line(nested, base64_decimals=True) is None
    assert compile_line(None, base64_decimals=True) is None
    fmt = RecordFormat("json", "value", decimal_numeric=True)
    row = Struct(SCHEMA).put("i8", 1).put("f64", 2.0).put("price", decimal.Decimal("1.25"))
    assert _staged(fmt, row) == _exact(row, "NUMERIC")
    assert b'"price":1.25' in _staged(fmt, row)  # type: ignore[operator]
    records = [SinkRecord("t", 0, None, None, None, {"a": [1, 1e-5]}, 0),
               SinkRecord("t", 0, None, None, SCHEMA, row, 1)]
    assert RecordFormat("json", "value").stage(records)[0] == b'{"a":[1,1.0E-5]}\n' + _exact(row)  # type: ignore[operator]
