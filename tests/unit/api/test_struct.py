from __future__ import annotations

from typing import Any

import pytest

from connect_core.api.errors import DataError
from connect_core.api.schema import INT32_SCHEMA, OPTIONAL_STRING_SCHEMA, STRING_SCHEMA, SchemaBuilder
from connect_core.api.struct import Struct, StructLists

SCHEMA = (
    SchemaBuilder.struct()
    .field("id", INT32_SCHEMA)
    .field("name", OPTIONAL_STRING_SCHEMA)
    .field("level", SchemaBuilder.int32().default_value(3))
    .build()
)


def test_put_validates_and_get_returns_value() -> None:
    struct = Struct(SCHEMA).put("id", 1).put("name", "a")
    assert struct.get("id") == 1
    assert struct.get(SCHEMA.field("name")) == "a"  # type: ignore[arg-type]
    with pytest.raises(DataError):
        struct.put("id", "x")


def test_get_returns_default_but_get_without_default_does_not() -> None:
    struct = Struct(SCHEMA)
    assert struct.get("level") == 3
    assert struct.get_without_default("level") is None


def test_unknown_field_is_rejected() -> None:
    with pytest.raises(DataError, match="nope is not a valid field name"):
        Struct(SCHEMA).get("nope")


def test_validate_requires_fields_without_default() -> None:
    with pytest.raises(DataError, match='field: "id"'):
        Struct(SCHEMA).validate()
    Struct(SCHEMA).put("id", 1).validate()


def test_non_struct_schema_is_rejected() -> None:
    with pytest.raises(DataError, match="Not a struct schema"):
        Struct(INT32_SCHEMA)


def test_equality_and_repr() -> None:
    a = Struct(SCHEMA).put("id", 1)
    assert a == Struct(SCHEMA).put("id", 1)
    assert a != Struct(SCHEMA).put("id", 2)
    assert repr(a) == "Struct{id=1}"
    assert hash(a) == hash(Struct(SCHEMA).put("id", 1))


def test_struct_lists_stand_for_structs_made_when_read() -> None:
    row = SchemaBuilder.struct().name("row").optional().field("id", INT32_SCHEMA).build()
    envelope = SchemaBuilder.struct().name("env").field("before", row).field("after", row).field(
        "op", STRING_SCHEMA).build()
    after = [1]
    lists: list[list[Any] | None] = [[None, after, "c"], None]
    values = StructLists(envelope, lists)
    first = values[0]
    assert isinstance(first, Struct) and first.schema is envelope and values[1] is None and len(values) == 2
    assert first.get("before") is None and first.get("op") == "c"
    nested = first.get("after")
    assert isinstance(nested, Struct) and nested.schema is row and nested.get("id") == 1
    assert list(values) == [first, None] and values[0:1] == [first] and values[-2] == first
    assert values[0] is not first and lists[0] == [None, after, "c"]  # made afresh; the lists stay lists
    lists.append([[2], None, "d"])  # the run's own list: the values grow with it
    assert len(values) == 3 and values[2].get("before").get("id") == 2  # type: ignore[union-attr]
