"""The replication slot against the real PostgreSQL: its lag as a plugin metric, and ``slot.drop.on.stop``."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

import pytest

from connect_core.api.config import parse_config
from connect_core.connectors.postgres import _slot
from connect_core.connectors.postgres._offsets import parse_lsn
from connect_core.connectors.postgres.config import PostgresSourceConfig
from connect_core.connectors.postgres.source_connector import PostgresConnector
from connect_core.connectors.postgres.source_task import LAG_METRIC, PostgresSourceTask
from tests.integration.connectors.postgres.conftest import MemoryOffsetReader, PgDb, ops
from tests.unit.connectors._memory_offsets import start_task

if TYPE_CHECKING:
    from collections.abc import Callable

    from connect_core.api.plugin_metrics import PluginMetrics

pytestmark = pytest.mark.integration


def _lag(metrics: PluginMetrics) -> float:
    return next(value for name, value in metrics.measurements() if name.name == LAG_METRIC)


def test_the_slots_lag_is_a_plugin_metric_that_falls_once_the_changes_are_committed(pg_db: PgDb) -> None:
    db = pg_db
    db.sql("CREATE TABLE {s}.t (id int PRIMARY KEY, payload text NOT NULL)")
    reader = MemoryOffsetReader()
    assert db.run(reader, **{"snapshot.mode": "no_data"}) == []  # the slot, from here on
    # a big transaction, then a small one (whose offsets carry the big one's commit LSN, confirmed with them)
    db.sql("INSERT INTO {s}.t SELECT i, repeat('x', 200) FROM generate_series(1, 5000) i",
           "INSERT INTO {s}.t VALUES (5001, 'y')")
    written = parse_lsn(db.query("SELECT pg_current_wal_lsn()::text")[0][0]) - (db.slot_lsn() or 0)
    assert written > 1_000_000
    task = start_task(PostgresSourceTask(), db.props(**{"snapshot.mode": "no_data"}), reader)
    try:
        metrics = task.context.plugin_metrics()
        before = _lag(metrics)  # measured at start: at least the WAL the insert wrote
        assert before >= written
        records = []
        while batch := task.poll():
            records += batch
            reader.commit(batch)
            task.commit()
        task.commit()
        assert len(ops(records)) == 5001
        assert _lag(metrics) < before - written // 2  # measured after the last commit confirmed the LSN
    finally:
        task.stop()


def test_slot_drop_on_stop_drops_the_slot_and_waits_a_bounded_time_for_an_active_one(
    pg_db: PgDb, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    db = pg_db
    db.sql("CREATE TABLE {s}.t (id int PRIMARY KEY)")
    assert db.run(MemoryOffsetReader(), **{"snapshot.mode": "no_data"}) == []
    connector = PostgresConnector()
    connector.decommission(db.props())  # slot.drop.on.stop=false, the default: the slot stays
    assert db.slot_lsn() is not None
    dropping = db.props(**{"slot.drop.on.stop": "true"})
    # held by a WAL sender (an invocation streaming when the connector is deleted): tried again, then left
    monkeypatch.setattr(_slot, "DROP_ATTEMPTS", 3)
    monkeypatch.setattr(_slot, "DROP_PAUSE_S", 0.05)
    holder = _slot.connect(parse_config(PostgresSourceConfig, dropping), replication=True)
    try:
        holder.cursor().start_replication(slot_name=db.slot, decode=False, options={
            "proto_version": "1", "publication_names": f"pub_{db.slot}"})
        _until(lambda: db.query("SELECT active FROM pg_replication_slots WHERE slot_name = %s", (db.slot,))[0][0])
        started = time.monotonic()
        connector.decommission(dropping)
        assert time.monotonic() - started < 5
        assert db.slot_lsn() is not None and "still in use after 3 attempts" in caplog.text
        # released while the drop is retried: dropped
        monkeypatch.setattr(_slot, "DROP_ATTEMPTS", 200)
        threading.Timer(0.3, holder.close).start()
        connector.decommission(dropping)
    finally:
        holder.close()
    assert db.slot_lsn() is None
    assert db.query("SELECT 1 FROM pg_publication WHERE pubname = %s", (f"pub_{db.slot}",)), "the publication stays"
    connector.decommission(dropping)  # already gone: nothing to do


def _until(check: Callable[[], object], timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, "not within the time limit"
        time.sleep(0.05)
