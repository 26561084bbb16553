"""Decode a Lambda Kafka event (MSK ``aws:kafka`` or ``SelfManagedKafka``) into consumed records, and build one from
consumed confluent-kafka messages (what the emulated mappings and the pull-mode sink tasks send).

Records arrive grouped by ``"<topic>-<partition>"``, base64 key (absent for a null key) and value, headers as a
list of one-entry objects whose value is a list of byte values. What comes out is exactly what a Kafka consumer
would have handed a Connect worker, so the dead letter queue can write the original bytes back.

An event source mapping with a schema registry (``SchemaRegistryConfig``) adds ``keySchemaMetadata`` /
``valueSchemaMetadata`` (``dataFormat``, ``schemaId``) to each record. With ``EventRecordFormat: SOURCE`` it strips
Confluent's wire-format header from Avro and Protobuf data: the header is put back from ``schemaId`` (a Confluent
registry's numeric id), so the record is the Kafka record again and ``AvroConverter``/``ProtobufConverter`` read it
as on a Connect worker. ``EventRecordFormat: JSON`` (``dataFormat`` JSON) delivers plain JSON, which is handed on
as is (read it with ``JsonConverter`` and ``schemas.enable=false``); so are Glue registry ids (UUIDs).

A sink that checks its batches against a ``read_committed`` consumer reads the event in two steps
(:func:`read_kafka_event`, then :func:`decode_event_batch`): the check starts from the offsets, and a batch it finds
wholly committed takes its keys and values from the messages the check consumed (the same bytes: a Kafka record at
an offset never changes) instead of ``a2b_base64`` of the event's text. A batch whose records carry only keys and
values has those decoded column by column (:func:`event_columns`: one ``map`` of ``a2b_base64`` in C per partition),
its records made only if something asks for them.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import json
import operator
from typing import TYPE_CHECKING, Any, NamedTuple

from connect_core.api.consumed_record import ConsumedRecord
from connect_core.api.errors import DataError

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

__all__ = ["EVENT_SOURCES", "LOCAL_CLUSTER_ARN", "EventBatch", "build_event", "decode_event_batch",
           "decode_kafka_event", "event_columns", "event_record", "is_kafka_event", "keys_and_values_only",
           "payload_size", "read_kafka_event"]

EVENT_SOURCES = ("aws:kafka", "SelfManagedKafka", "aws:SelfManagedKafka")
LOCAL_CLUSTER_ARN = "arn:aws:kafka:us-east-1:000000000000:cluster/local/00000000-0000-0000-0000-0"
_b64decode = binascii.a2b_base64  # what base64.b64decode calls, without its argument re-wrapping
_new_tuple = tuple.__new__
_TOPIC, _PARTITION = operator.itemgetter("topic"), operator.itemgetter("partition")
_OFFSET = operator.itemgetter("offset")
_dict_get, _dict_has, _repeat = dict.get, dict.__contains__, itertools.repeat
_FRAMED_FORMATS = frozenset({"AVRO", "PROTOBUF"})  # what SOURCE delivers without Confluent's header
# Lambda spells the timestamp type as the Java enum constant; Connect records use TimestampType.toString().
_TIMESTAMP_TYPES = {
    "CREATE_TIME": "CreateTime", "LOG_APPEND_TIME": "LogAppendTime", "NO_TIMESTAMP_TYPE": "NoTimestampType",
}
_KIND_NAMES: dict[Any, str] = {None: "CreateTime", **_TIMESTAMP_TYPES}  # an absent or null type: CreateTime


def is_kafka_event(event: Any) -> bool:
    """Whether ``event`` looks like an event source mapping's Kafka batch."""
    return isinstance(event, dict) and event.get("eventSource") in EVENT_SOURCES and "records" in event


def event_record(message: Any) -> dict[str, Any]:
    """One consumed confluent-kafka message as a record of Lambda's Kafka event (base64 key and value)."""
    timestamp_type, timestamp = message.timestamp()
    record: dict[str, Any] = {
        "topic": message.topic(), "partition": message.partition(), "offset": message.offset(),
        "timestamp": timestamp, "timestampType": "LOG_APPEND_TIME" if timestamp_type == 2 else "CREATE_TIME",
        "headers": [{name: list(value or b"")} for name, value in (message.headers() or [])],
    }
    if message.key() is not None:
        record["key"] = base64.b64encode(message.key()).decode()
    if message.value() is not None:
        record["value"] = base64.b64encode(message.value()).decode()
    return record


def build_event(messages: list[Any], bootstrap_servers: str, event_source: str = "aws:kafka",
                event_source_arn: str = LOCAL_CLUSTER_ARN) -> dict[str, Any]:
    """The Lambda payload for consumed confluent-kafka messages (MSK or ``SelfManagedKafka`` shape)."""
    records: dict[str, list[dict[str, Any]]] = {}
    for message in messages:
        records.setdefault(f"{message.topic()}-{message.partition()}", []).append(event_record(message))
    event: dict[str, Any] = {"eventSource": event_source, "bootstrapServers": bootstrap_servers, "records": records}
    if event_source == "aws:kafka":
        event["eventSourceArn"] = event_source_arn
    return event


def payload_size(message: Any) -> int:
    """What one message adds to the invocation payload: its record's JSON (base64 values, headers as byte lists, as
    Lambda counts it) plus a separator, and its partition's key the first time (counted for every record: a bound)."""
    return len(json.dumps(event_record(message))) + len(message.topic()) + 16


def _require_kafka_event(event: dict[str, Any]) -> None:
    if not is_kafka_event(event):
        raise DataError(
            f"not a Lambda Kafka event: eventSource must be one of {', '.join(EVENT_SOURCES)} and 'records' present"
        )


_MALFORMED = (AttributeError, KeyError, TypeError, ValueError)  # what a record or header of another shape raises


def _malformed(group: str, error: Exception) -> DataError:
    return DataError(f"malformed record in Kafka event partition {group!r}: {error!r}")


def decode_kafka_event(event: dict[str, Any]) -> list[ConsumedRecord]:
    """All records of the batch, partition by partition, each partition in offset order."""
    _require_kafka_event(event)
    consumed: list[ConsumedRecord] = []
    for group, records in event["records"].items():
        try:
            consumed.extend(_decode_all(records))
        except _MALFORMED as error:  # a record or header of another shape
            raise _malformed(group, error) from error
    return consumed


class EventBatch(NamedTuple):
    """A Lambda Kafka event read in two steps: the offsets per partition first (what the read_committed check
    starts from), the records after (:func:`decode_event_batch`, with the keys and values the check consumed)."""

    groups: list[tuple[str, str, int, list[int], list[dict[str, Any]]]]  # (group, topic, partition, offsets, records)
    offsets: dict[tuple[str, int], list[int]] | None  # per partition in event order; None: decode the event whole
    size: int  # how many records

    def decode(self, consumed: Mapping[tuple[str, int], Sequence[Any]] | None = None) -> list[ConsumedRecord]:
        """The batch's records (see :func:`decode_event_batch`)."""
        return decode_event_batch(self, consumed)


def read_kafka_event(event: dict[str, Any]) -> EventBatch:
    """The event's records per partition and their offsets, without decoding a record (a few passes in C per
    partition). A group whose records are not all of one topic and partition, two groups of one partition or a
    record without those fields give ``offsets`` None: such an event is decoded whole (:func:`decode_kafka_event`),
    which also names what is malformed."""
    _require_kafka_event(event)
    groups: list[tuple[str, str, int, list[int], list[dict[str, Any]]]] = []
    offsets: dict[tuple[str, int], list[int]] | None = {}
    size = 0
    try:
        for group, records in event["records"].items():
            size += len(records)
            if not records:
                continue
            topics, partitions = set(map(_TOPIC, records)), set(map(_PARTITION, records))
            if len(topics) != 1 or len(partitions) != 1:
                offsets = None
                continue
            (topic,), (partition,) = topics, partitions
            if partition.__class__ is not int:
                partition = int(partition)
            found = list(map(_OFFSET, records))
            if set(map(type, found)) != {int}:  # ints in every event; converted as _decode_all does
                found = [offset if offset.__class__ is int else int(offset) for offset in found]
            if offsets is not None:
                if (topic, partition) in offsets or not isinstance(topic, str):
                    offsets = None
                else:
                    offsets[topic, partition] = found
            groups.append((group, topic, partition, found, records))
    except _MALFORMED:  # a record of another shape: decoded whole, named there
        offsets = None
    return EventBatch(groups, offsets, size)


def decode_event_batch(batch: EventBatch, consumed: Mapping[tuple[str, int], Sequence[Any]] | None = None
                       ) -> list[ConsumedRecord]:
    """The records of an event :func:`read_kafka_event` read, as :func:`decode_kafka_event` gives them.

    ``consumed``: per partition, the confluent-kafka message of each of its records in event order, as a
    ``read_committed`` consumer consumed them (the check's: a Kafka record at an offset never changes, so their
    keys and values are the event's bytes, and ``a2b_base64`` of each is saved); a
    partition not in it, and a key or value a schema registry's mapping rewrote (``keySchemaMetadata``,
    ``valueSchemaMetadata``), is decoded from the event. The timestamps and headers always come from the event."""
    if batch.offsets is None:
        raise DataError("the event's records are not one partition per group: decode the event whole")
    out: list[ConsumedRecord] = []
    for group, topic, partition, offsets, records in batch.groups:
        taken = None if consumed is None else consumed.get((topic, partition))
        try:
            if taken is None:
                out.extend(_decode_all(records))
            else:  # (zip's strict ValueError: not one message a record)
                out.extend(_decode_with_messages(records, topic, partition, offsets, taken))
        except _MALFORMED as error:  # a record or header of another shape
            raise _malformed(group, error) from error
    return out


def event_columns(batch: EventBatch) -> tuple[list[bytes | None], list[bytes | None]] | None:
    """The keys and the values of every record of ``batch`` (in the order :func:`decode_event_batch` gives the
    records), base64 decoded column by column, when the records hold nothing else a sink could be handed (no
    headers, no schema registry's metadata) and every timestamp type is hashable, so that decoding the batch later
    (:meth:`EventBatch.decode`) cannot fail; None otherwise. A key or value that is not base64 raises the
    :class:`DataError` the decoding would."""
    if batch.offsets is None:
        return None
    keys: list[bytes | None] = []
    values: list[bytes | None] = []
    for group, _topic, _partition, _offsets, records in batch.groups:
        try:
            if any(map(_dict_get, records, _repeat("headers"))) \
                    or any(map(_dict_has, records, _repeat("keySchemaMetadata"))) \
                    or any(map(_dict_has, records, _repeat("valueSchemaMetadata"))):
                return None
            set(map(_dict_get, records, _repeat("timestampType")))  # the decoding looks each one up
            keys += _base64_column(records, "key")
            values += _base64_column(records, "value")
        except _MALFORMED as error:  # a key or value that is no base64 text
            raise _malformed(group, error) from error
    return keys, values


def keys_and_values_only(batch: EventBatch, consumed: Mapping[tuple[str, int], Sequence[Any]]
                  ) -> tuple[list[bytes | None], list[bytes | None]] | None:
    """The keys and the values of every record of ``batch`` (in the order :func:`decode_event_batch` gives the
    records), taken from ``consumed`` (the check's message of each record per partition, event order), when the
    records hold nothing else a sink could be handed: no record has headers or a schema registry's metadata (a key
    or value the mapping rewrote), and decoding the batch with these messages could not fail (every record a dict,
    every timestamp type hashable); None otherwise (decode the batch). A few passes in C per partition: what a task
    that reads nothing of a record but its key and value needs, without a ``ConsumedRecord`` each."""
    if batch.offsets is None:
        return None
    keys: list[bytes | None] = []
    values: list[bytes | None] = []
    for _group, topic, partition, _offsets, records in batch.groups:
        messages = consumed.get((topic, partition))
        if messages is None or len(messages) != len(records):
            return None
        try:
            if any(map(_dict_get, records, _repeat("headers"))) \
                    or any(map(_dict_has, records, _repeat("keySchemaMetadata"))) \
                    or any(map(_dict_has, records, _repeat("valueSchemaMetadata"))):
                return None
            set(map(_dict_get, records, _repeat("timestampType")))  # the decoding looks each one up
            # the message class's own methods, called in C (a methodcaller would look each one up per call)
            kind = type(messages[0])
            keys += map(kind.key, messages)
            values += map(kind.value, messages)
        except (AttributeError, TypeError):  # a record that is no dict, an unhashable timestamp type (decoded and
            return None  # named there), a message of another class
    return keys, values


def _decode_with_messages(records: list[dict[str, Any]], topic: str, partition: int, offsets: list[int],
                  messages: Sequence[Any]) -> list[ConsumedRecord]:
    """One partition's records with their consumed messages (:func:`decode_event_batch`); otherwise
    :func:`_decode_all`'s loop, the topic, partition and offsets those :func:`read_kafka_event` read."""
    out: list[ConsumedRecord] = []
    append, b64, restore, new, types = out.append, _b64decode, _restore_header, _new_tuple, _TIMESTAMP_TYPES
    for record, offset, message in zip(records, offsets, messages, strict=True):
        if "keySchemaMetadata" in record:  # the mapping may have rewritten it: the event's bytes
            key = record["key"] if "key" in record else None
            if key is not None:
                key = restore(b64(key), record["keySchemaMetadata"])
        else:
            key = message.key()
        value = message.value()
        if "valueSchemaMetadata" in record:  # the mapping may have rewritten it (JSON format): the event's bytes
            value = record["value"] if "value" in record else None
            if value is not None:
                value = restore(b64(value), record["valueSchemaMetadata"])
        try:
            kind = record["timestampType"]
        except KeyError:
            kind = None
        try:
            headers = record["headers"]
        except KeyError:
            headers = None
        try:
            timestamp = record["timestamp"]
        except KeyError:
            timestamp = None
        append(new(ConsumedRecord, (
            topic, partition, offset, timestamp,
            "CreateTime" if kind is None or kind == "CREATE_TIME" else types.get(kind, "CreateTime"), key, value,
            [(name, None if raw is None else bytes(raw)) for header in headers for name, raw in header.items()]
            if headers else [],
        )))
    return out


def _decode_all(records: list[dict[str, Any]]) -> list[ConsumedRecord]:
    """One partition's records in one loop (names bound once, the tuple built without ``__new__``'s call; fields
    read by subscript, which the interpreter specialises for dicts, not by ``dict.get`` calls: those every event
    carries (value, timestamp and its type, headers) in a ``try`` block, which costs nothing until a field is
    missing, one look-up instead of ``in`` and subscript; the often absent key by ``in``, since a raised
    ``KeyError`` costs more than both; the partition and offset, ints in every event, converted only when they
    are not). Record by record: on CPython 3.11 this loop makes whole records faster than columns zipped into
    tuples; columns pay where the keys and values alone are needed (:func:`event_columns`). Compared with
    :func:`_decode_reference` in a test."""
    out: list[ConsumedRecord] = []
    append, b64, restore, new, types = out.append, _b64decode, _restore_header, _new_tuple, _TIMESTAMP_TYPES
    for record in records:
        key = record["key"] if "key" in record else None
        if key is not None:
            key = b64(key)
            if "keySchemaMetadata" in record:
                key = restore(key, record["keySchemaMetadata"])
        try:
            value = record["value"]
        except KeyError:
            value = None
        if value is not None:
            value = b64(value)
            if "valueSchemaMetadata" in record:
                value = restore(value, record["valueSchemaMetadata"])
        try:
            kind = record["timestampType"]
        except KeyError:
            kind = None
        try:
            headers = record["headers"]
        except KeyError:
            headers = None
        try:
            timestamp = record["timestamp"]
        except KeyError:
            timestamp = None
        partition, offset = record["partition"], record["offset"]
        append(new(ConsumedRecord, (
            record["topic"], partition if partition.__class__ is int else int(partition),
            offset if offset.__class__ is int else int(offset), timestamp,
            "CreateTime" if kind is None or kind == "CREATE_TIME" else types.get(kind, "CreateTime"), key, value,
            [(name, None if raw is None else bytes(raw)) for header in headers for name, raw in header.items()]
            if headers else [],
        )))
    return out


def _base64_column(records: list[dict[str, Any]], field: str) -> list[bytes | None]:
    """One field of every record, base64 decoded (absent or null: None); one ``map`` in C when none is null."""
    texts: list[Any] = list(map(_dict_get, records, _repeat(field)))
    if all(texts):  # no null (and no empty text, which decodes to b"" below)
        decoded: list[bytes | None] = list(map(_b64decode, texts))
        return decoded
    b64 = _b64decode
    return [None if text is None else b64(text) for text in texts]


def _headers(headers: list[dict[str, Any]]) -> list[tuple[str, bytes | None]]:
    """A record's headers: one-entry objects whose value is a list of byte values (null: a null value)."""
    return [(name, None if raw is None else bytes(raw)) for header in headers for name, raw in header.items()]


def _decode_reference(records: list[dict[str, Any]]) -> list[ConsumedRecord]:
    """One partition's records decoded field by field as the event format reads, plainly (the reference that
    :func:`_decode_all`, :func:`_decode_with_messages` and :func:`event_columns` are compared with)."""
    out: list[ConsumedRecord] = []
    for record in records:
        partition, offset = record["partition"], record["offset"]
        key, value = record.get("key"), record.get("value")
        if key is not None:
            key = _restore_header(_b64decode(key), record.get("keySchemaMetadata"))
        if value is not None:
            value = _restore_header(_b64decode(value), record.get("valueSchemaMetadata"))
        out.append(ConsumedRecord(
            record["topic"], partition if partition.__class__ is int else int(partition),
            offset if offset.__class__ is int else int(offset), record.get("timestamp"),
            _KIND_NAMES.get(record.get("timestampType"), "CreateTime"), key, value,
            _headers(record["headers"]) if record.get("headers") else [],
        ))
    return out


def _restore_header(data: bytes, metadata: dict[str, Any] | None) -> bytes:
    """Confluent's magic byte and schema id in front of SOURCE-format Avro/Protobuf data (see the module doc)."""
    if not metadata or metadata.get("dataFormat") not in _FRAMED_FORMATS:
        return data
    schema_id = str(metadata.get("schemaId") or "")
    if not schema_id.isdigit():
        return data  # a Glue schema version id: no Confluent framing to restore
    return b"\x00" + int(schema_id).to_bytes(4, "big") + data
