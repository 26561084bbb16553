"""``snapshot.mode=always`` of the binlog source through the coordinator and the runtime: a snapshot once per connector
start (create, a new config, ``POST /restart?includeTasks=true``), as Debezium's task snapshots when it starts;
never again at a cold start of the function."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from connect_core.coordinator import Request
from connect_core.runtime.source_runner import SourceRunner
from tests.integration.connectors.mirror._mm2 import LambdaWorker, budget

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.integration.connectors.binlog.conftest import CdcDb

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
        result = runner.run(name, 0, budget(60_000))
        assert result.state == "RUNNING", result
        return result.records
    finally:
        runner.close()


def test_always_snapshots_once_per_connector_start_not_at_each_cold_start(lambda_worker: LambdaWorker,
                                                                          cdc_db: CdcDb) -> None:
    db = cdc_db
    db.sql("CREATE TABLE t (id INT PRIMARY KEY)", "INSERT INTO t VALUES (1), (2)")
    name = db.prefix
    config = {key: value for key, value in db.props(**{"snapshot.mode": "always",
                                                         "include.schema.changes": "false"}).items()
              if key not in ("name", "binlog.connector.flavour")}
    lambda_worker.create(name, config)

    assert _cold_run(lambda_worker, name) == 2  # created: the snapshot
    db.sql("INSERT INTO t VALUES (3)")
    assert _cold_run(lambda_worker, name) == 1  # a cold start streams the change only
    assert _cold_run(lambda_worker, name) == 0

    response = lambda_worker.coordinator.handle(Request.build(
        "POST", f"/connectors/{name}/restart", "includeTasks=true", {"Content-Type": "application/json"}, None))
    assert response.status == 202, response.body
    assert _cold_run(lambda_worker, name) == 3  # restarted: a new snapshot
    assert _cold_run(lambda_worker, name) == 0

    status, body = lambda_worker.rest("PUT", f"/connectors/{name}/config", {**config, "max.batch.size": "100"})
    assert status == 200, body
    assert _cold_run(lambda_worker, name) == 3  # a new config: a new snapshot
    db.sql("INSERT INTO t VALUES (4)")
    assert _cold_run(lambda_worker, name) == 1


def test_an_empty_snapshot_stores_its_epoch_too(lambda_worker: LambdaWorker, cdc_db: CdcDb) -> None:
    db = cdc_db
    db.sql("CREATE TABLE t (id INT PRIMARY KEY)")
    name = db.prefix
    lambda_worker.create(name, {key: value for key, value in db.props(**{
        "snapshot.mode": "always", "include.schema.changes": "false"}).items()
        if key not in ("name", "binlog.connector.flavour")})
    assert _cold_run(lambda_worker, name) == 0
    epoch = lambda_worker.rest("GET", f"/connectors/{name}/tasks")[1][0]["config"]["lambda.snapshot.epoch"]
    offsets = lambda_worker.rest("GET", f"/connectors/{name}/offsets")[1]["offsets"]
    assert [o["offset"].get("snapshot_epoch") for o in offsets] == [epoch]
    db.sql("INSERT INTO t VALUES (1)")
    assert _cold_run(lambda_worker, name) == 1
    offsets = lambda_worker.rest("GET", f"/connectors/{name}/offsets")[1]["offsets"]
    assert [o["offset"].get("snapshot") for o in offsets] == [None]  # streamed, not snapshotted again
