"""The HTTP sink's requests in flight (``lambda.connect.max.in.flight.requests``) against a real HTTP server that holds
each answer back and counts the requests it serves at once: overlap judged by that count, never by a timing
threshold; a partition's requests in order, each only after the one before it was answered."""

from __future__ import annotations

import json
import threading
import time
from typing import TYPE_CHECKING, Any

import pytest

from connect_core.api.errors import ConnectError
from connect_core.api.record import SinkRecord
from connect_core.api.task import SinkTaskContext
from connect_core.connectors.http.sink_task import HttpSinkTask
from tests.integration.connectors.http._server import Endpoint, Request, serve

if TYPE_CHECKING:
    from collections.abc import Iterator

pytestmark = pytest.mark.integration

HOLD_S = 0.05


class _Held:
    """Answers every request after ``HOLD_S``, recording (start, end, partition, offsets) and the most at once."""

    def __init__(self, fail_partition: int | None = None) -> None:
        self.lock = threading.Lock()
        self.active = 0
        self.most = 0
        self.events: list[tuple[str, int, tuple[int, ...]]] = []  # ("start" | "end", partition, offsets)
        self.fail_partition = fail_partition

    def __call__(self, request: Request) -> tuple[int, bytes]:
        values = json.loads(request.body)
        partition, offsets = values[0]["p"], tuple(v["o"] for v in values)
        with self.lock:
            self.active += 1
            self.most = max(self.most, self.active)
            self.events.append(("start", partition, offsets))
        time.sleep(HOLD_S)
        with self.lock:
            self.active -= 1
            self.events.append(("end", partition, offsets))
        return (400, b'{"error":"refused"}') if partition == self.fail_partition else (200, b'{"ok":true}')


@pytest.fixture
def endpoint() -> Iterator[Endpoint]:
    server, endpoint = serve()
    yield endpoint
    server.shutdown()
    server.server_close()


def _records(partitions: int, count: int) -> list[SinkRecord]:
    """``count`` records of each partition (keyed by it), interleaved as a batch of several partitions comes."""
    return [SinkRecord("orders", p, None, f"p{p}", None, {"p": p, "o": o}, o) for o in range(count)
            for p in range(partitions)]


def _task(endpoint: Endpoint, **props: str) -> HttpSinkTask:
    config = {"http.api.url": endpoint.url + "/api", "request.body.format": "json", "batch.json.as.array": "true",
              "batch.max.size": "2", "batch.key.pattern": "${key}", **props}  # a batch per partition
    task = HttpSinkTask()
    task.initialize(SinkTaskContext(config))
    task.start(config)
    return task


def _by_partition(events: list[tuple[str, int, tuple[int, ...]]]) -> dict[int, list[tuple[str, tuple[int, ...]]]]:
    out: dict[int, list[tuple[str, tuple[int, ...]]]] = {}
    for kind, partition, offsets in events:
        out.setdefault(partition, []).append((kind, offsets))
    return out


def test_one_request_at_a_time_in_build_order_by_default(endpoint: Endpoint) -> None:
    held = endpoint.respond = _Held()
    task = _task(endpoint)
    try:
        task.put(_records(3, 4))
    finally:
        task.stop()
    assert held.most == 1
    starts = [(p, offsets) for kind, p, offsets in held.events if kind == "start"]
    # each batch sent when it is full, in the order the records came, as Confluent's sink sends them
    assert starts == [(p, offsets) for offsets in ((0, 1), (2, 3)) for p in range(3)]


def test_partitions_go_side_by_side_and_each_in_order_when_allowed(endpoint: Endpoint) -> None:
    held = endpoint.respond = _Held()
    task = _task(endpoint, **{"lambda.connect.max.in.flight.requests": "4"})
    try:
        task.put(_records(4, 6))  # 4 partitions x 3 requests of 2 records
    finally:
        task.stop()
    assert held.most >= 2  # requests of several partitions were answered at once
    assert task.network_wait_seconds > 0
    for partition, events in _by_partition(held.events).items():
        # a partition's requests one after another, in offset order: each starts after the one before it ended
        assert events == [(kind, offsets) for offsets in ((0, 1), (2, 3), (4, 5)) for kind in ("start", "end")], \
            partition


@pytest.mark.parametrize("in_flight", ["4", "12"])  # 12: every request built before the first answer came
def test_a_failed_request_in_flight_fails_the_put_after_every_request_ended(endpoint: Endpoint, in_flight: str,
                                                                            ) -> None:
    held = endpoint.respond = _Held(fail_partition=2)
    task = _task(endpoint, **{"lambda.connect.max.in.flight.requests": in_flight, "behavior.on.error": "fail",
                              "max.retries": "0"})
    try:
        with pytest.raises(ConnectError, match="400"):
            task.put(_records(4, 6))
        assert held.active == 0  # nothing of the failed batch still running once put raised
        # the next batch is not held back by the failure of the one before (it comes again in full)
        held.fail_partition = None
        task.put(_records(4, 2))
    finally:
        task.stop()
    refused = [offsets for kind, p, offsets in held.events if kind == "start" and p == 2]
    assert refused[0] == (0, 1) and (2, 3) not in refused  # its partition's later requests were not sent after it
    assert [kind for kind, *_ in held.events].count("start") == [kind for kind, *_ in held.events].count("end")


def test_records_reach_the_endpoint_once_each_with_their_values(endpoint: Endpoint) -> None:
    endpoint.respond = _Held()
    task = _task(endpoint, **{"lambda.connect.max.in.flight.requests": "8"})
    try:
        task.put(_records(5, 10))
    finally:
        task.stop()
    values: list[dict[str, Any]] = [v for r in endpoint.api() for v in json.loads(r.body)]
    assert sorted((v["p"], v["o"]) for v in values) == [(p, o) for p in range(5) for o in range(10)]
