"""Formats: JSON as JsonConverter (schemas.enable=false) writes it, ByteArray with separators, gzip."""

from __future__ import annotations

import datetime as dt
import decimal
import gzip

import pytest

from connect_core.api.data_json import to_json_text as to_json
from connect_core.api.errors import DataError
from connect_core.api.logical import Date, Decimal, Timestamp
from connect_core.api.record import SinkRecord
from connect_core.api.schema import SchemaBuilder
from connect_core.api.struct import Struct
from connect_core.connectors.s3._format import RecordFormat

PRICE = Decimal.schema(2)
SCHEMA = (SchemaBuilder.struct().field("id", SchemaBuilder.int64().build())
          .field("name", SchemaBuilder.string().optional().build())
          .field("price", PRICE).field("day", Date.schema()).field("at", Timestamp.schema())
          .field("raw", SchemaBuilder.bytes().build())
          .field("tags", SchemaBuilder.map(SchemaBuilder.int32().build(), SchemaBuilder.string().build()).build())
          .build())


def _struct() -> Struct:
    return (Struct(SCHEMA).put("id", 1).put("name", "é").put("price", decimal.Decimal("12.34"))
            .put("day", dt.date(1970, 1, 3)).put("at", dt.datetime(1970, 1, 1, 0, 0, 1, tzinfo=dt.UTC))
            .put("raw", b"\x00\x01").put("tags", {1: "a"}))


def _record(value: object, schema: object = None, key: object = None) -> SinkRecord:
    return SinkRecord("t", 0, None, key, schema, value, 0)  # type: ignore[arg-type]


def test_struct_json_matches_json_converter_without_schemas() -> None:
    assert to_json(SCHEMA, _struct()) == (
        '{"id":1,"name":"é","price":"BNI=","day":2,"at":1000,"raw":"AAE=","tags":[[1,"a"]]}')


def test_decimal_numeric() -> None:
    assert to_json(PRICE, decimal.Decimal("12.34"), decimal_format="NUMERIC") == "12.34"


def test_schemaless_values() -> None:
    assert to_json(None, {"a": [1, 2.5, None, True], "b": b"hi"}) == '{"a":[1,2.5,null,true],"b":"aGk="}'
    assert to_json(None, "x\n") == '"x\\n"'


def test_json_lines_with_gzip_and_extension() -> None:
    fmt = RecordFormat("json", "value", compression="gzip")
    assert fmt.extension == ".json.gz"
    body = gzip.decompress(fmt.encode([_record({"a": 1}), _record("s")]))
    assert body == b'{"a":1}\n"s"\n'


def test_key_and_header_views() -> None:
    record = _record({"a": 1}, key="k1")
    record.headers.add("h", "v")
    keys = RecordFormat("json", "key")
    headers = RecordFormat("json", "headers")
    assert (keys.extension, headers.extension) == (".keys.json", ".headers.json")
    assert keys.encode([record]) == b'"k1"\n'
    assert headers.encode([record]) == b'{"headers":[{"key":"h","value":"v"}]}\n'


def test_bytearray_with_custom_separator_and_extension() -> None:
    fmt = RecordFormat("bytearray", "value", bytearray_extension=".dat", separator="\\r\\n")
    assert fmt.extension == ".dat"
    assert fmt.encode([_record(b"a"), _record(b"b")]) == b"a\r\nb\r\n"
    assert RecordFormat("bytearray", "value").encode([_record(b"a")]) == b"a\n"


def test_bytearray_rejects_non_bytes() -> None:
    with pytest.raises(DataError):
        RecordFormat("bytearray", "value").encode([_record({"a": 1})])
