"""The PostgreSQL source as Lambda runs it, against the real server: two task instances stand for two warm containers
of one source function, invocations alternating between them, the committed offsets (Kafka's, here in memory) and
the replication slot the only truth they share."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import pytest

from connect_core.api.errors import RetriableError
from connect_core.connectors.postgres.source_task import PostgresSourceTask
from tests.integration.connectors.postgres.conftest import MemoryOffsetReader, PgDb, ops
from tests.unit.connectors._memory_offsets import start_task

if TYPE_CHECKING:
    from connect_core.api.record import SourceRecord

pytestmark = pytest.mark.integration


class Container:
    """A warm container's started task: each ``invoke`` polls until caught up, committing each poll's records. As
    the source runner's, a task another container has moved on from since (its producer fenced) is started again
    from the committed offsets before it polls."""

    def __init__(self, db: PgDb, reader: MemoryOffsetReader, **extra: str) -> None:
        self.props = db.props(**extra)
        self.reader = reader
        self.task = start_task(PostgresSourceTask(), self.props, reader)
        self.seen = dict(reader.committed)

    def invoke(self) -> list[SourceRecord]:
        if self.reader.committed != self.seen:  # fenced while idle: rebuilt from the committed offsets
            self.task.stop()
            self.task = start_task(PostgresSourceTask(), self.props, self.reader)
        try:
            return self._polls()
        finally:
            self.seen = dict(self.reader.committed)

    def _polls(self) -> list[SourceRecord]:
        out: list[SourceRecord] = []
        for _ in range(100):
            batch = self.task.poll()
            if not batch:
                self.task.commit()
                self.task.suspend()
                return out
            out.extend(batch)
            self.reader.commit(batch)
            self.task.commit()
        raise AssertionError("the task never caught up")

    def stop(self) -> None:
        self.task.stop()


def _outbox_event(db: PgDb) -> str:
    """An outbox transaction (Debezium's outbox extension): the event inserted and deleted in one transaction, so no
    snapshot ever sees it and only the slot's stream can deliver it."""
    event = str(uuid.uuid4())
    with db.conn.cursor() as cursor:
        cursor.execute("BEGIN")
        cursor.execute(f"INSERT INTO {db.schema}.outbox VALUES (%s)", (event,))
        cursor.execute(f"DELETE FROM {db.schema}.outbox WHERE id = %s", (event,))
        cursor.execute("COMMIT")
    return event


def _events(records: list[SourceRecord]) -> list[tuple[str, Any]]:
    return [(op, key) for op, key in ops(records) if op != "tombstone"]


def test_an_empty_snapshot_is_stored_so_a_cold_container_streams_from_its_point(pg_db: PgDb) -> None:
    """Container A's first invocation snapshots the empty table and catches up; changes then committed are read by
    container B (cold, started on the committed offsets) from the slot, not lost behind a new snapshot of its own."""
    db = pg_db
    db.sql("CREATE TABLE {s}.outbox (id uuid PRIMARY KEY)")
    reader = MemoryOffsetReader()
    a = Container(db, reader)
    try:
        assert _events(a.invoke()) == []  # the snapshot: no rows
        first, second = _outbox_event(db), _outbox_event(db)
        b = Container(db, reader)
        try:
            assert _events(b.invoke()) == [("c", first), ("d", first), ("c", second), ("d", second)]
            third = _outbox_event(db)
            assert _events(a.invoke()) == [("c", third), ("d", third)]  # A again, from the committed offsets
            assert _events(b.invoke()) == []
        finally:
            b.stop()
    finally:
        a.stop()


def _holder(db: PgDb) -> int | None:
    """The PID of the WAL sender holding the slot (None when it is free)."""
    rows = db.query("SELECT active_pid FROM pg_replication_slots WHERE slot_name = %s", (db.slot,))
    return rows[0][0] if rows else None


def test_a_container_frozen_holding_the_slot_does_not_hold_up_the_next(pg_db: PgDb) -> None:
    """Container A is frozen mid-invocation with the slot's WAL sender open (its chunk committed to Kafka, the slot
    not yet confirmed); the next invocation, on container B, ends that WAL sender (A's producer is fenced by then)
    and goes on from the committed offsets. A, resumed, confirms into a closed session without failing, and its next
    invocation starts from what B committed."""
    db = pg_db
    db.sql("CREATE TABLE {s}.t (id int PRIMARY KEY)")
    reader = MemoryOffsetReader()
    a = Container(db, reader, **{"snapshot.mode": "no_data"})
    try:
        assert a.invoke() == []  # the slot, from here on
        db.sql("INSERT INTO {s}.t VALUES (1)")
        batch = a.task.poll()  # caught up: the connection stays open until the commit confirms the slot
        assert _events(batch) == [("c", 1)]
        reader.commit(batch)  # Kafka committed the chunk; A is frozen before it confirms the slot
        frozen = _holder(db)
        assert frozen is not None
        db.sql("INSERT INTO {s}.t VALUES (2)")
        b = Container(db, reader, **{"snapshot.mode": "no_data"})
        try:
            assert _events(b.invoke()) == [("c", 2)]
            assert db.query("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", (frozen,))[0][0] == 0
            a.task.commit()  # A resumes: its confirm meets the ended session
            db.sql("INSERT INTO {s}.t VALUES (3)")
            assert _events(a.invoke()) == [("c", 3)]
            assert _events(b.invoke()) == []
        finally:
            b.stop()
    finally:
        a.stop()


def test_a_slot_held_by_another_application_is_waited_for_never_ended(pg_db: PgDb,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Only this connector's own replication sessions are ended: a WAL sender of anyone else holding the slot is
    waited for (``SLOT_BUSY_WAIT_S``), then the poll fails as retriable, the other session untouched."""
    import psycopg2
    import psycopg2.extras

    from connect_core.connectors.postgres import _stream

    db = pg_db
    db.sql("CREATE TABLE {s}.t (id int PRIMARY KEY)")
    reader = MemoryOffsetReader()
    a = Container(db, reader, **{"snapshot.mode": "no_data"})
    try:
        assert a.invoke() == []
        settings = db.settings
        other = psycopg2.connect(host=settings["host"], port=int(settings["port"]), user=settings["user"],
                                 password=settings["password"], dbname=settings["database"],
                                 application_name="someone-else",
                                 connection_factory=psycopg2.extras.LogicalReplicationConnection)
        try:
            other.cursor().start_replication(slot_name=db.slot, decode=False, options={
                "proto_version": "1", "publication_names": f"pub_{db.slot}"})
            holder = other.get_backend_pid()
            monkeypatch.setattr(_stream, "SLOT_BUSY_WAIT_S", 0.5)
            db.sql("INSERT INTO {s}.t VALUES (1)")
            with pytest.raises(RetriableError, match="is active for PID"):
                a.task.poll()
            assert _holder(db) == holder
        finally:
            other.close()
        assert _events(a.invoke()) == [("c", 1)]  # free again: nothing was skipped
    finally:
        a.stop()


def test_a_session_lost_inside_a_transaction_goes_on_after_the_last_record_returned(pg_db: PgDb) -> None:
    """The replication session is lost (the network, the server, another container taking the slot over) while the
    task is inside a transaction it has returned part of: the poll fails as retriable, and the next one goes on
    right after the last record returned, neither skipping nor repeating any."""
    db = pg_db
    db.sql("CREATE TABLE {s}.t (id int PRIMARY KEY)")
    reader = MemoryOffsetReader()
    a = Container(db, reader, **{"snapshot.mode": "no_data", "max.batch.size": "10"})
    try:
        assert a.invoke() == []
        db.sql("INSERT INTO {s}.t SELECT generate_series(1, 30)")
        first = a.task.poll()  # the transaction's first changes; the connection stays open inside it
        assert _events(first) == [("c", i) for i in range(1, 11)]
        reader.commit(first)
        a.task.commit()
        a.task._stream._conn.close()  # type: ignore[attr-defined]  # the session is gone under the task
        with pytest.raises(RetriableError):
            a.task.poll()
        assert _events(a._polls()) == [("c", i) for i in range(11, 31)]
    finally:
        a.stop()
