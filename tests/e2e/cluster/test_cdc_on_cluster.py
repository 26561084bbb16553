"""The PostgreSQL CDC source on the three-broker cluster (auto-creation off, min ISR 2): its topics created by the
operator beforehand (no ``topic.creation.*``: the table's topic and ``__debezium-heartbeat.<topic.prefix>``, as
heartbeats are on), a snapshot and a streamed change delivered through the runtime."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import pytest

from connect_core.runtime.source_runner import SourceRunner
from tests.e2e.cluster.conftest import create_topics
from tests.integration.connectors.mirror._mm2 import LambdaWorker, budget, read_all
from tests.integration.connectors.postgres.session import PgSession

if TYPE_CHECKING:
    from collections.abc import Iterator

pytestmark = pytest.mark.integration


@pytest.fixture
def pg(postgres_settings: dict[str, str]) -> Iterator[PgSession]:
    session = PgSession(postgres_settings, "msk")
    try:
        yield session
    finally:
        session.close()


def test_cdc_snapshot_and_stream_on_the_cluster(msk_cluster: dict[str, str], pg: PgSession) -> None:
    bootstrap = msk_cluster["bootstrap.servers"]
    worker = LambdaWorker.start(bootstrap)
    prefix = f"msk-cdc-{uuid.uuid4().hex[:8]}"
    topic, heartbeats = f"{prefix}.{pg.schema}.t", f"__debezium-heartbeat.{prefix}"
    create_topics(bootstrap, topic, heartbeats)  # as an operator does without topic.creation.*
    pg.sql("CREATE TABLE {s}.t (id int PRIMARY KEY, v text)", "INSERT INTO {s}.t VALUES (1, 'a'), (2, 'b')")
    settings = pg.settings
    config = {"connector.class": "io.debezium.connector.postgresql.PostgresConnector",
              "database.hostname": settings["host"], "database.port": settings["port"],
              "database.user": settings["user"], "database.password": settings["password"],
              "database.dbname": settings["database"], "topic.prefix": prefix, "plugin.name": "pgoutput",
              "slot.name": pg.slot, "publication.name": f"pub_{pg.slot}", "publication.autocreate.mode": "filtered",
              "schema.include.list": pg.schema, "heartbeat.interval.ms": "100",
              "key.converter": "org.apache.kafka.connect.json.JsonConverter",
              "value.converter": "org.apache.kafka.connect.json.JsonConverter",
              "value.converter.schemas.enable": "false", "key.converter.schemas.enable": "false"}
    runner = SourceRunner(worker.worker)
    try:
        worker.create(prefix, config)
        first = runner.run(prefix, 0, budget(60_000))
        assert first.state == "RUNNING", first
        pg.sql("INSERT INTO {s}.t VALUES (3, 'c')")
        second = runner.run(prefix, 0, budget(60_000))
        assert second.state == "RUNNING", second
    finally:
        runner.close()
        worker.close()
    import json

    values = [json.loads(m.value()) for m in read_all(bootstrap, topic)]
    assert [(v["op"], v["after"]["id"]) for v in values] == [("r", 1), ("r", 2), ("c", 3)]
