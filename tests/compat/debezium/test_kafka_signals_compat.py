"""Kafka signals: our binlog source against Debezium's MariaDbConnector 3.3.0.Final on the same signal topic.

As tests/compat/debezium_postgres/test_kafka_signals_compat.py: both connectors share ``topic.prefix`` and take the
same messages from the default ``<topic.prefix>-signal`` (a consumer group and a signal table each). Compared: the
``incremental_snapshot_*`` offset keys while paused, every ``read`` event, the offsets once done (ours has one more key,
``incremental_snapshot_signal_offset``: Debezium 3.x keeps the position in its consumer group only) and both groups'
committed offsets.
"""

from __future__ import annotations

import json
import random
import uuid
from typing import TYPE_CHECKING, Any

import pytest

from connect_core.connectors._debezium.incremental import COLLECTIONS_KEY, PAUSED_KEY, PRIMARY_KEY
from connect_core.connectors._debezium.kafka_signals import SIGNAL_OFFSET_KEY
from connect_core.connectors.binlog.source_task import FLAVOUR_CONFIG
from tests.compat.debezium.test_debezium_compat import (
    Database,
    _compare,
    _debezium_offset,
    _invocation,
    _ours_as_json,
    _records,
)
from tests.compat.debezium.test_incremental_snapshot_compat import INCREMENTAL_KEYS, TABLES, debezium_streaming
from tests.compat.debezium_postgres.test_kafka_signals_compat import EXECUTE, PAUSE, RESUME
from tests.integration.connectors.postgres.test_postgres_kafka_signals import SignalTopic
from tests.unit.connectors._memory_offsets import MemoryOffsetReader

if TYPE_CHECKING:
    from tests.compat.connect_worker.conftest import ConnectWorker

pytestmark = pytest.mark.integration


def test_kafka_signals_same_reads_and_offsets(debezium_worker: ConnectWorker, database: Database,
                                              mariadb_settings: dict[str, str], kafka_bootstrap: str) -> None:
    worker, db = debezium_worker, database
    db.sql(*TABLES)
    prefix, name = f"dbzks{uuid.uuid4().hex[:8]}", f"dbzks-{uuid.uuid4().hex[:8]}"
    signals = SignalTopic(kafka_bootstrap, f"{prefix}-signal")  # Debezium's default: neither connector sets it
    their_group, our_group = f"dbz-{uuid.uuid4().hex[:8]}", f"ours-{uuid.uuid4().hex[:8]}"
    common = {"database.hostname": mariadb_settings["host"], "database.port": mariadb_settings["port"],
              "database.user": mariadb_settings["user"], "database.password": mariadb_settings["password"],
              "topic.prefix": prefix, "table.include.list": f"{db.name}.t", "include.schema.changes": "false",
              "snapshot.mode": "no_data", "incremental.snapshot.chunk.size": "4",
              "signal.enabled.channels": "source,kafka", "signal.kafka.bootstrap.servers": kafka_bootstrap}
    status, body = worker.rest("PUT", f"/connectors/{name}/config", {
        **common, "connector.class": "io.debezium.connector.mariadb.MariaDbConnector", "tasks.max": "1",
        "database.server.id": str(random.randint(10_000, 20_000)), "signal.kafka.groupId": their_group,
        "signal.data.collection": f"{db.name}.sig_dbz",
        "schema.history.internal.kafka.bootstrap.servers": kafka_bootstrap,
        "schema.history.internal.kafka.topic": f"{worker.prefix}-history-{prefix}",
        "schema.history.internal.store.only.captured.databases.ddl": "true",
        "schema.history.internal.store.only.captured.tables.ddl": "true", "snapshot.locking.mode": "none"})
    assert status in (200, 201), body
    props = {**common, FLAVOUR_CONFIG: "mariadb", "database.server.id": str(random.randint(20_001, 30_000)),
             "signal.kafka.groupId": our_group, "signal.data.collection": f"{db.name}.sig_ours"}
    topic = f"{prefix}.{db.name}.t"
    try:
        reader = MemoryOffsetReader()
        _invocation(props, reader)  # our position, from here on
        rows = debezium_streaming(worker, db, topic)
        signals.send(prefix, json.dumps(EXECUTE).replace("%s", f"{db.name}.t"))
        signals.send(prefix, PAUSE)
        ours = _invocation(props, reader)
        our_offset = next(iter(reader.committed.values()))
        their_offset = worker.wait_for("Debezium's offset while paused", lambda: (
            (o := _debezium_offset(worker, name, prefix)) and o.get(PRIMARY_KEY, "aced000570") != "aced000570"
            and o), 120)
        assert {k: our_offset[k] for k in INCREMENTAL_KEYS if k != COLLECTIONS_KEY} == \
            {k: their_offset[k] for k in INCREMENTAL_KEYS if k != COLLECTIONS_KEY}
        # 3.3.0's queue entries have no correlation id yet (tests/compat/debezium/test_incremental_snapshot_compat.py)
        assert [{k: v for k, v in c.items() if not k.endswith("_correlation_id")}
                for c in json.loads(our_offset[COLLECTIONS_KEY])] == json.loads(their_offset[COLLECTIONS_KEY])
        assert set(our_offset) - set(their_offset) <= {PAUSED_KEY, SIGNAL_OFFSET_KEY, "row", "event"}
        assert our_offset[SIGNAL_OFFSET_KEY] == 1

        signals.send(prefix, RESUME)
        ours += _invocation(props, reader)

        def their_reads() -> list[Any]:
            out = [(json.loads(k), json.loads(v)) for k, v in _records(worker, topic) if v is not None]
            return [r for r in out if r[1]["payload"]["op"] == "r"]

        their_json = worker.wait_for("Debezium's reads", lambda: len(r := their_reads()) >= rows and r, 120)
        emitted = [r for r in ours if r.topic]
        mine = [o for o, r in zip(_ours_as_json(emitted), emitted, strict=True) if r.topic == topic]
        mine = [m for m in mine if m[1]["payload"]["op"] == "r"]
        assert len(mine) == len(their_json) == rows
        for index, (a, b) in enumerate(zip(mine, their_json, strict=True)):
            assert b[1]["payload"]["source"]["snapshot"] == "incremental"
            _compare(a, b, streamed=False, index=index)

        done = next(iter(reader.committed.values()))
        their_done = worker.wait_for("Debezium's offset after the snapshot", lambda: (
            (o := _debezium_offset(worker, name, prefix)) and PRIMARY_KEY not in o and o), 60)
        assert set(done) - {"row", "event"} == (set(their_done) - {"row", "event"}) | {SIGNAL_OFFSET_KEY}
        assert done[SIGNAL_OFFSET_KEY] == 2
        assert signals.committed(our_group) == 3
        worker.wait_for("Debezium's group offset", lambda: signals.committed(their_group) == 3, 60)
    finally:
        worker.rest("DELETE", f"/connectors/{name}")
        signals.delete()
