"""The PostgreSQL source's Kafka signal channel: signals sent to a real Kafka topic, read by each invocation from the
position its committed offset holds (``_debezium/kafka_signals.py``)."""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any

import pytest

from connect_core.api.errors import RetriableError
from connect_core.connectors._debezium.incremental import PRIMARY_KEY
from connect_core.connectors._debezium.kafka_signals import SIGNAL_OFFSET_KEY
from connect_core.connectors.postgres.source_task import PostgresSourceTask
from tests.unit.connectors._memory_offsets import MemoryOffsetReader, start_task

if TYPE_CHECKING:
    from collections.abc import Iterator

    from connect_core.api.record import SourceRecord
    from tests.integration.connectors.postgres.conftest import PgDb

pytestmark = pytest.mark.integration

SETUP = ("CREATE TABLE {s}.sig (id varchar(64) PRIMARY KEY, type varchar(32) NOT NULL, data varchar(2048))",
         "CREATE TABLE {s}.t (id int PRIMARY KEY, name text)",
         "INSERT INTO {s}.t SELECT i, 'v' || i FROM generate_series(1, 7) i")


class SignalTopic:
    """A one-partition signal topic of the test's own on the local broker."""

    def __init__(self, bootstrap: str, name: str | None = None) -> None:
        from confluent_kafka import Producer
        from confluent_kafka.admin import AdminClient, NewTopic

        self.bootstrap, self.name = bootstrap, name or f"it-signal-{uuid.uuid4().hex[:10]}"
        self._admin = AdminClient({"bootstrap.servers": bootstrap})
        self._admin.create_topics([NewTopic(self.name, 1, 1)])[self.name].result(30)
        self._producer = Producer({"bootstrap.servers": bootstrap})

    def send(self, key: str | None, value: dict[str, Any] | str) -> None:
        """Produce one signal message and wait for its acknowledgement."""
        self._producer.produce(self.name, key=key, value=value if isinstance(value, str) else json.dumps(value))
        assert self._producer.flush(30) == 0

    def committed(self, group: str) -> int:
        """The committed offset of ``group`` on partition 0."""
        from confluent_kafka import Consumer, TopicPartition

        consumer = Consumer({"bootstrap.servers": self.bootstrap, "group.id": group})
        try:
            return int(consumer.committed([TopicPartition(self.name, 0)], timeout=10)[0].offset)
        finally:
            consumer.close()

    def delete(self) -> None:
        self._admin.delete_topics([self.name])[self.name].result(30)


@pytest.fixture
def signal_topic(kafka_bootstrap: str) -> Iterator[SignalTopic]:
    topic = SignalTopic(kafka_bootstrap)
    try:
        yield topic
    finally:
        topic.delete()


def kafka_props(topic: SignalTopic, signal_table: str, **extra: str) -> dict[str, str]:
    """The keys of a connector with both channels, chunks of 3 rows, a group of the test's own."""
    return {"signal.enabled.channels": "source,kafka", "signal.kafka.topic": topic.name,
            "signal.kafka.bootstrap.servers": topic.bootstrap, "signal.kafka.groupId": f"g-{uuid.uuid4().hex[:8]}",
            "signal.data.collection": signal_table, "incremental.snapshot.chunk.size": "3", **extra}


def execute(tables: list[str]) -> dict[str, Any]:
    """Debezium's documented Kafka execute-snapshot message value."""
    return {"type": "execute-snapshot", "data": {"data-collections": tables, "type": "INCREMENTAL"}}


def reads(records: list[SourceRecord], table: str = ".t") -> list[int]:
    """The ids of ``table``'s incremental snapshot reads."""
    return [r.key.get("id") for r in records if r.topic is not None and r.topic.endswith(table)
            and r.value is not None and r.value.get("op") == "r"]


def _props(db: PgDb, topic: SignalTopic, **extra: str) -> dict[str, str]:
    return kafka_props(topic, f"{db.schema}.sig", **{"snapshot.mode": "no_data", **extra})


def test_execute_snapshot_from_kafka_reads_the_table_between_streamed_changes(pg_db: PgDb,
                                                                             signal_topic: SignalTopic) -> None:
    db, reader = pg_db, MemoryOffsetReader()
    db.sql(*SETUP)
    props = _props(db, signal_topic)
    assert db.run(reader, **props) == []
    signal_topic.send(db.prefix, execute([f"{db.schema}.t"]))
    db.sql("UPDATE {s}.t SET name = 'changed' WHERE id = 7")  # streamed before the signal is read
    records = db.run(reader, **props)
    assert reads(records) == [1, 2, 3, 4, 5, 6, 7]
    changes = [r for r in records if r.topic is not None and r.topic.endswith(".t")]
    assert changes[0].value.get("op") == "u" and changes[0].value.get("after").get("name") == "changed"
    assert {r.value.get("source").get("snapshot") for r in changes[1:]} == {"incremental"}
    kinds = [r.value.get("after").get("type") for r in records if r.topic is not None and r.topic.endswith(".sig")]
    assert kinds == ["snapshot-window-open", "snapshot-window-close"] * 4  # the signal itself is not in the table
    first_read = next(r for r in records if r.topic is not None and r.topic.endswith(".t")
                      and r.value.get("op") == "r")
    assert first_read.source_offset[SIGNAL_OFFSET_KEY] == 0  # the message's offset, committed with the read
    committed = next(iter(reader.committed.values()))
    assert committed[SIGNAL_OFFSET_KEY] == 0 and PRIMARY_KEY not in committed


def test_a_restart_after_a_processed_signal_does_not_run_it_again(pg_db: PgDb, signal_topic: SignalTopic) -> None:
    db, reader = pg_db, MemoryOffsetReader()
    db.sql(*SETUP)
    props = _props(db, signal_topic)
    db.run(reader, **props)
    signal_topic.send(db.prefix, execute([f"{db.schema}.t"]))
    assert reads(db.run(reader, **props)) == [1, 2, 3, 4, 5, 6, 7]
    assert db.run(reader, **props) == []  # a new task on the committed offsets: the signal is not read again
    db.sql("INSERT INTO {s}.t VALUES (8, 'v8')")
    assert [r.key.get("id") for r in db.run(reader, **props) if r.topic is not None] == [8]


def test_a_signal_read_by_an_invocation_killed_before_its_commit_is_read_again(pg_db: PgDb,
                                                                              signal_topic: SignalTopic) -> None:
    db, reader = pg_db, MemoryOffsetReader()
    db.sql(*SETUP)
    props = _props(db, signal_topic, **{"max.batch.size": "2"})
    db.run(reader, **props)
    signal_topic.send(db.prefix, execute([f"{db.schema}.t"]))
    killed = db.run_polls(reader, 1, commit=False, **props)  # read the signal, never committed
    assert killed and SIGNAL_OFFSET_KEY not in next(iter(reader.committed.values()), {})
    assert sorted(reads(db.run(reader, **props))) == [1, 2, 3, 4, 5, 6, 7]


def test_a_signal_with_another_key_is_ignored_and_not_read_again(pg_db: PgDb, signal_topic: SignalTopic) -> None:
    db, reader = pg_db, MemoryOffsetReader()
    db.sql(*SETUP)
    props = _props(db, signal_topic)
    db.run(reader, **props)
    db.sql("INSERT INTO {s}.t VALUES (8, 'v8')")
    assert len(db.run(reader, **props)) == 1  # an offset is stored
    signal_topic.send("another-connector", execute([f"{db.schema}.t"]))
    signal_topic.send(None, execute([f"{db.schema}.t"]))
    signal_topic.send(db.prefix, "not json")
    records = db.run(reader, **props)
    assert reads(records) == []
    assert [r.topic for r in records] == [None]  # only the position is stored: past the three messages
    assert next(iter(reader.committed.values()))[SIGNAL_OFFSET_KEY] == 2


def test_stop_snapshot_from_kafka(pg_db: PgDb, signal_topic: SignalTopic) -> None:
    db, reader = pg_db, MemoryOffsetReader()
    db.sql(*SETUP, "CREATE TABLE {s}.u (id bigint PRIMARY KEY)", "INSERT INTO {s}.u SELECT generate_series(1, 4)")
    props = _props(db, signal_topic)
    db.run(reader, **props)
    signal_topic.send(db.prefix, execute([f"{db.schema}.t", f"{db.schema}.u"]))
    signal_topic.send(db.prefix, {"type": "pause-snapshot", "data": {}})
    assert reads(db.run(reader, **props)) == [1, 2, 3]  # the first chunk was read before the pause
    signal_topic.send(db.prefix, {"type": "stop-snapshot", "data": {"data-collections": [f"{db.schema}.u"],
                                                                     "type": "INCREMENTAL"}})
    signal_topic.send(db.prefix, {"type": "resume-snapshot", "data": {}})
    records = db.run(reader, **props)
    assert reads(records) == [4, 5, 6, 7]
    assert reads(records, ".u") == []  # stopped before its turn
    committed = next(iter(reader.committed.values()))
    assert PRIMARY_KEY not in committed and committed[SIGNAL_OFFSET_KEY] == 3


def test_a_missing_topic_reads_nothing_and_an_unreachable_cluster_names_the_key(pg_db: PgDb,
                                                                                kafka_bootstrap: str) -> None:
    db, reader = pg_db, MemoryOffsetReader()
    db.sql(*SETUP)
    missing = {"signal.enabled.channels": "source,kafka", "signal.kafka.bootstrap.servers": kafka_bootstrap,
               "signal.data.collection": f"{db.schema}.sig", "snapshot.mode": "no_data"}
    assert db.run(reader, **missing) == []  # <topic.prefix>-signal does not exist: nothing, at once
    assert db.run(reader, **missing) == []
    task = start_task(PostgresSourceTask(), db.props(**{**missing, "signal.kafka.bootstrap.servers": "127.0.0.1:1"}),
                      reader)
    try:
        with pytest.raises(RetriableError, match=r"signal\.kafka\.bootstrap\.servers=127\.0\.0\.1:1"):
            task.poll()
    finally:
        task.stop()


def test_an_offset_without_the_signal_key_resumes_from_the_groups_committed_offset(
        pg_db: PgDb, signal_topic: SignalTopic) -> None:
    """An offset Debezium wrote has no signal position: the group's committed offset (Debezium's memory) says where
    to start, and each commit of ours moves the group's offset on, for a Debezium worker taking over."""
    from confluent_kafka import Consumer, TopicPartition

    db, reader = pg_db, MemoryOffsetReader()
    db.sql(*SETUP)
    props = _props(db, signal_topic)
    db.run(reader, **props)
    db.sql("INSERT INTO {s}.t VALUES (8, 'v8')")
    db.run(reader, **props)
    signal_topic.send(db.prefix, execute([f"{db.schema}.t"]))  # offset 0: Debezium ran it before it handed over
    group = Consumer({"bootstrap.servers": signal_topic.bootstrap, "group.id": props["signal.kafka.groupId"]})
    try:
        group.commit(offsets=[TopicPartition(signal_topic.name, 0, 1)], asynchronous=False)
        assert SIGNAL_OFFSET_KEY not in next(iter(reader.committed.values()))
        assert reads(db.run(reader, **props)) == []
        signal_topic.send(db.prefix, execute([f"{db.schema}.t"]))  # offset 1
        assert reads(db.run(reader, **props)) == [1, 2, 3, 4, 5, 6, 7, 8]
        assert next(iter(reader.committed.values()))[SIGNAL_OFFSET_KEY] == 1
    finally:
        group.close()
    assert signal_topic.committed(props["signal.kafka.groupId"]) == 2
