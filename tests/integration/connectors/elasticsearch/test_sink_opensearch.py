"""ElasticsearchSinkTask against the real OpenSearch 2.19 node: documents, upserts, deletes, replays, errors."""

from __future__ import annotations

import decimal
import json
import uuid
from typing import TYPE_CHECKING, Any

import pytest
import urllib3

from connect_core.api import ConnectError, SinkRecord
from connect_core.api.logical import Decimal
from connect_core.api.schema import INT64_SCHEMA, STRING_SCHEMA, SchemaBuilder
from connect_core.api.struct import Struct
from connect_core.connectors.elasticsearch.sink_task import ElasticsearchSinkTask

if TYPE_CHECKING:
    from collections.abc import Iterator

pytestmark = pytest.mark.integration

ORDER = (
    SchemaBuilder.struct()
    .name("order")
    .field("id", INT64_SCHEMA)
    .field("status", STRING_SCHEMA)
    .field("amount", Decimal.builder(2).optional().build())
    .build()
)
HTTP = urllib3.PoolManager()


def _get(url: str) -> tuple[int, Any]:
    response = HTTP.request("GET", url)
    return response.status, json.loads(response.data)


@pytest.fixture
def topic(opensearch_url: str) -> Iterator[str]:
    name = f"IT-Orders-{uuid.uuid4().hex[:10]}"
    yield name
    HTTP.request("DELETE", f"{opensearch_url}/{name.lower()}")


def _order(key: str, offset: int, status: str, topic: str, amount: str | None = "9.99") -> SinkRecord:
    value = Struct(ORDER).put("id", offset).put("status", status)
    if amount is not None:
        value.put("amount", decimal.Decimal(amount))
    return SinkRecord(topic, 0, STRING_SCHEMA, key, ORDER, value, offset)


def _tombstone(key: str, offset: int, topic: str) -> SinkRecord:
    return SinkRecord(topic, 0, STRING_SCHEMA, key, ORDER, None, offset)


def _run(url: str, records: list[SinkRecord], **props: str) -> None:
    task = ElasticsearchSinkTask()
    task.start({"connection.url": url, "max.retries": "2", **props})
    try:
        task.put(records)
        task.flush({})
    finally:
        task.stop()


def _docs(url: str, topic: str) -> dict[str, dict[str, Any]]:
    HTTP.request("POST", f"{url}/{topic.lower()}/_refresh")
    _, body = _get(f"{url}/{topic.lower()}/_search?size=1000&version=true")
    return {hit["_id"]: {**hit["_source"], "_version": hit["_version"]} for hit in body["hits"]["hits"]}


def test_insert_with_key_as_id_offset_as_version_and_inferred_mapping(opensearch_url: str, topic: str) -> None:
    _run(opensearch_url, [_order("o1", 5, "NEW", topic), _order("o2", 6, "NEW", topic, amount=None)])
    docs = _docs(opensearch_url, topic)
    assert docs == {
        "o1": {"id": 5, "status": "NEW", "amount": 9.99, "_version": 5},
        "o2": {"id": 6, "status": "NEW", "amount": None, "_version": 6},
    }
    _, mapping = _get(f"{opensearch_url}/{topic.lower()}/_mapping")
    properties = mapping[topic.lower()]["mappings"]["properties"]
    assert properties["id"] == {"type": "long"}
    assert properties["amount"] == {"type": "double"}


def test_key_ignore_uses_topic_partition_offset_ids(opensearch_url: str, topic: str) -> None:
    _run(opensearch_url, [_order("o1", 5, "NEW", topic), _order("o1", 6, "PAID", topic)], **{"key.ignore": "true"})
    assert set(_docs(opensearch_url, topic)) == {f"{topic}+0+5", f"{topic}+0+6"}


def test_the_nodes_answer_without_failed_items_is_recognised_unparsed(opensearch_url: str, topic: str,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The real node's bulk answer matches the head that lets the client skip parsing its items."""
    from connect_core.connectors.elasticsearch import _client

    answers: list[Any] = []
    bulk = _client.ElasticsearchClient.bulk
    monkeypatch.setattr(_client.ElasticsearchClient, "bulk", lambda self, body: answers.append(bulk(self, body)))
    _run(opensearch_url, [_order("o1", 5, "NEW", topic), _order("o2", 6, "NEW", topic)])
    _run(opensearch_url, [_order("o1", 5, "NEW", topic)])  # a replay: version conflict, the items are parsed
    assert answers[0] is None
    assert answers[1][0]["index"]["error"]["type"] == "version_conflict_engine_exception"


def test_upsert_merges_into_existing_documents(opensearch_url: str, topic: str) -> None:
    _run(opensearch_url, [_order("o1", 1, "NEW", topic)])
    partial = SinkRecord(topic, 0, STRING_SCHEMA, "o1", None, {"status": "PAID", "note": "x"}, 2)
    created = SinkRecord(topic, 0, STRING_SCHEMA, "o2", None, {"status": "NEW"}, 3)
    _run(opensearch_url, [partial, created], **{"write.method": "upsert"})
    docs = _docs(opensearch_url, topic)
    assert {k: {f: v for f, v in d.items() if f != "_version"} for k, d in docs.items()} == {
        "o1": {"id": 1, "status": "PAID", "amount": 9.99, "note": "x"},
        "o2": {"status": "NEW"},
    }


def test_tombstone_deletes_the_document(opensearch_url: str, topic: str) -> None:
    records = [_order("o1", 1, "NEW", topic), _order("o2", 2, "NEW", topic), _tombstone("o1", 3, topic)]
    _run(opensearch_url, records, **{"behavior.on.null.values": "delete"})
    assert set(_docs(opensearch_url, topic)) == {"o2"}


def test_retried_batches_with_other_boundaries_are_idempotent(opensearch_url: str, topic: str) -> None:
    batch = [
        _order("o1", 10, "NEW", topic),
        _order("o2", 11, "NEW", topic),
        _order("o1", 12, "PAID", topic),
        _tombstone("o2", 13, topic),
        _order("o3", 14, "NEW", topic),
    ]
    props = {"behavior.on.null.values": "delete"}
    _run(opensearch_url, batch[:3], **props)  # a first attempt that "failed" after writing a prefix
    _run(opensearch_url, batch, **props)  # the whole batch again
    _run(opensearch_url, batch[1:4], **props)  # and a bisected replay of older records
    docs = _docs(opensearch_url, topic)
    assert {k: (d["status"], d["_version"]) for k, d in docs.items()} == {"o1": ("PAID", 12), "o3": ("NEW", 14)}


def test_replay_with_key_ignore_creates_no_duplicates(opensearch_url: str, topic: str) -> None:
    batch = [_order("o1", i, "NEW", topic) for i in range(4)]
    _run(opensearch_url, batch[:2], **{"key.ignore": "true"})
    _run(opensearch_url, batch, **{"key.ignore": "true"})
    assert len(_docs(opensearch_url, topic)) == 4


def _malformed_batch(topic: str) -> list[SinkRecord]:
    # The first document maps "n" as long; "not a number" then fails with mapper_parsing_exception.
    return [
        SinkRecord(topic, 0, STRING_SCHEMA, "a", None, {"n": 1}, 1),
        SinkRecord(topic, 0, STRING_SCHEMA, "b", None, {"n": "not a number"}, 2),
        SinkRecord(topic, 0, STRING_SCHEMA, "c", None, {"n": 3}, 3),
    ]


def test_malformed_documents_are_skipped_with_warn(opensearch_url: str, topic: str) -> None:
    _run(opensearch_url, _malformed_batch(topic)[:1])
    _run(opensearch_url, _malformed_batch(topic), **{"behavior.on.malformed.documents": "warn"})
    assert set(_docs(opensearch_url, topic)) == {"a", "c"}


def test_malformed_documents_fail_the_batch_by_default(opensearch_url: str, topic: str) -> None:
    _run(opensearch_url, _malformed_batch(topic)[:1])
    with pytest.raises(ConnectError, match="mapper_parsing_exception"):
        _run(opensearch_url, _malformed_batch(topic))


def test_schemaless_map_values_are_indexed_as_objects(opensearch_url: str, topic: str) -> None:
    value = {"name": "x", "nested": {"deep": [1, 2], "flag": True}, "blob": b"\x00\x01"}
    _run(opensearch_url, [SinkRecord(topic, 0, None, "m1", None, value, 1)])
    doc = _docs(opensearch_url, topic)["m1"]
    assert doc == {"name": "x", "nested": {"deep": [1, 2], "flag": True}, "blob": "AAE=", "_version": 1}


def test_compressed_bulk_requests_are_indexed(opensearch_url: str, topic: str) -> None:
    _run(opensearch_url, [_order("o1", 1, "NEW", topic)], **{"connection.compression": "true"})
    assert _docs(opensearch_url, topic) == {"o1": {"id": 1, "status": "NEW", "amount": 9.99, "_version": 1}}


def test_topic_schema_ignore_leaves_the_listed_topic_to_dynamic_mapping(opensearch_url: str, topic: str) -> None:
    other = topic + "-mapped"
    try:
        _run(opensearch_url, [_order("o1", 1, "NEW", topic), _order("o1", 1, "NEW", other)],
             **{"topic.schema.ignore": topic})
        amounts = {}
        for name in (topic, other):
            _, mapping = _get(f"{opensearch_url}/{name.lower()}/_mapping")
            amounts[name] = mapping[name.lower()]["mappings"]["properties"]["amount"]["type"]
    finally:
        HTTP.request("DELETE", f"{opensearch_url}/{other.lower()}")
    # the schema's Decimal is mapped as double; ignored, the plain JsonConverter's base64 text is mapped by the node
    assert amounts == {topic: "text", other: "double"}


def test_use_autogenerated_ids_lets_the_node_name_every_document(opensearch_url: str, topic: str) -> None:
    record = _order("o1", 1, "NEW", topic)
    _run(opensearch_url, [record, record], **{"use.autogenerated.ids": "true"})
    ids = set(_docs(opensearch_url, topic))
    assert len(ids) == 2  # not idempotent: a replay writes the record again, as Confluent documents
    assert not ids & {"o1", f"{topic}+0+1"}


def test_data_stream_namespace_and_timestamp_field(opensearch_url: str, topic: str) -> None:
    dataset = f"it{uuid.uuid4().hex[:8]}"
    stream = f"logs-{dataset}-eu-{topic.lower()}"
    template = HTTP.request("PUT", f"{opensearch_url}/_index_template/{dataset}", headers={
        "Content-Type": "application/json"}, body=json.dumps({"index_patterns": [f"logs-{dataset}-*"],
                                                              "data_stream": {}}))
    assert template.status == 200, template.data
    value = {"n": 1, "at": "2026-11-22T10:00:00Z"}
    try:
        _run(opensearch_url, [SinkRecord(topic, 0, STRING_SCHEMA, "e1", None, value, 1, timestamp=1000)],
             **{"data.stream.type": "logs", "data.stream.dataset": dataset, "data.stream.namespace": "eu-${topic}",
                "data.stream.timestamp.field": "missing,at"})
        HTTP.request("POST", f"{opensearch_url}/{stream}/_refresh")
        status, body = _get(f"{opensearch_url}/{stream}/_search")
    finally:
        HTTP.request("DELETE", f"{opensearch_url}/_data_stream/{stream}")
        HTTP.request("DELETE", f"{opensearch_url}/_index_template/{dataset}")
    assert status == 200, body
    assert [hit["_source"] for hit in body["hits"]["hits"]] == [{**value, "@timestamp": "2026-11-22T10:00:00Z"}]
