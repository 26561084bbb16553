from __future__ import annotations

import pytest

from connect_core.api.errors import DataError
from connect_core.api.schema import INT32_SCHEMA, OPTIONAL_STRING_SCHEMA, SchemaBuilder
from connect_core.api.struct import Struct

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
