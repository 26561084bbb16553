"""InsertField: metadata and static fields into maps and structs."""

from __future__ import annotations

import datetime as dt

import pytest

from connect_core.api.errors import ConfigError, DataError
from connect_core.api.logical import Timestamp
from connect_core.api.schema import Schema, SchemaBuilder
from connect_core.api.struct import Struct
from connect_core.transforms.insert_field import InsertField
from tests.unit.transforms._records import sink, source

ALL = {"topic.field": "topic_field!", "partition.field": "partition_field", "offset.field": "offset_field!",
       "timestamp.field": "timestamp_field?", "static.field": "instance_id", "static.value": "my-instance-id"}


def _insert(cls: type[InsertField] = InsertField.Value, **configs: str) -> InsertField:
    xform = cls()
    xform.configure(configs or ALL)
    return xform


def test_schemaless_inserts_metadata_as_plain_values() -> None:
    out = _insert().apply(sink({"magic": 42}, offset=7, timestamp=1000))
    assert out.value == {"magic": 42, "topic_field": "test", "partition_field": 0, "offset_field": 7,
                         "timestamp_field": 1000, "instance_id": "my-instance-id"}


def test_struct_gets_fields_with_suffix_driven_optionality() -> None:
    schema = SchemaBuilder.struct().name("name").version(1).field("magic", Schema.INT64_SCHEMA).build()
    out = _insert().apply(sink(Struct(schema).put("magic", 42), schema, offset=7, timestamp=1000))
    s = out.value_schema
    assert (s.name, s.version) == ("name", 1)
    assert [f.name for f in s.fields] == ["magic", "topic_field", "partition_field", "offset_field",
                                          "timestamp_field", "instance_id"]
    assert s.field("topic_field").schema == Schema.STRING_SCHEMA
    assert s.field("partition_field").schema == Schema.OPTIONAL_INT32_SCHEMA
    assert s.field("offset_field").schema == Schema.INT64_SCHEMA
    assert s.field("timestamp_field").schema == Timestamp.builder().optional().build()
    assert out.value.get("timestamp_field") == dt.datetime(1970, 1, 1, 0, 0, 1, tzinfo=dt.UTC)


def test_offset_requires_a_sink_record() -> None:
    with pytest.raises(DataError, match=r"^Only SinkRecord supported for \[field insertion\], found: "
                       r"org.apache.kafka.connect.source.SourceRecord$"):
        _insert(**{"offset.field": "o"}).apply(source({"a": 1}))


def test_null_timestamp_leaves_the_field_unset() -> None:
    assert _insert(**{"timestamp.field": "ts"}).apply(source({"a": 1})).value == {"a": 1}


def test_tombstone_passes_through_unchanged() -> None:
    record = source(None)
    assert _insert().apply(record) is record


def test_key_variant_inserts_into_the_key() -> None:
    out = _insert(InsertField.Key, **{"topic.field": "t"}).apply(source("v", key={"k": 1}))
    assert out.key == {"k": 1, "t": "test"} and out.value == "v"


def test_schemaless_non_map_is_rejected() -> None:
    with pytest.raises(DataError, match=r"Only Map objects supported in absence of schema for \[field insertion\]"):
        _insert(**{"topic.field": "t"}).apply(source("text"))


def test_no_insertion_configured_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="No field insertion configured"):
        InsertField.Value().configure({})


def test_static_field_without_value_names_static_value() -> None:
    with pytest.raises(ConfigError, match="for configuration static.value"):
        InsertField.Value().configure({"static.field": "s"})
