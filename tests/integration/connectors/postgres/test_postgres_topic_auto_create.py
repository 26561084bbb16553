"""Debezium's published ``topic-auto-create`` example (debezium-examples ``topic-auto-create/connector.json``) on a
broker that creates no topic by itself (``auto.create.topics.enable=false``; a throwaway broker on free ports),
through the coordinator and the source runner: the product topics get the ``productlog`` group's 10 partitions,
``delete`` and ``producer`` compression, the other tables the default group's 5 partitions, ``compact`` and ``gzip``
(the example's values, its host, credentials and names swapped for this test's)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.integration.connectors.mirror._mm2 import LambdaWorker, budget
from tests.integration.runtime.strict_broker import strict_broker
from tests.integration.runtime.test_topic_creation import describe

if TYPE_CHECKING:
    from pathlib import Path

    from tests.integration.connectors.postgres.conftest import PgDb

pytestmark = pytest.mark.integration


def test_the_published_topic_auto_create_example_creates_its_topics_as_it_asks(pg_db: PgDb, tmp_path: Path) -> None:
    db = pg_db
    db.sql("CREATE TABLE {s}.products (id int PRIMARY KEY, name text)",
           "CREATE TABLE {s}.customers (id int PRIMARY KEY, email text)",
           "INSERT INTO {s}.products VALUES (101, 'scooter'), (102, 'battery')",
           "INSERT INTO {s}.customers VALUES (1001, 'sally@example.com')")
    config = {key: value for key, value in db.props().items() if key != "name"}
    prefix, schema = config["topic.prefix"], db.schema
    config.update({  # connector.json, with its include regex naming this test's prefix and schema
        "topic.creation.default.replication.factor": "1", "topic.creation.default.partitions": "5",
        "topic.creation.default.cleanup.policy": "compact", "topic.creation.default.compression.type": "gzip",
        "topic.creation.default.delete.retention.ms": "2592000000", "topic.creation.groups": "productlog",
        "topic.creation.productlog.include": f"{prefix}\\.{schema}\\.product.*",
        "topic.creation.productlog.replication.factor": "1", "topic.creation.productlog.partitions": "10",
        "topic.creation.productlog.cleanup.policy": "delete",
        "topic.creation.productlog.compression.type": "producer",
        "topic.creation.productlog.retention.ms": "7776000000",
    })
    with strict_broker(tmp_path / "broker") as broker:
        worker = LambdaWorker.start(broker.bootstrap)
        try:
            worker.create(prefix, config)
            result = worker.runner.run(prefix, 0, budget(90_000))
            assert (result.state, result.records) == ("RUNNING", 3)
            assert describe(broker.bootstrap, f"{prefix}.{schema}.products") == (10, 1, {
                "cleanup.policy": "delete", "compression.type": "producer", "retention.ms": "7776000000"})
            assert describe(broker.bootstrap, f"{prefix}.{schema}.customers") == (5, 1, {
                "cleanup.policy": "compact", "compression.type": "gzip", "delete.retention.ms": "2592000000"})
        finally:
            worker.close()
