"""Incremental snapshots of the PostgreSQL source: signals in the signal table, chunks, watermarks, resumption."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from connect_core.connectors._debezium.incremental import COLLECTIONS_KEY, MAXIMUM_KEY, PRIMARY_KEY
from connect_core.connectors._debezium.serialized_key import deserialize_key
from connect_core.connectors.postgres import _incremental
from tests.unit.connectors._memory_offsets import MemoryOffsetReader

if TYPE_CHECKING:
    from connect_core.api.record import SourceRecord
    from tests.integration.connectors.postgres.conftest import PgDb

pytestmark = pytest.mark.integration

SETUP = ("CREATE TABLE {s}.sig (id varchar(64) PRIMARY KEY, type varchar(32) NOT NULL, data varchar(2048))",
         "CREATE TABLE {s}.t (id int PRIMARY KEY, name text)",
         "INSERT INTO {s}.t SELECT i, 'v' || i FROM generate_series(1, 7) i")


def _props(db: PgDb, **extra: str) -> dict[str, str]:
    return {"snapshot.mode": "no_data", "signal.data.collection": f"{db.schema}.sig",
            "incremental.snapshot.chunk.size": "3", **extra}


def _signal(db: PgDb, sid: str, kind: str, data: dict[str, Any] | None = None) -> None:
    db.query("INSERT INTO {s}.sig VALUES (%s, %s, %s) RETURNING id", (sid, kind, json.dumps(data or {})))


def _t(records: list[SourceRecord]) -> list[tuple[str, int, str | None, str]]:
    """(op, id, name, source.snapshot) of table t's change events."""
    return [(r.value.get("op"), r.key.get("id"), (r.value.get("after") or {}).get("name") if r.value.get("after")
             else None, r.value.get("source").get("snapshot"))
            for r in records if r.topic.endswith(".t") and r.value is not None]


def test_execute_snapshot_reads_every_row_in_chunks_between_streamed_changes(pg_db: PgDb) -> None:
    db, reader = pg_db, MemoryOffsetReader()
    db.sql(*SETUP)
    props = _props(db)
    assert db.run(reader, **props) == []
    _signal(db, "ad-hoc-1", "execute-snapshot", {"data-collections": [f"{db.schema}.t"], "type": "incremental"})
    records = db.run(reader, **props)
    t = _t(records)
    assert [e[1] for e in t] == [1, 2, 3, 4, 5, 6, 7]
    assert {e[0] for e in t} == {"r"} and {e[3] for e in t} == {"incremental"}
    signals = [r for r in records if r.topic.endswith(".sig")]
    # the request, then an open and a close watermark per chunk: 3 chunks with rows and the one that finds none
    kinds = [r.value.get("after").get("type") for r in signals]
    assert kinds == ["execute-snapshot"] + ["snapshot-window-open", "snapshot-window-close"] * 4
    read = next(r for r in records if r.topic.endswith(".t"))
    assert read.source_offset is not None
    assert json.loads(read.source_offset[COLLECTIONS_KEY])[0][f"{COLLECTIONS_KEY}_id"] == f"{db.schema}.t"
    assert deserialize_key(read.source_offset[PRIMARY_KEY]) == [("Integer", 1)]
    assert deserialize_key(read.source_offset[MAXIMUM_KEY]) == [("Integer", 7)]
    assert PRIMARY_KEY not in (reader.committed[next(iter(reader.committed))])  # done: the state left the offset


def test_a_change_inside_the_window_wins_over_the_chunk_row(pg_db: PgDb, monkeypatch: pytest.MonkeyPatch) -> None:
    """An update committed after the chunk was read but before its close watermark: the read row is stale and must
    never follow the update (the window drops it); a row changed before the read goes out read as changed."""
    db, reader = pg_db, MemoryOffsetReader()
    db.sql(*SETUP)
    props = _props(db)
    db.run(reader, **props)
    chunk = _incremental.IncrementalSnapshot.read_rows
    done: list[int] = []

    def chunk_then_update(self: Any, collection: Any) -> list[Any]:
        rows = chunk(self, collection)
        if not done:
            done.append(1)
            db.sql("UPDATE {s}.t SET name = 'late' WHERE id = 2")
        return rows

    monkeypatch.setattr(_incremental.IncrementalSnapshot, "read_rows", chunk_then_update)
    _signal(db, "ad-hoc-2", "execute-snapshot", {"data-collections": [f"{db.schema}.t"]})
    t = _t(db.run(reader, **props))
    assert ("u", 2, "late", "false") in t
    assert ("r", 2, "v2", "incremental") not in t
    assert sorted(e[1] for e in t if e[0] == "r") == [1, 3, 4, 5, 6, 7]


def test_pause_resume_and_stop(pg_db: PgDb) -> None:
    db, reader = pg_db, MemoryOffsetReader()
    db.sql(*SETUP, "CREATE TABLE {s}.u (id bigint PRIMARY KEY)", "INSERT INTO {s}.u SELECT generate_series(1, 4)")
    props = _props(db)
    db.run(reader, **props)
    db.sql("BEGIN", f"""INSERT INTO {{s}}.sig VALUES ('x1', 'execute-snapshot',
           '{{"data-collections": ["{db.schema}.t", "{db.schema}.u"]}}')""",
           "INSERT INTO {s}.sig VALUES ('x2', 'pause-snapshot', '{}')", "COMMIT")
    assert [e[1] for e in _t(db.run(reader, **props))] == [1, 2, 3]  # the chunk read before the pause
    assert db.run(reader, **props) == []  # paused: nothing
    offset = next(iter(reader.committed.values()))
    assert deserialize_key(offset[PRIMARY_KEY]) == [("Integer", 3)]
    _signal(db, "x3", "resume-snapshot")
    _signal(db, "x4", "stop-snapshot", {"data-collections": [f"{db.schema}.u"], "type": "incremental"})
    records = db.run(reader, **props)
    assert [e[1] for e in _t(records)] == [4, 5, 6, 7]
    assert not [r for r in records if r.topic.endswith(".u")]  # stopped before its turn
    assert PRIMARY_KEY not in next(iter(reader.committed.values()))


def test_a_restart_goes_on_after_the_last_row_emitted(pg_db: PgDb) -> None:
    db, reader = pg_db, MemoryOffsetReader()
    db.sql(*SETUP)
    props = _props(db, **{"max.batch.size": "1"})
    db.run(reader, **props)
    _signal(db, "ad-hoc-3", "execute-snapshot", {"data-collections": [f"{db.schema}.t"]})
    first = db.run_polls(reader, 3, **props)  # killed after three polls
    assert any(r.topic.endswith(".t") for r in first)
    rest = db.run(reader, **props)
    ids = [e[1] for e in _t(first + rest)]
    assert sorted(set(ids)) == [1, 2, 3, 4, 5, 6, 7]
    assert len(ids) == 7  # the next chunk starts after the last row committed: nothing twice

