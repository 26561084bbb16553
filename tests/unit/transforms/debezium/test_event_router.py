"""The outbox EventRouter (record-for-record parity with the jar: tests/compat/test_debezium_transforms_compat.py)."""

from __future__ import annotations

import json

import pytest

from connect_core.api.errors import ConfigError, ConnectError, DataError
from connect_core.api.record import SourceRecord
from connect_core.api.schema import Schema, SchemaBuilder
from connect_core.api.struct import Struct
from connect_core.transforms.debezium._json_schema_data import JsonSchemaData, adjust_field_name, parse_json_payload
from connect_core.transforms.debezium.event_router import EventRouter, IllegalStateError

TOPIC = "dbserver1.public.outboxevent"
MICROS = SchemaBuilder.int64().name("io.debezium.time.MicroTimestamp").version(1).optional().build()
ROW = (SchemaBuilder.struct().name(f"{TOPIC}.Value").optional().field("id", Schema.STRING_SCHEMA)
       .field("aggregatetype", Schema.STRING_SCHEMA).field("aggregateid", Schema.STRING_SCHEMA)
       .field("type", Schema.STRING_SCHEMA).field("payload", Schema.OPTIONAL_STRING_SCHEMA)
       .field("timestamp", MICROS).field("part", Schema.OPTIONAL_INT32_SCHEMA).build())
ENVELOPE = (SchemaBuilder.struct().name(f"{TOPIC}.Envelope").field("before", ROW).field("after", ROW)
            .field("op", Schema.STRING_SCHEMA).field("ts_ms", Schema.OPTIONAL_INT64_SCHEMA).build())


def _event(op: str = "c", payload: str | None = '{"total": 12.5}', **extra: object) -> SourceRecord:
    row = Struct(ROW)
    for name, value in {"id": "e1", "aggregatetype": "Order", "aggregateid": "7", "type": "OrderCreated",
                        "payload": payload, "timestamp": 1_700_000_000_123_999, "part": 2, **extra}.items():
        row.put(name, value)
    value = Struct(ENVELOPE).put("op", op).put("ts_ms", 1_000).put("before" if op == "d" else "after", row)
    return SourceRecord({}, {}, TOPIC, 0, None, None, ENVELOPE, value, 5)


def _router(**configs: str) -> EventRouter:
    smt = EventRouter()
    smt.configure({k.replace("_", "."): v for k, v in configs.items()})
    return smt


def test_an_insert_becomes_its_event_on_the_aggregate_topic() -> None:
    out = _router().apply(_event())
    assert (out.topic, out.key, out.key_schema, out.timestamp) == ("outbox.event.Order", "7", Schema.STRING_SCHEMA,
                                                                   1_000)
    assert (out.value, out.value_schema) == ('{"total": 12.5}', Schema.OPTIONAL_STRING_SCHEMA)
    assert [(h.key, h.value) for h in out.headers] == [("id", "e1")]
    assert out.kafka_partition is None


def test_additional_fields_go_to_the_envelope_headers_and_partition() -> None:
    out = _router(table_fields_additional_placement="type:envelope:eventType,aggregateid:header,part:partition"
                  ).apply(_event())
    assert out.value_schema.name == f"{TOPIC.rsplit('.', 1)[0]}.outboxevent.Order.Value"
    assert out.value.values() == ['{"total": 12.5}', "OrderCreated"]
    assert [h.key for h in out.headers] == ["id", "aggregateid"]
    assert out.kafka_partition == 2


def test_deletes_and_tombstones_are_dropped_and_updates_fail_only_when_fatal() -> None:
    assert _router().apply(_event("d")) is None
    assert _router().apply(SourceRecord({}, {}, TOPIC, 0, None, None, None, None)) is None
    assert _router().apply(_event("u")) is None
    with pytest.raises(IllegalStateError, match="Unexpected update message received null, fail."):
        _router(table_op_invalid_behavior="fatal").apply(_event("u"))


def test_event_timestamp_from_a_micro_timestamp_column_and_empty_payload_as_tombstone() -> None:
    assert _router(table_field_event_timestamp="timestamp").apply(_event()).timestamp == 1_700_000_000_123
    out = _router(route_tombstone_on_empty_payload="true").apply(_event(payload=" "))
    assert (out.value, out.value_schema, out.topic) == (None, None, "outbox.event.Order")
    with pytest.raises(DataError, match="Field 'part' is not of type INT64"):
        _router(table_field_event_timestamp="part").apply(_event())


def test_expand_json_payload_infers_a_schema() -> None:
    out = _router(table_expand_json_payload="true").apply(_event(payload='{"n": 1, "big": 5000000000, "xs": []}'))
    assert [(f.name, f.schema.type.name) for f in out.value_schema.fields] == [("n", "INT32"), ("big", "INT64")]
    assert out.value.values() == [1, 5_000_000_000]
    text = _router(table_expand_json_payload="true").apply(_event(payload="not json"))
    assert text.value == "not json"


def test_json_schema_data_rules() -> None:
    data = JsonSchemaData("optional_bytes", "optional_string")
    schema = data.to_connect_schema("payload", {"a": None, "b": [], "c": [{"x": 1}, {"x": 2}]})
    assert [(f.name, f.schema.type.name) for f in schema.fields] == [("a", "BYTES"), ("b", "ARRAY"), ("c", "ARRAY")]
    assert schema.field("c").schema.value_schema.name == "payload.c"
    assert parse_json_payload('{"a": 1} tail') == {"a": 1}
    with pytest.raises(ValueError, match="starting with 'x'"):
        parse_json_payload("x")
    with pytest.raises(ConnectError, match="not a homogenous array"):
        data.to_connect_schema("p", [1, "x"])
    assert adjust_field_name("9c-d", "avro") == "_9c_d"
    assert adjust_field_name("9c-d", "avro_unicode") == "_u0039c_u002dd"
    assert json.loads("[1]") == [1]


@pytest.mark.parametrize(("key", "value", "message"), [
    ("table.op.invalid.behavior", "explode", "Value must be one of warn, error, fatal"),
    ("table.fields.additional.placement", "a:b:c:d", "valid String pairs or trios"),
    ("route.topic.regex", "(", "A valid regular expressions is expected"),
])  # fmt: skip
def test_bad_configs_name_the_key_as_debezium_does(key: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=f"for configuration {key}: The '{key}' value is invalid: .*{message}"):
        EventRouter().configure({key: value})
