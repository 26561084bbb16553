"""DocumentBuilder, index naming, mapping inference and the Connect -> JSON data shapes they rely on."""

from __future__ import annotations

import datetime as dt
import decimal
import json
from typing import Any

import pytest

from connect_core.api import DataError, SchemaBuilder, SinkRecord, Struct
from connect_core.api.config import parse_config
from connect_core.api.data_json import to_json_data
from connect_core.api.logical import Date, Decimal, Timestamp
from connect_core.api.schema import INT64_SCHEMA, STRING_SCHEMA
from connect_core.connectors.elasticsearch._document import DocumentBuilder, index_name
from connect_core.connectors.elasticsearch._mapping import infer_mapping
from connect_core.connectors.elasticsearch.config import ElasticsearchSinkConfig

VALUE_SCHEMA = (
    SchemaBuilder.struct()
    .name("order")
    .field("id", INT64_SCHEMA)
    .field("status", SchemaBuilder.string().optional().build())
    .field("amount", Decimal.schema(2))
    .field("tags", SchemaBuilder.map(STRING_SCHEMA, INT64_SCHEMA).optional().build())
    .build()
)


def _config(**props: str) -> ElasticsearchSinkConfig:
    return parse_config(ElasticsearchSinkConfig, {"connection.url": "http://localhost:9200", **props})


def _struct(status: str = "NEW") -> Struct:
    return (
        Struct(VALUE_SCHEMA)
        .put("id", 7)
        .put("status", status)
        .put("amount", decimal.Decimal("12.30"))
        .put("tags", {"a": 1})
    )


def _record(value: Any, key: Any = "k1", offset: int = 42, topic: str = "Orders") -> SinkRecord:
    schema = VALUE_SCHEMA if isinstance(value, Struct) else None
    return SinkRecord(topic, 3, STRING_SCHEMA if isinstance(key, str) else None, key, schema, value, offset)


def _lines(config: ElasticsearchSinkConfig, record: SinkRecord) -> list[dict[str, Any]]:
    action = DocumentBuilder(config).build(record)
    assert action is not None
    return [json.loads(line) for line in action.lines.decode().splitlines()]


def test_index_name_follows_confluent_rules() -> None:
    assert index_name("Orders") == "orders"
    assert index_name("_private") == "private"
    assert index_name("..") == "dotdot"
    assert len(index_name("x" * 300)) == 255


def test_insert_uses_key_as_id_and_offset_as_external_version() -> None:
    meta, doc = _lines(_config(), _record(_struct()))
    assert meta == {"index": {"_index": "orders", "_id": "k1", "version_type": "external", "version": 42}}
    assert doc == {"id": 7, "status": "NEW", "amount": 12.3, "tags": {"a": 1}}


def test_key_ignore_uses_topic_partition_offset_without_version() -> None:
    meta, _ = _lines(_config(**{"key.ignore": "true"}), _record(_struct(), key=None))
    assert meta == {"index": {"_index": "orders", "_id": "Orders+3+42"}}


def test_topic_key_ignore_applies_per_topic() -> None:
    config = _config(**{"topic.key.ignore": "Orders"})
    assert _lines(config, _record(_struct()))[0]["index"]["_id"] == "Orders+3+42"
    assert _lines(config, _record(_struct(), topic="other"))[0]["index"]["_id"] == "k1"


def test_upsert_is_a_partial_update_without_version() -> None:
    meta, body = _lines(_config(**{"write.method": "upsert"}), _record({"status": "PAID"}))
    assert meta == {"update": {"_index": "orders", "_id": "k1", "retry_on_conflict": 5}}
    assert body == {"doc": {"status": "PAID"}, "doc_as_upsert": True}


@pytest.mark.parametrize(("in_flight", "retries"), [("2", 2), ("1000", 5)])
def test_max_in_flight_requests_bounds_retry_on_conflict_of_upserts(in_flight: str, retries: int) -> None:
    """Confluent: ``retryOnConflict(Math.min(maxInFlightRequests, 5))``: as many writers of a document as requests."""
    config = _config(**{"write.method": "upsert", "max.in.flight.requests": in_flight})
    assert _lines(config, _record({"status": "PAID"}))[0]["update"]["retry_on_conflict"] == retries


def test_tombstone_deletes_with_version_when_configured() -> None:
    (meta,) = _lines(_config(**{"behavior.on.null.values": "delete"}), _record(None))
    assert meta == {"delete": {"_index": "orders", "_id": "k1", "version_type": "external", "version": 42}}


def test_tombstone_is_skipped_on_ignore_or_without_key() -> None:
    assert DocumentBuilder(_config(**{"behavior.on.null.values": "ignore"})).build(_record(None)) is None
    assert DocumentBuilder(_config(**{"behavior.on.null.values": "delete"})).build(_record(None, key=None)) is None


def test_tombstone_fails_by_default() -> None:
    with pytest.raises(DataError, match="behavior.on.null.values"):
        DocumentBuilder(_config()).build(_record(None))


@pytest.mark.parametrize(
    ("key", "message"), [(None, "can not be null"), ("", "can not be empty"), (1.5, "not supported")]
)
def test_bad_keys_are_data_errors(key: Any, message: str) -> None:
    with pytest.raises(DataError, match=message):
        DocumentBuilder(_config()).build(_record({"a": 1}, key=key))


def test_external_version_header_replaces_offset() -> None:
    record = _record({"a": 1})
    record.headers.add("ver", "1700")
    meta, _ = _lines(_config(**{"external.version.header": "ver"}), record)
    assert meta["index"]["version"] == 1700


def test_schema_ignore_keeps_json_converter_shapes() -> None:
    _, doc = _lines(_config(**{"schema.ignore": "true"}), _record(_struct()))
    assert doc["amount"] == "BM4="  # base64 of the unscaled 1230, as JsonConverter's default decimal.format


def test_non_compact_maps_become_key_value_entries() -> None:
    _, doc = _lines(_config(**{"compact.map.entries": "false"}), _record(_struct()))
    assert doc["tags"] == [{"key": "a", "value": 1}]


def test_data_stream_name_op_and_timestamp() -> None:
    config = _config(**{"data.stream.type": "logs", "data.stream.dataset": "app"})
    record = SinkRecord("Orders", 0, None, "k", None, {"a": 1}, 5, timestamp=1000)
    meta, doc = _lines(config, record)
    assert meta == {"create": {"_index": "logs-app-orders", "_id": "k"}}
    assert doc == {"a": 1, "@timestamp": 1000}


def test_mapping_is_inferred_from_the_schema() -> None:
    schema = (
        SchemaBuilder.struct()
        .field("n", SchemaBuilder.int32().default_value(5).build())
        .field("s", STRING_SCHEMA)
        .field("d", Date.schema())
        .field("ts", Timestamp.schema())
        .field("dec", Decimal.schema(2))
        .field("list", SchemaBuilder.array(SchemaBuilder.bool().build()).build())
        .build()
    )
    assert infer_mapping(schema) == {
        "properties": {
            "n": {"type": "integer", "null_value": 5},
            "s": {"type": "text", "fields": {"keyword": {"type": "keyword", "ignore_above": 256}}},
            "d": {"type": "date"},
            "ts": {"type": "date"},
            "dec": {"type": "double"},
            "list": {"type": "boolean"},
        }
    }


def test_json_data_matches_json_converter_for_logical_types_and_bytes() -> None:
    schema = (
        SchemaBuilder.struct()
        .field("d", Date.schema())
        .field("ts", Timestamp.schema())
        .field("b", SchemaBuilder.bytes().build())
        .field("opt", SchemaBuilder.int32().optional().default_value(9).build())
        .build()
    )
    value = (
        Struct(schema)
        .put("d", dt.date(1970, 1, 11))
        .put("ts", dt.datetime(1970, 1, 1, 0, 0, 1, tzinfo=dt.UTC))
        .put("b", b"\x01\x02")
    )
    assert to_json_data(schema, value) == {"d": 10, "ts": 1000, "b": "AQI=", "opt": 9}


def test_json_data_schemaless_maps_with_non_string_keys_become_pairs() -> None:
    assert to_json_data(None, {1: "a"}) == [[1, "a"]]
    assert to_json_data(None, {"x": [b"\x00", None]}) == {"x": ["AA==", None]}


def test_json_data_rejects_null_for_required_values() -> None:
    with pytest.raises(DataError, match="null value"):
        to_json_data(INT64_SCHEMA, None)
