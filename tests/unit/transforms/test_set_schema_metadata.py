"""SetSchemaMetadata: rename/re-version schemas."""

from __future__ import annotations

import pytest

from connect_core.api.errors import ConfigError, DataError
from connect_core.api.schema import Schema, SchemaBuilder
from connect_core.api.struct import Struct
from connect_core.transforms.set_schema_metadata import SetSchemaMetadata
from tests.unit.transforms._records import source


def _ssm(cls: type[SetSchemaMetadata] = SetSchemaMetadata.Value, **configs: str) -> SetSchemaMetadata:
    xform = cls()
    xform.configure(configs)
    return xform


def test_struct_value_is_rebuilt_against_the_renamed_schema() -> None:
    schema = SchemaBuilder.struct().name("old").field("a", Schema.INT32_SCHEMA).build()
    out = _ssm(**{"schema.name": "new", "schema.version": "3"}).apply(source(Struct(schema).put("a", 1), schema))
    assert (out.value_schema.name, out.value_schema.version) == ("new", 3)
    assert out.value.schema is out.value_schema and out.value.get("a") == 1


def test_primitive_value_keeps_its_value() -> None:
    out = _ssm(**{"schema.version": "2"}).apply(source("x", Schema.STRING_SCHEMA))
    assert out.value == "x" and out.value_schema.version == 2


def test_schemaless_value_requires_a_schema() -> None:
    with pytest.raises(DataError, match=r"Schema required for \[updating schema metadata\]"):
        _ssm(**{"schema.name": "n"}).apply(source({"a": 1}))


def test_schemaless_tombstone_passes_through_unchanged() -> None:
    record = source(None)
    assert _ssm(**{"schema.name": "n"}).apply(record) is record


def test_key_variant_renames_the_key_schema() -> None:
    out = _ssm(SetSchemaMetadata.Key, **{"schema.name": "k"}).apply(source("v", key=1, key_schema=Schema.INT32_SCHEMA))
    assert out.key_schema.name == "k" and out.key == 1


def test_neither_name_nor_version_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="Neither schema name nor version configured"):
        _ssm()


def test_non_integer_version_is_a_config_error_naming_the_key() -> None:
    with pytest.raises(ConfigError, match="for configuration schema.version"):
        _ssm(**{"schema.version": "x"})
