"""Incremental snapshots: our binlog source against Debezium's MariaDbConnector on the same signals.

As tests/compat/debezium_postgres/test_incremental_snapshot_compat.py (this worker runs Debezium 3.3.0.Final): each
connector has its own signal table and gets the same signals with the same ids (``execute-snapshot`` with
``pause-snapshot`` in one transaction, then ``resume-snapshot``). Compared: the ``incremental_snapshot_*`` offset keys
while paused (the chunk keys byte for byte), every ``read`` event (key, ``after`` and schemas, ``op``, the ``source``
block but for the binlog position, which differs as the signal tables do), the signal tables' events, and that both
offsets drop the state once it is done.
"""

from __future__ import annotations

import json
import random
import re
import uuid
from typing import TYPE_CHECKING, Any

import pytest

from connect_core.connectors._debezium.incremental import (
    COLLECTIONS_KEY,
    CORRELATION_KEY,
    MAXIMUM_KEY,
    PAUSED_KEY,
    PRIMARY_KEY,
)
from connect_core.connectors.binlog.source_task import FLAVOUR_CONFIG
from tests.compat.debezium.test_debezium_compat import (
    Database,
    _compare,
    _debezium_offset,
    _invocation,
    _ours_as_json,
    _records,
)
from tests.unit.connectors._memory_offsets import MemoryOffsetReader

if TYPE_CHECKING:

    from tests.compat.connect_worker.conftest import ConnectWorker

pytestmark = pytest.mark.integration

SIGNAL_TABLE = "CREATE TABLE %s (id VARCHAR(64) PRIMARY KEY, type VARCHAR(32) NOT NULL, data VARCHAR(2048) NULL)"
TABLES = ("CREATE TABLE t (id INT PRIMARY KEY, code BIGINT NOT NULL, name VARCHAR(20), amount DECIMAL(8,2))",
          "INSERT INTO t SELECT seq, seq * 1000000000000, CONCAT('n', seq), seq / 4 FROM seq_1_to_5",
          SIGNAL_TABLE % "sig_dbz", SIGNAL_TABLE % "sig_ours")
INCREMENTAL_KEYS = (COLLECTIONS_KEY, PRIMARY_KEY, MAXIMUM_KEY, CORRELATION_KEY)
WATERMARK_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-(open|close)")


def _same_signals(mine: list[Any], theirs: list[dict[str, Any]]) -> None:
    """The signal table rows in the same order: signals equal, watermarks of the same shape."""
    assert len(mine) == len(theirs)
    for index, (mine_after, their_after) in enumerate(zip(mine, theirs, strict=True)):
        assert mine_after.get("type") == their_after["type"], f"signal {index}"
        if WATERMARK_ID.fullmatch(their_after["id"]):
            assert WATERMARK_ID.fullmatch(mine_after.get("id")), f"signal {index}"
            # 3.7 adds the correlation id and the table to a watermark's data (compared whole against PostgreSQL)
            ours_data, theirs_data = set(json.loads(mine_after.get("data"))), set(json.loads(their_after["data"]))
            assert theirs_data <= ours_data and ours_data - theirs_data <= {"correlationId", "dataCollectionId"}
        else:
            assert mine_after.get("id") == their_after["id"] and mine_after.get("data") == their_after["data"]


def debezium_streaming(worker: ConnectWorker, db: Database, topic: str) -> int:
    """Rows into t until Debezium (no_data: it streams from where it started) sends one; the rows t has then."""
    markers = iter(range(100, 10_000))

    def streaming() -> bool:
        db.sql(f"INSERT INTO t VALUES ({next(markers)}, 1, 'marker', 1.50)")
        return len(_records(worker, topic)) >= 1

    worker.wait_for("Debezium streaming", streaming, 120)
    with db.conn.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM t")
        return int(cursor.fetchone()[0])


def _signal_both(db: Database, *signals: tuple[str, str, str]) -> None:
    statements = ["BEGIN"]
    for table in ("sig_dbz", "sig_ours"):
        statements += [f"INSERT INTO {table} VALUES ('{i}', '{k}', '{d}')" for i, k, d in signals]
    db.sql(*statements, "COMMIT")


def test_incremental_snapshot_same_reads_offsets_and_watermarks(debezium_worker: ConnectWorker, database: Database,
                                                                mariadb_settings: dict[str, str],
                                                                kafka_bootstrap: str) -> None:
    worker, db = debezium_worker, database
    db.sql(*TABLES)
    prefix, name = f"dbzinc{uuid.uuid4().hex[:8]}", f"dbzinc-{uuid.uuid4().hex[:8]}"
    common = {"database.hostname": mariadb_settings["host"], "database.port": mariadb_settings["port"],
              "database.user": mariadb_settings["user"], "database.password": mariadb_settings["password"],
              "topic.prefix": prefix, "table.include.list": f"{db.name}.t", "include.schema.changes": "false",
              "snapshot.mode": "no_data", "incremental.snapshot.chunk.size": "4"}
    status, body = worker.rest("PUT", f"/connectors/{name}/config", {
        **common, "connector.class": "io.debezium.connector.mariadb.MariaDbConnector", "tasks.max": "1",
        "database.server.id": str(random.randint(10_000, 20_000)),
        "signal.data.collection": f"{db.name}.sig_dbz",
        "schema.history.internal.kafka.bootstrap.servers": kafka_bootstrap,
        "schema.history.internal.kafka.topic": f"{worker.prefix}-history-{prefix}",
        "schema.history.internal.store.only.captured.databases.ddl": "true",
        "schema.history.internal.store.only.captured.tables.ddl": "true", "snapshot.locking.mode": "none"})
    assert status in (200, 201), body
    props = {**common, FLAVOUR_CONFIG: "mariadb", "database.server.id": str(random.randint(20_001, 30_000)),
             "signal.data.collection": f"{db.name}.sig_ours"}
    topic = f"{prefix}.{db.name}.t"
    try:
        reader = MemoryOffsetReader()
        _invocation(props, reader)  # our position, from here on
        rows = debezium_streaming(worker, db, topic)
        execute = json.dumps({"data-collections": [f"{db.name}.t"], "type": "incremental"})
        _signal_both(db, ("compat-1", "execute-snapshot", execute), ("compat-2", "pause-snapshot", "{}"))
        ours = _invocation(props, reader)
        our_offset = next(iter(reader.committed.values()))
        their_offset = worker.wait_for("Debezium's offset while paused", lambda: (
            (o := _debezium_offset(worker, name, prefix)) and o.get(PRIMARY_KEY, "aced000570") != "aced000570"
            and o), 120)
        assert {k: our_offset[k] for k in INCREMENTAL_KEYS if k != COLLECTIONS_KEY} == \
            {k: their_offset[k] for k in INCREMENTAL_KEYS if k != COLLECTIONS_KEY}
        # this worker runs Debezium 3.3.0.Final (tests/compat/debezium/pom.xml), whose queue entries do not have the
        # correlation id yet (3.7's do: the PostgreSQL compat test compares them whole)
        assert [{k: v for k, v in c.items() if not k.endswith("_correlation_id")}
                for c in json.loads(our_offset[COLLECTIONS_KEY])] == json.loads(their_offset[COLLECTIONS_KEY])
        assert set(our_offset) - set(their_offset) <= {PAUSED_KEY}

        _signal_both(db, ("compat-3", "resume-snapshot", "{}"))
        ours += _invocation(props, reader)
        def their_reads() -> list[Any]:
            out = [(json.loads(k), json.loads(v)) for k, v in _records(worker, topic) if v is not None]
            return [r for r in out if r[1]["payload"]["op"] == "r"]

        their_json = worker.wait_for("Debezium's reads", lambda: len(r := their_reads()) >= rows and r, 120)
        mine = [o for o, r in zip(_ours_as_json([r for r in ours if r.topic]), [r for r in ours if r.topic],
                                  strict=True) if r.topic == topic]
        mine = [m for m in mine if m[1]["payload"]["op"] == "r"]
        assert len(mine) == len(their_json) == rows
        for index, (a, b) in enumerate(zip(mine, their_json, strict=True)):
            assert b[1]["payload"]["source"]["snapshot"] == "incremental"
            _compare(a, b, streamed=False, index=index)
            for key in ("server_id", "file", "pos", "row", "gtid", "thread", "query"):
                assert type(a[1]["payload"]["source"][key]) is type(b[1]["payload"]["source"][key]), (index, key)

        their_signals = worker.wait_for("Debezium's watermarks", lambda: (
            (r := _records(worker, f"{prefix}.{db.name}.sig_dbz")) and len(r) >= 3 + 2 * (-(-rows // 4) + 1)
            and r), 120)
        their_signals_json = [json.loads(v)["payload"]["after"] for _k, v in their_signals if v is not None]
        my_signals = [r.value.get("after") for r in ours if r.topic and r.topic.endswith(".sig_ours")]
        _same_signals(my_signals, their_signals_json)

        done = next(iter(reader.committed.values()))
        assert not set(done) & {*INCREMENTAL_KEYS, PAUSED_KEY}
        their_done = worker.wait_for("Debezium's offset after the snapshot", lambda: (
            (o := _debezium_offset(worker, name, prefix)) and PRIMARY_KEY not in o and o), 60)
        assert set(done) - {"row", "event"} == set(their_done) - {"row", "event"}
    finally:
        worker.rest("DELETE", f"/connectors/{name}")
