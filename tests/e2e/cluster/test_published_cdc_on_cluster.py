"""debezium-examples' ``postgres-toast`` pipeline as published (PostgresConnector -> ``ExtractNewRecordState`` ->
Confluent's JDBC sink) on the three-broker cluster (MSK's defaults: auto-creation off, RF 3, min ISR 2) through
`lambda-connect up --worker-config` naming it: the change topic created beforehand by the test, as an operator does
when the config has no ``topic.creation.*``; the sink's table checked row for row after inserts, updates, deletes."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import pytest

from tests.e2e.cluster.conftest import create_topics, replication
from tests.e2e.conftest import start_up
from tests.e2e.test_published_cdc_pipelines import run_postgres_toast
from tests.e2e.test_standalone import _rewrite

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.integration


def test_postgres_toast_pipeline_on_the_msk_like_cluster(msk_cluster: dict[str, str],
                                                         postgres_settings: dict[str, str], tmp_path: Path) -> None:
    bootstrap = msk_cluster["bootstrap.servers"]
    name = f"msk-toast-{uuid.uuid4().hex[:8]}"
    worker = _rewrite("connect-distributed.properties", tmp_path, **{
        "bootstrap.servers": bootstrap, "group.id": name, "offset.storage.topic": f"{name}-offsets",
        "config.storage.topic": f"{name}-configs", "status.storage.topic": f"{name}-status",
        "offset.storage.replication.factor": "3", "config.storage.replication.factor": "3",
        "status.storage.replication.factor": "3"})  # fmt: skip
    created: list[str] = []

    def create(topic: str) -> None:
        create_topics(bootstrap, topic)
        created.append(topic)

    with start_up(bootstrap, tmp_path, "--worker-config", str(worker)) as up:
        run_postgres_toast(up, postgres_settings, bootstrap, create)
    assert [replication(bootstrap, t) for t in created] == [{3}]
