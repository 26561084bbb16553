"""ValueToKey: key built from value fields."""

from __future__ import annotations

import pytest

from connect_core.api.errors import ConfigError, DataError
from connect_core.api.schema import Schema, SchemaBuilder
from connect_core.api.struct import Struct
from connect_core.transforms.value_to_key import ValueToKey
from tests.unit.transforms._records import source


def _v2k(fields: str = "a,b") -> ValueToKey:
    xform = ValueToKey()
    xform.configure({"fields": fields})
    return xform


def test_schemaless_key_is_a_map_of_listed_fields() -> None:
    out = _v2k("a,b,z").apply(source({"a": 1, "b": 2, "c": 3}))
    assert out.key == {"a": 1, "b": 2, "z": None} and out.key_schema is None


def test_struct_key_uses_field_schemas_in_list_order() -> None:
    schema = (SchemaBuilder.struct().field("a", Schema.INT32_SCHEMA).field("b", Schema.STRING_SCHEMA)
              .field("c", Schema.INT64_SCHEMA).build())
    out = _v2k("b,a").apply(source(Struct(schema).put("a", 1).put("b", "x").put("c", 3), schema))
    assert [f.name for f in out.key_schema.fields] == ["b", "a"]
    assert out.key.get("a") == 1 and out.key.get("b") == "x"


def test_missing_struct_field_is_a_data_error() -> None:
    schema = SchemaBuilder.struct().field("a", Schema.INT32_SCHEMA).build()
    with pytest.raises(DataError, match="Field does not exist: b"):
        _v2k().apply(source(Struct(schema).put("a", 1), schema))


def test_tombstone_value_is_rejected_like_kafka() -> None:
    with pytest.raises(DataError, match=r"copying fields from value to key\], found: null"):
        _v2k().apply(source(None))


def test_empty_fields_is_a_config_error_naming_the_key() -> None:
    with pytest.raises(ConfigError, match="Configuration 'fields' must not be empty. Valid values include: any"):
        ValueToKey().configure({"fields": ""})
