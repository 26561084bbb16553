"""Protobuf: .proto parsing (text and base64 descriptors), the wire codec, and Confluent's ProtobufData mapping."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

from connect_core.api.errors import DataError
from connect_core.api.logical import Timestamp
from connect_core.api.schema import SchemaBuilder, Type
from connect_core.api.struct import Struct
from connect_core.converters.proto_binary import decode_message, encode_message
from connect_core.converters.proto_schema import parse_proto
from connect_core.converters.protobuf_data import ProtobufData
from connect_core.converters.schema_registry.wire_format import read_message_indexes, write_message_indexes

PROTO = """
syntax = "proto3";
package shop;
import "google/protobuf/timestamp.proto";
// a comment
message Order {
  enum Status { NEW = 0; PAID = 3; }
  message Line { string sku = 1; sint32 qty = 2; }
  int64 id = 1;
  Status status = 2;
  repeated Line lines = 3;
  map<string, double> prices = 4;
  oneof payment { string card = 5; bytes token = 6; }
  google.protobuf.Timestamp at = 7;
  fixed32 crc = 8 [deprecated = true];
}
"""


def _google_class():
    """The same file compiled by the protobuf library itself (the oracle for the wire codec)."""
    pool = descriptor_pool.DescriptorPool()
    from google.protobuf import timestamp_pb2

    pool.AddSerializedFile(timestamp_pb2.DESCRIPTOR.serialized_pb)
    fdp = descriptor_pb2.FileDescriptorProto()
    fdp.name, fdp.package, fdp.syntax = "order.proto", "shop", "proto3"
    fdp.dependency.append("google/protobuf/timestamp.proto")
    f = descriptor_pb2.FieldDescriptorProto
    order = fdp.message_type.add(name="Order")
    status = order.enum_type.add(name="Status")
    status.value.add(name="NEW", number=0)
    status.value.add(name="PAID", number=3)
    line = order.nested_type.add(name="Line")
    line.field.add(name="sku", number=1, type=f.TYPE_STRING, label=f.LABEL_OPTIONAL)
    line.field.add(name="qty", number=2, type=f.TYPE_SINT32, label=f.LABEL_OPTIONAL)
    entry = order.nested_type.add(name="PricesEntry")
    entry.options.map_entry = True
    entry.field.add(name="key", number=1, type=f.TYPE_STRING, label=f.LABEL_OPTIONAL)
    entry.field.add(name="value", number=2, type=f.TYPE_DOUBLE, label=f.LABEL_OPTIONAL)
    order.oneof_decl.add(name="payment")
    order.field.add(name="id", number=1, type=f.TYPE_INT64, label=f.LABEL_OPTIONAL)
    order.field.add(name="status", number=2, type=f.TYPE_ENUM, type_name=".shop.Order.Status", label=f.LABEL_OPTIONAL)
    order.field.add(name="lines", number=3, type=f.TYPE_MESSAGE, type_name=".shop.Order.Line",
                    label=f.LABEL_REPEATED)
    order.field.add(name="prices", number=4, type=f.TYPE_MESSAGE, type_name=".shop.Order.PricesEntry",
                    label=f.LABEL_REPEATED)
    order.field.add(name="card", number=5, type=f.TYPE_STRING, label=f.LABEL_OPTIONAL, oneof_index=0)
    order.field.add(name="token", number=6, type=f.TYPE_BYTES, label=f.LABEL_OPTIONAL, oneof_index=0)
    order.field.add(name="at", number=7, type=f.TYPE_MESSAGE, type_name=".google.protobuf.Timestamp",
                    label=f.LABEL_OPTIONAL)
    order.field.add(name="crc", number=8, type=f.TYPE_FIXED32, label=f.LABEL_OPTIONAL)
    pool.Add(fdp)
    return fdp, message_factory.GetMessageClass(pool.FindMessageTypeByName("shop.Order"))


def test_text_and_descriptor_forms_parse_alike_and_decode_googles_bytes() -> None:
    fdp, order_class = _google_class()
    from_text = parse_proto(PROTO).messages[0]
    from_descriptor = parse_proto(base64.b64encode(fdp.SerializeToString()).decode()).messages[0]
    message = order_class(id=-9, status=3, card="visa", crc=7)
    message.lines.add(sku="a", qty=-2)
    message.prices["x"] = 1.5
    message.at.FromMilliseconds(1_700_000_000_123)

    for parsed in (from_text, from_descriptor):
        decoded = decode_message(parsed, message.SerializeToString())
        assert (decoded["id"], decoded["status"], decoded["card"], decoded["crc"]) == (-9, "PAID", "visa", 7)
        assert decoded["lines"][0]["qty"] == -2
        assert decoded["prices"] == {"x": 1.5}
        assert (decoded["at"]["seconds"], decoded["at"]["nanos"]) == (1_700_000_000, 123_000_000)
        again = order_class.FromString(encode_message(parsed, decoded))
        assert again == message


def test_connect_schema_follows_confluents_protobuf_data() -> None:
    parsed = parse_proto(PROTO).messages[0]
    schema = ProtobufData().to_connect_schema(parsed, 2)

    assert (schema.name, schema.version) == ("Order", 2)
    assert [f.name for f in schema.fields] == ["payment_0", "id", "status", "lines", "prices", "at", "crc"]
    union = schema.field("payment_0").schema
    assert union.name == "io.confluent.connect.protobuf.Union.payment" and union.optional
    status = schema.field("status").schema
    assert status.parameters == {"io.confluent.connect.protobuf.Enum": "Status",
                                 "io.confluent.connect.protobuf.Enum.NEW": "0",
                                 "io.confluent.connect.protobuf.Enum.PAID": "3",
                                 "io.confluent.connect.protobuf.Tag": "2"}
    assert schema.field("lines").schema.type is Type.ARRAY
    assert schema.field("prices").schema.type is Type.MAP
    assert schema.field("at").schema.name == Timestamp.LOGICAL_NAME
    assert schema.field("crc").schema.type is Type.INT64  # fixed32 is unsigned


def test_connect_struct_round_trips_through_generated_proto() -> None:
    data = ProtobufData()
    schema = (SchemaBuilder.struct().name("shop.Item").field("id", SchemaBuilder.int32().build())
              .field("at", Timestamp.schema())
              .field("attrs", SchemaBuilder.map(SchemaBuilder.string().build(), SchemaBuilder.int64().build()).build())
              .build())
    text, root = data.from_connect_schema(schema)
    assert "package shop;" in text and "map<string, int64> attrs = 3;" in text
    value = (Struct(schema).put("id", 1).put("at", dt.datetime(2026, 1, 1, 0, 0, 0, 5000, tzinfo=dt.UTC))
             .put("attrs", {"a": 2}))
    parsed = parse_proto(text).messages[0]
    decoded = decode_message(parsed, encode_message(root, data.from_connect_data(schema, root, value)))
    back = data.to_connect_data(data.to_connect_schema(parsed), parsed, decoded)
    assert back.values() == [1, dt.datetime(2026, 1, 1, 0, 0, 0, 5000, tzinfo=dt.UTC), {"a": 2}]


def test_message_indexes_and_bad_schemas() -> None:
    assert write_message_indexes([0]) == b"\x00"
    assert read_message_indexes(memoryview(write_message_indexes([1, 2]) + b"rest")) == ([1, 2], memoryview(b"rest"))
    with pytest.raises(DataError, match="unknown type"):
        parse_proto('syntax = "proto3"; message A { Missing m = 1; }')
    with pytest.raises(DataError, match="Unsupported root"):
        ProtobufData().from_connect_schema(SchemaBuilder.string().build())
