"""A quiet topic's last records reach a snapshot within the commit interval through the pull path, as Iceberg's
coordinator commits on ``iceberg.control.commit.interval-ms`` whether or not records arrive: an invocation without
records (a pull-mode tick, whose ``pre_commit`` flushes) commits the files staged before, in the warm container and
in a new one that never saw them (PostgreSQL's JDBC catalog, LocalStack S3, the real broker)."""

from __future__ import annotations

import json
import time
import uuid
from typing import TYPE_CHECKING, Any

import pytest

from connect_core.runtime.sink_pull import SinkPullInvocations
from tests.integration.connectors.iceberg.test_iceberg_runner import _deploy, _table, _values
from tests.integration.functions._sink_harness import Out
from tests.integration.runtime.conftest import topics  # noqa: F401  (the data topics fixture)

if TYPE_CHECKING:
    from tests.integration.functions._sink_harness import KafkaTopics
    from tests.integration.runtime.conftest import Cluster

pytestmark = pytest.mark.integration

pytest.importorskip("pyiceberg")

INTERVAL_MS = 8_000  # long enough that the invocation staging the rows never commits them itself


def _ids(props: dict[str, str], table: str) -> list[int]:
    loaded = _table(props, table)
    return sorted(r["id"] for r in loaded.scan().to_arrow().to_pylist()) if loaded.current_snapshot() else []


def _summary_offsets(props: dict[str, str], table: str, name: str) -> Any:
    snapshot = _table(props, table).current_snapshot()
    return json.loads(snapshot.summary.additional_properties[f"lambda-connect.offsets.connect-{name}"])


def _wait_out_the_interval(staged_at: float) -> None:
    time.sleep(max(0.0, staged_at + INTERVAL_MS / 1000 + 0.5 - time.time()))


def test_an_idle_pull_invocation_commits_what_waited_the_interval_warm_and_in_a_new_container(
        cluster: Cluster, topics: KafkaTopics, props: dict[str, str]) -> None:  # noqa: F811
    topic, table = topics.create(f"ice-quiet-{uuid.uuid4().hex[:8]}"), f"db_{uuid.uuid4().hex[:6]}.events"
    name = _deploy(cluster, props, topic, table, **{
        "iceberg.control.commit.interval-ms": str(INTERVAL_MS), "lambda.sink.trigger": "schedule",
        "lambda.starting.position": "TRIM_HORIZON"})
    topics.produce(topic, [Out(None, v) for v in _values(range(0, 10))])

    warm = SinkPullInvocations(cluster.worker)
    try:
        first = warm.run(name, 0, lambda: 20_000.0, 128)
        staged_at = time.time()
        assert (first["state"], first["records"], first["put"]) == ("RUNNING", 10, 10), first
        assert _ids(props, table) == []  # staged: the interval has not passed

        _wait_out_the_interval(staged_at)
        idle = warm.run(name, 0, lambda: 20_000.0, 128)  # the topic is quiet: no record in this invocation
        assert (idle["state"], idle["records"]) == ("RUNNING", 0), idle
        assert _ids(props, table) == list(range(10))
        assert _summary_offsets(props, table, name) == {topic: {"0": 10}}

        topics.produce(topic, [Out(None, v) for v in _values(range(10, 25))])
        second = warm.run(name, 0, lambda: 20_000.0, 128)
        staged_at = time.time()
        assert second["records"] == 15 and _ids(props, table) == list(range(10)), second
    finally:
        warm.close()  # the container goes away with the files staged

    fresh = SinkPullInvocations(cluster.worker)
    try:
        _wait_out_the_interval(staged_at)
        idle = fresh.run(name, 0, lambda: 20_000.0, 128)
        assert (idle["state"], idle["records"]) == ("RUNNING", 0), idle
        assert _ids(props, table) == list(range(25))  # every row once
        assert _summary_offsets(props, table, name) == {topic: {"0": 25}}
    finally:
        fresh.close()
