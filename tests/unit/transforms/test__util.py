"""Shared SMT helpers."""

from __future__ import annotations

import pytest

from connect_core.api.errors import DataError
from connect_core.api.schema import INT32_SCHEMA, OPTIONAL_STRING_SCHEMA, STRING_SCHEMA, Schema, SchemaBuilder
from connect_core.api.struct import Struct
from connect_core.transforms._util import SchemaCache, require_map, require_struct, struct_copier


def test_requirements_name_the_purpose() -> None:
    with pytest.raises(DataError, match=r"Only Map objects supported in absence of schema for \[p\], found: null"):
        require_map(None, "p")
    with pytest.raises(DataError, match=r"Only Struct objects supported for \[p\], found: java.lang.String"):
        require_struct("x", "p")


def test_schema_cache_evicts_least_recently_used() -> None:
    cache = SchemaCache(max_size=2)
    schemas = [SchemaBuilder.int32().name(f"s{i}").build() for i in range(3)]
    cache.put(schemas[0], "a")
    cache.put(schemas[1], "b")
    assert cache.get(schemas[0]) == "a"
    cache.put(schemas[2], "c")
    assert cache.get(schemas[1]) is None and cache.get(schemas[0]) == "a" and len(cache) == 2


def test_schema_cache_finds_equal_schemas_by_content() -> None:
    cache = SchemaCache()
    cache.put(SchemaBuilder.struct().field("a", Schema.INT32_SCHEMA).build(), "x")
    assert cache.get(SchemaBuilder.struct().field("a", Schema.INT32_SCHEMA).build()) == "x"


def test_struct_copier_copies_like_put_and_keeps_kafkas_errors() -> None:
    source = SchemaBuilder.struct().field("a", INT32_SCHEMA).field("b", OPTIONAL_STRING_SCHEMA).build()
    target = SchemaBuilder.struct().field("b", OPTIONAL_STRING_SCHEMA).field("a", INT32_SCHEMA).build()
    copy = struct_copier(source, target, lambda name: name)

    copied = copy(Struct(source).put("a", 1).put("b", "x"), False)
    assert copied == Struct(target).put("b", "x").put("a", 1)

    unset = Struct(source)  # "a" is required and unset: put's error, as Kafka's SMTs raise it
    with pytest.raises(DataError, match="null used for required field"):
        copy(unset, False)


def test_struct_copier_validates_fields_whose_schema_changed() -> None:
    source = SchemaBuilder.struct().field("a", INT32_SCHEMA).build()
    target = SchemaBuilder.struct().field("a", STRING_SCHEMA).build()
    copy = struct_copier(source, target, lambda name: name)

    with pytest.raises(DataError):
        copy(Struct(source).put("a", 1), False)
