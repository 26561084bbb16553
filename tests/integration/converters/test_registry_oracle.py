"""Independent oracle: confluent-kafka's own serializers and ours agree on Confluent's wire format, against the
real registry (Apicurio's Confluent API). Ours -> theirs must deserialize to the values written; theirs -> ours
must give the Connect data a Kafka Connect worker (Confluent's AvroConverter/JsonSchemaConverter) produces."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import uuid

import pytest
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.schema_registry.json_schema import JSONDeserializer, JSONSerializer
from confluent_kafka.serialization import MessageField, SerializationContext

from connect_core.api.errors import DataError, RetriableError
from connect_core.api.logical import Date, Decimal, Timestamp
from connect_core.api.schema import SchemaBuilder
from connect_core.api.struct import Struct
from connect_core.converters.avro import AvroConverter
from connect_core.converters.json_schema import JsonSchemaConverter

pytestmark = pytest.mark.integration


@pytest.fixture
def topic() -> str:
    return f"oracle-{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="module")
def their_client(schema_registry_url: str) -> SchemaRegistryClient:
    return SchemaRegistryClient({"url": schema_registry_url})


def _converter(cls, url: str, **extra: str):
    converter = cls()
    converter.configure({"schema.registry.url": url, **extra}, False)
    return converter


def _order_schema():
    return (SchemaBuilder.struct().name("shop.Order")
            .field("id", SchemaBuilder.int64().build())
            .field("customer", SchemaBuilder.string().optional().build())
            .field("amount", Decimal.builder(2).build())
            .field("placed", Timestamp.schema())
            .field("day", Date.builder().optional().build())
            .field("qty", SchemaBuilder.int16().build())
            .field("tags", SchemaBuilder.array(SchemaBuilder.string().build()).build())
            .build())


def _order(schema):
    return (Struct(schema).put("id", 42).put("customer", "ada").put("amount", decimal.Decimal("19.99"))
            .put("placed", dt.datetime(2026, 11, 22, 9, 30, 0, 250000, tzinfo=dt.UTC))
            .put("day", dt.date(2026, 11, 22)).put("qty", 3).put("tags", ["a", "b"]))


def test_avro_ours_to_theirs(schema_registry_url: str, their_client: SchemaRegistryClient, topic: str) -> None:
    ours = _converter(AvroConverter, schema_registry_url)
    schema = _order_schema()
    data = ours.from_connect_data(topic, schema, _order(schema))

    assert data[0] == 0  # magic byte
    theirs = AvroDeserializer(their_client)(data, SerializationContext(topic, MessageField.VALUE))
    assert theirs == {"id": 42, "customer": "ada", "amount": decimal.Decimal("19.99"),
                      "placed": dt.datetime(2026, 11, 22, 9, 30, 0, 250000, tzinfo=dt.UTC),
                      "day": dt.date(2026, 11, 22), "qty": 3, "tags": ["a", "b"]}
    registered = their_client.get_latest_version(f"{topic}-value")
    assert json.loads(registered.schema.schema_str)["connect.name"] == "shop.Order"


def test_avro_theirs_to_ours(schema_registry_url: str, their_client: SchemaRegistryClient, topic: str) -> None:
    avro_schema = json.dumps({
        "type": "record", "name": "Payment", "namespace": "bank", "fields": [
            {"name": "id", "type": "long"},
            {"name": "note", "type": ["null", "string"], "default": None},
            {"name": "amount", "type": {"type": "bytes", "logicalType": "decimal", "precision": 10, "scale": 2}},
            {"name": "at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
            {"name": "kind", "type": {"type": "enum", "name": "Kind", "symbols": ["DEBIT", "CREDIT"]}},
            {"name": "attrs", "type": {"type": "map", "values": "int"}},
        ]})
    serializer = AvroSerializer(their_client, avro_schema)
    at = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    data = serializer({"id": 7, "note": None, "amount": decimal.Decimal("5.10"), "at": at, "kind": "CREDIT",
                       "attrs": {"x": 1}}, SerializationContext(topic, MessageField.VALUE))

    result = _converter(AvroConverter, schema_registry_url).to_connect_data(topic, data)

    # What Confluent's AvroConverter gives a worker: record name, subject version 1, precision as a parameter,
    # the enum as a string named after it with io.confluent.connect.avro.Enum parameters.
    expected = (SchemaBuilder.struct().name("bank.Payment").version(1)
                .field("id", SchemaBuilder.int64().build())
                .field("note", SchemaBuilder.string().optional().build())
                .field("amount", Decimal.builder(2).parameter("connect.decimal.precision", "10").build())
                .field("at", Timestamp.schema())
                .field("kind", SchemaBuilder.string().name("bank.Kind")
                       .parameter("io.confluent.connect.avro.Enum", "bank.Kind")
                       .parameter("io.confluent.connect.avro.Enum.DEBIT", "DEBIT")
                       .parameter("io.confluent.connect.avro.Enum.CREDIT", "CREDIT").build())
                .field("attrs", SchemaBuilder.map(SchemaBuilder.string().build(), SchemaBuilder.int32().build())
                       .build())
                .build())
    assert result.schema == expected
    assert result.value == (Struct(expected).put("id", 7).put("amount", decimal.Decimal("5.10")).put("at", at)
                            .put("kind", "CREDIT").put("attrs", {"x": 1}))


@pytest.mark.parametrize("enhanced", [False, True])
def test_enhanced_avro_schema_support_writes_an_avro_enum_back_as_an_enum(
        schema_registry_url: str, their_client: SchemaRegistryClient, topic: str, enhanced: bool) -> None:
    """Read from an enum, the Connect string carries the enum's parameters; only with the flag does the converter
    write it as the enum again (else a string: a schema the original's readers may not accept)."""
    avro_schema = json.dumps({"type": "record", "name": "Payment", "namespace": "bank", "fields": [
        {"name": "kind", "type": {"type": "enum", "name": "Kind", "symbols": ["DEBIT", "CREDIT"]}}]})
    data = AvroSerializer(their_client, avro_schema)({"kind": "CREDIT"},
                                                     SerializationContext(topic, MessageField.VALUE))
    converter = _converter(AvroConverter, schema_registry_url, **{"enhanced.avro.schema.support": str(enhanced)})
    read = converter.to_connect_data(topic, data)
    written = converter.from_connect_data(topic + "-copy", read.schema, read.value)

    copy = SerializationContext(topic + "-copy", MessageField.VALUE)
    assert AvroDeserializer(their_client)(written, copy) == {"kind": "CREDIT"}
    registered = json.loads(their_client.get_latest_version(f"{topic}-copy-value").schema.schema_str)
    kind = registered["fields"][0]["type"]
    if enhanced:
        assert (kind["type"], kind["name"], kind["symbols"]) == ("enum", "Kind", ["DEBIT", "CREDIT"])
    else:
        assert kind["type"] == "string"


@pytest.mark.parametrize("normalize", [False, True])
def test_normalize_schemas_finds_a_schema_registered_in_another_spelling(
        schema_registry_url: str, their_client: SchemaRegistryClient, topic: str, normalize: bool) -> None:
    """Someone registered the same schema with its attributes in another order; a lookup of ours (no
    auto-registration) finds it only when the registry normalizes both."""
    from confluent_kafka.schema_registry import Schema

    schema = SchemaBuilder.struct().name("shop.Ping").field("n", SchemaBuilder.int32().build()).build()
    converter = _converter(AvroConverter, schema_registry_url, **{"auto.register.schemas": "false",
                                                                  "normalize.schemas": str(normalize).lower()})
    ours = json.loads(converter.writer_schema(schema).text)
    reordered = json.dumps(dict(reversed(list(ours.items()))))
    schema_id = their_client.register_schema(f"{topic}-value", Schema(reordered, "AVRO"))

    if normalize:
        assert converter.from_connect_data(topic, schema, Struct(schema).put("n", 1))[1:5] == schema_id.to_bytes(4)
    else:
        with pytest.raises(DataError, match="40401"):
            converter.from_connect_data(topic, schema, Struct(schema).put("n", 1))


@pytest.mark.parametrize(("ttl", "sees_the_new_version"), [("-1", False), ("0", True)])
def test_latest_cache_ttl_sec_decides_when_a_new_latest_version_is_used(
        schema_registry_url: str, their_client: SchemaRegistryClient, topic: str, ttl: str,
        sees_the_new_version: bool) -> None:
    """use.latest.version: a warm process (a new converter, the process-wide client) keeps the cached latest
    version for ever with -1, and asks the registry again once the TTL has passed (0: every time)."""
    from confluent_kafka.schema_registry import Schema

    schema = SchemaBuilder.struct().name("shop.Tick").field("n", SchemaBuilder.int32().build()).build()
    props = {"auto.register.schemas": "false", "use.latest.version": "true", "latest.compatibility.strict": "false",
             "latest.cache.ttl.sec": ttl}
    first = _converter(AvroConverter, schema_registry_url, **props)
    v1 = their_client.register_schema(f"{topic}-value", Schema(first.writer_schema(schema).text, "AVRO"))
    assert first.from_connect_data(topic, schema, Struct(schema).put("n", 1))[1:5] == v1.to_bytes(4)
    v2 = their_client.register_schema(f"{topic}-value", Schema(json.dumps(
        {"type": "record", "name": "Tick", "namespace": "shop", "doc": "v2", "fields": [
            {"name": "n", "type": "int", "default": 0}]}), "AVRO"))
    assert v2 != v1

    written = _converter(AvroConverter, schema_registry_url, **props).from_connect_data(
        topic, schema, Struct(schema).put("n", 2))
    assert written[1:5] == (v2 if sees_the_new_version else v1).to_bytes(4)


def test_avro_round_trip_through_our_converter_keeps_the_connect_schema(schema_registry_url: str, topic: str) -> None:
    converter = _converter(AvroConverter, schema_registry_url)
    schema = _order_schema()
    back = converter.to_connect_data(topic, converter.from_connect_data(topic, schema, _order(schema)))
    versioned = (SchemaBuilder.struct().name("shop.Order").version(1))
    for field in schema.fields:
        versioned.field(field.name, field.schema)
    assert back.schema == versioned.build()
    assert back.value.values() == _order(schema).values()


def test_json_schema_ours_to_theirs_and_back(schema_registry_url: str, their_client: SchemaRegistryClient,
                                              topic: str) -> None:
    ours = _converter(JsonSchemaConverter, schema_registry_url)
    schema = (SchemaBuilder.struct().name("shop.Item").field("sku", SchemaBuilder.string().build())
              .field("count", SchemaBuilder.int32().build())
              .field("price", SchemaBuilder.float64().optional().build()).build())
    data = ours.from_connect_data(topic, schema, Struct(schema).put("sku", "x-1").put("count", 2).put("price", 1.5))

    theirs = JSONDeserializer(None, schema_registry_client=their_client)(
        data, SerializationContext(topic, MessageField.VALUE))
    assert theirs == {"sku": "x-1", "count": 2, "price": 1.5}

    json_schema = json.dumps({"type": "object", "title": "shop.Item2", "properties": {
        "sku": {"type": "string"}, "count": {"type": "integer"}}})
    written = JSONSerializer(json_schema, their_client)({"sku": "y", "count": 5},
                                                        SerializationContext(topic + "2", MessageField.VALUE))
    result = ours.to_connect_data(topic + "2", written)
    # JsonSchemaData: an untyped integer is int64, the title is the name, the subject version the version.
    assert [(f.name, f.schema.type.value) for f in result.schema.fields] == [("sku", "string"), ("count", "int64")]
    assert (result.schema.name, result.schema.version) == ("shop.Item2", 1)
    assert (result.value.get("sku"), result.value.get("count")) == ("y", 5)


def test_unknown_schema_id_is_a_data_error(schema_registry_url: str, topic: str) -> None:
    converter = _converter(AvroConverter, schema_registry_url)
    with pytest.raises(DataError, match="schema id 99999999"):
        converter.to_connect_data(topic, b"\x00\x05\xf5\xe0\xff\x02")


def test_unreachable_registry_is_retriable(topic: str) -> None:
    converter = _converter(AvroConverter, "http://127.0.0.1:9/apis/ccompat/v7")
    with pytest.raises(RetriableError):
        converter.to_connect_data(topic, b"\x00\x00\x00\x00\x01\x02")


def test_record_name_strategy_and_lookup_without_auto_register(schema_registry_url: str, topic: str) -> None:
    record = f"ns{uuid.uuid4().hex[:6]}.Thing"
    schema = SchemaBuilder.struct().name(record).field("a", SchemaBuilder.int32().build()).build()
    writer = _converter(AvroConverter, schema_registry_url,
                        **{"value.subject.name.strategy": "io.confluent.kafka.serializers.subject.RecordNameStrategy"})
    reader = _converter(AvroConverter, schema_registry_url, **{"auto.register.schemas": "false",
                        "value.subject.name.strategy": "io.confluent.kafka.serializers.subject.RecordNameStrategy"})
    lookup_only = _converter(AvroConverter, schema_registry_url, **{"auto.register.schemas": "false"})

    data = writer.from_connect_data(topic, schema, Struct(schema).put("a", 1))
    assert reader.from_connect_data(topic, schema, Struct(schema).put("a", 1)) == data  # found by lookup
    with pytest.raises(DataError, match="40401|not found"):
        lookup_only.from_connect_data(topic, schema, Struct(schema).put("a", 1))  # no <topic>-value subject
    assert reader.to_connect_data(topic, data).value.get("a") == 1


def test_lambda_source_format_event_reads_like_the_kafka_record(schema_registry_url: str,
                                                                 their_client: SchemaRegistryClient,
                                                                 topic: str) -> None:
    import base64

    from connect_core.kafka.lambda_event import decode_kafka_event

    serializer = AvroSerializer(their_client, json.dumps(
        {"type": "record", "name": "Ping", "fields": [{"name": "n", "type": "int"}]}))
    original = serializer({"n": 5}, SerializationContext(topic, MessageField.VALUE))
    schema_id = int.from_bytes(original[1:5], "big")
    event = {"eventSource": "aws:kafka", "records": {f"{topic}-0": [{
        "topic": topic, "partition": 0, "offset": 0, "timestamp": 1, "timestampType": "CREATE_TIME",
        "value": base64.b64encode(original[5:]).decode(),  # EventRecordFormat SOURCE: header stripped by Lambda
        "valueSchemaMetadata": {"dataFormat": "AVRO", "schemaId": str(schema_id)}}]}}

    (record,) = decode_kafka_event(event)
    assert record.value == original
    assert _converter(AvroConverter, schema_registry_url).to_connect_data(topic, record.value).value.get("n") == 5


def _ping_class():
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

    proto = descriptor_pb2.FieldDescriptorProto
    fdp = descriptor_pb2.FileDescriptorProto(name=f"ping_{uuid.uuid4().hex[:6]}.proto", package="demo",
                                             syntax="proto3")
    message = fdp.message_type.add(name="Ping")
    message.field.add(name="n", number=1, type=proto.TYPE_INT32, label=proto.LABEL_OPTIONAL)
    message.field.add(name="s", number=2, type=proto.TYPE_STRING, label=proto.LABEL_OPTIONAL)
    message.field.add(name="tags", number=3, type=proto.TYPE_STRING, label=proto.LABEL_REPEATED)
    message.field.add(name="big", number=4, type=proto.TYPE_UINT64, label=proto.LABEL_OPTIONAL)
    pool = descriptor_pool.DescriptorPool()
    pool.Add(fdp)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("demo.Ping"))


def test_protobuf_theirs_to_ours(schema_registry_url: str, their_client: SchemaRegistryClient, topic: str) -> None:
    from confluent_kafka.schema_registry.protobuf import ProtobufSerializer

    from connect_core.converters.protobuf import ProtobufConverter

    ping = _ping_class()
    data = ProtobufSerializer(ping, their_client, {"use.deprecated.format": False})(
        ping(n=-3, s="hi", tags=["a", "b"], big=2**40), SerializationContext(topic, MessageField.VALUE))

    result = _converter(ProtobufConverter, schema_registry_url).to_connect_data(topic, data)

    # Confluent's ProtobufData: every field optional with its tag; uint64 is INT64; the subject version 1.
    def tagged(builder, tag):
        return builder.optional().parameter("io.confluent.connect.protobuf.Tag", str(tag)).build()

    expected = (SchemaBuilder.struct().name("Ping").version(1)
                .field("n", tagged(SchemaBuilder.int32(), 1)).field("s", tagged(SchemaBuilder.string(), 2))
                .field("tags", tagged(SchemaBuilder.array(SchemaBuilder.string().optional().build()), 3))
                .field("big", tagged(SchemaBuilder.int64(), 4)).build())
    assert result.schema == expected
    assert result.value.values() == [-3, "hi", ["a", "b"], 2**40]


def test_protobuf_ours_to_theirs(schema_registry_url: str, their_client: SchemaRegistryClient, topic: str) -> None:
    from confluent_kafka.schema_registry.protobuf import ProtobufDeserializer

    from connect_core.converters.protobuf import ProtobufConverter

    schema = (SchemaBuilder.struct().name("demo.Ping").field("n", SchemaBuilder.int32().build())
              .field("s", SchemaBuilder.string().optional().build())
              .field("tags", SchemaBuilder.array(SchemaBuilder.string().build()).build())
              .field("big", SchemaBuilder.int64().build()).build())
    ours = _converter(ProtobufConverter, schema_registry_url)
    data = ours.from_connect_data(topic, schema, Struct(schema).put("n", -3).put("s", "hi").put("tags", ["a"])
                                  .put("big", 2**40))

    assert data[5] == 0  # message indexes [0]
    theirs = ProtobufDeserializer(_ping_class(), {"use.deprecated.format": False})(
        data, SerializationContext(topic, MessageField.VALUE))
    assert (theirs.n, theirs.s, list(theirs.tags), theirs.big) == (-3, "hi", ["a"], 2**40)
    back = ours.to_connect_data(topic, data)
    assert back.value.values() == [-3, "hi", ["a"], 2**40]


def test_use_latest_version_writes_with_the_subjects_latest_schema(schema_registry_url: str,
                                                                   their_client: SchemaRegistryClient,
                                                                   topic: str) -> None:
    from confluent_kafka.schema_registry import Schema

    latest = {"type": "record", "name": "Evt", "fields": [{"name": "a", "type": "int"},
                                                           {"name": "b", "type": "string", "default": "x"}]}
    latest_id = their_client.register_schema(f"{topic}-value", Schema(json.dumps(latest), "AVRO"))
    writer = _converter(AvroConverter, schema_registry_url,
                        **{"auto.register.schemas": "false", "use.latest.version": "true"})
    schema = (SchemaBuilder.struct().name("Evt").field("a", SchemaBuilder.int32().build())
              .field("b", SchemaBuilder.string().build()).build())

    data = writer.from_connect_data(topic, schema, Struct(schema).put("a", 1).put("b", "y"))

    assert int.from_bytes(data[1:5], "big") == latest_id
    assert AvroDeserializer(their_client)(data, SerializationContext(topic, MessageField.VALUE)) == {"a": 1, "b": "y"}


def test_latest_compatibility_strict_refuses_an_incompatible_schema(schema_registry_url: str,
                                                                    their_client: SchemaRegistryClient,
                                                                    topic: str) -> None:
    from confluent_kafka.schema_registry import Schema

    subject = f"{topic}-value"
    their_client.register_schema(subject, Schema(json.dumps(
        {"type": "record", "name": "Evt", "fields": [{"name": "a", "type": "int"}]}), "AVRO"))
    their_client.set_compatibility(subject, "BACKWARD")
    incompatible = SchemaBuilder.struct().name("Evt").field("z", SchemaBuilder.string().build()).build()
    settings = {"auto.register.schemas": "false", "use.latest.version": "true"}

    with pytest.raises(DataError, match="incompatible"):
        _converter(AvroConverter, schema_registry_url, **settings).from_connect_data(
            topic, incompatible, Struct(incompatible).put("z", "q"))
    lenient = _converter(AvroConverter, schema_registry_url, **settings, **{"latest.compatibility.strict": "false"})
    with pytest.raises(DataError):  # not refused up front, but the value does not fit the latest schema
        lenient.from_connect_data(topic, incompatible, Struct(incompatible).put("z", "q"))
