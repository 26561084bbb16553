"""The PostgreSQL source as Lambda runs it, against the real server: two task instances stand for two warm containers
of one source function, invocations alternating between them, the committed offsets (Kafka's, here in memory) and
the replication slot the only truth they share."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import pytest

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
