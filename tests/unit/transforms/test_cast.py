"""Cast: schemaless, struct, whole-value, tombstone, Key variant and config errors."""

from __future__ import annotations

import datetime as dt

import pytest

from connect_core.api.errors import ConfigError, DataError
from connect_core.api.logical import Timestamp
from connect_core.api.schema import Schema, SchemaBuilder, Type
from connect_core.api.struct import Struct
from connect_core.transforms.cast import Cast
from tests.unit.transforms._records import source


def _cast(cls: type[Cast], spec: str) -> Cast:
    xform = cls()
    xform.configure({"spec": spec})
    return xform


def test_schemaless_fields_are_cast_with_java_narrowing_and_formatting() -> None:
    out = _cast(Cast.Value, "a:int8,b:string,c:boolean,d:float64,missing:int32").apply(
        source({"a": 300, "b": 1.5e10, "c": "TRUE", "d": "2.5", "keep": 1})
    )
    assert out.value == {"a": 44, "b": "1.5E10", "c": True, "d": 2.5, "missing": None, "keep": 1}


def test_struct_fields_get_new_schema_types_preserving_optionality_and_defaults() -> None:
    schema = (SchemaBuilder.struct().name("rec").field("n", SchemaBuilder.int64().optional().default_value(7).build())
              .field("s", Schema.STRING_SCHEMA).build())
    out = _cast(Cast.Value, "n:string").apply(source(Struct(schema).put("n", 5).put("s", "x"), schema))
    n_schema = out.value_schema.field("n").schema
    assert (n_schema.type, n_schema.optional, n_schema.default_value) == (Type.STRING, True, "7")
    assert out.value_schema.name == "rec"
    assert out.value.get("n") == "5" and out.value.get("s") == "x"


def test_derived_schema_is_cached_per_input_schema() -> None:
    schema = SchemaBuilder.struct().field("n", Schema.INT32_SCHEMA).build()
    xform = _cast(Cast.Value, "n:int64")
    first = xform.apply(source(Struct(schema).put("n", 1), schema))
    second = xform.apply(source(Struct(schema).put("n", 2), schema))
    assert first.value_schema is second.value_schema


def test_whole_value_cast_with_schema_and_logical_timestamp_to_int64() -> None:
    ts_schema = Timestamp.schema()
    out = _cast(Cast.Value, "int64").apply(source(dt.datetime(1970, 1, 1, 0, 0, 1, tzinfo=dt.UTC), ts_schema))
    assert out.value == 1000 and out.value_schema.type is Type.INT64


def test_bytes_cast_to_string_is_base64() -> None:
    out = _cast(Cast.Value, "string").apply(source(b"hi", Schema.BYTES_SCHEMA))
    assert out.value == "aGk="


def test_unparseable_string_reports_out_of_range() -> None:
    with pytest.raises(DataError, match=r"Value \(abc\) was out of range for requested data type"):
        _cast(Cast.Value, "int32").apply(source("abc", Schema.STRING_SCHEMA))


def test_tombstone_passes_through_unchanged() -> None:
    record = source(None, Schema.OPTIONAL_INT32_SCHEMA)
    assert _cast(Cast.Value, "int64").apply(record) is record


def test_key_variant_casts_key_and_keeps_value() -> None:
    out = _cast(Cast.Key, "int16").apply(source({"v": 1}, key=70000))
    assert out.key == 70000 - 65536 and out.value == {"v": 1}


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("", "Must specify at least one field to cast."),
        ("a:bytes", "Cast transformation does not support casting to BYTES"),
        ("a:nope", "^Invalid value java.lang.IllegalArgumentException: No enum constant "
                   "org.apache.kafka.connect.data.Schema.Type.NOPE for configuration Invalid type found in casting "
                   "spec: nope$"),
        ("nope", "No enum constant org.apache.kafka.connect.data.Schema.Type.NOPE for configuration Invalid type "
                 "found in casting spec: nope$"),
        ("int8,a:int8", "may only specify a single cast"),
        ("a:b:c", "Invalid value \\[a:b:c\\] for configuration renames: Invalid rename mapping: a:b:c"),
    ],
)
def test_bad_spec_is_a_config_error(spec: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Cast.Value().configure({"spec": spec})


def test_missing_spec_names_the_key() -> None:
    with pytest.raises(ConfigError, match='Missing required configuration "spec"'):
        Cast.Value().configure({})
