"""The Iceberg sink as Lambda runs it: several warm containers of one sink (``IcebergSinkTask`` instances), one
catalog (PostgreSQL's JDBC catalog, LocalStack S3), Kafka Connect's ``put``/``preCommit``. A batch that moves
between containers, with other boundaries, loses and duplicates nothing; an idle tick (``put([])`` and
``pre_commit``) on a container that never saw the rows commits what another container staged."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest

from connect_core.api.record import SinkRecord
from connect_core.api.task import SinkTaskContext, TopicPartition
from tests.integration.connectors.iceberg.test_iceberg_sink import _records, _table

pytestmark = pytest.mark.integration

pytest.importorskip("pyiceberg")


def _container(props: dict[str, str]) -> Any:
    """A warm container's task: started once, kept across batches."""
    from connect_core.connectors.iceberg.sink_task import IcebergSinkTask

    task = IcebergSinkTask()
    task.initialize(SinkTaskContext(props))
    task.start(props)
    return task


def _batch(task: Any, records: list[SinkRecord]) -> dict[TopicPartition, int]:
    """One invocation's ``put`` and ``preCommit`` (what the mapping's group commit then takes)."""
    task.put(records)
    current = {TopicPartition(r.topic, r.kafka_partition or 0): r.kafka_offset + 1 for r in records}
    return dict(task.pre_commit(current))


def _ids(props: dict[str, str], name: str) -> list[int]:
    table = _table(props, name)
    return sorted(r["id"] for r in table.scan().to_arrow().to_pylist()) if table.current_snapshot() else []


def _offsets(props: dict[str, str], name: str) -> Any:
    summary = _table(props, name).current_snapshot().summary.additional_properties
    return json.loads(summary[f"lambda-connect.offsets.connect-{props['name']}"])


@pytest.mark.parametrize("interval", ["0", "default"])
def test_a_batch_moved_to_another_warm_container_loses_and_duplicates_nothing(
        props: dict[str, str], interval: str) -> None:
    """Container X takes [0, 100); Y stages [100, 300) and dies before the group commit; the mapping sends from 100
    to warm X again, in other batches ([100, 250), [250, 400)): every offset once in the table, and the summary's
    offsets at the end. With the default interval (300 s) the last commit is forced, as once the interval passed."""
    from connect_core.connectors.iceberg.sink_task import commit_due

    name = f"db_{uuid.uuid4().hex[:6]}.orders"
    props |= {"iceberg.tables": name}
    if interval == "default":
        del props["iceberg.control.commit.interval-ms"]
    x, y = _container(props), _container(props)
    _batch(x, _records(range(0, 100)))
    _batch(y, _records(range(100, 300)))  # Y dies here: the mapping never commits past 100
    for batch in (range(100, 250), range(250, 400)):
        assert _batch(x, _records(batch)) == {TopicPartition("orders", 0): batch.stop}
    if interval == "default":
        assert _ids(props, name) == []  # staged, not visible within the interval
        commit_due(props, force=True)
    assert _ids(props, name) == list(range(400))
    assert _offsets(props, name) == {"orders": {"0": 400}}
    x.stop()
    y.stop()


def test_a_staged_range_straddling_the_committed_offset_is_trimmed_not_skipped(props: dict[str, str]) -> None:
    """Y stages [100, 300) and freezes; X commits [100, 250) meanwhile; Y's range straddles the committed 250: its
    rows from 250 are committed, those below not twice."""
    from connect_core.connectors.iceberg.sink_task import commit_due

    name = f"db_{uuid.uuid4().hex[:6]}.orders"
    props |= {"iceberg.tables": name, "iceberg.control.commit.interval-ms": "600000"}
    x, y = _container(props), _container(props)
    _batch(y, _records(range(100, 300)))
    from connect_core.connectors.iceberg import _commit
    from connect_core.connectors.iceberg.config import load_config

    table = _table(props, name)
    [item] = _commit.list_staged(table, load_config(props).connect_group())
    with table.io.new_input(item.path).open() as stream:
        body = stream.read()
    table.io.delete(item.path)  # Y is frozen before its staged object lands
    _batch(x, _records(range(0, 250)))
    commit_due(props, force=True)
    assert _ids(props, name) == list(range(250))
    with table.io.new_output(item.path).create(overwrite=True) as out:  # Y wakes up: its staged object lands
        out.write(body)
    commit_due(props, force=True)
    assert _ids(props, name) == list(range(300))
    assert _offsets(props, name) == {"orders": {"0": 300}}
    x.stop()
    y.stop()


def test_an_idle_tick_on_a_fresh_container_commits_what_another_staged(props: dict[str, str]) -> None:
    """Static tables: container A stages and goes away; a new container's ``put([])`` + ``pre_commit`` once the
    interval passed commits A's files; before it, nothing."""
    name = f"db_{uuid.uuid4().hex[:6]}.orders"
    props |= {"iceberg.tables": name, "iceberg.control.commit.interval-ms": "1500"}
    a = _container(props)
    _batch(a, _records(range(0, 40)))
    staged_at = time.time()
    fresh = _container(props)
    fresh.put([])
    assert fresh.pre_commit({}) == {}
    assert _ids(props, name) == []
    time.sleep(max(0.0, staged_at + 2.5 - time.time()))
    other = _container(props)  # a third container, at the tick after the interval
    other.put([])
    other.pre_commit({})
    assert _ids(props, name) == list(range(40))
    assert _offsets(props, name) == {"orders": {"0": 40}}


def test_an_idle_tick_commits_the_dynamically_routed_tables_another_container_staged(props: dict[str, str]) -> None:
    """Dynamic routing: both routed tables auto-created by container A, its files staged; an idle tick on a new
    container commits both (no longer "auto-created, 0 rows ever committed")."""
    ns = f"db_{uuid.uuid4().hex[:6]}"
    props |= {"iceberg.tables.dynamic-enabled": "true", "iceberg.tables.route-field": "dest",
              "iceberg.control.commit.interval-ms": "1500"}
    values = [{"dest": f"{ns}.{'a' if i % 2 else 'b'}", "id": i} for i in range(30)]
    a = _container(props)
    _batch(a, [SinkRecord("events", 0, None, None, None, v, i) for i, v in enumerate(values)])
    staged_at = time.time()
    time.sleep(max(0.0, staged_at + 2.5 - time.time()))
    fresh = _container(props)
    fresh.put([])
    fresh.pre_commit({})
    assert _ids(props, f"{ns}.a") == list(range(1, 30, 2))
    assert _ids(props, f"{ns}.b") == list(range(0, 30, 2))
