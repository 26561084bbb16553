"""The binlog source's Kafka signal channel: signals sent to a real Kafka topic, read by each invocation from the
position its committed offset holds (``_debezium/kafka_signals.py``, shared with the PostgreSQL source)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from connect_core.connectors._debezium.incremental import PRIMARY_KEY
from connect_core.connectors._debezium.kafka_signals import SIGNAL_OFFSET_KEY
from tests.integration.connectors.postgres.test_postgres_kafka_signals import (  # noqa: F401 (the fixture)
    execute,
    kafka_props,
    reads,
    signal_topic,
)
from tests.integration.runtime.conftest import cluster, consume_committed  # noqa: F401 (the fixture)
from tests.unit.connectors._memory_offsets import MemoryOffsetReader

if TYPE_CHECKING:
    from tests.integration.connectors.binlog.conftest import CdcDb
    from tests.integration.connectors.postgres.test_postgres_kafka_signals import SignalTopic
    from tests.integration.runtime.conftest import Cluster

pytestmark = pytest.mark.integration

SETUP = ("CREATE TABLE sig (id VARCHAR(64) PRIMARY KEY, type VARCHAR(32) NOT NULL, data VARCHAR(2048))",
         "CREATE TABLE t (id INT PRIMARY KEY, name VARCHAR(20))",
         "INSERT INTO t SELECT seq, CONCAT('v', seq) FROM seq_1_to_7")


def _props(db: CdcDb, topic: SignalTopic, **extra: str) -> dict[str, str]:
    return kafka_props(topic, f"{db.name}.sig", **{"snapshot.mode": "no_data", "include.schema.changes": "false",
                                                    **extra})


def test_execute_snapshot_from_kafka_reads_the_table_between_streamed_changes(
        cdc_db: CdcDb, signal_topic: SignalTopic) -> None:  # noqa: F811
    db, reader = cdc_db, MemoryOffsetReader()
    db.sql(*SETUP)
    props = _props(db, signal_topic)
    db.run(reader, **props)
    signal_topic.send(db.prefix, execute([f"{db.name}.t"]))
    db.sql("UPDATE t SET name = 'changed' WHERE id = 7")
    records = db.run(reader, **props)
    assert reads(records) == [1, 2, 3, 4, 5, 6, 7]
    changes = [r for r in records if r.topic is not None and r.topic.endswith(".t")]
    assert changes[0].value.get("op") == "u"
    assert {r.value.get("source").get("snapshot") for r in changes[1:]} == {"incremental"}
    kinds = [r.value.get("after").get("type") for r in records if r.topic is not None and r.topic.endswith(".sig")]
    assert kinds == ["snapshot-window-open", "snapshot-window-close"] * 4
    committed = next(iter(reader.committed.values()))
    assert committed[SIGNAL_OFFSET_KEY] == 0 and PRIMARY_KEY not in committed


def test_a_restart_does_not_run_a_processed_signal_again_and_other_keys_are_ignored(
        cdc_db: CdcDb, signal_topic: SignalTopic) -> None:  # noqa: F811
    db, reader = cdc_db, MemoryOffsetReader()
    db.sql(*SETUP)
    props = _props(db, signal_topic)
    prefix = db.prefix
    db.run(reader, **props)
    signal_topic.send("another-connector", execute([f"{db.name}.t"]))
    assert reads(db.run(reader, **props)) == []
    assert next(iter(reader.committed.values()))[SIGNAL_OFFSET_KEY] == 0
    signal_topic.send(prefix, execute([f"{db.name}.t"]))
    assert reads(db.run(reader, **props)) == [1, 2, 3, 4, 5, 6, 7]
    assert reads(db.run(reader, **props)) == []  # a new task on the committed offsets: not again
    assert next(iter(reader.committed.values()))[SIGNAL_OFFSET_KEY] == 1


def test_stop_snapshot_from_kafka(cdc_db: CdcDb, signal_topic: SignalTopic) -> None:  # noqa: F811
    db, reader = cdc_db, MemoryOffsetReader()
    db.sql(*SETUP, "CREATE TABLE u (id BIGINT PRIMARY KEY)", "INSERT INTO u SELECT seq FROM seq_1_to_4")
    props = _props(db, signal_topic)
    prefix = db.prefix
    db.run(reader, **props)
    signal_topic.send(prefix, execute([f"{db.name}.t", f"{db.name}.u"]))
    signal_topic.send(prefix, {"type": "pause-snapshot", "data": {}})
    assert reads(db.run(reader, **props)) == [1, 2, 3]
    signal_topic.send(prefix, {"type": "stop-snapshot", "data": {"data-collections": [f"{db.name}.u"],
                                                                  "type": "INCREMENTAL"}})
    signal_topic.send(prefix, {"type": "resume-snapshot", "data": {}})
    records = db.run(reader, **props)
    assert reads(records) == [4, 5, 6, 7]
    assert reads(records, ".u") == []
    assert PRIMARY_KEY not in next(iter(reader.committed.values()))


def test_through_the_runner_the_position_commits_with_the_records(
        cluster: Cluster, cdc_db: CdcDb, signal_topic: SignalTopic, kafka_bootstrap: str) -> None:  # noqa: F811
    """The real SourceRunner and broker: the reads a Kafka signal caused and the offset holding the signal's
    position are committed in one transaction; a cold runner on the committed offsets does not run it again."""
    import json
    import time
    import uuid

    from connect_core.connectors.binlog.source_connector import MariaDbConnector
    from connect_core.runtime.source_runner import SourceRunner

    db = cdc_db
    db.sql(*SETUP)
    name = f"cdc-{uuid.uuid4().hex[:8]}"
    converters = {"key.converter": "org.apache.kafka.connect.json.JsonConverter",
                  "key.converter.schemas.enable": "false", "value.converter.schemas.enable": "false",
                  "value.converter": "org.apache.kafka.connect.json.JsonConverter"}
    config = {k: v for k, v in db.props(**_props(db, signal_topic), **converters).items()
              if k != "binlog.connector.flavour"}
    connector = MariaDbConnector()
    connector.start(config)
    cluster.deploy(name, config, connector.task_configs(1))

    def run() -> None:
        deadline = time.monotonic() + 60
        runner = SourceRunner(cluster.worker, config_store=cluster.configs, offset_store=cluster.offsets,
                              status_store=cluster.statuses)
        try:
            assert runner.run(name, 0, lambda: (deadline - time.monotonic()) * 1000).state == "RUNNING"
        finally:
            runner.close()

    def offset() -> dict[str, object]:
        cluster.offsets.refresh()
        return cluster.offsets.offset(name, {"server": db.prefix}) or {}

    run()  # the position
    signal_topic.send(db.prefix, execute([f"{db.name}.t"]))
    run()
    assert offset()[SIGNAL_OFFSET_KEY] == 0  # committed by the invocation that read it
    for _ in range(30):  # a shared server's busy binlog: each invocation reads a stretch of it
        if PRIMARY_KEY not in offset():
            break
        run()
    assert PRIMARY_KEY not in offset()  # the snapshot is done
    run()  # one more cold runner on the committed offsets: the signal is not read again
    table = [json.loads(v) for _k, v, _h in consume_committed(kafka_bootstrap, f"{db.prefix}.{db.name}.t", 7)]
    assert sorted(v["after"]["id"] for v in table if v["op"] == "r") == [1, 2, 3, 4, 5, 6, 7]  # each once
