"""jcustenborder's SMTs (parity with the jar: tests/compat/test_transform_packs_compat.py); TimestampNow here only."""

from __future__ import annotations

import pytest

from connect_core.api.errors import ConfigError, DataError
from connect_core.api.schema import Schema, SchemaBuilder
from connect_core.api.struct import Struct
from connect_core.transforms.jcustenborder._base import UnsupportedOperationError, convert_case
from connect_core.transforms.jcustenborder.bytes_to_string import BytesToString
from connect_core.transforms.jcustenborder.change_case import ChangeCase
from connect_core.transforms.jcustenborder.change_topic_case import ChangeTopicCase
from connect_core.transforms.jcustenborder.extract_timestamp import ExtractTimestamp
from connect_core.transforms.jcustenborder.pattern_rename import PatternRename
from connect_core.transforms.jcustenborder.timestamp_now import TimestampNow
from connect_core.transforms.jcustenborder.to_json import ToJSON
from tests.unit.transforms._records import sink, source

SCHEMA = (SchemaBuilder.struct().name("Person").field("firstName", Schema.STRING_SCHEMA)
          .field("raw", Schema.OPTIONAL_BYTES_SCHEMA).field("ts", Schema.INT64_SCHEMA).build())


def _person() -> Struct:
    return Struct(SCHEMA).put("firstName", "Ann").put("raw", b"hi").put("ts", 42)


def _smt(cls: type, **configs: str) -> object:
    smt = cls()
    smt.configure(configs)
    return smt


@pytest.mark.parametrize(("source_fmt", "target", "text", "expected"), [
    ("LOWER_HYPHEN", "UPPER_CAMEL", "user-events", "UserEvents"),
    ("LOWER_HYPHEN", "UPPER_UNDERSCORE", "user-events", "USER_EVENTS"),
    ("LOWER_CAMEL", "LOWER_UNDERSCORE", "firstName", "first_name"),
    ("UPPER_CAMEL", "LOWER_HYPHEN", "HTTPServer", "h-t-t-p-server"),
    ("LOWER_UNDERSCORE", "LOWER_CAMEL", "a__b", "aB"),
    ("UPPER_UNDERSCORE", "UPPER_CAMEL", "ORDER_ID", "OrderId"),
])  # fmt: skip
def test_case_conversion_follows_guava(source_fmt: str, target: str, text: str, expected: str) -> None:
    assert convert_case(source_fmt, target, text) == expected


def test_change_topic_case_and_change_case() -> None:
    out = _smt(ChangeTopicCase, **{"from": "LOWER_HYPHEN", "to": "UPPER_CAMEL"}).apply(source(topic="user-events"))
    assert out.topic == "UserEvents"
    renamed = _smt(ChangeCase.Value, **{"from": "LOWER_CAMEL", "to": "UPPER_UNDERSCORE"}).apply(
        source(_person(), SCHEMA))
    assert [f.name for f in renamed.value_schema.fields] == ["FIRST_NAME", "RAW", "TS"]
    with pytest.raises(ConfigError, match="is not a valid value for CaseFormat"):
        _smt(ChangeTopicCase, **{"from": "camel", "to": "UPPER_CAMEL"})


def test_extract_timestamp_from_struct_and_map() -> None:
    smt = _smt(ExtractTimestamp.Value, **{"field.name": "ts"})
    assert smt.apply(sink(_person(), SCHEMA)).timestamp == 42
    assert smt.apply(sink({"ts": 7})).timestamp == 7
    with pytest.raises(DataError, match="Cannot convert java.lang.String to timestamp."):
        smt.apply(sink({"ts": "x"}))
    with pytest.raises(UnsupportedOperationError):
        smt.apply(sink("text", Schema.STRING_SCHEMA))


def test_timestamp_now_stamps_the_clock() -> None:
    smt = _smt(TimestampNow)
    smt.clock = lambda: 1234  # type: ignore[attr-defined]
    assert smt.apply(source("x", timestamp=1)).timestamp == 1234


def test_bytes_to_string_to_json_and_pattern_rename() -> None:
    decoded = _smt(BytesToString.Value, fields="raw").apply(sink(_person(), SCHEMA))
    assert decoded.value.get("raw") == "hi"
    assert decoded.value_schema.field("raw").schema == Schema.OPTIONAL_STRING_SCHEMA
    text = _smt(ToJSON.Value).apply(sink(_person(), SCHEMA))
    assert text.value == '{"firstName":"Ann","raw":"aGk=","ts":42}'
    assert text.value_schema == Schema.OPTIONAL_STRING_SCHEMA
    with pytest.raises(UnsupportedOperationError, match="INT32 is not a supported type."):
        _smt(ToJSON.Value).apply(sink(5, Schema.INT32_SCHEMA))
    renamed = _smt(PatternRename.Value, **{"field.pattern": "^FIRST", "field.replacement": "given"}).apply(
        sink({"firstName": "Ann"}))
    assert renamed.value == {"givenName": "Ann"}
