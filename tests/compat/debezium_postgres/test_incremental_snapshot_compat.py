"""Incremental snapshots: ours against Debezium's PostgresConnector 3.7.0.Final on the same table and signals.

Each connector has its own signal table (each writes its watermarks there) and receives the same signals with the
same ids: ``execute-snapshot`` and ``pause-snapshot`` in one transaction (so exactly one chunk is read), then
``resume-snapshot``. Compared: the offset each stores while paused (the ``incremental_snapshot_*`` keys, the chunk
keys byte for byte as Java serialized them), every ``read`` event of the table record for record (times, ``lsn``,
``txId`` by type), the signal tables' events (ids of watermarks by shape), and that both offsets drop the snapshot
state once it is done.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import TYPE_CHECKING

import pytest

from connect_core.connectors._debezium.incremental import (
    COLLECTIONS_KEY,
    CORRELATION_KEY,
    MAXIMUM_KEY,
    PAUSED_KEY,
    PRIMARY_KEY,
)
from tests.compat.debezium.test_debezium_compat import _debezium_offset
from tests.compat.debezium_postgres.test_debezium_postgres_compat import (
    _compare,
    _invocation,
    _ours,
    _records,
    _theirs,
)
from tests.unit.connectors._memory_offsets import MemoryOffsetReader

if TYPE_CHECKING:

    from tests.compat.connect_worker.conftest import ConnectWorker
    from tests.integration.connectors.postgres.session import PgSession

pytestmark = pytest.mark.integration

SIGNAL_TABLE = "CREATE TABLE {s}.%s (id varchar(64) PRIMARY KEY, type varchar(32) NOT NULL, data varchar(2048))"
TABLES = ("CREATE TABLE {s}.t (id int PRIMARY KEY, code bigint NOT NULL, name text, amount numeric(10,2))",
          "INSERT INTO {s}.t SELECT i, i * 1000000000000, 'n' || i, i / 4.0 FROM generate_series(1, 5) i",
          SIGNAL_TABLE % "sig_dbz", SIGNAL_TABLE % "sig_ours")
INCREMENTAL_KEYS = (COLLECTIONS_KEY, PRIMARY_KEY, MAXIMUM_KEY, CORRELATION_KEY)
WATERMARK_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-(open|close)")


def _signal_both(db: PgSession, *signals: tuple[str, str, str]) -> None:
    statements = ["BEGIN"]
    for table in ("sig_dbz", "sig_ours"):
        statements += [f"INSERT INTO {{s}}.{table} VALUES ('{i}', '{k}', '{d}')" for i, k, d in signals]
    db.sql(*statements, "COMMIT")


def test_incremental_snapshot_same_reads_offsets_and_watermarks(debezium_pg_worker: ConnectWorker,
                                                                database: PgSession,
                                                                postgres_settings: dict[str, str]) -> None:
    worker, db = debezium_pg_worker, database
    db.sql(*TABLES)
    prefix, name = f"dbzinc{uuid.uuid4().hex[:8]}", f"dbzinc-{uuid.uuid4().hex[:8]}"
    their_slot, our_slot = f"dbz_{uuid.uuid4().hex[:10]}", f"ours_{uuid.uuid4().hex[:10]}"
    common = {"database.hostname": postgres_settings["host"], "database.port": postgres_settings["port"],
              "database.user": postgres_settings["user"], "database.password": postgres_settings["password"],
              "database.dbname": postgres_settings["database"], "topic.prefix": prefix, "plugin.name": "pgoutput",
              "publication.autocreate.mode": "filtered", "table.include.list": f"{db.schema}.t",
              "snapshot.mode": "no_data", "incremental.snapshot.chunk.size": "2"}
    status, body = worker.rest("PUT", f"/connectors/{name}/config", {
        **common, "connector.class": "io.debezium.connector.postgresql.PostgresConnector", "tasks.max": "1",
        "slot.name": their_slot, "publication.name": f"pub_{their_slot}",
        "signal.data.collection": f"{db.schema}.sig_dbz"})
    assert status in (200, 201), body
    props = {**common, "slot.name": our_slot, "publication.name": f"pub_{our_slot}",
             "signal.data.collection": f"{db.schema}.sig_ours"}
    topic = f"{prefix}.{db.schema}.t"
    try:
        reader = MemoryOffsetReader()
        assert _invocation(props, reader) == []  # our slot, from here on
        worker.wait_for("Debezium's slot streaming", lambda: db.query(
            "SELECT active FROM pg_replication_slots WHERE slot_name = %s", (their_slot,)) == [(True,)], 120)
        execute = json.dumps({"data-collections": [f"{db.schema}.t"], "type": "incremental"})
        _signal_both(db, ("compat-1", "execute-snapshot", execute), ("compat-2", "pause-snapshot", "{}"))
        ours = _invocation(props, reader)
        our_offset = next(iter(reader.committed.values()))
        their_offset = worker.wait_for("Debezium's offset while paused", lambda: (
            (o := _debezium_offset(worker, name, prefix)) and o.get(PRIMARY_KEY, "aced000570") != "aced000570"
            and o), 120)
        assert {k: our_offset[k] for k in INCREMENTAL_KEYS} == {k: their_offset[k] for k in INCREMENTAL_KEYS}
        assert set(our_offset) - set(their_offset) <= {PAUSED_KEY}

        _signal_both(db, ("compat-3", "resume-snapshot", "{}"))
        ours += _invocation(props, reader)
        theirs = _theirs(worker.wait_for("Debezium's reads", lambda: (
            (r := _records(worker, topic)) and len(r) >= 5 and r), 120))
        mine = [o for o, r in zip(_ours(ours), ours, strict=True) if r.topic == topic]
        assert len(mine) == len(theirs) == 5
        for index, (a, b) in enumerate(zip(mine, theirs, strict=True)):
            assert b[1]["payload"]["source"]["snapshot"] == "incremental"
            _compare(a, b, where=f"read {index}")

        # the signal tables' own events: the three signals, then an open and a close watermark per chunk
        their_signals = _theirs(worker.wait_for("Debezium's watermarks", lambda: (
            (r := _records(worker, f"{prefix}.{db.schema}.sig_dbz")) and len(r) >= 11 and r), 120))
        my_signals = [o for o, r in zip(_ours(ours), ours, strict=True) if r.topic.endswith(".sig_ours")]
        assert len(my_signals) == len(their_signals)
        for index, (a, b) in enumerate(zip(my_signals, their_signals, strict=True)):
            mine_after, their_after = a[1]["payload"]["after"], b[1]["payload"]["after"]
            assert mine_after["type"] == their_after["type"], f"signal {index}"
            if WATERMARK_ID.fullmatch(their_after["id"]):
                assert WATERMARK_ID.fullmatch(mine_after["id"]), f"signal {index}: {mine_after['id']}"
                assert set(json.loads(mine_after["data"])) == set(json.loads(their_after["data"])), f"signal {index}"
            else:
                assert mine_after == their_after, f"signal {index}"

        done = next(iter(reader.committed.values()))
        assert not set(done) & {*INCREMENTAL_KEYS, PAUSED_KEY}
        their_done = worker.wait_for("Debezium's offset after the snapshot", lambda: (
            (o := _debezium_offset(worker, name, prefix)) and PRIMARY_KEY not in o and o), 60)
        assert set(done) == set(their_done)
    finally:
        worker.rest("DELETE", f"/connectors/{name}")
        db.close(our_slot, their_slot)
