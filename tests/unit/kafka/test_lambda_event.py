"""Lambda Kafka events, including the shapes an event source mapping with a schema registry delivers."""

from __future__ import annotations

import base64
import json

from connect_core.kafka.lambda_event import decode_kafka_event


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
