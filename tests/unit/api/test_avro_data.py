"""AvroData: Connect <-> Avro schemas and values with Confluent's conventions; binary checked against fastavro."""

from __future__ import annotations

import datetime as dt
import decimal
import io
import json

import fastavro
import pytest

from connect_core.api.avro.binary import decode, encode, schema_json
from connect_core.api.avro.data import AvroData
from connect_core.api.errors import DataError
from connect_core.api.logical import Date, Decimal, Time, Timestamp
from connect_core.api.schema import SchemaBuilder
from connect_core.api.struct import Struct


def _orders_schema():
    return (SchemaBuilder.struct().name("shop.orders")
            .field("id", SchemaBuilder.int32().build())
            .field("tiny", SchemaBuilder.int8().build())
            .field("short", SchemaBuilder.int16().optional().build())
            .field("name", SchemaBuilder.string().optional().build())
            .field("price", Decimal.builder(2).parameter("connect.decimal.precision", "10").build())
            .field("created", Timestamp.schema())
            .field("day", Date.builder().optional().build())
            .field("at", Time.schema())
            .field("ratio", SchemaBuilder.float32().build())
            .field("blob", SchemaBuilder.bytes().optional().build())
            .field("counts", SchemaBuilder.map(SchemaBuilder.string().build(), SchemaBuilder.int64().build()).build())
            .field("by_id", SchemaBuilder.map(SchemaBuilder.int32().build(), SchemaBuilder.string().build()).build())
            .field("tags", SchemaBuilder.array(SchemaBuilder.string().build()).build())
            .field("status", SchemaBuilder.string().default_value("NEW").doc("state").build())
            .build())


def _orders_value(schema):
    return (Struct(schema).put("id", 7).put("tiny", -5).put("short", None).put("name", "ada")
            .put("price", decimal.Decimal("12.34"))
            .put("created", dt.datetime(2024, 5, 6, 7, 8, 9, 123000, tzinfo=dt.UTC))
            .put("day", dt.date(2024, 5, 6)).put("at", dt.time(1, 2, 3, 4000)).put("ratio", 0.5)
            .put("blob", b"\x00\xff").put("counts", {"a": 1}).put("by_id", {3: "c"}).put("tags", ["x"])
            .put("status", "PAID"))


def test_schema_carries_connect_metadata_as_confluent_writes_it() -> None:
    avro_json, _ = AvroData().from_connect_schema(_orders_schema())

    fields = {f["name"]: f for f in avro_json["fields"]}
    assert (avro_json["type"], avro_json["name"], avro_json["namespace"]) == ("record", "orders", "shop")
    assert avro_json["connect.name"] == "shop.orders"
    assert fields["id"]["type"] == "int"
    assert fields["tiny"]["type"] == {"type": "int", "connect.type": "int8"}
    assert fields["short"]["type"] == ["null", {"type": "int", "connect.type": "int16"}]
    assert fields["short"]["default"] is None
    assert fields["price"]["type"] == {
        "type": "bytes", "scale": 2, "precision": 10, "connect.version": 1,
        "connect.parameters": {"scale": "2", "connect.decimal.precision": "10"},
        "connect.name": "org.apache.kafka.connect.data.Decimal", "logicalType": "decimal"}
    assert fields["created"]["type"]["logicalType"] == "timestamp-millis"
    assert fields["day"]["type"][1]["logicalType"] == "date"
    assert fields["at"]["type"]["logicalType"] == "time-millis"
    assert fields["counts"]["type"] == {"type": "map", "values": "long"}
    entry = fields["by_id"]["type"]["items"]
    assert (entry["name"], entry["namespace"]) == ("MapEntry", "io.confluent.connect.avro")
    assert fields["status"]["type"] == {"type": "string", "connect.doc": "state", "connect.default": "NEW"}
    assert fields["status"]["default"] == "NEW"


def test_values_round_trip_and_fastavro_reads_our_bytes() -> None:
    data = AvroData()
    schema = _orders_schema()
    avro_json, parsed = data.from_connect_schema(schema)
    payload = encode(parsed, data.from_connect_data(schema, parsed, _orders_value(schema)))

    theirs = fastavro.schemaless_reader(io.BytesIO(payload), fastavro.parse_schema(json.loads(schema_json(avro_json))))
    assert theirs["price"] == decimal.Decimal("12.34")
    assert theirs["created"] == dt.datetime(2024, 5, 6, 7, 8, 9, 123000, tzinfo=dt.UTC)
    assert theirs["by_id"] == [{"key": 3, "value": "c"}]

    back_schema, back_parsed = data.to_connect_schema(schema_json(avro_json))
    assert back_schema == schema
    assert data.to_connect_data(back_schema, back_parsed, decode(back_parsed, payload)) == _orders_value(schema)


def test_plain_avro_from_other_producers_maps_like_confluent() -> None:
    text = json.dumps({
        "type": "record", "name": "User", "namespace": "com.example", "doc": "a user", "fields": [
            {"name": "color", "type": {"type": "enum", "name": "Color", "symbols": ["RED", "GREEN"]}},
            {"name": "either", "type": ["int", "string"]},
            {"name": "hash", "type": {"type": "fixed", "name": "Hash", "size": 2}},
            {"name": "n", "type": "long", "default": 3},
        ]})
    data = AvroData()
    schema, parsed = data.to_connect_schema(text, 4)

    assert schema.name == "com.example.User" and schema.version == 4
    assert schema.parameters["io.confluent.connect.avro.record.doc"] == "a user"
    color = schema.field("color").schema
    assert color.parameters["io.confluent.connect.avro.Enum"] == "com.example.Color"
    either = schema.field("either").schema
    assert either.name == "io.confluent.connect.avro.Union"
    assert [f.name for f in either.fields] == ["int", "string"]
    assert schema.field("n").schema.default_value == 3
    assert schema.field("n").schema.parameters == {"io.confluent.connect.avro.field.default": "true"}

    payload = io.BytesIO()
    fastavro.schemaless_writer(payload, fastavro.parse_schema(json.loads(text)),
                               {"color": "GREEN", "either": "s", "hash": b"ab", "n": 9})
    value = data.to_connect_data(schema, parsed, decode(parsed, payload.getvalue()))
    assert value.get("color") == "GREEN"
    assert value.get("either").get("string") == "s"
    assert value.get("hash") == b"ab"


def test_null_for_a_required_field_is_a_data_error() -> None:
    schema = SchemaBuilder.struct().field("a", SchemaBuilder.int32().build()).build()
    data = AvroData()
    _, parsed = data.from_connect_schema(schema)
    with pytest.raises(DataError, match="non-optional"):
        data.from_connect_data(schema, parsed, Struct(schema))


def test_unnamed_struct_gets_confluent_default_name() -> None:
    schema = SchemaBuilder.struct().field("a", SchemaBuilder.int32().build()).build()
    avro_json, _ = AvroData().from_connect_schema(schema)
    assert (avro_json["name"], avro_json["namespace"]) == ("ConnectDefault", "io.confluent.connect.avro")
    back, _ = AvroData().to_connect_schema(schema_json(avro_json))
    assert back.name is None


def test_enhanced_schema_support_keeps_enums_and_connect_meta_data_can_be_off() -> None:
    text = json.dumps({"type": "record", "name": "User", "namespace": "com.example", "fields": [
        {"name": "color", "type": {"type": "enum", "name": "Color", "symbols": ["RED", "GREEN"]}}]})
    enhanced = AvroData(enhanced_schema_support=True)
    schema, parsed = enhanced.to_connect_schema(text)
    avro_json, _ = enhanced.from_connect_schema(schema)
    assert avro_json["fields"][0]["type"]["type"] == "enum"
    assert avro_json["fields"][0]["type"]["symbols"] == ["RED", "GREEN"]
    plain_json, _ = AvroData().from_connect_schema(schema)
    assert plain_json["fields"][0]["type"]["type"] == "string"

    bare = AvroData(connect_meta_data=False)
    bare_json, _ = bare.from_connect_schema(Decimal.schema(2))
    assert "connect.name" not in bare_json and bare_json["logicalType"] == "decimal"


def test_an_optional_struct_field_writes_with_its_own_schema_as_confluent_does() -> None:
    # Debezium's envelope: before/after are one optional struct schema; the value's schema is that optional schema,
    # which a non-optional copy does not equal ("Mismatching struct schema" on the first record before the fix)
    row = (SchemaBuilder.struct().name("dbserver1.inventory.customers.Value").optional()
           .field("id", SchemaBuilder.int32().build()).field("email", SchemaBuilder.string().build()).build())
    envelope = (SchemaBuilder.struct().name("dbserver1.inventory.customers.Envelope")
                .field("before", row).field("after", row).field("op", SchemaBuilder.string().build()).build())
    value = Struct(envelope).put("after", Struct(row).put("id", 1001).put("email", "sally@example.com")).put("op", "r")
    data = AvroData()
    avro_json, parsed = data.from_connect_schema(envelope)
    payload = encode(parsed, data.from_connect_data(envelope, parsed, value))

    theirs = fastavro.schemaless_reader(io.BytesIO(payload), fastavro.parse_schema(json.loads(schema_json(avro_json))))
    assert theirs == {"before": None, "after": {"id": 1001, "email": "sally@example.com"}, "op": "r"}
    back_schema, back_parsed = data.to_connect_schema(schema_json(avro_json))
    assert data.to_connect_data(back_schema, back_parsed, decode(back_parsed, payload)) == value
