"""Byte-for-byte comparison of our converters with the real Kafka jars (JsonOracle.java; ``_oracle.KAFKA_VERSION``).

The oracle builds the same named cases with Kafka's own classes and prints what Kafka writes and reads; each
test builds the case here, runs our converter and compares. Needs Maven (once, cached) and Java 17+.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import math
import subprocess
from pathlib import Path
from typing import Any

import pytest

from connect_core.api.data_json import to_json_text
from connect_core.api.errors import ConfigError, DataError
from connect_core.api.jackson_json import jackson_json
from connect_core.api.java_text import java_double_str, java_float_str
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
    OPTIONAL_FLOAT64_SCHEMA,
    OPTIONAL_INT32_SCHEMA,
    OPTIONAL_STRING_SCHEMA,
    STRING_SCHEMA,
    Schema,
    SchemaBuilder,
)
from connect_core.api.schema_and_value import SchemaAndValue
from connect_core.api.struct import Struct
from connect_core.converters.json import JsonConverter
from connect_core.converters.simple_header import SimpleHeaderConverter
from tests.compat._oracle import RUN_DIR, kafka_before, maven_classpath, require_tool
from tests.compat._oracle import java_major as _java_major

pytestmark = pytest.mark.integration

HERE = Path(__file__).parent
UTC = dt.UTC

MODES: dict[str, dict[str, str]] = {
    "env": {"schemas.enable": "true"},
    "raw": {"schemas.enable": "false"},
    "envnum": {"schemas.enable": "true", "decimal.format": "NUMERIC"},
    "rawnum": {"schemas.enable": "false", "decimal.format": "numeric"},
    "envkeepnull": {"schemas.enable": "true", "replace.null.with.default": "false"},
    "rawkeepnull": {"schemas.enable": "false", "replace.null.with.default": "false"},
}

# Known, documented differences from the oracle's JVM (see the module docstring of api/java_text.py).
JDK17_DOUBLE_BUG = {"float64_16"}  # Java 17 prints 1e23 as 9.999999999999999E22; JDK 19+ (and we) print 1.0E23


def _ts(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def _cases() -> dict[str, tuple[Schema | None, Any]]:  # noqa: PLR0915 - one line per case, mirrors JsonOracle
    c: dict[str, tuple[Schema | None, Any]] = {}
    c["int8"] = (INT8_SCHEMA, 12)
    c["int8_min"] = (INT8_SCHEMA, -128)
    c["int16"] = (INT16_SCHEMA, -1234)
    c["int32"] = (INT32_SCHEMA, 123456789)
    c["int64"] = (INT64_SCHEMA, 9007199254740993)
    c["int64_min"] = (INT64_SCHEMA, -(2**63))
    c["bool_true"] = (BOOLEAN_SCHEMA, True)
    c["bool_false"] = (BOOLEAN_SCHEMA, False)
    c["string"] = (STRING_SCHEMA, "hello")
    c["string_escapes"] = (STRING_SCHEMA, "q\"b\\s/n\nt\tr\rb\bf\fc\x01\x1fd\x7fé€😀\u2028<>&'")
    c["string_empty"] = (STRING_SCHEMA, "")
    c["bytes"] = (BYTES_SCHEMA, bytes([0, 1, 2, 0xFE, 0xFF]))
    c["bytes_empty"] = (BYTES_SCHEMA, b"")
    c["bytes_buffer"] = (BYTES_SCHEMA, bytearray(b"abc"))
    doubles = [0.0, -0.0, 1.0, -1.5, 0.1, 1e10, 1e-5, 0.001, 1e-3 * 0.999, 1234567.0, 1e7, 9999999.0,
               123456789.0, 1e16, 1e21, 1e22, 1e23, 2e-3, 5e-324, 1.7976931348623157e308, 2.2250738585072014e-308,
               3.141592653589793, 100.0, 1.0e-7, 4.35, 0.3, 2.0 / 3.0, 1e300, math.nan, math.inf,
               -math.inf]  # fmt: skip
    for i, d in enumerate(doubles):
        c[f"float64_{i}"] = (FLOAT64_SCHEMA, d)
    floats = [0.0, -0.0, 1.0, 0.1, 1.5, 1e10, 1e-5, 3.4028235e38, 1.4e-45, 16777217.0, 0.3, 1234567.0, 1e7,
              2.0 / 3.0, 100.25, math.nan, math.inf]  # fmt: skip
    for i, f in enumerate(floats):
        c[f"float32_{i}"] = (FLOAT32_SCHEMA, f)
    c["opt_string_null"] = (OPTIONAL_STRING_SCHEMA, None)
    c["opt_int32_value"] = (OPTIONAL_INT32_SCHEMA, 7)
    c["req_string_null"] = (STRING_SCHEMA, None)
    c["req_default_null"] = (SchemaBuilder.int32().default_value(42).build(), None)
    c["opt_default_null"] = (SchemaBuilder.string().optional().default_value("dflt").build(), None)
    metadata = (
        SchemaBuilder.int32().name("com.acme.Id").version(3).doc("the id").parameter("a", "1").parameter("b", 'x"y')
    )
    c["metadata"] = (metadata.optional().default_value(5).build(), 9)
    c["bytes_default"] = (SchemaBuilder.bytes().default_value(b"\x09\x08").build(), b"\x01")
    c["array_int32"] = (SchemaBuilder.array(INT32_SCHEMA).build(), [1, 2, 3])
    c["array_empty"] = (SchemaBuilder.array(STRING_SCHEMA).build(), [])
    c["array_opt_elems"] = (SchemaBuilder.array(OPTIONAL_STRING_SCHEMA).optional().build(), ["a", None, "c"])
    c["array_default"] = (SchemaBuilder.array(INT32_SCHEMA).default_value([1, 2]).build(), [3])
    c["map_string_keys"] = (SchemaBuilder.map(STRING_SCHEMA, INT64_SCHEMA).build(), {"a": 1, "b": 2})
    c["map_int_keys"] = (SchemaBuilder.map(INT32_SCHEMA, STRING_SCHEMA).build(), {1: "one", 2: "two"})
    c["map_empty_string_keys"] = (SchemaBuilder.map(STRING_SCHEMA, INT32_SCHEMA).build(), {})
    c["map_empty_int_keys"] = (SchemaBuilder.map(INT32_SCHEMA, INT32_SCHEMA).build(), {})
    c["map_opt_values"] = (SchemaBuilder.map(STRING_SCHEMA, OPTIONAL_FLOAT64_SCHEMA).build(), {"x": None, "y": 1.5})
    address = (
        SchemaBuilder.struct()
        .name("com.acme.Address")
        .field("street", STRING_SCHEMA)
        .field("zip", OPTIONAL_INT32_SCHEMA)
    ).build()
    user = (
        SchemaBuilder.struct()
        .name("com.acme.User")
        .version(1)
        .doc("a user")
        .field("id", INT32_SCHEMA)
        .field("name", OPTIONAL_STRING_SCHEMA)
        .field("score", SchemaBuilder.float64().default_value(1.5))
        .field("address", address)
        .field("tags", SchemaBuilder.array(STRING_SCHEMA))
        .field("attrs", SchemaBuilder.map(STRING_SCHEMA, STRING_SCHEMA).optional())
        .build()
    )
    addr = Struct(address).put("street", "Main St")
    c["struct_nested"] = (
        user,
        Struct(user)
        .put("id", 1)
        .put("name", "Ann")
        .put("score", 2.5)
        .put("address", addr)
        .put("tags", ["a", "b"])
        .put("attrs", {"k": "v"}),
    )
    c["struct_unset_fields"] = (user, Struct(user).put("id", 2).put("address", addr).put("tags", []))
    simple = SchemaBuilder.struct().field("a", INT32_SCHEMA).optional().build()
    c["struct_optional_null"] = (simple, None)
    c["array_of_structs"] = (SchemaBuilder.array(simple).build(), [Struct(simple).put("a", 1), None])
    dec2 = Decimal.schema(2)
    d = decimal.Decimal
    c["decimal"] = (dec2, d("12.34"))
    c["decimal_negative"] = (dec2, d("-0.01"))
    c["decimal_zero"] = (dec2, d("0.00"))
    c["decimal_big"] = (Decimal.schema(3), d("123456789012345678901234567890.123"))
    c["decimal_128"] = (Decimal.schema(0), d("128"))
    c["decimal_small"] = (Decimal.schema(7), d("0.0000001"))
    c["decimal_neg_scale"] = (Decimal.schema(-2), d("12E+2"))
    c["decimal_scale10"] = (Decimal.schema(10), d("1.0000000000"))
    c["decimal_opt_null"] = (Decimal.builder(2).optional().build(), None)
    c["decimal_default"] = (Decimal.builder(2).default_value(d("1.50")).build(), d("2.25"))
    c["date"] = (Date.schema(), dt.date(2024, 2, 29))
    c["date_before_epoch"] = (Date.schema(), dt.date(1969, 7, 20))
    c["time"] = (Time.schema(), dt.time(13, 45, 30, 123000))
    c["timestamp"] = (Timestamp.schema(), _ts(2024, 1, 2, 3, 4, 5, 678000))
    c["timestamp_before_epoch"] = (Timestamp.schema(), _ts(1960, 5, 6, 7, 8, 9, 10000))
    c["timestamp_opt_default"] = (Timestamp.builder().optional().default_value(_ts(1970, 1, 2)).build(), None)
    logical_struct = (
        SchemaBuilder.struct()
        .name("Row")
        .field("d", Date.builder().optional())
        .field("t", Time.schema())
        .field("ts", Timestamp.schema())
        .field("amount", Decimal.builder(4).optional())
        .build()
    )
    c["struct_logical"] = (
        logical_struct,
        Struct(logical_struct)
        .put("d", dt.date(2000, 1, 1))
        .put("t", dt.time(0, 0, 1))
        .put("ts", dt.datetime.fromtimestamp(1700000000.123, UTC))
        .put("amount", d("10.2345")),
    )
    c["null_null"] = (None, None)
    c["schemaless_int"] = (None, 5)
    c["schemaless_long"] = (None, 5)
    c["schemaless_double"] = (None, 2.5)
    c["schemaless_string"] = (None, "s")
    c["schemaless_bool"] = (None, True)
    c["schemaless_bytes"] = (None, b"\x01\x02\x03")
    c["schemaless_list"] = (None, [1, "two", None, 3.0, False])
    c["schemaless_map"] = (None, {"b": 1, "a": [1, 2], "c": {"x": None}})
    c["schemaless_map_int_keys"] = (None, {1: "a", 2: "b"})
    c["schemaless_map_mixed_keys"] = (None, {"a": 1, 2: 3})
    c["schemaless_decimal"] = (None, d("1.5"))
    c["schemaless_date"] = (None, _ts(1970, 1, 1))
    # schemaless edge cases of the orjson fast path (api/jackson_json.py)
    c["schemaless_doubles"] = (None, [0.0, -0.0, 1e10, 1e-5, 0.001, 9.99e-4, 1e7, 9999999.0, 123456789.0, 1e16,
                                      1e21, 5e-324, 1.7976931348623157e308, 2.2250738585072014e-308, math.nan,
                                      math.inf, -math.inf, 0.1, 2.0 / 3.0, -1234.5, 1.0e-7, 9007199254740993.0])
    c["schemaless_map_doubles"] = (None, {"nan": math.nan, "big": 1e10, "small": -1e-5, "plain": 2.5, "zero": -0.0,
                                          "inf": -math.inf})
    c["schemaless_strings"] = (None, {'q"b\\/': "c\x01\x1f\x7fd", "é€😀\u2028": [
        "\\u00ab", "x\\\x01", "\b\f\n\r\t", "𝄞🇩🇪", "", "\x00", "<>&'"]})
    c["schemaless_escaped_keys"] = (None, {"k\x01": 1, "🚀": 2, '"\\': 3, "ü": 4})
    c["schemaless_nested"] = (None, {"a": {"b": [{"c": b"\x00\xff"}, [], {}]}, "big": 2**63 - 1, "min": -(2**63),
                                     "t": True, "n": None, "deep": [[[1e10, "\x1f"]]]})
    c["schemaless_key_order"] = (None, {"z": 1, "a": 2, "m": 3, "b": {"y": 1, "x": 2}})
    c["schemaless_bytes_list"] = (None, [b"", b"\x01\x02\x03\x04", bytearray(b"\x05\x06"), b"\xfb\xff"])
    c["schemaless_int_keys_nested"] = (None, {"outer": {1: 1e10, 2: "x\x01"}})
    c["schemaless_list_of_maps"] = (None, [{"id": 1, "score": 0.25, "note": None},
                                           {"id": 2, "score": 1.5e9, "note": "😀"}])
    return c


CASES = _cases()


# -- oracle ---------------------------------------------------------------------------------------
class Oracle:
    """Parsed oracle output: writes, reads and read inputs keyed by (name, mode)."""

    def __init__(self, text: str) -> None:
        self.writes: dict[tuple[str, str], str] = {}
        self.reads: dict[tuple[str, str], str] = {}
        self.inputs: dict[tuple[str, str], bytes] = {}
        for line in text.splitlines():
            kind, name, mode, result = line.split("\t")
            if kind == "W":
                self.writes[(name, mode)] = result
            elif kind == "R":
                self.reads[(name, mode)] = result
            else:
                self.inputs[(name, mode)] = base64.b64decode(result[4:])

    def read_input(self, name: str, mode: str) -> bytes | None:
        if (name, mode) in self.inputs:
            return self.inputs[(name, mode)]
        if name == "null_bytes":
            return None
        return base64.b64decode(self.writes[(name, mode)][4:])


@pytest.fixture(scope="session")
def oracle() -> Oracle:
    require_tool("java")
    cp = maven_classpath(HERE / "pom.xml")
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(
        ["java", "-cp", cp, str(HERE / "JsonOracle.java")], capture_output=True, text=True, check=True, timeout=300
    )
    (RUN_DIR / "oracle.out").write_text(proc.stdout)
    return Oracle(proc.stdout)


@pytest.fixture(scope="session")
def java_major() -> int:
    return _java_major()


def _converter(mode: str) -> JsonConverter:
    conv = JsonConverter()
    conv.configure(MODES[mode], False)
    return conv


def _kafka_error(result: str) -> str:
    text = base64.b64decode(result[4:]).decode()
    return text.split(": ", 1)[1]


# -- value descriptions (the same text JsonOracle.valDesc prints) ----------------------------------
def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def describe(schema: Schema | None, value: Any) -> str:
    return f"{_converter('env').as_json_schema(schema)} => {_desc(schema, value)}"


def _desc(schema: Schema | None, v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, Struct):
        inner = ",".join(f"{f.name}={_desc(f.schema, v.get_without_default(f))}" for f in v.schema.fields)
        return "struct{" + inner + "}"
    if isinstance(v, list):
        elem = schema.value_schema if schema is not None else None
        return "[" + ",".join(_desc(elem, e) for e in v) + "]"
    if isinstance(v, dict):
        ks = schema.key_schema if schema is not None else None
        vs = schema.value_schema if schema is not None else None
        items = sorted((_desc(ks, k), _desc(vs, x)) for k, x in v.items())
        return "map{" + ",".join(f"{k}={x}" for k, x in items) + "}"
    if isinstance(v, (bytes, bytearray)):
        return "bytes:" + _b64(bytes(v))
    if isinstance(v, decimal.Decimal):
        sign, digits, exp = v.as_tuple()
        unscaled = int("".join(map(str, digits)) or "0") * (-1 if sign else 1)
        return f"dec:{unscaled}e{exp}"
    if isinstance(v, dt.datetime):
        return f"date:{Timestamp.from_logical(Timestamp.schema(), v)}"
    if isinstance(v, dt.date):
        return f"date:{Date.from_logical(Date.schema(), v) * 86_400_000}"
    if isinstance(v, dt.time):
        return f"date:{Time.from_logical(Time.schema(), v)}"
    if isinstance(v, bool):
        return f"bool:{'true' if v else 'false'}"
    t = schema.type.name if schema is not None else ("INT64" if isinstance(v, int) else "FLOAT64")
    prefix = {"INT8": "i8", "INT16": "i16", "INT32": "i32", "INT64": "i64", "FLOAT32": "f32", "FLOAT64": "f64"}
    if isinstance(v, int):
        return f"{prefix.get(t, 'i64')}:{v}"
    if isinstance(v, float):
        return f"f32:{java_float_str(v)}" if t == "FLOAT32" else f"f64:{java_double_str(v)}"
    if isinstance(v, str):
        return "str:" + _b64(v.encode())
    return f"obj:{type(v)}:{v}"


# -- tests ----------------------------------------------------------------------------------------
WRITE_PARAMS = [(name, mode) for mode in MODES for name in CASES]


@pytest.mark.parametrize(("name", "mode"), WRITE_PARAMS, ids=[f"{n}-{m}" for n, m in WRITE_PARAMS])
def test_from_connect_data_matches_kafka(oracle: Oracle, java_major: int, name: str, mode: str) -> None:
    if name in JDK17_DOUBLE_BUG and java_major < 19:
        pytest.xfail("JDK < 19 Double.toString is not shortest (JDK-4511638)")
    schema, value = CASES[name]
    expected = oracle.writes[(name, mode)]
    if expected.startswith("ERR:"):
        with pytest.raises(DataError) as err:
            _converter(mode).from_connect_data("topic", schema, value)
        assert str(err.value) == _kafka_error(expected)
        return
    ours = _converter(mode).from_connect_data("topic", schema, value)
    if expected == "NULL":
        assert ours is None
    else:
        assert ours is not None
        assert ours.decode() == base64.b64decode(expected[4:]).decode()


SCHEMALESS_PARAMS = [(name, mode) for mode in ("env", "raw") for name in CASES if CASES[name][0] is None]


@pytest.mark.parametrize(("name", "mode"), SCHEMALESS_PARAMS, ids=[f"{n}-{m}" for n, m in SCHEMALESS_PARAMS])
def test_both_schemaless_writers_match_kafka(oracle: Oracle, name: str, mode: str) -> None:
    """The orjson path (``jackson_json``) where it writes, and the exact writer always, give Kafka's bytes."""
    _, value = CASES[name]
    expected = oracle.writes[(name, mode)]
    if expected == "NULL":  # a tombstone: the converter writes no bytes, neither path is asked
        assert value is None
        return
    if expected.startswith("ERR:"):  # the orjson path declines; the exact writer raises Kafka's error
        assert jackson_json(value) is None
        return
    kafka = base64.b64decode(expected[4:])
    fast = jackson_json(value)
    if fast is not None:
        assert (fast if mode == "raw" else b'{"schema":null,"payload":' + fast + b"}") == kafka
    assert _converter(mode)._from_connect_exact(None, value) == kafka


TEXT_PARAMS = [(name, mode) for mode in ("raw", "rawnum", "rawkeepnull") for name in CASES]


@pytest.mark.parametrize(("name", "mode"), TEXT_PARAMS, ids=[f"{n}-{m}" for n, m in TEXT_PARAMS])
def test_to_json_text_writes_kafkas_bytes(oracle: Oracle, java_major: int, name: str, mode: str) -> None:
    """``data_json.to_json_text`` (the S3 sink's JSON lines, the HTTP sink's bodies) is JsonConverter's text with
    ``schemas.enable=false`` for every value Kafka writes."""
    if name in JDK17_DOUBLE_BUG and java_major < 19:
        pytest.xfail("JDK < 19 Double.toString is not shortest (JDK-4511638)")
    schema, value = CASES[name]
    expected = oracle.writes[(name, mode)]
    if expected.startswith("ERR:") or expected == "NULL":
        pytest.skip("Kafka writes no text for this case (to_json_data does not check types)")
    text = to_json_text(schema, value, decimal_format="NUMERIC" if mode == "rawnum" else "BASE64",
                        replace_null_with_default=mode != "rawkeepnull")
    assert text.encode("utf-8") == base64.b64decode(expected[4:])


def _read_params() -> list[tuple[str, str]]:
    names = [n for n in CASES] + [
        "schemaless_negative", "schemaless_big_int", "schemaless_float", "schemaless_exp", "schemaless_many_digits",
        "schemaless_null", "schemaless_object", "schemaless_array", "whitespace", "env_schema_null",
        "env_missing_payload", "env_missing_schema", "env_extra_field", "env_not_object", "env_scalar",
        "invalid_json", "type_mismatch", "int_into_float", "float_into_int", "unknown_type", "no_type",
        "optional_missing", "struct_missing_field", "required_null_default", "required_null_no_default",
        "decimal_numeric_in", "decimal_base64_in", "map_pairs_in", "params_non_string", "optional_string_true",
        "bytes_bad_base64", "null_bytes",
    ]  # fmt: skip
    return [(n, m) for m in MODES for n in dict.fromkeys(names)]


READ_PARAMS = _read_params()


@pytest.mark.parametrize(("name", "mode"), READ_PARAMS, ids=[f"{n}-{m}" for n, m in READ_PARAMS])
def test_to_connect_data_matches_kafka(oracle: Oracle, java_major: int, name: str, mode: str) -> None:
    if name in JDK17_DOUBLE_BUG and java_major < 19:
        pytest.xfail("JDK < 19 Double.toString is not shortest (JDK-4511638)")
    if (name, mode) not in oracle.reads:
        pytest.skip("Kafka wrote nothing to read back for this case")
    data = oracle.read_input(name, mode)
    expected = oracle.reads[(name, mode)]
    if expected.startswith("ERR:"):
        with pytest.raises(DataError) as err:
            _converter(mode).to_connect_data("topic", data)
        assert str(err.value) == _kafka_error(expected)
        return
    result = _converter(mode).to_connect_data("topic", data)
    assert describe(result.schema, result.value) == base64.b64decode(expected).decode()


# KIP-1054 schema.content: the ids of JsonOracle.CONTENT_SCHEMAS / CONTENT_INPUTS, read in these modes
CONTENT_SCHEMAS = {
    "row": '{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"},{"type":"string","optional":true,'
           '"field":"name"},{"type":"int64","optional":true,"default":7,"field":"n"}],"optional":false,'
           '"name":"com.acme.Row"}',
    "int32": '{"type":"int32","optional":false}',
    "opt_default": '{"type":"string","optional":true,"default":"dflt"}',
    "decimal": '{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,'
               '"parameters":{"scale":"2"}}',
    "spaced": ' { "type" : "string" } ',
    "null": "null",
    "empty": "",
    "blank": " ",
    "bad_json": '{"type":',
    "bad_type": '{"type":"nope"}',
    "no_type": '{"optional":true}',
    "not_object": "[1]",
    "bad_default": '{"type":"int32","default":"x"}',
}  # fmt: skip
CONTENT_INPUTS = ["row", "row_nulls", "row_extra", "envelope", "int", "float", "null", "string", "b64", "bad",
                  "null_bytes"]  # fmt: skip
CONTENT_MODES = ["env", "raw", "envkeepnull"]
CONTENT_PARAMS = [(s, m) for s in CONTENT_SCHEMAS for m in CONTENT_MODES]


def _content_converter(schema_id: str, mode: str) -> JsonConverter:
    conv = JsonConverter()
    conv.configure({**MODES[mode], "schema.content": CONTENT_SCHEMAS[schema_id]}, False)
    return conv


@pytest.mark.skipif(kafka_before("4.2"), reason="schema.content is Kafka 4.2+ (KIP-1054): a 4.1 oracle ignores "
                    "the key, so there is nothing to compare (make compat-4.1)")
@pytest.mark.parametrize(("schema_id", "mode"), CONTENT_PARAMS, ids=[f"{s}-{m}" for s, m in CONTENT_PARAMS])
def test_schema_content_reads_like_kafka(oracle: Oracle, schema_id: str, mode: str) -> None:
    """Every input read by a converter given ``schema.content``, or the configure failure (KIP-1054)."""
    oracle_mode = f"content:{schema_id}:{mode}"
    refused = oracle.reads.get(("content-configure", oracle_mode))
    if refused is not None:
        # Kafka fails the task in configure (DataException); we refuse the same text naming the key, so that a
        # connector's validate answers 400 before anything runs
        with pytest.raises(ConfigError) as err:
            _content_converter(schema_id, mode)
        assert str(err.value).startswith("Invalid value ")
        assert str(err.value).endswith(f" for configuration schema.content: {_kafka_error(refused)}")
        return
    conv = _content_converter(schema_id, mode)
    for input_id in CONTENT_INPUTS:
        key = (f"content:{input_id}", oracle_mode)
        data = None if input_id == "null_bytes" else oracle.inputs[key]
        expected = oracle.reads[key]
        for batch in (False, True):  # one value, and the sink's batch read (to_connect_values)
            if expected.startswith("ERR:"):
                with pytest.raises(DataError) as read_err:
                    _read(conv, data, batch=batch)
                assert str(read_err.value) == _kafka_error(expected), input_id
            else:
                result = _read(conv, data, batch=batch)
                assert describe(result.schema, result.value) == base64.b64decode(expected).decode(), input_id


def _read(conv: JsonConverter, data: bytes | None, *, batch: bool) -> SchemaAndValue:
    if batch:
        return SchemaAndValue(*conv.to_connect_values([data])[0])
    return conv.to_connect_data("topic", data)


@pytest.mark.parametrize("name", list(CASES))
def test_simple_header_converter_writes_like_kafka(oracle: Oracle, java_major: int, name: str) -> None:
    if name in JDK17_DOUBLE_BUG and java_major < 19:
        pytest.xfail("JDK < 19 Double.toString is not shortest (JDK-4511638)")
    schema, value = CASES[name]
    expected = oracle.writes[(name, "hdr")]
    ours = SimpleHeaderConverter().from_connect_header("topic", "h", schema, value)
    if expected == "NULL":
        assert ours is None
    else:
        assert ours == base64.b64decode(expected[4:])


HEADER_INPUTS = [
    "", "true", "FALSE", "null", "0", "127", "128", "-129", "32768", "2147483648", "9223372036854775808", "1.5",
    "0.1", "1e3", "1.0", "3.4028235E39", "12.340", "abc", "  12  ", "a b", "[1,2,3]", '[1,"a"]', '{"a":1,"b":2}',
    '{"a":1', "2024-02-29", "13:45:30.123Z", "2024-01-02T03:04:05.678Z", "2024-01-02T03:04:05Z", '"quoted"', "[]",
    "{}", "-0", "+5", "1,2",
]  # fmt: skip
KAFKA_HEADER_BUGS = {
    "null": "Kafka (4.1.1, 4.3.1) throws NullPointerException; we return (None, None)",
    '[1,"a"]': "mixed arrays have no element schema, and a Python int carries no INT8 width to describe",
}


@pytest.mark.parametrize("text", HEADER_INPUTS)
def test_simple_header_converter_reads_like_kafka(oracle: Oracle, text: str) -> None:
    if text in KAFKA_HEADER_BUGS:
        pytest.xfail(KAFKA_HEADER_BUGS[text])
    key = "h:" + _b64(text.encode())
    expected = oracle.reads[(key, "hdr")]
    result = SimpleHeaderConverter().to_connect_header("topic", "h", text.encode())
    assert describe(result.schema, result.value) == base64.b64decode(expected).decode()
