"""A Lambda Kafka event's decoding (whole records by ``_decode_all`` and ``_decode_with_messages``, keys and values
alone column by column by ``event_columns``) against the plain reference (``_decode_reference``), on events built
from real consumed messages."""

from __future__ import annotations

import base64
import uuid
from typing import TYPE_CHECKING, Any

import pytest

from connect_core.kafka import lambda_event
from connect_core.kafka.lambda_event import build_event, decode_kafka_event, read_kafka_event
from tests.integration.functions._sink_harness import KafkaTopics, Out

if TYPE_CHECKING:
    from connect_core.api.consumed_record import ConsumedRecord

pytestmark = pytest.mark.integration


def _consumed(topics: KafkaTopics, *, keyed: bool, headers: bool) -> list[Any]:
    """Three partitions of one topic: null keys and values (tombstones), empty ones, bytes that are not text,
    set and broker timestamps and, if ``headers``, headers with null and empty values on some records."""
    topic = topics.create(f"lev-{uuid.uuid4().hex[:8]}", partitions=3)
    out = []
    for i in range(90):
        key = None if not keyed or i % 4 == 0 else (b"" if i % 9 == 1 else b"k\x00\xff%d" % i)
        value = None if i % 7 == 0 else (b"" if i % 11 == 2 else b'{"line": %d, "t": "\xc3\xa9"}' % i)
        found: list[Any] = [("h", b"\x01"), ("n", None), ("e", b""), ("h", b"2")] if headers and i % 5 == 3 else []
        out.append(Out(key, value, headers=found, timestamp=1_700_000_000_000 + i if i % 2 else None,
                       partition=i % 3))
    topics.produce(topic, out)
    return topics.consume(topic, len(out), partitions=3)


def _reference(event: dict[str, Any]) -> list[ConsumedRecord]:
    out: list[ConsumedRecord] = []
    for records in event["records"].values():
        out.extend(lambda_event._decode_reference(records))
    return out


@pytest.mark.parametrize(("keyed", "headers"), [(True, True), (False, False), (True, False)])
@pytest.mark.parametrize("source", ["aws:kafka", "SelfManagedKafka"])
def test_an_event_of_real_messages_decodes_as_the_reference_reads_it(
        topics: KafkaTopics, source: str, keyed: bool, headers: bool) -> None:
    """Every field of every record agrees, the partitions' order kept; keys, values, offsets, timestamps and
    headers are those the consumer read (a header's null value the event carries as an empty list)."""
    messages = _consumed(topics, keyed=keyed, headers=headers)
    event = build_event(messages, topics.bootstrap, event_source=source)
    assert len(event["records"]) == 3
    decoded = decode_kafka_event(event)
    assert decoded == _reference(event)
    assert [type(r.headers) for r in decoded] == [list] * len(decoded)
    by_offset = {(m.topic(), m.partition(), m.offset()): m for m in messages}
    for record in decoded:
        message = by_offset[record.topic, record.partition, record.offset]
        assert (record.key, record.value, record.timestamp) == (message.key(), message.value(),
                                                                message.timestamp()[1])
        assert record.headers == [(name, value or b"") for name, value in message.headers() or []]
    assert sum(bool(r.headers) for r in decoded) == (18 if headers else 0)
    assert sum(r.key is None for r in decoded) > 0 and sum(r.value is None for r in decoded) > 0


def test_an_event_read_with_the_consumed_messages_decodes_as_the_reference(topics: KafkaTopics) -> None:
    """``_decode_with_messages`` (keys and values from the messages) gives the reference's records; a key or value a
    schema registry's mapping rewrote (SOURCE format Avro without Confluent's header) comes from the event."""
    messages = _consumed(topics, keyed=True, headers=True)
    event = build_event(messages, topics.bootstrap)
    rewritten = 0
    for records in event["records"].values():
        for record in records[::4]:
            if record.get("value") is not None:  # what SOURCE delivers: the data after the 5-byte header
                raw = b"\x00\x00\x00\x01\x02" + base64.b64decode(record["value"])
                record["value"] = base64.b64encode(raw[5:]).decode()
                record["valueSchemaMetadata"] = {"dataFormat": "AVRO", "schemaId": "258"}
                rewritten += 1
        records[1]["keySchemaMetadata"] = {"dataFormat": "JSON", "schemaId": "3"}
    batch = read_kafka_event(event)
    assert batch.offsets is not None
    by_offset = {(m.topic(), m.partition(), m.offset()): m for m in messages}
    taken = {(topic, partition): [by_offset[topic, partition, offset] for offset in offsets]
             for (topic, partition), offsets in batch.offsets.items()}
    with_messages = batch.decode(taken)
    reference = _reference(event)
    assert rewritten > 0
    assert with_messages == reference == decode_kafka_event(event)
    assert sum(r.value is not None and r.value.startswith(b"\x00\x00\x00\x01\x02") for r in reference) >= rewritten


@pytest.mark.parametrize("keyed", [True, False])
def test_an_events_keys_and_values_alone_are_those_of_its_records(topics: KafkaTopics, keyed: bool) -> None:
    """``event_columns`` of an event without headers gives its records' keys and values in their order, and
    ``SinkBatch.of_event`` hands them over with the records (made only when asked) and each partition's offsets."""
    from connect_core.kafka.lambda_event import event_columns
    from connect_core.runtime.sink_batch import SinkBatch

    event = build_event(_consumed(topics, keyed=keyed, headers=False), topics.bootstrap)
    records = _reference(event)
    assert event_columns(read_kafka_event(event)) == ([r.key for r in records], [r.value for r in records])
    batch = SinkBatch.of_event(event)
    assert batch.columns() == ([r.key for r in records], [r.value for r in records])
    assert list(batch) == records
    assert batch.runs == {(r.topic, r.partition): [o.offset for o in records if o.partition == r.partition]
                          for r in records}


def test_an_event_with_headers_or_metadata_has_no_keys_and_values_alone(topics: KafkaTopics) -> None:
    from connect_core.kafka.lambda_event import event_columns
    from connect_core.runtime.sink_batch import SinkBatch

    with_headers = build_event(_consumed(topics, keyed=True, headers=True), topics.bootstrap)
    assert event_columns(read_kafka_event(with_headers)) is None
    assert SinkBatch.of_event(with_headers).columns() is None
    plain = build_event(_consumed(topics, keyed=True, headers=False), topics.bootstrap)
    next(iter(plain["records"].values()))[3]["valueSchemaMetadata"] = {"dataFormat": "JSON", "schemaId": "1"}
    assert event_columns(read_kafka_event(plain)) is None


def test_a_value_that_is_not_base64_is_the_data_error_decoding_names() -> None:
    from connect_core.api.errors import DataError
    from connect_core.kafka.lambda_event import event_columns

    event = {"eventSource": "aws:kafka", "records": {"t-0": [
        {"topic": "t", "partition": 0, "offset": 1, "value": "aGk="},
        {"topic": "t", "partition": 0, "offset": 2, "value": "a"}]}}
    with pytest.raises(DataError, match="malformed record in Kafka event partition 't-0'") as columns:
        event_columns(read_kafka_event(event))
    with pytest.raises(DataError) as whole:
        decode_kafka_event(event)
    assert str(columns.value) == str(whole.value)
