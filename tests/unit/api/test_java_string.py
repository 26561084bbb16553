"""``java_string``: ``String.valueOf`` of Connect values as Kafka's own classes print them (``Struct.toString``,
``AbstractMap``/``AbstractCollection.toString``, ``Double.toString``)."""

from __future__ import annotations

from connect_core.api.java_objects import java_string
from connect_core.api.schema import SchemaBuilder
from connect_core.api.struct import Struct


def test_structs_print_their_set_fields_in_schema_order_without_spaces() -> None:
    inner = SchemaBuilder.struct().field("x", SchemaBuilder.int32().build()).build()
    schema = (SchemaBuilder.struct().field("id", SchemaBuilder.int64().build())
              .field("name", SchemaBuilder.string().optional().build())
              .field("tags", SchemaBuilder.array(SchemaBuilder.string().build()).optional().build())
              .field("inner", inner).build())
    value = Struct(schema).put("id", 7).put("tags", ["a", "b"]).put("inner", Struct(inner).put("x", 1))

    assert java_string(value) == "Struct{id=7,tags=[a, b],inner=Struct{x=1}}"  # the null name left out


def test_scalars_maps_and_lists() -> None:
    # a HashMap's order: String.hashCode 107, 110, 98 in a table of 16 (buckets 11, 14, 2), not insertion order
    assert java_string({"k": 1.0, "n": None, "b": True}) == "{b=true, k=1.0, n=null}"
    assert java_string([1e7, 0.001, b"raw"]) == "[1.0E7, 0.001, raw]"
    assert (java_string("text"), java_string(None), java_string(False)) == ("text", "null", "false")
