"""The PostgreSQL source's keyed path (``PostgresSourceTask.keyed_poll``: a table's change events as runs) against
its records path, through the real SourceRunner, PostgreSQL and broker: two connectors (two slots) over the same
changes (inserts by the insert fast path and the general one, updates, an update of the key with its own headers,
deletes with tombstones, NUMERICs, a table without a key, several tables in one transaction and poll) write byte for
byte the same messages, headers included, to the same partitions and commit the same offsets (their topic prefixes
aside), one by runs and one by records; with Debezium's ExtractNewRecordState too, its runs of creates and updates
unwrapped whole."""

from __future__ import annotations

import time
import uuid
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import pytest

from connect_core.connectors.postgres import _envelope, _stream
from connect_core.connectors.postgres.source_task import PostgresSourceTask
from connect_core.runtime.source_pipeline import SourcePipeline
from connect_core.runtime.source_runner import SourceRunner
from tests.integration.connectors.binlog.test_binlog_keyed import committed_messages
from tests.integration.runtime.conftest import cluster  # noqa: F401 - the fixture

if TYPE_CHECKING:
    from tests.integration.connectors.postgres.conftest import PgDb
    from tests.integration.runtime.conftest import Cluster

pytestmark = pytest.mark.integration

JSON = "org.apache.kafka.connect.json.JsonConverter"


def _budget() -> Any:
    deadline = time.monotonic() + 60
    return lambda: (deadline - time.monotonic()) * 1000


UNWRAP = {"transforms": "unwrap", "transforms.unwrap.type": "io.debezium.transforms.ExtractNewRecordState"}


def _deploy(cluster: Cluster, db: PgDb, prefix: str, slot: str, smts: dict[str, str]) -> str:  # noqa: F811
    from connect_core.connectors.postgres.source_connector import PostgresConnector

    name = f"pg-{uuid.uuid4().hex[:8]}"
    config = db.props(**{"snapshot.mode": "no_data", "max.batch.size": "7", "key.converter": JSON,
                         "value.converter": JSON, "topic.prefix": prefix, "slot.name": slot,
                         "publication.name": f"pub_{slot}", **smts})
    config["name"] = name
    connector = PostgresConnector()
    connector.start(config)
    cluster.deploy(name, config, connector.task_configs(1))
    return name


@pytest.mark.parametrize("smts", [{}, UNWRAP], ids=["envelopes", "unwrapped"])
def test_keyed_runs_write_what_records_write(cluster: Cluster, pg_db: PgDb, kafka_bootstrap: str,  # noqa: F811
                                             monkeypatch: pytest.MonkeyPatch, smts: dict[str, str]) -> None:
    db = pg_db
    db.sql("CREATE TABLE {s}.t (id INT PRIMARY KEY, name TEXT, amount NUMERIC(12,3), at TIMESTAMP(3))",
           "CREATE TABLE {s}.u (k VARCHAR(10) PRIMARY KEY, v INT NOT NULL)",
           "CREATE TABLE {s}.v (x INT, y NUMERIC(5,2))", "ALTER TABLE {s}.v REPLICA IDENTITY FULL")
    # the context headers' runId (one per task start) the same for both
    monkeypatch.setattr(_envelope, "uuid", SimpleNamespace(uuid4=lambda: "00000000-0000-0000-0000-000000000000"))
    keyed_prefix, records_prefix = f"it-{uuid.uuid4().hex[:8]}", f"it-{uuid.uuid4().hex[:8]}"
    other_slot = f"{db.slot}b"
    keyed = _deploy(cluster, db, keyed_prefix, db.slot, smts)
    by_records = _deploy(cluster, db, records_prefix, other_slot, smts)
    runner = SourceRunner(cluster.worker, config_store=cluster.configs, offset_store=cluster.offsets,
                          status_store=cluster.statuses)
    try:
        for name in (keyed, by_records):  # each creates its slot (no_data): the changes below are streamed
            runner.run(name, 0, _budget())
        db.sql("INSERT INTO {s}.t VALUES (1, 'one', 1.5, '2024-01-02 03:04:05.678'), (2, NULL, -0.001, NULL), "
               "(3, 'três', 123456789.125, '1999-12-31 23:59:59.999')",
               "BEGIN", "INSERT INTO {s}.u VALUES ('a', 1), ('b', 2)", "INSERT INTO {s}.t VALUES (4, 'four', 0, NULL)",
               "INSERT INTO {s}.v VALUES (1, 1.25), (NULL, NULL)", "UPDATE {s}.u SET v = v + 10", "COMMIT",
               "UPDATE {s}.t SET name = 'uno', amount = amount * 2 WHERE id = 1",
               "UPDATE {s}.t SET id = 10 WHERE id = 2",  # the key changes: a delete, its tombstone and a create
               "DELETE FROM {s}.u WHERE k = 'a'", "DELETE FROM {s}.v WHERE x IS NULL",
               "DELETE FROM {s}.t WHERE id IN (3, 4)", "INSERT INTO {s}.t (id, name) VALUES (20, 'after')")
        db.sql(*[f"INSERT INTO {{s}}.u VALUES ('k{i}', {i})" for i in range(30)])
        monkeypatch.setattr(_stream, "_now_us", lambda: 1_700_000_000_123_456)  # Debezium's processing time
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
        monkeypatch.setattr(PostgresSourceTask, "keyed_poll", lambda _self: None)
        by_records_result = runner.run(by_records, 0, _budget())
        assert not took
    finally:
        runner.close()
        db.drop_slot(other_slot)
        db.sql(f"DROP PUBLICATION IF EXISTS pub_{other_slot}")
    assert (by_runs.records, by_runs.skipped, by_runs.bytes) == (  # the prefixes are as long
        by_records_result.records, by_records_result.skipped, by_records_result.bytes)
    assert by_runs.records > (50 if not smts else 45)  # unwrapped: the tombstones dropped

    def topics(prefix: str) -> list[str]:
        return [f"{prefix}.{db.schema}.{table}" for table in "tuv"]

    runs, records = (committed_messages(kafka_bootstrap, topics(prefix)) for prefix in (keyed_prefix,
                                                                                       records_prefix))
    old, new = keyed_prefix.encode(), records_prefix.encode()
    for keyed_topic, records_topic in zip(topics(keyed_prefix), topics(records_prefix), strict=True):
        renamed = [(partition, None if key is None else key.replace(old, new),
                    None if value is None else value.replace(old, new),
                    [(k, None if v is None else v.replace(old, new)) for k, v in headers or []])
                   for partition, key, value, headers in runs[keyed_topic]]
        assert renamed == [(*m[:3], m[3] or []) for m in records[records_topic]], keyed_topic
        assert records[records_topic]
    if not smts:
        assert sum(value is None for messages in runs.values() for (_p, _k, value, _h) in messages) == 5
    assert any(key == "__debezium.oldkey" for messages in runs.values() for m in messages for key, _v in m[3] or [])
    cluster.offsets.refresh()
    offset = cluster.offsets.offset(keyed, {"server": keyed_prefix})
    assert offset is not None and offset == cluster.offsets.offset(by_records, {"server": records_prefix})
    assert by_runs.offsets[0]["offset"] == by_records_result.offsets[0]["offset"]
