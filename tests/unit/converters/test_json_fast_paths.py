"""The JsonConverter's per-schema fast paths must give exactly what the generic paths give, and never hide errors."""

from __future__ import annotations

import pytest

from connect_core.api.errors import DataError
from connect_core.api.schema import SchemaBuilder
from connect_core.api.struct import Struct
from connect_core.converters.json import ENVELOPE_ERROR, JsonConverter

ROW = SchemaBuilder.struct().name("row").field("id", SchemaBuilder.int8().build()).build()
OTHER = SchemaBuilder.struct().name("row").field("id", SchemaBuilder.int16().build()).build()


def _converter() -> JsonConverter:
    converter = JsonConverter()
    converter.configure({}, False)
    return converter


def test_a_record_with_another_schema_after_a_cached_one_is_read_with_its_own_schema() -> None:
    converter = _converter()
    first = converter.from_connect_data("t", ROW, Struct(ROW).put("id", 1))
    second = converter.from_connect_data("t", OTHER, Struct(OTHER).put("id", 300))

    assert converter.to_connect_data("t", first).schema == ROW
    read = converter.to_connect_data("t", second)

    assert read.schema == OTHER and read.value.get("id") == 300


def test_extra_envelope_fields_after_a_cached_schema_still_fail_like_kafka() -> None:
    converter = _converter()
    good = converter.from_connect_data("t", ROW, Struct(ROW).put("id", 1))
    converter.to_connect_data("t", good)

    with pytest.raises(DataError) as failure:
        converter.to_connect_data("t", good[:-1] + b',"extra":1}')

    assert str(failure.value) == ENVELOPE_ERROR


def test_out_of_range_ints_take_kafkas_narrowing_not_the_fast_path() -> None:
    converter = _converter()
    raw = converter.from_connect_data("t", OTHER, Struct(OTHER).put("id", 300))
    as_int8 = raw.replace(b'"type":"int16"', b'"type":"int8"')

    assert converter.to_connect_data("t", as_int8).value.get("id") == 44  # (byte) 300, as Jackson + Kafka read it


def test_bools_are_not_ints_on_the_write_fast_path() -> None:
    converter = _converter()
    struct = Struct(ROW)
    struct.values()[0] = True  # bypasses put's validation, as a buggy SMT could

    with pytest.raises(DataError):
        converter.from_connect_data("t", ROW, struct)
