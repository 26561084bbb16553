"""Lambda Kafka events, including the shapes an event source mapping with a schema registry delivers."""

from __future__ import annotations

import base64
import json

import pytest

from connect_core.api.consumed_record import ConsumedRecord
from connect_core.api.errors import DataError
from connect_core.kafka.lambda_event import decode_kafka_event, keys_and_values_only, read_kafka_event


def _event(record: dict) -> dict:
    base = {"topic": "orders", "partition": 0, "offset": 7, "timestamp": 1, "timestampType": "CREATE_TIME"}
    return {"eventSource": "aws:kafka", "records": {"orders-0": [base | record]}}


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_plain_record_is_unchanged() -> None:
    (record,) = decode_kafka_event(_event({"key": _b64(b"k"), "value": _b64(b"\x00\x00\x00\x00\x05rest")}))
    assert (record.key, record.value) == (b"k", b"\x00\x00\x00\x00\x05rest")


def test_source_format_avro_gets_confluents_header_back() -> None:
    (record,) = decode_kafka_event(_event({
        "value": _b64(b"\x02\x06abc"), "valueSchemaMetadata": {"dataFormat": "AVRO", "schemaId": "258"},
        "key": _b64(b"\x08"), "keySchemaMetadata": {"dataFormat": "PROTOBUF", "schemaId": "3"}}))
    assert record.value == b"\x00\x00\x00\x01\x02" + b"\x02\x06abc"
    assert record.key == b"\x00\x00\x00\x00\x03\x08"


def test_json_format_and_glue_ids_are_handed_on_as_delivered() -> None:
    text = json.dumps({"id": 1}).encode()
    (as_json,) = decode_kafka_event(_event({"value": _b64(text),
                                            "valueSchemaMetadata": {"dataFormat": "JSON", "schemaId": "12"}}))
    glue_id = "3d5b8f4a-1c2e-4b9a-9d7e-0f1a2b3c4d5e"
    (glue,) = decode_kafka_event(_event({"value": _b64(b"\x02"),
                                         "valueSchemaMetadata": {"dataFormat": "AVRO", "schemaId": glue_id}}))
    assert as_json.value == text
    assert glue.value == b"\x02"


def _reference(record: dict) -> ConsumedRecord:
    """The record as the documented event format reads, field by field (what the decoding loop must give)."""
    kinds = {"CREATE_TIME": "CreateTime", "LOG_APPEND_TIME": "LogAppendTime", "NO_TIMESTAMP_TYPE": "NoTimestampType"}
    key, value = record.get("key"), record.get("value")
    return ConsumedRecord(
        record["topic"], int(record["partition"]), int(record["offset"]), record.get("timestamp"),
        kinds.get(record.get("timestampType"), "CreateTime"),
        None if key is None else base64.b64decode(key), None if value is None else base64.b64decode(value),
        [(name, None if raw is None else bytes(raw)) for header in record.get("headers") or []
         for name, raw in header.items()],
    )


def test_every_record_shape_decodes_as_the_reference_reads_it() -> None:
    """Absent and null keys, values (tombstones), headers (a null value, repeated names), timestamps and types;
    partitions and offsets as numbers or numeric strings; in one partition's loop, record by record."""
    shapes: list[dict] = []
    for key in ({}, {"key": None}, {"key": _b64(b"")}, {"key": _b64(b"k\x00\xff")}):
        for value in ({}, {"value": None}, {"value": _b64(b'{"a":1}')}):
            for headers in ({}, {"headers": []}, {"headers": [{"h": [104, 105]}, {"n": None}, {"h": []}]}):
                shapes.append({**key, **value, **headers})
    for kind in ({}, {"timestampType": None}, {"timestampType": "CREATE_TIME"}, {"timestampType": "LOG_APPEND_TIME"},
                 {"timestampType": "NO_TIMESTAMP_TYPE"}, {"timestampType": "SOMETHING_NEW"}):
        for timestamp in ({}, {"timestamp": None}, {"timestamp": 1_700_000_000_000}):
            shapes.append({**kind, **timestamp, "value": _b64(b"v")})
    records = [{"topic": "orders", "partition": 3 if i % 3 else "3", "offset": i if i % 4 else str(i), **shape}
               for i, shape in enumerate(shapes)]
    decoded = decode_kafka_event({"eventSource": "aws:kafka", "records": {"orders-3": records}})
    assert decoded == [_reference(record) for record in records]
    assert [type(r.partition) for r in decoded] == [int] * len(records)


@pytest.mark.parametrize("record", [
    ["not", "an", "object"], "text", None, {"partition": 0, "offset": 1}, {"topic": "t", "offset": 1},
    {"topic": "t", "partition": 0, "offset": "x"}, {"topic": "t", "partition": 0, "offset": 1, "value": 5},
    {"topic": "t", "partition": 0, "offset": 1, "headers": [["h"]]},
])
def test_a_malformed_record_is_a_data_error_naming_its_partition(record: object) -> None:
    with pytest.raises(DataError, match="malformed record in Kafka event partition 't-0'"):
        decode_kafka_event({"eventSource": "aws:kafka", "records": {"t-0": [record]}})


class _Message:
    """What the check's read_committed consumer hands on: a confluent-kafka message's key and value."""

    def __init__(self, key: bytes | None, value: bytes | None) -> None:
        self._key, self._value = key, value

    def key(self) -> bytes | None:
        return self._key

    def value(self) -> bytes | None:
        return self._value


def _shapes() -> list[dict]:
    shapes: list[dict] = []
    for key in ({}, {"key": None}, {"key": _b64(b"")}, {"key": _b64(b"k\x00\xff")}):
        for value in ({}, {"value": None}, {"value": _b64(b"")}, {"value": _b64(b'{"a":1}')}):
            for headers in ({}, {"headers": []}, {"headers": [{"h": [104, 105]}, {"n": None}, {"h": []}]}):
                shapes.append({**key, **value, **headers})
    for kind in ({}, {"timestampType": "LOG_APPEND_TIME"}, {"timestampType": "SOMETHING_NEW"}):
        for timestamp in ({}, {"timestamp": None}, {"timestamp": 1_700_000_000_000}):
            shapes.append({**kind, **timestamp, "value": _b64(b"v")})
    return shapes


def _two_partitions() -> dict:
    shapes = _shapes()
    return {"eventSource": "aws:kafka", "records": {
        "orders-3": [{"topic": "orders", "partition": 3, "offset": i if i % 4 else str(i), **shape}
                     for i, shape in enumerate(shapes)],
        "or-ders-0": [{"topic": "or-ders", "partition": "0", "offset": 100 + i, **shape}
                      for i, shape in enumerate(shapes[::-1])]}}


def test_an_event_read_by_offsets_first_decodes_as_the_whole_event() -> None:
    """``read_kafka_event`` gives each partition's offsets (ints, in event order) without decoding; its records,
    decoded after, with the keys and values a read_committed consumer consumed or from the event, are the records
    ``decode_kafka_event`` gives, record by record."""
    event = _two_partitions()
    whole = decode_kafka_event(event)
    batch = read_kafka_event(event)
    assert batch.size == len(whole)
    assert batch.offsets == {("orders", 3): [r.offset for r in whole if r.topic == "orders"],
                             ("or-ders", 0): [r.offset for r in whole if r.topic == "or-ders"]}
    assert batch.decode() == whole
    consumed = {key: [_Message(r.key, r.value) for r in whole if (r.topic, r.partition) == key]
                for key in batch.offsets}
    assert batch.decode(consumed) == whole
    only_one = {("or-ders", 0): consumed[("or-ders", 0)]}  # the other partition's from the event
    assert batch.decode(only_one) == whole
    assert [type(r.partition) for r in batch.decode(consumed)] == [int] * len(whole)


def test_the_consumed_keys_and_values_are_taken_unless_the_mapping_rewrote_them() -> None:
    """A key or value with ``keySchemaMetadata``/``valueSchemaMetadata`` is the event's (a JSON-format mapping
    rewrites it; SOURCE-format Avro gets Confluent's header back); any other is the one consumed for its offset."""
    records = [
        {"topic": "t", "partition": 0, "offset": 1, "value": _b64(b"event")},
        {"topic": "t", "partition": 0, "offset": 2, "value": _b64(b'{"id": 1}'),
         "valueSchemaMetadata": {"dataFormat": "JSON", "schemaId": "12"}},
        {"topic": "t", "partition": 0, "offset": 3, "value": _b64(b"\x02\x06abc"), "key": _b64(b"\x08"),
         "valueSchemaMetadata": {"dataFormat": "AVRO", "schemaId": "258"},
         "keySchemaMetadata": {"dataFormat": "PROTOBUF", "schemaId": "3"}},
        {"topic": "t", "partition": 0, "offset": 4, "valueSchemaMetadata": {"dataFormat": "AVRO", "schemaId": "1"}},
    ]
    batch = read_kafka_event({"eventSource": "aws:kafka", "records": {"t-0": records}})
    decoded = batch.decode({("t", 0): [_Message(b"k%d" % i, b"consumed-%d" % i) for i in range(1, 5)]})
    assert [r.value for r in decoded] == [b"consumed-1", b'{"id": 1}', b"\x00\x00\x00\x01\x02\x02\x06abc", None]
    assert [r.key for r in decoded] == [b"k1", b"k2", b"\x00\x00\x00\x00\x03\x08", b"k4"]
    with pytest.raises(DataError, match="malformed record in Kafka event partition 't-0'"):
        batch.decode({("t", 0): [_Message(None, b"one message short")] * 3})


@pytest.mark.parametrize("records", [
    {"t-0": [{"topic": "t", "partition": 0, "offset": 1}, {"topic": "t", "partition": 1, "offset": 2}]},
    {"t-0": [{"topic": "t", "partition": 0, "offset": 1}, {"topic": "u", "partition": 0, "offset": 2}]},
    {"t-0": [{"topic": "t", "partition": 0, "offset": 1}], "t-00": [{"topic": "t", "partition": "0", "offset": 2}]},
    {"t-0": [{"topic": "t", "partition": 0, "offset": 1}, {"topic": "t", "partition": "0", "offset": 2}]},
])
def test_an_event_not_of_one_partition_per_group_is_decoded_whole(records: dict) -> None:
    event = {"eventSource": "aws:kafka", "records": records}
    assert read_kafka_event(event).offsets is None
    assert len(decode_kafka_event(event)) == 2


@pytest.mark.parametrize("record", [
    ["not", "an", "object"], "text", None, {"partition": 0, "offset": 1}, {"topic": "t", "offset": 1},
    {"topic": "t", "partition": 0, "offset": "x"}, {"topic": "t", "partition": 0, "offset": 1, "value": 5},
    {"topic": "t", "partition": 0, "offset": 1, "headers": [["h"]]},
])
def test_a_malformed_record_read_by_offsets_is_the_same_data_error(record: object) -> None:
    """Offsets that cannot be read leave the event to ``decode_kafka_event``; a record malformed elsewhere is the
    same ``DataError`` when it is decoded."""
    event = {"eventSource": "aws:kafka", "records": {"t-0": [record]}}
    batch = read_kafka_event(event)
    with pytest.raises(DataError, match="malformed record in Kafka event partition 't-0'"):
        decode_kafka_event(event) if batch.offsets is None else batch.decode()


def test_keys_and_values_only_are_those_of_the_records_decoded_with_the_messages() -> None:
    """``keys_and_values_only``: for records without headers or schema metadata (every key, value, timestamp and
    partition shape, two partitions), the keys and values of ``decode`` with the same messages, in the same order."""
    plain = [shape for shape in _shapes() if not shape.get("headers")]
    event = {"eventSource": "aws:kafka", "records": {
        "orders-3": [{"topic": "orders", "partition": 3, "offset": i if i % 4 else str(i), **shape}
                     for i, shape in enumerate(plain)],
        "or-ders-0": [{"topic": "or-ders", "partition": "0", "offset": 100 + i, **shape}
                      for i, shape in enumerate(plain[::-1])]}}
    batch = read_kafka_event(event)
    assert batch.offsets is not None
    consumed = {key: [_Message(b"k%d-%d" % (n, i) if i % 3 else None, b"v%d-%d" % (n, i) if i % 5 else None)
                      for i in range(len(found))] for n, (key, found) in enumerate(batch.offsets.items())}
    decoded = batch.decode(consumed)
    assert keys_and_values_only(batch, consumed) == ([r.key for r in decoded], [r.value for r in decoded])
    assert keys_and_values_only(batch, consumed)[1][:2] == [None, b"v0-1"]


@pytest.mark.parametrize("extra", [
    {"headers": [{"h": [104]}]}, {"headers": [{"n": None}]}, {"headers": "text"},
    {"valueSchemaMetadata": {"dataFormat": "JSON", "schemaId": "12"}},
    {"keySchemaMetadata": {"dataFormat": "AVRO", "schemaId": "258"}}, {"valueSchemaMetadata": None},
    {"timestampType": ["CREATE_TIME"]}, {"timestampType": {"a": 1}},
])
def test_records_holding_more_than_keys_and_values_have_no_keys_and_values_only(extra: dict) -> None:
    """A record with headers or a schema registry's metadata, or one whose decoding could fail, anywhere in the
    batch: None (the batch is decoded); records with empty or null headers are plain."""
    records = [{"topic": "t", "partition": 0, "offset": i, "value": _b64(b"v"), "headers": [] if i % 2 else None}
               for i in range(5)]
    messages = {("t", 0): [_Message(None, b"v")] * 5}
    batch = read_kafka_event({"eventSource": "aws:kafka", "records": {"t-0": records}})
    assert keys_and_values_only(batch, messages) == ([None] * 5, [b"v"] * 5)
    records[3] = {**records[3], **extra}
    batch = read_kafka_event({"eventSource": "aws:kafka", "records": {"t-0": records}})
    assert keys_and_values_only(batch, messages) is None


def test_a_batch_without_every_message_or_read_whole_has_no_keys_and_values_only() -> None:
    records = [{"topic": "t", "partition": 0, "offset": i, "value": _b64(b"v")} for i in range(3)]
    batch = read_kafka_event({"eventSource": "aws:kafka", "records": {"t-0": records}})
    assert keys_and_values_only(batch, {("t", 0): [_Message(None, b"v")] * 2}) is None
    assert keys_and_values_only(batch, {("t", 1): [_Message(None, b"v")] * 3}) is None
    assert keys_and_values_only(batch._replace(offsets=None), {("t", 0): [_Message(None, b"v")] * 3}) is None


def test_messages_of_another_class_in_one_partition_have_no_keys_and_values_only() -> None:
    """The messages' own class's methods read them all: a message of another class makes it None (decoded)."""

    class Other:
        def value(self) -> bytes:
            return b"v"

    records = [{"topic": "t", "partition": 0, "offset": i, "value": _b64(b"v")} for i in range(2)]
    batch = read_kafka_event({"eventSource": "aws:kafka", "records": {"t-0": records}})
    assert keys_and_values_only(batch, {("t", 0): [_Message(None, b"v"), Other()]}) is None
