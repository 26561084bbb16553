"""``snapshot.mode=always`` through the coordinator and the runtime: a snapshot once per connector start (create, a
new config, ``POST /restart?includeTasks=true``), as Debezium's task snapshots when it starts; never again at a
cold start of the function."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from connect_core.coordinator import Request
from connect_core.runtime.source_runner import SourceRunner
from tests.integration.connectors.mirror._mm2 import LambdaWorker, budget

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.integration.connectors.postgres.conftest import PgDb

pytestmark = pytest.mark.integration


@pytest.fixture
def lambda_worker(kafka_bootstrap: str) -> Iterator[LambdaWorker]:
    """A coordinator and source runner with internal topics of their own, dropped after."""
    worker = LambdaWorker.start(kafka_bootstrap)
    yield worker
    worker.close()


def _cold_run(worker: LambdaWorker, name: str) -> int:
    """The records of one invocation of task 0 in a new container (nothing kept from an earlier one)."""
    runner = SourceRunner(worker.worker)
    try:
        return _run(runner, name)
    finally:
        runner.close()


def _run(runner: SourceRunner, name: str) -> int:
    result = runner.run(name, 0, budget(60_000))
    assert result.state == "RUNNING", result
    return result.records


def test_always_snapshots_once_per_connector_start_not_at_each_cold_start(lambda_worker: LambdaWorker,
                                                                          pg_db: PgDb) -> None:
    db = pg_db
    db.sql("CREATE TABLE {s}.t (id int PRIMARY KEY)", "INSERT INTO {s}.t VALUES (1), (2)")
    name = db.prefix
    config = {key: value for key, value in db.props(**{"snapshot.mode": "always"}).items() if key != "name"}
    lambda_worker.create(name, config)

    assert _cold_run(lambda_worker, name) == 2  # created: the snapshot
    db.sql("INSERT INTO {s}.t VALUES (3)")
    assert _cold_run(lambda_worker, name) == 1  # a cold start streams the change only
    assert _cold_run(lambda_worker, name) == 0

    warm = SourceRunner(lambda_worker.worker)
    try:
        assert _run(warm, name) == 0
        response = lambda_worker.coordinator.handle(Request.build(
            "POST", f"/connectors/{name}/restart", "includeTasks=true", {"Content-Type": "application/json"}, None))
        assert response.status == 202, response.body
        assert _run(warm, name) == 3  # restarted: a new snapshot, in a warm container too
        assert _run(warm, name) == 0
    finally:
        warm.close()
    assert _cold_run(lambda_worker, name) == 0

    status, body = lambda_worker.rest("PUT", f"/connectors/{name}/config", {**config, "max.batch.size": "100"})
    assert status == 200, body
    assert _cold_run(lambda_worker, name) == 3  # a new config: a new snapshot
    db.sql("DELETE FROM {s}.t WHERE id = 1")
    assert _cold_run(lambda_worker, name) == 2  # the delete and its tombstone, no snapshot

    # the differences docs/connectors/postgres-cdc.md names: one task's restart does not snapshot, a restart of the
    # connector alone does (the coordinator starts the connector, which gives its tasks a new epoch)
    assert lambda_worker.rest("POST", f"/connectors/{name}/tasks/0/restart")[0] == 204
    assert _cold_run(lambda_worker, name) == 0
    assert lambda_worker.rest("POST", f"/connectors/{name}/restart")[0] == 204
    assert _cold_run(lambda_worker, name) == 2
    offsets = lambda_worker.rest("GET", f"/connectors/{name}/offsets")[1]["offsets"]
    assert [o["partition"] for o in offsets] == [{"server": name}]
    assert json.dumps(offsets[0]["offset"]).count("snapshot_epoch") == 1


def test_an_empty_snapshot_stores_its_epoch_too(lambda_worker: LambdaWorker, pg_db: PgDb) -> None:
    db = pg_db
    db.sql("CREATE TABLE {s}.t (id int PRIMARY KEY)")
    name = db.prefix
    lambda_worker.create(name, {key: value for key, value in db.props(**{"snapshot.mode": "always"}).items()
                                if key != "name"})
    assert _cold_run(lambda_worker, name) == 0
    offsets = lambda_worker.rest("GET", f"/connectors/{name}/offsets")[1]["offsets"]
    assert offsets and offsets[0]["offset"]["snapshot_completed"] is True
    db.sql("INSERT INTO {s}.t VALUES (1)")
    assert _cold_run(lambda_worker, name) == 1
