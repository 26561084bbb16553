"""ExtractField: V1 and V2 (nested) paths."""

from __future__ import annotations

import pytest

from connect_core.api.errors import ConfigError, DataError
from connect_core.api.schema import STRING_SCHEMA, Schema, SchemaBuilder
from connect_core.api.struct import Struct
from connect_core.transforms.extract_field import ExtractField, parse_field_path
from tests.unit.transforms._records import source


def _extract(cls: type[ExtractField] = ExtractField.Value, **configs: str) -> ExtractField:
    xform = cls()
    xform.configure(configs)
    return xform


def test_schemaless_extracts_top_level_field_and_missing_is_null() -> None:
    assert _extract(field="a").apply(source({"a": 1})).value == 1
    assert _extract(field="z").apply(source({"a": 1})).value is None


def test_v2_path_reaches_nested_map_and_backticks_keep_dots() -> None:
    xform = _extract(field="`a.b`.c", **{"field.syntax.version": "v2"})
    assert xform.apply(source({"a.b": {"c": 3}})).value == 3


def test_struct_extraction_uses_the_field_schema() -> None:
    inner = SchemaBuilder.struct().field("c", Schema.INT32_SCHEMA).build()
    schema = SchemaBuilder.struct().field("a", inner).build()
    value = Struct(schema).put("a", Struct(inner).put("c", 3))
    out = _extract(field="a.c", **{"field.syntax.version": "V2"}).apply(source(value, schema))
    assert out.value == 3 and out.value_schema == Schema.INT32_SCHEMA


def test_unknown_struct_field_fails() -> None:
    schema = SchemaBuilder.struct().field("a", Schema.INT32_SCHEMA).build()
    with pytest.raises(DataError, match="Unknown field: b"):
        _extract(field="b").apply(source(Struct(schema).put("a", 1), schema))


def test_tombstone_extracts_null_with_the_field_schema() -> None:
    schema = SchemaBuilder.struct().field("a", Schema.OPTIONAL_INT32_SCHEMA).optional().build()
    out = _extract(field="a").apply(source(None, schema))
    assert out.value is None and out.value_schema == Schema.OPTIONAL_INT32_SCHEMA


def test_key_variant_extracts_from_the_key() -> None:
    assert _extract(ExtractField.Key, field="id").apply(source("v", key={"id": 7})).key == 7


def test_bad_syntax_version_is_a_config_error_naming_the_key() -> None:
    with pytest.raises(ConfigError, match="for configuration field.syntax.version"):
        _extract(field="a", **{"field.syntax.version": "V3"})


@pytest.mark.parametrize(("path", "steps"), [
    ("a.b.c", ("a", "b", "c")),
    ("`a.b`.c", ("a.b", "c")),
    ("`x\\`y`", ("x\\`y",)),  # a backtick not before a dot is part of the name, backslash and all
    ("`a\\`.b`", ("a`.b",)),  # an escaped backtick before a dot is a backtick of the name
    ("`a`b`.c", ("a`b", "c")),
    ("``.x", ("", "x")),
    ("a.", ("a", "")),
    (".a", ("", "a")),
])  # fmt: skip
def test_v2_paths_split_as_kafka_single_field_path(path: str, steps: tuple[str, ...]) -> None:
    """Kafka 4.3.1 SingleFieldPath's steps (tests/compat extract_v2_* cases run the same paths on the jar)."""
    assert parse_field_path(path, "V2") == steps
    assert parse_field_path(path, "v1") == (path,)


@pytest.mark.parametrize("path", ["`a.b", "`a\\`"])
def test_v2_incomplete_backticks_are_config_errors(path: str) -> None:
    with pytest.raises(ConfigError, match=r"Incomplete backtick pair in path: \[.*\], consider adding a backslash"):
        parse_field_path(path, "V2")


def test_v2_steps_through_a_non_map_or_non_struct_fail_like_kafka() -> None:
    xform = ExtractField.Value()
    xform.configure({"field": "a.b", "field.syntax.version": "V2"})
    with pytest.raises(DataError, match=r"Only Map objects supported .*\[nested field access\], found: java.lang.Str"):
        xform.apply(source({"a": "text"}))
    schema = SchemaBuilder.struct().field("a", STRING_SCHEMA).build()
    with pytest.raises(DataError, match="Cannot look up fields on non-struct type"):
        xform.apply(source(Struct(schema).put("a", "x"), schema))
