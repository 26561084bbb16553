"""The binlog source's keyed path (``BinlogSourceTask.keyed_poll``: a table's change events as runs) against its
records path, through the real SourceRunner, MariaDB and broker: two connectors over the same changes (inserts,
updates, an update of the key, deletes with tombstones, DECIMALs, a table without a key, several tables in one
transaction and poll, a schema change) write byte for byte the same messages to the same partitions and commit the
same offsets (their topic prefixes aside), one by runs and one by records; with Debezium's ExtractNewRecordState too,
its runs of creates and updates unwrapped whole."""

from __future__ import annotations

import time
import uuid
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import pytest

from connect_core.connectors.binlog import _schema_changes, _stream
from connect_core.connectors.binlog.source_task import BinlogSourceTask
from connect_core.runtime.source_pipeline import SourcePipeline
from connect_core.runtime.source_runner import SourceRunner
from tests.integration.runtime.conftest import cluster  # noqa: F401 - the fixture

if TYPE_CHECKING:
    from tests.integration.connectors.binlog.conftest import CdcDb
    from tests.integration.runtime.conftest import Cluster

pytestmark = pytest.mark.integration

JSON = "org.apache.kafka.connect.json.JsonConverter"


def _budget() -> Any:
    deadline = time.monotonic() + 60
    return lambda: (deadline - time.monotonic()) * 1000


def committed_messages(bootstrap: str, topics: list[str], timeout_s: float = 30.0) -> dict[str, list[tuple]]:
    """(partition, key, value, headers) of every committed message of each of ``topics``, in partition and offset
    order, read to each partition's end."""
    from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, TopicPartition

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"check-{uuid.uuid4().hex}",
                         "isolation.level": "read_committed", "enable.auto.commit": False,
                         "enable.partition.eof": True})
    out: dict[str, list[tuple]] = {topic: [] for topic in topics}
    try:
        assignment = []
        for topic in topics:
            partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
            assignment += [TopicPartition(topic, p, OFFSET_BEGINNING) for p in sorted(partitions)]
        consumer.assign(assignment)
        pending = {(tp.topic, tp.partition) for tp in assignment}
        deadline = time.monotonic() + timeout_s
        while pending and time.monotonic() < deadline:
            message = consumer.poll(0.5)
            if message is None:
                continue
            if message.error():
                if message.error().code() == KafkaError._PARTITION_EOF:
                    pending.discard((message.topic(), message.partition()))
                continue
            out[message.topic()].append((message.partition(), message.offset(), message.key(), message.value(),
                                         message.headers()))
        assert not pending, f"not read to their end: {pending}"
    finally:
        consumer.close()
    return {topic: [m[:1] + m[2:] for m in sorted(messages, key=lambda m: m[:2])] for topic, messages in out.items()}


UNWRAP = {"transforms": "unwrap", "transforms.unwrap.type": "io.debezium.transforms.ExtractNewRecordState"}


def _deploy(cluster: Cluster, db: CdcDb, prefix: str,  # noqa: F811
            smts: dict[str, str] | None = None) -> tuple[str, dict[str, str]]:
    from connect_core.connectors.binlog.source_connector import MariaDbConnector

    name = f"cdc-{uuid.uuid4().hex[:8]}"
    props = db.props(**{"snapshot.mode": "no_data", "include.schema.changes": "true", "max.batch.size": "7",
                        "key.converter": JSON, "value.converter": JSON, **(smts or {})})
    props["topic.prefix"] = props["name"] = prefix
    config = {k: v for k, v in props.items() if k != "binlog.connector.flavour"}
    connector = MariaDbConnector()
    connector.start(config)
    cluster.deploy(name, config, connector.task_configs(1))
    return name, config


@pytest.mark.parametrize(("fast", "smts"), [(True, {}), (False, {}), (True, UNWRAP)],
                         ids=["fast-rows", "reference-rows", "fast-rows-unwrapped"])
def test_keyed_runs_write_what_records_write(cluster: Cluster, cdc_db: CdcDb, kafka_bootstrap: str,  # noqa: F811
                                             monkeypatch: pytest.MonkeyPatch, *, fast: bool,
                                             smts: dict[str, str]) -> None:
    """``fast``: row images read from the event's bytes, converted; else python-mysql-replication's, converted
    after."""
    monkeypatch.setattr(_stream, "READ_ROWS_FAST", fast)
    db = cdc_db
    db.sql("CREATE TABLE t (id INT PRIMARY KEY, name VARCHAR(40), amount DECIMAL(12,3), at DATETIME(3))",
           "CREATE TABLE u (k VARCHAR(10) PRIMARY KEY, v INT NOT NULL)",
           "CREATE TABLE v (x INT, y DECIMAL(5,2))")
    keyed_prefix, records_prefix = f"it-{uuid.uuid4().hex[:8]}", f"it-{uuid.uuid4().hex[:8]}"
    keyed, _ = _deploy(cluster, db, keyed_prefix, smts)
    by_records, _ = _deploy(cluster, db, records_prefix, smts)
    runner = SourceRunner(cluster.worker, config_store=cluster.configs, offset_store=cluster.offsets,
                          status_store=cluster.statuses)
    try:
        for name in (keyed, by_records):  # each stores its position (no_data): the changes below are streamed
            runner.run(name, 0, _budget())
        db.sql("INSERT INTO t VALUES (1, 'one', 1.5, '2024-01-02 03:04:05.678'), (2, NULL, -0.001, NULL), "
               "(3, 'três', 123456789.125, '1999-12-31 23:59:59.999')",
               "BEGIN", "INSERT INTO u VALUES ('a', 1), ('b', 2)", "INSERT INTO t VALUES (4, 'four', 0, NULL)",
               "INSERT INTO v VALUES (1, 1.25), (NULL, NULL)", "UPDATE u SET v = v + 10", "COMMIT",
               "UPDATE t SET name = 'uno', amount = amount * 2 WHERE id = 1",
               "UPDATE t SET id = 10 WHERE id = 2",  # the key changes: a delete, its tombstone and a create
               "DELETE FROM u WHERE k = 'a'", "DELETE FROM v WHERE x IS NULL", "DELETE FROM t WHERE id IN (3, 4)",
               "ALTER TABLE t ADD COLUMN note VARCHAR(10) DEFAULT 'n'",
               "INSERT INTO t (id, name) VALUES (20, 'after'), (21, 'ddl')", "UPDATE t SET note = NULL")
        db.sql(*[f"INSERT INTO u VALUES ('k{i}', {i})" for i in range(30)])
        # Debezium's processing time, of change events and of schema changes
        monkeypatch.setattr(_stream, "_now", lambda: 1_700_000_000_123)
        monkeypatch.setattr(_schema_changes, "time", SimpleNamespace(time=lambda: 1_700_000_000.123))
        took: list[bool] = []
        original = SourcePipeline.keyed_bytes

        def keyed_bytes(pipeline: SourcePipeline, run: Any) -> Any:
            written = original(pipeline, run)
            took.append(written is not None)
            return written

        monkeypatch.setattr(SourcePipeline, "keyed_bytes", keyed_bytes)
        by_runs = runner.run(keyed, 0, _budget())
        assert took and (all(took) if not smts else any(took) and not all(took))  # runs with deletes: records
        took.clear()
        monkeypatch.setattr(BinlogSourceTask, "keyed_poll", lambda _self: None)
        by_records_result = runner.run(by_records, 0, _budget())
        assert not took
    finally:
        runner.close()
    assert (by_runs.records, by_runs.skipped, by_runs.bytes) == (  # the prefixes are as long
        by_records_result.records, by_records_result.skipped, by_records_result.bytes)
    assert by_runs.records > (50 if not smts else 45) and by_runs.polls == by_records_result.polls

    def topics(prefix: str) -> list[str]:
        return [prefix, *(f"{prefix}.{db.name}.{table}" for table in "tuv")]

    runs, records = (committed_messages(kafka_bootstrap, topics(prefix)) for prefix in (keyed_prefix,
                                                                                       records_prefix))
    old, new = keyed_prefix.encode(), records_prefix.encode()
    for keyed_topic, records_topic in zip(topics(keyed_prefix), topics(records_prefix), strict=True):
        renamed = [(partition, None if key is None else key.replace(old, new),
                    None if value is None else value.replace(old, new), headers)
                   for partition, key, value, headers in runs[keyed_topic]]
        assert renamed == records[records_topic], keyed_topic
        assert records[records_topic]
    if not smts:
        assert sum(value is None for messages in runs.values() for (_p, _k, value, _h) in messages) == 5
    cluster.offsets.refresh()
    assert cluster.offsets.offset(keyed, {"server": keyed_prefix}) == cluster.offsets.offset(
        by_records, {"server": records_prefix})
    assert by_runs.offsets[0]["offset"] == by_records_result.offsets[0]["offset"]
