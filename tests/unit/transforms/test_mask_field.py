"""MaskField: type-appropriate empty values or a replacement."""

from __future__ import annotations

import pytest

from connect_core.api.errors import ConfigError, DataError
from connect_core.api.schema import Schema, SchemaBuilder
from connect_core.api.struct import Struct
from connect_core.transforms.mask_field import MaskField
from tests.unit.transforms._records import source


def _mask(cls: type[MaskField] = MaskField.Value, **configs: str) -> MaskField:
    xform = cls()
    xform.configure(configs)
    return xform


def test_schemaless_fields_get_empty_values_of_their_type() -> None:
    value = {"i": 5, "s": "x", "b": True, "f": 1.5, "l": [1], "m": {"a": 1}, "n": None, "keep": 9}
    out = _mask(fields="i,s,b,f,l,m,n").apply(source(value))
    assert out.value == {"i": 0, "s": "", "b": False, "f": 0.0, "l": [], "m": {}, "n": None, "keep": 9}


def test_struct_fields_use_replacement_parsed_to_field_type() -> None:
    schema = SchemaBuilder.struct().field("i", Schema.INT8_SCHEMA).field("s", Schema.STRING_SCHEMA).build()
    out = _mask(fields="i,s", replacement="12").apply(source(Struct(schema).put("i", 5).put("s", "x"), schema))
    assert out.value.get("i") == 12 and out.value.get("s") == "12" and out.value_schema is schema


def test_replacement_not_numeric_for_number_is_a_data_error() -> None:
    with pytest.raises(DataError, match=r"^Unable to convert \*\*\* \(class java.lang.String\) to a number$"):
        _mask(fields="i", replacement="***").apply(source({"i": 5}))


def test_tombstone_is_rejected_like_kafka() -> None:
    with pytest.raises(DataError, match=r"\[mask fields\], found: null"):
        _mask(fields="a").apply(source(None))


def test_key_variant_masks_the_key() -> None:
    assert _mask(MaskField.Key, fields="a").apply(source("v", key={"a": "secret"})).key == {"a": ""}


def test_empty_replacement_is_a_config_error_naming_the_key() -> None:
    with pytest.raises(ConfigError, match="for configuration replacement: String must be non-empty"):
        _mask(fields="a", replacement="")


def test_numeric_replacement_follows_values_convert_semantics() -> None:
    # Kafka 4.1 parses numeric replacements with Values.convertToX: BigDecimal, truncated, narrowed like Java.
    schema = (SchemaBuilder.struct().field("b", Schema.INT8_SCHEMA).field("l", Schema.INT64_SCHEMA)
              .field("f", Schema.FLOAT32_SCHEMA).build())  # fmt: skip
    value = Struct(schema).put("b", 1).put("l", 2).put("f", 1.0)
    out = _mask(fields="b,l,f", replacement="300.9").apply(source(value, schema)).value
    assert (out.get("b"), out.get("l"), out.get("f")) == (44, 300, pytest.approx(300.9, rel=1e-6))
    assert _mask(fields="i", replacement="-1e3").apply(source({"i": 5})).value == {"i": -1000}


def test_unsupported_types_are_named_like_java_get_class() -> None:
    with pytest.raises(DataError, match=r"^Cannot mask value of type: class \[B$"):
        _mask(fields="b").apply(source({"b": b"x"}))
    with pytest.raises(DataError, match=r"^Cannot mask value of type class java.lang.Boolean with custom replacement"):
        _mask(fields="b", replacement="x").apply(source({"b": True}))
