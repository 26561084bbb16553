"""The JsonConverter's compiled per-schema plans (``converters/_json_compiled.py``) against its exact paths.

Every value here is written twice, through ``from_connect_data`` (compiled plan + orjson where it applies) and
through the exact writer, and every payload is read twice, through the compiled reader and through the per-field
plan: the bytes, values and error messages must be the same. The exact paths are the ones ``tests/compat`` checks
against the Kafka 4.1.1 jars.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import decimal
import itertools
import math
import random
import struct as _pystruct
from typing import Any

import orjson
import pytest

from connect_core.api.errors import DataError
from connect_core.api.java_text import jackson_string, java_double_str
from connect_core.api.logical import Date, Decimal, Time, Timestamp
from connect_core.api.schema import (
    BOOLEAN_SCHEMA,
    BYTES_SCHEMA,
    FLOAT32_SCHEMA,
    FLOAT64_SCHEMA,
    INT8_SCHEMA,
    INT16_SCHEMA,
    INT32_SCHEMA,
    INT64_SCHEMA,
    OPTIONAL_STRING_SCHEMA,
    STRING_SCHEMA,
    Schema,
    SchemaBuilder,
)
from connect_core.api.struct import Struct
from connect_core.converters.json import JsonConverter

TRICKY_STRINGS = [
    "", "plain", "héllo ü 中文", "\x00\x01\x1f\x0b\x0e\x7f", "tab\tnew\nline\r\x08\x0c", 'quote " back \\ slash',
    "\\u0041 literal", "\\\\u001f", "😀 astral", "a\U0010ffffz", "\ud800 lone", "\udfff", "\u2028\u2029", "\ufeff",
    "</script>", "x" * 5000,
]
DOUBLES = [0.0, -0.0, 1e-3, -1e-3, 9.99e-4, 1e7, -1e7, 9999999.999999998, 1e16, 1.0e-10, 123.456, 5e-324,
           1.7976931348623157e308, math.nan, math.inf, -math.inf, 0.1 + 0.2, 1.0, 100.0]


def _converter(**config: str) -> JsonConverter:
    converter = JsonConverter()
    converter.configure(config, False)
    return converter


def _written(converter: JsonConverter, schema: Schema | None, value: Any) -> tuple[str, Any]:
    try:
        return "ok", converter.from_connect_data("t", schema, value)
    except (DataError, UnicodeEncodeError) as error:
        return "error", f"{type(error).__name__}: {error}"


def _exact(converter: JsonConverter, schema: Schema | None, value: Any) -> tuple[str, Any]:
    try:
        return "ok", converter._from_connect_exact(schema, value)
    except (DataError, UnicodeEncodeError) as error:
        return "error", f"{type(error).__name__}: {error}"


def _assert_same_write(schema: Schema, value: Any, **config: str) -> None:
    for schemas in ("true", "false"):
        converter = _converter(**config, **{"schemas.enable": schemas})
        fast = _written(converter, schema, value)  # compiles the plan on first use
        again = _written(converter, schema, value)  # and runs the cached plan
        exact = _exact(_converter(**config, **{"schemas.enable": schemas}), schema, value)
        assert fast == exact, (schema, value)
        assert again == exact, (schema, value)


def _struct(schema: Schema, *values: Any) -> Struct:
    """A struct holding ``values`` by position without validation (as a buggy SMT could produce)."""
    struct = Struct(schema)
    struct.values()[:] = values
    return struct


def _one(field_schema: Schema, name: str = "f") -> Schema:
    return SchemaBuilder.struct().name("row").field(name, field_schema).build()


# -- orjson vs Jackson: the facts the plan relies on ------------------------------------------------------------------
def test_orjson_writes_every_bmp_character_as_jackson_or_with_an_escape_the_check_catches() -> None:
    from connect_core.api.jackson_json import orjson_text_is_jacksons

    for code in range(0x10000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        text = orjson.dumps(chr(code))
        if orjson_text_is_jacksons(text):
            assert text == jackson_string(chr(code)).encode(), hex(code)
    assert not orjson_text_is_jacksons(orjson.dumps("😀"))


def test_orjson_prints_doubles_in_the_plain_range_as_java() -> None:
    rng = random.Random(14)
    for _ in range(200_000):
        value = _pystruct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0]
        if rng.random() < 0.5:
            value = rng.randint(-10**7, 10**7) / 10 ** rng.randint(0, 7)
        if 1e-3 <= value < 1e7 or -1e7 < value <= -1e-3:
            assert orjson.dumps(value).decode() == java_double_str(value), repr(value)


def test_strict_base64_decoding_accepts_a_subset_of_validated_decoding_with_the_same_bytes() -> None:
    for size in range(6):
        for chars in itertools.product("QA=+/_- .", repeat=size):
            text = "".join(chars)
            try:
                strict = binascii.a2b_base64(text, strict_mode=True)
            except (binascii.Error, ValueError):
                continue
            assert base64.b64decode(text, validate=True) == strict, text


# -- writing ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text", TRICKY_STRINGS)
def test_strings_and_field_names(text: str) -> None:
    _assert_same_write(_one(STRING_SCHEMA), _struct(_one(STRING_SCHEMA), text))
    _assert_same_write(STRING_SCHEMA, text)
    if text and "\x00" not in text:
        named = _one(INT32_SCHEMA, name=text)
        _assert_same_write(named, _struct(named, 7))


@pytest.mark.parametrize("value", DOUBLES)
def test_doubles_and_floats(value: float) -> None:
    schema = SchemaBuilder.struct().field("d", FLOAT64_SCHEMA).field("f", FLOAT32_SCHEMA).build()
    _assert_same_write(schema, _struct(schema, value, value))


@pytest.mark.parametrize(("field_schema", "value"), [
    (INT8_SCHEMA, 127), (INT8_SCHEMA, -128), (INT8_SCHEMA, 128), (INT16_SCHEMA, -32769), (INT32_SCHEMA, 2**31),
    (INT64_SCHEMA, 2**63 - 1), (INT64_SCHEMA, -(2**63)), (INT64_SCHEMA, 2**63), (INT64_SCHEMA, 2**70),
    (INT64_SCHEMA, True), (INT32_SCHEMA, 1.5), (BOOLEAN_SCHEMA, True), (BOOLEAN_SCHEMA, 1), (STRING_SCHEMA, 5),
    (BYTES_SCHEMA, b"\x00\xff"), (BYTES_SCHEMA, bytearray(b"ab")), (BYTES_SCHEMA, memoryview(b"cd")),
    (BYTES_SCHEMA, "str"), (FLOAT64_SCHEMA, 3), (FLOAT64_SCHEMA, "x"),
])
def test_primitive_values_of_the_exact_type_or_not(field_schema: Schema, value: Any) -> None:
    schema = _one(field_schema)
    _assert_same_write(schema, _struct(schema, value))


@pytest.mark.parametrize("scale", [0, 2, 10, -2])
@pytest.mark.parametrize("text", ["0", "-0.00", "12.34", "-12.34", "1E+3", "123456789012345678901234567890.1234567890",
                                  "-1", "0.0000001", "NaN", "Infinity", "-127.5", "128", "-128", "255"])
@pytest.mark.parametrize("decimal_format", ["BASE64", "NUMERIC"])
def test_decimals_of_every_scale(scale: int, text: str, decimal_format: str) -> None:
    schema = _one(Decimal.schema(scale))
    value = decimal.Decimal(text)
    _assert_same_write(schema, _struct(schema, value), **{"decimal.format": decimal_format})
    if value.is_finite():
        scaled = value.quantize(decimal.Decimal(1).scaleb(-scale), context=decimal.Context(prec=100))
        _assert_same_write(schema, _struct(schema, scaled), **{"decimal.format": decimal_format})


@pytest.mark.parametrize("value", [
    dt.datetime(2024, 1, 2, 3, 4, 5, 678901), dt.datetime(1960, 1, 1, 0, 0, 0, 999, tzinfo=dt.UTC),
    dt.datetime(2024, 1, 2, tzinfo=dt.timezone(dt.timedelta(hours=-5))), dt.datetime(1, 1, 1),
    dt.datetime(9999, 12, 31, 23, 59, 59, 999999), dt.date(2024, 1, 2), 5, "x",
])
def test_timestamps_dates_and_times(value: Any) -> None:
    schema = (SchemaBuilder.struct().field("ts", Timestamp.schema()).field("d", Date.schema())
              .field("t", Time.schema()).build())
    date = value.date() if isinstance(value, dt.datetime) else value
    time = value.time() if isinstance(value, dt.datetime) else value
    _assert_same_write(schema, _struct(schema, value, date, time))
    _assert_same_write(schema, _struct(schema, value, value, value))


@pytest.mark.parametrize("replace", ["true", "false"])
def test_nulls_optional_fields_and_defaults(replace: str) -> None:
    schema = (SchemaBuilder.struct()
              .field("opt", OPTIONAL_STRING_SCHEMA)
              .field("def", SchemaBuilder.int32().default_value(42).build())
              .field("optdef", SchemaBuilder.string().optional().default_value("dflt 😀").build())
              .field("ts", Timestamp.builder().optional().default_value(dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
                     .build())
              .field("req", STRING_SCHEMA).build())
    config = {"replace.null.with.default": replace}
    _assert_same_write(schema, _struct(schema, None, None, None, None, "r"), **config)
    _assert_same_write(schema, _struct(schema, "a", 1, "b", dt.datetime(2021, 1, 1), "r"), **config)
    _assert_same_write(schema, _struct(schema, None, None, None, None, None), **config)  # required null: error


def test_nested_structs_arrays_and_maps() -> None:
    inner = SchemaBuilder.struct().name("inner").field("s", STRING_SCHEMA).field("n", INT64_SCHEMA).build()
    equal_inner = SchemaBuilder.struct().name("inner").field("s", STRING_SCHEMA).field("n", INT64_SCHEMA).build()
    other_inner = SchemaBuilder.struct().name("other").field("s", STRING_SCHEMA).build()
    schema = (SchemaBuilder.struct().name("outer")
              .field("inner", inner)
              .field("opt_inner", SchemaBuilder.struct().name("inner2").field("b", BOOLEAN_SCHEMA).optional().build())
              .field("arr", SchemaBuilder.array(OPTIONAL_STRING_SCHEMA).build())
              .field("smap", SchemaBuilder.map(STRING_SCHEMA, FLOAT64_SCHEMA).build())
              .field("imap", SchemaBuilder.map(INT32_SCHEMA, STRING_SCHEMA).build())
              .build())
    opt_inner = schema.field("opt_inner").schema
    for inner_value in (_struct(inner, "ü\x01", 2**40), _struct(equal_inner, "x", 1), _struct(other_inner, "y"),
                        _struct(inner, None, 1), "not a struct"):
        for opt in (None, _struct(opt_inner, False)):
            value = _struct(schema, inner_value, opt, ["a", None, "😀"], {"k\x1f": 1e10, "j": 0.5},
                            {1: "one", -2: "two"})
            _assert_same_write(schema, value)
    _assert_same_write(schema, _struct(schema, _struct(inner, "a", 1), None, "not a list", {}, {}))


def test_top_level_values_of_other_types_take_the_exact_path() -> None:
    for schema, value in [(INT32_SCHEMA, 5), (OPTIONAL_STRING_SCHEMA, None), (BOOLEAN_SCHEMA, False),
                          (SchemaBuilder.array(INT8_SCHEMA).build(), [1, 2]), (STRING_SCHEMA, 5),
                          (_one(STRING_SCHEMA), "not a struct"), (_one(STRING_SCHEMA), _struct(_one(INT8_SCHEMA), 1))]:
        _assert_same_write(schema, value)


def test_a_schema_name_or_doc_with_lone_surrogates_fails_as_before() -> None:
    schema = SchemaBuilder.struct().name("bad \ud800").field("f", STRING_SCHEMA).build()
    _assert_same_write(schema, _struct(schema, "x"))


def test_many_schemas_alternating_keep_their_own_plans() -> None:
    converter = _converter()
    schemas = [_one(INT8_SCHEMA, name=f"f{i}") for i in range(5)]
    for _ in range(3):
        for i, schema in enumerate(schemas):
            assert converter.from_connect_data("t", schema, _struct(schema, i)) == \
                _converter()._from_connect_exact(schema, _struct(schema, i))


# -- reading ----------------------------------------------------------------------------------------------------
class _ExactReader(JsonConverter):
    """The converter with its compiled readers off: the per-field plan decides every value."""

    def _compile_reader(self, schema: Schema) -> Any:
        return None


def _read_both(schema_json: str, payload: bytes) -> None:
    record = b'{"schema":' + schema_json.encode() + b',"payload":' + payload + b"}"
    results = []
    for converter in (_converter(), _ExactReader()):
        if isinstance(converter, _ExactReader):
            converter.configure({}, False)
        for _ in range(2):  # the second read takes the cached envelope (payload-only) path
            try:
                read = converter.to_connect_data("t", record)
                results.append(("ok", read.schema, read.value))
            except DataError as error:
                results.append(("error", str(error)))
    assert results[0] == results[1] == results[2] == results[3], results


ROW_SCHEMA = (
    '{"type":"struct","fields":['
    '{"type":"int64","optional":false,"field":"id"},'
    '{"type":"string","optional":true,"field":"s"},'
    '{"type":"int8","optional":false,"default":5,"field":"small"},'
    '{"type":"double","optional":false,"field":"d"},'
    '{"type":"boolean","optional":false,"field":"b"},'
    '{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,'
    '"parameters":{"scale":"2"},"field":"p"},'
    '{"type":"int64","optional":true,"name":"org.apache.kafka.connect.data.Timestamp","version":1,"field":"ts"},'
    '{"type":"int32","optional":false,"name":"org.apache.kafka.connect.data.Date","version":1,"field":"day"},'
    '{"type":"struct","fields":[{"type":"float","optional":false,"field":"f"}],"optional":true,"name":"in",'
    '"field":"inner"}'
    '],"optional":false,"name":"row"}'
)


@pytest.mark.parametrize("payload", [
    b'{"id":1,"s":"x","small":1,"d":0.5,"b":true,"p":"MDk=","ts":1700000000000,"day":19000,"inner":{"f":1.5}}',
    b'{"id":-9223372036854775808,"s":null,"small":null,"d":-0.0,"b":false,"p":"AA==","ts":null,"day":-1,'
    b'"inner":null}',
    b'{"id":9223372036854775808,"s":"\\u00e9\\ud83d\\ude00\\u0000","small":300,"d":1e400,"b":1,"p":"QQ===",'
    b'"ts":-62135596800001,"day":2147483648,"inner":[]}',
    b'{"id":1.0,"s":5,"small":true,"d":3,"b":"true","p":12.5,"ts":1.5,"day":"x","inner":{"f":"1"}}',
    b'{"id":2,"s":"\\ud800","small":1,"d":1,"b":true,"p":"!!!!","ts":0,"day":0,"extra":1}',
    b'{"id":3,"small":1,"d":1e-5,"b":true,"p":"","day":0}',
    b'{"id":123456789012345678901234567890,"s":"a","small":-129,"d":2,"b":true,"p":"MDk","ts":0,"day":0}',
    b'[1,2]', b"null", b'"text"',
])
def test_reads_tricky_payloads_like_the_per_field_plan(payload: bytes) -> None:
    _read_both(ROW_SCHEMA, payload)


def test_defaults_are_read_for_nulls_in_both_settings() -> None:
    for replace in ("true", "false"):
        schema = '{"type":"struct","fields":[{"type":"string","optional":true,"default":"d","field":"s"}],' \
                 '"optional":false}'
        record = b'{"schema":' + schema.encode() + b',"payload":{"s":null}}'
        fast, exact = _converter(**{"replace.null.with.default": replace}), _ExactReader()
        exact.configure({"replace.null.with.default": replace}, False)
        for _ in range(2):
            assert fast.to_connect_data("t", record) == exact.to_connect_data("t", record)


def test_the_compiled_paths_are_the_ones_taken_for_ordinary_rows() -> None:
    """Guards the comparisons above from passing vacuously: typical rows go through the compiled plans."""
    schema = (SchemaBuilder.struct().name("row").field("id", INT64_SCHEMA).field("s", OPTIONAL_STRING_SCHEMA)
              .field("d", FLOAT64_SCHEMA).field("p", Decimal.schema(2)).field("ts", Timestamp.schema())
              .field("day", Date.schema()).build())
    value = _struct(schema, 7, "héllo 中文", 0.25, decimal.Decimal("-1.50"), dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
                    dt.date(2024, 1, 1))
    converter = _converter()
    assert converter._compiled_payload(schema, value) is not None
    written = converter.from_connect_data("t", schema, value)
    assert written == _converter()._from_connect_exact(schema, value)
    converter.to_connect_data("t", written)
    prefix, read_schema, read = converter._last_envelope
    assert read_schema == schema and getattr(read, "__name__", "") == "read"  # the generated reader
    assert converter.to_connect_data("t", written).value == value


@pytest.mark.parametrize("payload", [b'"text"', b'"\\u00e9\\ud83d\\ude00"', b"5", b"null", b"true", b'"\\ud800"',
                                     b"[1]"])
@pytest.mark.parametrize("optional", ["false", "true"])
def test_a_top_level_string_reads_the_same_on_the_cached_envelope_path(payload: bytes, optional: str) -> None:
    schema = '{"type":"string","optional":' + optional + "}"
    record = b'{"schema":' + schema.encode() + b',"payload":' + payload + b"}"
    converter, results = _converter(), []
    for _ in range(2):
        try:
            read = converter.to_connect_data("t", record)
            results.append(("ok", read.schema, read.value))
        except DataError as error:
            results.append(("error", str(error)))
    assert results[0] == results[1]



CODE_LIKE_NAMES = ["x'] = 1\nimport os  #", "'''", '"""', "x\\", "); raise SystemExit('ran') #", "{x0}", "v0, = vals",
                   "__import__('builtins').exec('RAN = 1')"]


def test_field_and_schema_names_are_data_in_the_generated_code_never_code() -> None:
    """Schemas come from records and connector configs: a name must never become part of the generated source."""
    builder = SchemaBuilder.struct().name("row'])\nraise SystemExit('ran') #")
    for name in CODE_LIKE_NAMES:
        builder.field(name, OPTIONAL_STRING_SCHEMA)
    schema = builder.build()
    value = Struct(schema)
    for name in CODE_LIKE_NAMES:
        value.put(name, name)
    converter = _converter()
    written = converter.from_connect_data("t", schema, value)
    assert written == converter._from_connect_exact(schema, value)
    for _ in range(2):  # the second read takes the cached envelope (payload-only) path
        read = converter.to_connect_data("t", written)
        assert [read.value.get(name) for name in CODE_LIKE_NAMES] == CODE_LIKE_NAMES
    assert "RAN" not in globals()


@pytest.mark.parametrize("scale", [-3, 0, 2, 9, 40])
def test_base64_decimals_read_with_the_exact_readers_digits_and_exponent(scale: int) -> None:
    """Decimals compare equal across representations (1.5 == 1.50): the compiled reader must give the exact
    reader's very coefficient and exponent (the text a sink writes from it), at every scale and size."""
    schema = ('{"type":"struct","fields":[{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.'
              f'Decimal","version":1,"parameters":{{"scale":"{scale}"}},"field":"p"}}],"optional":false}}')
    for unscaled in (0, 1, -1, 5, -150, 12345, 2**63, -(2**200), 10**60):
        encoded = base64.b64encode(unscaled.to_bytes((unscaled.bit_length() + 8) // 8, "big", signed=True))
        record = b'{"schema":' + schema.encode() + b',"payload":{"p":"' + encoded + b'"}}'
        reads = []
        for converter in (_converter(), _converter(), _ExactReader()):
            if isinstance(converter, _ExactReader):
                converter.configure({}, False)
            converter.to_connect_data("t", record)  # the second read takes the compiled (cached envelope) path
            reads.append(converter.to_connect_data("t", record).value.get("p").as_tuple())
        assert reads[0] == reads[2] == decimal.Decimal(f"{unscaled}E{-scale}").as_tuple(), (unscaled, reads)
