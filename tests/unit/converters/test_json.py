"""JsonConverter unit tests; the byte vectors were printed by Kafka 4.1.1 (tests/compat/JsonOracle.java)."""

from __future__ import annotations

import datetime as dt
import decimal
import math

import pytest

from connect_core.api.errors import ConfigError, DataError
from connect_core.api.logical import Date, Decimal, Time, Timestamp
from connect_core.api.schema import (
    FLOAT32_SCHEMA,
    FLOAT64_SCHEMA,
    INT8_SCHEMA,
    INT32_SCHEMA,
    OPTIONAL_INT32_SCHEMA,
    OPTIONAL_STRING_SCHEMA,
    STRING_SCHEMA,
    Schema,
    SchemaBuilder,
)
from connect_core.api.struct import Struct
from connect_core.converters.json import ENVELOPE_ERROR, JsonConverter


def _conv(**props: str) -> JsonConverter:
    conv = JsonConverter()
    conv.configure({k.replace("_", "."): v for k, v in props.items()}, False)
    return conv


ADDRESS = SchemaBuilder.struct().name("com.acme.Address").field("street", STRING_SCHEMA).build()
USER = (
    SchemaBuilder.struct()
    .name("com.acme.User")
    .field("id", INT32_SCHEMA)
    .field("name", OPTIONAL_STRING_SCHEMA)
    .field("score", SchemaBuilder.float64().default_value(1.5))
    .field("address", ADDRESS)
    .build()
)


def test_struct_envelope_matches_kafka_bytes() -> None:
    value = Struct(USER).put("id", 1).put("address", Struct(ADDRESS).put("street", "Main"))
    expected = (
        '{"schema":{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"},'
        '{"type":"string","optional":true,"field":"name"},'
        '{"type":"double","optional":false,"default":1.5,"field":"score"},'
        '{"type":"struct","fields":[{"type":"string","optional":false,"field":"street"}],"optional":false,'
        '"name":"com.acme.Address","field":"address"}],"optional":false,"name":"com.acme.User"},'
        '"payload":{"id":1,"name":null,"score":1.5,"address":{"street":"Main"}}}'
    )
    assert _conv().from_connect_data("t", USER, value) == expected.encode()


def test_schema_metadata_key_order_matches_kafka() -> None:
    schema = (
        SchemaBuilder.int32()
        .name("com.acme.Id")
        .version(3)
        .doc("the id")
        .parameter("a", "1")
        .parameter("b", 'x"y')
        .optional()
        .default_value(5)
        .build()
    )
    assert _conv().from_connect_data("t", schema, 9) == (
        b'{"schema":{"type":"int32","optional":true,"name":"com.acme.Id","version":3,"doc":"the id",'
        b'"parameters":{"a":"1","b":"x\\"y"},"default":5},"payload":9}'
    )


@pytest.mark.parametrize(
    ("schema", "value", "expected"),
    [
        (FLOAT64_SCHEMA, 1.0, b"1.0"),
        (FLOAT64_SCHEMA, 1e10, b"1.0E10"),
        (FLOAT64_SCHEMA, 9.99e-4, b"9.99E-4"),
        (FLOAT64_SCHEMA, 1234567.0, b"1234567.0"),
        (FLOAT64_SCHEMA, 123456789.0, b"1.23456789E8"),
        (FLOAT64_SCHEMA, -0.0, b"-0.0"),
        (FLOAT64_SCHEMA, 5e-324, b"4.9E-324"),
        (FLOAT64_SCHEMA, math.nan, b'"NaN"'),
        (FLOAT64_SCHEMA, -math.inf, b'"-Infinity"'),
        (FLOAT32_SCHEMA, 0.1, b"0.1"),
        (FLOAT32_SCHEMA, 16777217.0, b"1.6777216E7"),
        (FLOAT32_SCHEMA, 2.0 / 3.0, b"0.6666667"),
        (FLOAT32_SCHEMA, 1.4e-45, b"1.4E-45"),
        (STRING_SCHEMA, "c\x01\x1f😀é\u2028", '"c\\u0001\\u001F\\uD83D\\uDE00é\u2028"'.encode()),
        (Schema.BYTES_SCHEMA, b"\x00\x01\x02\xfe\xff", b'"AAEC/v8="'),
        (SchemaBuilder.map(INT32_SCHEMA, STRING_SCHEMA).build(), {1: "one", 2: "two"}, b'[[1,"one"],[2,"two"]]'),
        (SchemaBuilder.map(INT32_SCHEMA, STRING_SCHEMA).build(), {}, b"[]"),
        (Decimal.schema(2), decimal.Decimal("12.34"), b'"BNI="'),
        (Date.schema(), dt.date(2024, 2, 29), b"19782"),
        (Time.schema(), dt.time(13, 45, 30, 123000), b"49530123"),
        (Timestamp.schema(), dt.datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=dt.UTC), b"1704164645678"),
        (None, {"b": 1, "a": [1, 2.0]}, b'{"b":1,"a":[1,2.0]}'),
        (None, {1: "a", "b": 2}, b'[[1,"a"],["b",2]]'),
        (None, b"\x01\x02\x03", b'"AQID"'),
        (OPTIONAL_STRING_SCHEMA, None, b"null"),
    ],
)
def test_payload_formats_match_kafka(schema: Schema | None, value: object, expected: bytes) -> None:
    assert _conv(schemas_enable="false").from_connect_data("t", schema, value) == expected


def test_decimal_numeric_format_uses_big_decimal_to_string() -> None:
    conv = _conv(schemas_enable="false", decimal_format="numeric")
    assert conv.from_connect_data("t", Decimal.schema(7), decimal.Decimal("0.0000001")) == b"1E-7"
    assert conv.from_connect_data("t", Decimal.schema(-2), decimal.Decimal("12E+2")) == b"1.2E+3"
    assert conv.from_connect_data("t", Decimal.schema(2), decimal.Decimal("0.00")) == b"0.00"


def test_tombstone_only_when_schema_and_value_are_null() -> None:
    assert _conv().from_connect_data("t", None, None) is None
    assert _conv(schemas_enable="false").from_connect_data("t", None, None) is None
    assert _conv().from_connect_data("t", OPTIONAL_STRING_SCHEMA, None) == (
        b'{"schema":{"type":"string","optional":true},"payload":null}'
    )


def test_null_uses_default_unless_disabled() -> None:
    schema = SchemaBuilder.int32().default_value(42).build()
    assert _conv(schemas_enable="false").from_connect_data("t", schema, None) == b"42"
    with pytest.raises(DataError, match="Conversion error: null value for field that is required"):
        _conv(schemas_enable="false", replace_null_with_default="false").from_connect_data("t", schema, None)


def test_schemaless_decimal_is_rejected_like_kafka() -> None:
    with pytest.raises(DataError, match="Java class class java.math.BigDecimal does not have corresponding"):
        _conv().from_connect_data("t", None, decimal.Decimal("1.5"))


def test_round_trip_with_envelope() -> None:
    value = (
        Struct(USER)
        .put("id", 7)
        .put("name", "Ann")
        .put("score", 2.0)
        .put("address", Struct(ADDRESS).put("street", "x"))
    )
    conv = _conv()
    result = conv.to_connect_data("t", conv.from_connect_data("t", USER, value))
    assert result.schema == USER
    assert result.value == value


@pytest.mark.parametrize(
    "data", [b'{"schema":null}', b'{"payload":1}', b'{"schema":null,"payload":1,"x":2}', b"[1,2]", b"5"]
)
def test_envelope_errors_use_kafka_message(data: bytes) -> None:
    with pytest.raises(DataError) as err:
        _conv().to_connect_data("t", data)
    assert str(err.value) == ENVELOPE_ERROR


def test_invalid_json_error_matches_kafka() -> None:
    with pytest.raises(DataError) as err:
        _conv().to_connect_data("t", b'{"schema":')
    assert str(err.value) == "Converting byte[] to Kafka Connect data failed due to serialization error: "


def test_schemaless_read_infers_int64_and_float64() -> None:
    result = _conv(schemas_enable="false").to_connect_data("t", b'{"a":[1,1.5,null,true],"b":12345678901234567890}')
    assert result.schema is None
    assert result.value == {"a": [1, 1.5, None, True], "b": -6101065172474983726}  # Kafka wraps to a long


def test_read_applies_jackson_coercions() -> None:
    conv = _conv()
    assert conv.to_connect_data("t", b'{"schema":{"type":"int32","optional":false},"payload":"x"}').value == 0
    assert conv.to_connect_data("t", b'{"schema":{"type":"int32","optional":false},"payload":1.7}').value == 1
    assert conv.to_connect_data("t", b'{"schema":{"type":"double","optional":false},"payload":"NaN"}').value == 0.0
    assert conv.to_connect_data("t", b'{"schema":{"type":"int8","optional":false},"payload":300}').value == 44


def test_read_decimal_accepts_number_and_base64() -> None:
    schema = (
        b'{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,'
        b'"parameters":{"scale":"2"}}'
    )
    conv = _conv()
    assert conv.to_connect_data("t", b'{"schema":' + schema + b',"payload":12.3}').value == decimal.Decimal("12.3")
    assert conv.to_connect_data("t", b'{"schema":' + schema + b',"payload":"BNI="}').value == decimal.Decimal("12.34")


def test_read_schema_errors_match_kafka() -> None:
    conv = _conv()
    with pytest.raises(DataError, match="Unknown schema type: nope"):
        conv.to_connect_data("t", b'{"schema":{"type":"nope"},"payload":1}')
    with pytest.raises(DataError, match="Schema must contain 'type' field"):
        conv.to_connect_data("t", b'{"schema":{"optional":false},"payload":1}')
    with pytest.raises(DataError, match="Invalid null value for required INT32 field"):
        conv.to_connect_data("t", b'{"schema":{"type":"int32","optional":"true"},"payload":null}')
    with pytest.raises(DataError, match="Schema parameters must have string values."):
        conv.to_connect_data("t", b'{"schema":{"type":"int32","parameters":{"a":1}},"payload":1}')


def test_null_bytes_read_as_null() -> None:
    result = _conv().to_connect_data("t", None)
    assert (result.schema, result.value) == (None, None)


def test_works_as_header_converter() -> None:
    conv = JsonConverter()
    conv.configure({"schemas.enable": "false"})
    assert conv.config.converter_type == "header"
    assert conv.from_connect_header("t", "h", INT8_SCHEMA, 5) == b"5"
    assert conv.to_connect_header("t", "h", b"5").value == 5


def test_schema_cache_is_bounded() -> None:
    conv = _conv(schemas_cache_size="2")
    for i in range(5):
        conv.from_connect_data("t", SchemaBuilder.int32().version(i + 1).build(), 1)
    assert len(conv._schema_cache) == 2


def test_bad_config_names_the_key() -> None:
    with pytest.raises(ConfigError, match="for configuration decimal.format"):
        _conv(decimal_format="HEX")
    with pytest.raises(ConfigError, match="for configuration schemas.enable"):
        _conv(schemas_enable="maybe")


def test_optional_int_schema_round_trip_without_envelope() -> None:
    conv = _conv(schemas_enable="false")
    assert conv.from_connect_data("t", OPTIONAL_INT32_SCHEMA, 7) == b"7"


ROW_CONTENT = (
    '{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"},'
    '{"type":"int64","optional":true,"default":7,"field":"n"}],"optional":false}'
)


def test_schema_content_reads_bare_payloads_with_the_configured_schema() -> None:
    """KIP-1054: with ``schema.content`` and schemas.enable, each value is the payload alone (Kafka 4.3.1 oracle)."""
    conv = _conv(schema_content=ROW_CONTENT)
    result = conv.to_connect_data("t", b'{"id":1,"n":null}')
    assert result.schema is not None and [f.name for f in result.schema.fields] == ["id", "n"]
    assert result.value == Struct(result.schema).put("id", 1).put("n", 7)  # the null takes the default
    assert conv.to_connect_values([b'{"id":2}', None])[0][1].get("id") == 2
    # an envelope is read as a payload of the configured schema, not unwrapped
    with pytest.raises(DataError, match="Invalid null value for required INT32 field"):
        conv.to_connect_data("t", b'{"schema":null,"payload":{"id":1}}')
    assert conv.from_connect_data("t", INT32_SCHEMA, 5) == b'{"schema":{"type":"int32","optional":false},"payload":5}'


def test_schema_content_is_ignored_without_schemas_but_still_checked() -> None:
    assert _conv(schemas_enable="false", schema_content=ROW_CONTENT).to_connect_data("t", b"5").value == 5
    for blank in ("", " ", "null"):  # no schema: envelopes as before
        assert _conv(schema_content=blank).to_connect_data("t", b'{"schema":null,"payload":3}').value == 3
    with pytest.raises(ConfigError, match="for configuration schema.content: Unknown schema type: nope"):
        _conv(schemas_enable="false", schema_content='{"type":"nope"}')
    with pytest.raises(ConfigError, match="Failed to parse schema in converter config due to serialization error"):
        _conv(schema_content='{"type":')
