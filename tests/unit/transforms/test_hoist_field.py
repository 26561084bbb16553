"""HoistField: wrap values in a struct/map."""

from __future__ import annotations

import pytest

from connect_core.api.errors import ConfigError, DataError
from connect_core.api.schema import Schema
from connect_core.transforms.hoist_field import HoistField
from tests.unit.transforms._records import source


def _hoist(cls: type[HoistField] = HoistField.Value) -> HoistField:
    xform = cls()
    xform.configure({"field": "f"})
    return xform


def test_schemaless_value_is_wrapped_in_a_map() -> None:
    assert _hoist().apply(source(42)).value == {"f": 42}


def test_schema_value_is_wrapped_in_a_single_field_struct() -> None:
    out = _hoist().apply(source(42, Schema.INT32_SCHEMA))
    assert [f.name for f in out.value_schema.fields] == ["f"]
    assert out.value.get("f") == 42


def test_schemaless_tombstone_is_hoisted_as_null_field() -> None:
    assert _hoist().apply(source(None)).value == {"f": None}


def test_null_with_required_schema_fails_validation() -> None:
    with pytest.raises(DataError):
        _hoist().apply(source(None, Schema.INT32_SCHEMA))


def test_key_variant_hoists_the_key() -> None:
    out = _hoist(HoistField.Key).apply(source("v", key=1))
    assert out.key == {"f": 1} and out.value == "v"


def test_missing_field_is_a_config_error_naming_the_key() -> None:
    with pytest.raises(ConfigError, match='"field"'):
        HoistField.Value().configure({})
