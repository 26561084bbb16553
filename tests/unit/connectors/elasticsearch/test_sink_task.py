"""ElasticsearchSinkTask result handling against an in-memory fake of the HTTP client (no sockets)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from connect_core.api import ConnectError, DataError, RetriableError, SinkRecord
from connect_core.api.schema import INT64_SCHEMA, SchemaBuilder
from connect_core.api.struct import Struct
from connect_core.api.task import SinkTaskContext
from connect_core.connectors.elasticsearch.sink_connector import ElasticsearchSinkConnector
from connect_core.connectors.elasticsearch.sink_task import ElasticsearchSinkTask


class FakeClient:
    """Answers bulk requests from a script: ``responder(meta, attempt) -> item result``."""

    def __init__(self, responder: Any = None) -> None:
        self.responder = responder or (lambda meta, attempt: {"status": 201})
        self.bulks: list[list[dict[str, Any]]] = []
        self.indices: set[str] = set()
        self.mappings: dict[str, dict[str, Any]] = {}

    def bulk(self, body: bytes) -> list[dict[str, Any]]:
        lines = [json.loads(line) for line in body.decode().splitlines()]
        metas = [line for line in lines if len(line) == 1 and next(iter(line)) in ("index", "update", "delete")]
        self.bulks.append(metas)
        attempt = len(self.bulks) - 1
        return [{next(iter(m)): self.responder(m, attempt)} for m in metas]

    def index_exists(self, name: str) -> bool:
        return name in self.indices

    def create_index(self, name: str) -> None:
        self.indices.add(name)

    def has_mapping(self, name: str) -> bool:
        return name in self.mappings

    def put_mapping(self, name: str, mapping: dict[str, Any]) -> None:
        self.mappings[name] = mapping

    def close(self) -> None:
        pass


def _task(client: FakeClient, reported: list | None = None, **props: str) -> ElasticsearchSinkTask:
    task = ElasticsearchSinkTask(sleep=lambda _: None)
    task._client = client  # type: ignore[assignment]
    reporter = (lambda r, e: reported.append((r.kafka_offset, str(e)))) if reported is not None else None
    task.initialize(SinkTaskContext({}, errant_record_reporter=reporter))
    task.start({"connection.url": "http://es:9200", **props})
    return task


def _rec(key: str | None, offset: int, value: Any = None) -> SinkRecord:
    return SinkRecord("t", 0, None, key, None, {"n": offset} if value is None else value, offset)


def _id(meta: dict[str, Any]) -> str:
    return next(iter(meta.values()))["_id"]


def test_rejected_items_are_retried_with_later_actions_on_the_same_document() -> None:
    client = FakeClient(lambda m, attempt: {"status": 429 if attempt == 0 and _id(m) == "a" else 201})
    task = _task(client)
    task.put([_rec("a", 1), _rec("b", 2), _rec("a", 3), _rec("c", 4)])
    task.flush({})
    assert [_id(m) for m in client.bulks[1]] == ["a", "a"]  # both writes of "a", in order; b and c not resent


def test_persistent_rejections_raise_retriable_after_max_retries() -> None:
    client = FakeClient(lambda m, attempt: {"status": 429, "error": {"type": "es_rejected_execution_exception"}})
    task = _task(client, **{"max.retries": "2"})
    task.put([_rec("a", 1)])
    with pytest.raises(RetriableError):
        task.flush({})
    assert len(client.bulks) == 3


def test_version_conflicts_of_replayed_records_are_ignored() -> None:
    conflict = {"status": 409, "error": {"type": "version_conflict_engine_exception", "reason": "v"}}
    reported: list = []
    task = _task(FakeClient(lambda m, a: conflict), reported)
    task.put([_rec("a", 1)])
    task.flush({})
    assert reported == []


@pytest.mark.parametrize("behavior", ["ignore", "warn"])
def test_malformed_documents_are_reported_and_skipped(behavior: str) -> None:
    bad = {"status": 400, "error": {"type": "mapper_parsing_exception", "reason": "failed to parse"}}
    reported: list = []
    task = _task(FakeClient(lambda m, a: bad), reported, **{"behavior.on.malformed.documents": behavior})
    task.put([_rec("a", 1)])
    task.flush({})
    assert [offset for offset, _ in reported] == [1]


def test_malformed_documents_fail_by_default() -> None:
    bad = {"status": 400, "error": {"type": "document_parsing_exception", "reason": "failed to parse"}}
    task = _task(FakeClient(lambda m, a: bad))
    task.put([_rec("a", 1)])
    with pytest.raises(ConnectError, match="behavior.on.malformed.documents"):
        task.flush({})


def test_other_item_errors_fail_the_batch() -> None:
    task = _task(FakeClient(lambda m, a: {"status": 403, "error": {"type": "cluster_block_exception"}}))
    task.put([_rec("a", 1)])
    with pytest.raises(ConnectError, match="cluster_block_exception"):
        task.flush({})


def test_drop_invalid_message_skips_unconvertible_records() -> None:
    reported: list = []
    client = FakeClient()
    task = _task(client, reported, **{"drop.invalid.message": "true"})
    task.put([_rec(None, 1), _rec("b", 2)])
    task.flush({})
    assert [_id(m) for m in client.bulks[0]] == ["b"]
    assert [offset for offset, _ in reported] == [1]


def test_unconvertible_records_fail_without_drop_invalid_message() -> None:
    task = _task(FakeClient())
    task.put([_rec(None, 1)])
    with pytest.raises(DataError):
        task.flush({})


def test_index_and_mapping_are_created_once() -> None:
    schema = SchemaBuilder.struct().field("n", INT64_SCHEMA).build()
    client = FakeClient()
    task = _task(client)
    records = [SinkRecord("T", 0, None, str(i), schema, Struct(schema).put("n", i), i) for i in range(3)]
    task.put(records)
    task.flush({})
    assert client.indices == {"t"}
    assert client.mappings == {"t": {"properties": {"n": {"type": "long"}}}}


def test_batches_are_split_by_batch_size_and_bytes() -> None:
    client = FakeClient()
    task = _task(client, **{"batch.size": "3", "bulk.size.bytes": "350"})
    task.put([_rec(str(i), i, {"pad": "x" * 60}) for i in range(5)])
    task.flush({})
    # requests of other documents are in flight side by side: they reach the node in any order
    assert sorted([_id(m) for m in b] for b in client.bulks) == [["0", "1"], ["2"], ["3", "4"]]


def test_connector_validates_and_copies_props() -> None:
    connector = ElasticsearchSinkConnector()
    connector.start({"connection.url": "http://es:9200"})
    assert connector.task_configs(2) == [{"connection.url": "http://es:9200"}] * 2
    assert connector.task_class() is ElasticsearchSinkTask
    errors = {v["name"]: v["errors"] for v in connector.validate({"write.method": "merge"})}
    assert errors["connection.url"] and errors["write.method"]
