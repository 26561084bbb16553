"""Kafka signals: ours against Debezium's PostgresConnector 3.7.0.Final, the same messages on the same signal topic.

Both connectors have the same ``topic.prefix``, so both take the messages keyed with it from the default signal topic
``<topic.prefix>-signal`` (each with a consumer group of its own and a signal table of its own for its watermarks).
``execute-snapshot`` and ``pause-snapshot`` are sent together (one chunk is read), then ``resume-snapshot``.
Compared: the offset each stores while paused (the ``incremental_snapshot_*`` keys byte for byte, a Kafka signal's
null correlation id included), every ``read`` event record for record, the offsets once done, and where each
consumer group stands. Debezium 3.7 keeps no signal position in its offset (its memory is the group's committed
offset); ours has one more key, ``incremental_snapshot_signal_offset``, and commits the group's offset too.
"""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING

import pytest

from connect_core.connectors._debezium.incremental import PAUSED_KEY, PRIMARY_KEY
from connect_core.connectors._debezium.kafka_signals import SIGNAL_OFFSET_KEY
from tests.compat.debezium.test_debezium_compat import _debezium_offset
from tests.compat.debezium_postgres.test_debezium_postgres_compat import (
    _compare,
    _invocation,
    _ours,
    _records,
    _theirs,
)
from tests.compat.debezium_postgres.test_incremental_snapshot_compat import INCREMENTAL_KEYS, SIGNAL_TABLE
from tests.integration.connectors.postgres.test_postgres_kafka_signals import SignalTopic
from tests.unit.connectors._memory_offsets import MemoryOffsetReader

if TYPE_CHECKING:
    from tests.compat.connect_worker.conftest import ConnectWorker
    from tests.integration.connectors.postgres.session import PgSession

pytestmark = pytest.mark.integration

TABLES = ("CREATE TABLE {s}.t (id int PRIMARY KEY, code bigint NOT NULL, name text, amount numeric(10,2))",
          "INSERT INTO {s}.t SELECT i, i * 1000000000000, 'n' || i, i / 4.0 FROM generate_series(1, 5) i",
          SIGNAL_TABLE % "sig_dbz", SIGNAL_TABLE % "sig_ours")


EXECUTE = {"type": "execute-snapshot", "data": {"data-collections": ["%s"], "type": "INCREMENTAL"}}
PAUSE, RESUME = {"type": "pause-snapshot", "data": {}}, {"type": "resume-snapshot", "data": {}}


def test_kafka_signals_same_reads_and_offsets(debezium_pg_worker: ConnectWorker, database: PgSession,
                                              postgres_settings: dict[str, str], kafka_bootstrap: str) -> None:
    worker, db = debezium_pg_worker, database
    db.sql(*TABLES)
    prefix, name = f"dbzks{uuid.uuid4().hex[:8]}", f"dbzks-{uuid.uuid4().hex[:8]}"
    signals = SignalTopic(kafka_bootstrap, f"{prefix}-signal")  # Debezium's default: neither connector sets it
    their_slot, our_slot = f"dbz_{uuid.uuid4().hex[:10]}", f"ours_{uuid.uuid4().hex[:10]}"
    their_group, our_group = f"dbz-{uuid.uuid4().hex[:8]}", f"ours-{uuid.uuid4().hex[:8]}"
    common = {"database.hostname": postgres_settings["host"], "database.port": postgres_settings["port"],
              "database.user": postgres_settings["user"], "database.password": postgres_settings["password"],
              "database.dbname": postgres_settings["database"], "topic.prefix": prefix, "plugin.name": "pgoutput",
              "publication.autocreate.mode": "filtered", "table.include.list": f"{db.schema}.t",
              "snapshot.mode": "no_data", "incremental.snapshot.chunk.size": "2",
              "signal.enabled.channels": "source,kafka", "signal.kafka.bootstrap.servers": kafka_bootstrap}
    status, body = worker.rest("PUT", f"/connectors/{name}/config", {
        **common, "connector.class": "io.debezium.connector.postgresql.PostgresConnector", "tasks.max": "1",
        "slot.name": their_slot, "publication.name": f"pub_{their_slot}", "signal.kafka.groupId": their_group,
        "signal.data.collection": f"{db.schema}.sig_dbz"})
    assert status in (200, 201), body
    props = {**common, "slot.name": our_slot, "publication.name": f"pub_{our_slot}",
             "signal.kafka.groupId": our_group, "signal.data.collection": f"{db.schema}.sig_ours"}
    table_topic = f"{prefix}.{db.schema}.t"
    try:
        reader = MemoryOffsetReader()
        assert _invocation(props, reader) == []  # our slot, from here on
        worker.wait_for("Debezium's slot streaming", lambda: db.query(
            "SELECT active FROM pg_replication_slots WHERE slot_name = %s", (their_slot,)) == [(True,)], 120)
        db.sql("INSERT INTO {s}.t VALUES (6, 6, 'n6', 1.5)")  # a change, so that each has an offset stored
        first = _invocation(props, reader)
        worker.wait_for("Debezium's change", lambda: len(_records(worker, table_topic)) >= 1, 120)
        signals.send(prefix, json.dumps(EXECUTE).replace("%s", f"{db.schema}.t"))
        signals.send(prefix, PAUSE)
        ours = _invocation(props, reader)
        our_offset = next(iter(reader.committed.values()))
        their_offset = worker.wait_for("Debezium's offset while paused", lambda: (
            (o := _debezium_offset(worker, name, prefix)) and o.get(PRIMARY_KEY, "aced000570") != "aced000570"
            and o), 120)
        assert {k: our_offset[k] for k in INCREMENTAL_KEYS} == {k: their_offset[k] for k in INCREMENTAL_KEYS}
        assert their_offset["incremental_snapshot_correlation_id"] is None  # a Kafka signal without an id
        assert set(our_offset) - set(their_offset) == {PAUSED_KEY, SIGNAL_OFFSET_KEY}
        assert our_offset[SIGNAL_OFFSET_KEY] == 1

        signals.send(prefix, RESUME)
        ours += _invocation(props, reader)
        theirs = _theirs(worker.wait_for("Debezium's reads", lambda: (
            (r := _records(worker, table_topic)) and len(r) >= 7 and r), 120))[1:]
        mine = [o for o, r in zip(_ours(first + ours), first + ours, strict=True) if r.topic == table_topic][1:]
        assert len(mine) == len(theirs) == 6
        for index, (a, b) in enumerate(zip(mine, theirs, strict=True)):
            assert b[1]["payload"]["source"]["snapshot"] == "incremental"
            _compare(a, b, where=f"read {index}")

        done = next(iter(reader.committed.values()))
        their_done = worker.wait_for("Debezium's offset after the snapshot", lambda: (
            (o := _debezium_offset(worker, name, prefix)) and PRIMARY_KEY not in o and o), 60)
        assert set(done) - set(their_done) == {SIGNAL_OFFSET_KEY} and done[SIGNAL_OFFSET_KEY] == 2
        assert not set(their_done) - set(done)
        # where each group stands: after the three messages (Debezium auto-commits every 5 s)
        assert signals.committed(our_group) == 3
        worker.wait_for("Debezium's group offset", lambda: signals.committed(their_group) == 3, 60)
    finally:
        worker.rest("DELETE", f"/connectors/{name}")
        db.close(our_slot, their_slot)
        signals.delete()
