"""Flatten: schemaless maps, structs with optional ancestors, tombstones, Key variant, config."""

from __future__ import annotations

import pytest

from connect_core.api.config import config_keys
from connect_core.api.errors import DataError
from connect_core.api.schema import Schema, SchemaBuilder
from connect_core.api.struct import Struct
from connect_core.transforms.flatten import Flatten
from tests.unit.transforms._records import source


def _flatten(cls: type[Flatten] = Flatten.Value, **configs: str) -> Flatten:
    xform = cls()
    xform.configure(configs)
    return xform


def test_schemaless_nested_maps_are_joined_with_the_delimiter() -> None:
    out = _flatten(delimiter="_").apply(source({"a": {"b": {"c": 1}, "n": None}, "l": [1]}))
    assert out.value == {"a_b_c": 1, "a_n": None, "l": [1]}


def test_struct_fields_under_an_optional_parent_become_optional() -> None:
    inner = SchemaBuilder.struct().field("x", Schema.INT32_SCHEMA).optional().build()
    schema = SchemaBuilder.struct().name("outer").field("in", inner).field("s", Schema.STRING_SCHEMA).build()
    value = Struct(schema).put("in", Struct(inner).put("x", 3)).put("s", "v")
    out = _flatten().apply(source(value, schema))
    assert [f.name for f in out.value_schema.fields] == ["in.x", "s"]
    assert out.value_schema.field("in.x").schema.optional is True
    assert out.value_schema.name == "outer"
    assert out.value.get("in.x") == 3 and out.value.get("s") == "v"


def test_map_field_with_schema_is_rejected() -> None:
    schema = SchemaBuilder.struct().field("m", SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.STRING_SCHEMA)).build()
    with pytest.raises(DataError, match="Flatten transformation does not support MAP for record with schemas"):
        _flatten().apply(source(Struct(schema).put("m", {}), schema))


def test_tombstone_passes_through_unchanged() -> None:
    record = source(None)
    assert _flatten().apply(record) is record


def test_key_variant_flattens_the_key() -> None:
    out = _flatten(Flatten.Key).apply(source("v", key={"a": {"b": 1}}))
    assert out.key == {"a.b": 1} and out.value == "v"


def test_a_null_field_takes_its_default_whatever_replace_null_with_default_says() -> None:
    """Kafka 4.3.1's Flatten declares no ``replace.null.with.default`` (KIP-1040 left it out), so the key is ignored."""
    schema = SchemaBuilder.struct().field("d", SchemaBuilder.int32().optional().default_value(5)).build()
    out = _flatten(**{"replace.null.with.default": "false"}).apply(source(Struct(schema), schema))
    assert out.value.get_without_default("d") == 5
    assert "replace.null.with.default" not in {k["name"] for k in config_keys(Flatten.config_model)}
