"""Bulk requests in flight beside the encoding of the next, against the real OpenSearch node behind a slow proxy.

The proxy holds every bulk answer back and counts the requests in flight at once: overlap is judged by that count
and by what the node holds, never by a timing threshold.
"""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any

import pytest
import urllib3

from connect_core.api import ConnectError, RetriableError, SinkRecord
from connect_core.api.schema import INT64_SCHEMA, STRING_SCHEMA, SchemaBuilder
from connect_core.api.struct import Struct
from connect_core.api.task import SinkTaskContext
from connect_core.connectors.elasticsearch.sink_task import ElasticsearchSinkTask
from tests.integration.connectors._slow_proxy import SlowProxy, slow_proxy

if TYPE_CHECKING:
    from collections.abc import Iterator

pytestmark = pytest.mark.integration

ORDER = SchemaBuilder.struct().name("order").field("id", INT64_SCHEMA).field("status", STRING_SCHEMA).build()
HTTP = urllib3.PoolManager()
DELAY_S = 0.4


@pytest.fixture
def topic(opensearch_url: str) -> Iterator[str]:
    name = f"it-overlap-{uuid.uuid4().hex[:10]}"
    yield name
    HTTP.request("DELETE", f"{opensearch_url}/{name}")


@pytest.fixture
def proxy(opensearch_url: str) -> Iterator[SlowProxy]:
    for started in slow_proxy(opensearch_url, DELAY_S):
        started.slow = lambda method, path: path.startswith("/_bulk")
        yield started


def _order(topic: str, key: str, offset: int, status: str) -> SinkRecord:
    return SinkRecord(topic, 0, STRING_SCHEMA, key, ORDER, Struct(ORDER).put("id", offset).put("status", status),
                      offset)


def _task(url: str, reporter: Any = None, **props: str) -> ElasticsearchSinkTask:
    task = ElasticsearchSinkTask()
    task.initialize(SinkTaskContext({}, errant_record_reporter=reporter))
    task.start({"connection.url": url, "max.retries": "0", "batch.size": "10", **props})
    return task


def _docs(url: str, topic: str) -> dict[str, dict[str, Any]]:
    HTTP.request("POST", f"{url}/{topic}/_refresh")
    body = json.loads(HTTP.request("GET", f"{url}/{topic}/_search?size=1000").data)
    return {hit["_id"]: hit["_source"] for hit in body["hits"]["hits"]}


def test_bulk_requests_overlap_and_flush_waits_for_every_one(opensearch_url: str, proxy: SlowProxy,
                                                             topic: str) -> None:
    records = [_order(topic, f"k{i}", i, "NEW") for i in range(40)]  # four bulk requests of ten
    task = _task(proxy.url)
    try:
        task.put(records)
        assert task.pre_commit({}) == {}
        assert proxy.in_flight == 0  # every request was answered before pre_commit returned
    finally:
        task.stop()
    assert proxy.count("POST", "/_bulk") == 4
    assert proxy.most_in_flight >= 2  # two bulk requests were in flight at once
    assert task.network_wait_seconds > 0
    assert len(_docs(opensearch_url, topic)) == 40


def test_one_in_flight_request_at_a_time_when_configured(opensearch_url: str, proxy: SlowProxy, topic: str) -> None:
    task = _task(proxy.url, **{"max.in.flight.requests": "1"})
    try:
        task.put([_order(topic, f"k{i}", i, "NEW") for i in range(30)])
        task.flush({})
    finally:
        task.stop()
    assert proxy.count("POST", "/_bulk") == 3
    assert proxy.most_in_flight == 1
    assert len(_docs(opensearch_url, topic)) == 30


def test_a_request_writing_a_document_in_flight_waits_for_it(opensearch_url: str, proxy: SlowProxy,
                                                            topic: str) -> None:
    """Upserts carry no version: a later request on the same document must not overtake the earlier."""
    records = [_order(topic, "same", i, f"S{i}") for i in range(30)]
    task = _task(proxy.url, **{"write.method": "upsert"})
    try:
        task.put(records)
        task.flush({})
    finally:
        task.stop()
    assert proxy.count("POST", "/_bulk") == 3
    assert proxy.most_in_flight == 1
    assert _docs(opensearch_url, topic)["same"]["status"] == "S29"


@pytest.mark.parametrize(("status", "error"), [(503, RetriableError), (400, ConnectError)])
def test_a_failed_request_in_flight_fails_the_flush(opensearch_url: str, proxy: SlowProxy, topic: str, status: int,
                                                    error: type[Exception]) -> None:
    bulks = iter(range(100))
    proxy.fail = lambda method, path: (status, b"{}") if path.startswith("/_bulk") and next(bulks) == 1 else None
    task = _task(proxy.url)
    try:
        task.put([_order(topic, f"k{i}", i, "NEW") for i in range(40)])
        with pytest.raises(error) as raised:
            task.pre_commit({})
        assert proxy.in_flight == 0  # nothing still writing once the failure is raised
    finally:
        task.stop()
    assert (status == 503) == isinstance(raised.value, RetriableError)
    assert proxy.most_in_flight >= 2


def test_items_a_request_in_flight_reports_reach_the_reporter_in_the_callers_thread(
        opensearch_url: str, proxy: SlowProxy, topic: str) -> None:
    import threading

    threads: list[str] = []
    reported: list[Any] = []
    task = _task(proxy.url, lambda record, error: (
        reported.append(record.kafka_offset), threads.append(threading.current_thread().name)),
                 **{"behavior.on.malformed.documents": "warn"})
    HTTP.request("PUT", f"{opensearch_url}/{topic}", body=json.dumps(
        {"mappings": {"properties": {"status": {"type": "long"}}}}).encode(),
        headers={"Content-Type": "application/json"})
    try:
        task.put([_order(topic, f"k{i}", i, "NEW" if i in (3, 25) else str(i)) for i in range(40)])
        task.flush({})
    finally:
        task.stop()
    assert reported == [3, 25]
    assert set(threads) == {threading.current_thread().name}
    assert proxy.most_in_flight >= 2
