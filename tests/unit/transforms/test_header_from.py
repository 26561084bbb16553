"""HeaderFrom: copy/move fields into headers."""

from __future__ import annotations

import pytest

from connect_core.api.errors import ConfigError, DataError
from connect_core.api.header import Headers
from connect_core.api.schema import Schema, SchemaBuilder
from connect_core.api.struct import Struct
from connect_core.transforms.header_from import HeaderFrom
from tests.unit.transforms._records import source


def _hf(cls: type[HeaderFrom] = HeaderFrom.Value, op: str = "copy", **configs: str) -> HeaderFrom:
    xform = cls()
    xform.configure({"fields": "a", "headers": "h", "operation": op, **configs})
    return xform


def test_schemaless_copy_adds_header_and_keeps_field() -> None:
    original = Headers().add("x", "1")
    record = source({"a": 1, "b": 2}, headers=original)
    out = _hf().apply(record)
    assert out.value == {"a": 1, "b": 2}
    assert [(h.key, h.value, h.schema) for h in out.headers] == [("x", "1", None), ("h", 1, None)]
    assert len(record.headers) == 1


def test_struct_move_removes_field_and_header_gets_field_schema() -> None:
    schema = SchemaBuilder.struct().field("a", Schema.INT32_SCHEMA).field("b", Schema.STRING_SCHEMA).build()
    out = _hf(op="move").apply(source(Struct(schema).put("a", 1).put("b", "x"), schema))
    assert [f.name for f in out.value_schema.fields] == ["b"]
    header = out.headers.last_with_name("h")
    assert header.value == 1 and header.schema == Schema.INT32_SCHEMA


def test_tombstone_is_rejected_like_kafka() -> None:
    with pytest.raises(DataError, match=r"\[header copy\], found: null"):
        _hf().apply(source(None))


def test_key_variant_moves_from_the_key() -> None:
    out = _hf(HeaderFrom.Key, op="move").apply(source("v", key={"a": 1}))
    assert out.key == {} and out.headers.last_with_name("h").value == 1


def test_mismatched_list_lengths_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="'fields' config must have the same number of elements as 'headers'"):
        _hf(headers="h1,h2")


def test_unknown_operation_is_a_config_error_naming_the_key() -> None:
    with pytest.raises(ConfigError, match="Invalid value rename for configuration operation"):
        _hf(op="rename")
