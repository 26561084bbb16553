"""Shared SMT helpers."""

from __future__ import annotations

import pytest

from connect_core.api.errors import DataError
from connect_core.api.schema import Schema, SchemaBuilder
from connect_core.transforms._util import SchemaCache, require_map, require_struct


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
