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
from tests.unit.connectors._memory_offsets import MemoryOffsetReader

if TYPE_CHECKING:
    from tests.integration.connectors.binlog.conftest import CdcDb
    from tests.integration.connectors.postgres.test_postgres_kafka_signals import SignalTopic

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
