"""ReplaceField: include/exclude/renames."""

from __future__ import annotations

import pytest

from connect_core.api.errors import ConfigError
from connect_core.api.schema import Schema, SchemaBuilder
from connect_core.api.struct import Struct
from connect_core.transforms.replace_field import ReplaceField
from tests.unit.transforms._records import source


def _replace(cls: type[ReplaceField] = ReplaceField.Value, **configs: str) -> ReplaceField:
    xform = cls()
    xform.configure(configs)
    return xform


def test_schemaless_exclude_wins_over_include_and_renames_apply_after() -> None:
    xform = _replace(exclude="dont", include="abc,foo,dont", renames="abc:xyz,foo:bar")
    assert xform.apply(source({"dont": 1, "abc": 2, "foo": 3, "etc": 4})).value == {"xyz": 2, "bar": 3}


def test_struct_schema_keeps_order_and_renames_fields() -> None:
    schema = (SchemaBuilder.struct().name("r").field("dont", Schema.STRING_SCHEMA)
              .field("abc", Schema.INT32_SCHEMA).field("foo", Schema.BOOLEAN_SCHEMA).build())
    value = Struct(schema).put("dont", "x").put("abc", 1).put("foo", True)
    out = _replace(exclude="dont", renames="abc:xyz").apply(source(value, schema))
    assert [f.name for f in out.value_schema.fields] == ["xyz", "foo"] and out.value_schema.name == "r"
    assert out.value.get("xyz") == 1 and out.value.get("foo") is True


def test_tombstone_passes_through_unchanged() -> None:
    record = source(None)
    assert _replace(exclude="a").apply(record) is record


def test_key_variant_rewrites_the_key() -> None:
    out = _replace(ReplaceField.Key, renames="a:b").apply(source("v", key={"a": 1}))
    assert out.key == {"b": 1}


def test_malformed_rename_is_a_config_error_naming_renames() -> None:
    with pytest.raises(ConfigError, match="for configuration renames: Invalid rename mapping: a"):
        _replace(renames="a")


def test_removed_blacklist_key_is_ignored_in_kafka_4() -> None:
    assert _replace(blacklist="a").apply(source({"a": 1})).value == {"a": 1}
