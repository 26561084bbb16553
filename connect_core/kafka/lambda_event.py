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
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from connect_core.api.consumed_record import ConsumedRecord
from connect_core.api.errors import DataError

__all__ = ["EVENT_SOURCES", "LOCAL_CLUSTER_ARN", "build_event", "decode_kafka_event", "event_record", "is_kafka_event",
           "payload_size"]

EVENT_SOURCES = ("aws:kafka", "SelfManagedKafka", "aws:SelfManagedKafka")
LOCAL_CLUSTER_ARN = "arn:aws:kafka:us-east-1:000000000000:cluster/local/00000000-0000-0000-0000-0"
_new_tuple = tuple.__new__
_b64decode = binascii.a2b_base64  # what base64.b64decode calls, without its argument re-wrapping
_FRAMED_FORMATS = frozenset({"AVRO", "PROTOBUF"})  # what SOURCE delivers without Confluent's header
# Lambda spells the timestamp type as the Java enum constant; Connect records use TimestampType.toString().
_TIMESTAMP_TYPES = {
    "CREATE_TIME": "CreateTime", "LOG_APPEND_TIME": "LogAppendTime", "NO_TIMESTAMP_TYPE": "NoTimestampType",
}


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


def decode_kafka_event(event: dict[str, Any]) -> list[ConsumedRecord]:
    """All records of the batch, partition by partition, each partition in offset order."""
    if not is_kafka_event(event):
        raise DataError(
            f"not a Lambda Kafka event: eventSource must be one of {', '.join(EVENT_SOURCES)} and 'records' present"
        )
    consumed: list[ConsumedRecord] = []
    for group, records in event["records"].items():
        try:
            consumed.extend(_decode_all(records))
        except (AttributeError, KeyError, TypeError, ValueError) as error:  # a record or header of another shape
            raise DataError(f"malformed record in Kafka event partition {group!r}: {error!r}") from error
    return consumed


def _decode_all(records: list[dict[str, Any]]) -> list[ConsumedRecord]:
    """One partition's records in one loop (names bound once, the tuple built without ``__new__``'s call; fields
    read by subscript, which the interpreter specialises for dicts, not by ``dict.get`` calls: those every event
    carries (value, timestamp and its type, headers) in a ``try`` block, which costs nothing until a field is
    missing, one look-up instead of ``in`` and subscript; the often absent key by ``in``, since a raised
    ``KeyError`` costs more than both; the partition and offset, ints in every event, converted only when they
    are not)."""
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


def _restore_header(data: bytes, metadata: dict[str, Any] | None) -> bytes:
    """Confluent's magic byte and schema id in front of SOURCE-format Avro/Protobuf data (see the module doc)."""
    if not metadata or metadata.get("dataFormat") not in _FRAMED_FORMATS:
        return data
    schema_id = str(metadata.get("schemaId") or "")
    if not schema_id.isdigit():
        return data  # a Glue schema version id: no Confluent framing to restore
    return b"\x00" + int(schema_id).to_bytes(4, "big") + data
