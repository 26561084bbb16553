"""Iceberg's type mapping (``SchemaUtils``) and partition transforms, on pyiceberg's types."""

from __future__ import annotations

import pytest

from connect_core.api.schema import SchemaBuilder

pytest.importorskip("pyiceberg")


def test_connect_schema_maps_as_icebergs_schema_utils() -> None:
    from connect_core.connectors.iceberg._types import partition_spec, record_schema

    schema = (SchemaBuilder.struct().field("i8", SchemaBuilder.int8().build())
              .field("l", SchemaBuilder.int64().optional().build())
              .field("ts", SchemaBuilder.int64().name("org.apache.kafka.connect.data.Timestamp").build())
              .field("d", SchemaBuilder.bytes().name("org.apache.kafka.connect.data.Decimal").parameter("scale", "3")
                     .build())
              .field("day", SchemaBuilder.int32().name("org.apache.kafka.connect.data.Date").build())
              .field("tags", SchemaBuilder.array(SchemaBuilder.string().build()).build()).build())
    iceberg = record_schema(schema, None, False)
    assert [(f.name, str(f.field_type), f.required) for f in iceberg.fields] == [
        ("i8", "int", True), ("l", "long", False), ("ts", "timestamptz", True), ("d", "decimal(38, 3)", True),
        ("day", "date", True), ("tags", "list<string>", True)]
    assert all(not f.required for f in record_schema(schema, None, True).fields)  # schema-force-optional
    spec = partition_spec(iceberg, ["hour(ts)", "truncate(d, 10)", "i8", "years(day)"])
    assert [str(f.transform) for f in spec.fields] == ["hour", "truncate[10]", "identity", "year"]


def test_schemaless_values_are_inferred_as_iceberg_infers() -> None:
    from connect_core.connectors.iceberg._types import record_schema

    inferred = record_schema(None, {"a": 1, "b": 1.5, "c": "x", "d": True, "e": None, "f": [1], "g": {"h": 2}},
                             False)
    assert [(f.name, str(f.field_type), f.required) for f in inferred.fields] == [
        ("a", "long", False), ("b", "double", False), ("c", "string", False), ("d", "boolean", False),
        ("f", "list<long>", False), ("g", "struct<7: h: optional long>", False)]
