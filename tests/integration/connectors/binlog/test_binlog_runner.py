"""The binlog source through the real SourceRunner and broker: with heartbeat.interval.ms=0 (Debezium's default) no
record ever goes to ``__debezium-heartbeat.<prefix>`` (the broker auto-creates topics, so any heartbeat would have
created it; a cluster without auto-creation or with prefixed ACLs refused it for ever, review item 4), yet a new
connector's position is committed to the offsets topic, so a change made before its next invocation arrives."""

from __future__ import annotations

import json
import time
import uuid
from typing import TYPE_CHECKING

import pytest

from connect_core.runtime.source_runner import SourceRunner
from tests.integration.runtime.conftest import cluster, consume_committed  # noqa: F401 - the fixture

if TYPE_CHECKING:
    from tests.integration.connectors.binlog.conftest import CdcDb
    from tests.integration.runtime.conftest import Cluster

pytestmark = pytest.mark.integration


def _budget():
    deadline = time.monotonic() + 60
    return lambda: (deadline - time.monotonic()) * 1000


def test_no_heartbeat_topic_without_heartbeats(cluster: Cluster, cdc_db: CdcDb, kafka_bootstrap: str) -> None:  # noqa: F811
    from confluent_kafka.admin import AdminClient

    from connect_core.connectors.binlog.source_connector import MariaDbConnector

    db = cdc_db
    db.sql("CREATE TABLE t (id INT PRIMARY KEY)")
    name = f"cdc-{uuid.uuid4().hex[:8]}"
    config = {k: v for k, v in db.props(**{
        "snapshot.mode": "no_data", "include.schema.changes": "false",
        "key.converter": "org.apache.kafka.connect.json.JsonConverter", "key.converter.schemas.enable": "false",
        "value.converter": "org.apache.kafka.connect.json.JsonConverter",
        "value.converter.schemas.enable": "false"}).items() if k != "binlog.connector.flavour"}
    connector = MariaDbConnector()
    connector.start(config)
    cluster.deploy(name, config, connector.task_configs(1))
    runner = SourceRunner(cluster.worker, config_store=cluster.configs, offset_store=cluster.offsets,
                          status_store=cluster.statuses)
    try:
        first = runner.run(name, 0, _budget())
        assert (first.records, first.skipped) == (0, 1)  # the position only: nothing produced
        cluster.offsets.refresh()
        assert cluster.offsets.offset(name, {"server": db.prefix})["file"]
        runner.close()
        db.sql("INSERT INTO t VALUES (1)")
        cold = SourceRunner(cluster.worker, config_store=cluster.configs, offset_store=cluster.offsets,
                            status_store=cluster.statuses)
        try:
            assert cold.run(name, 0, _budget()).records == 1
        finally:
            cold.close()
    finally:
        runner.close()
    [(_key, value, _headers)] = consume_committed(kafka_bootstrap, f"{db.prefix}.{db.name}.t", 1)
    assert json.loads(value)["op"] == "c"
    topics = AdminClient({"bootstrap.servers": kafka_bootstrap}).list_topics(timeout=10).topics
    assert f"__debezium-heartbeat.{db.prefix}" not in topics
