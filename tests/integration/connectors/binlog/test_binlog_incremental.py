"""Incremental snapshots of the binlog source: signals in the signal table, chunks, watermarks, resumption."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from connect_core.connectors._debezium.incremental import COLLECTIONS_KEY, MAXIMUM_KEY, PRIMARY_KEY
from connect_core.connectors._debezium.serialized_key import deserialize_key
from connect_core.connectors.binlog import _incremental
from tests.unit.connectors._memory_offsets import MemoryOffsetReader

if TYPE_CHECKING:
    from connect_core.api.record import SourceRecord
    from tests.integration.connectors.binlog.conftest import CdcDb

pytestmark = pytest.mark.integration

SETUP = ("CREATE TABLE sig (id VARCHAR(64) PRIMARY KEY, type VARCHAR(32) NOT NULL, data VARCHAR(2048))",
         "CREATE TABLE t (id INT PRIMARY KEY, name VARCHAR(20))",
         "INSERT INTO t SELECT seq, CONCAT('v', seq) FROM seq_1_to_7")


def _props(db: CdcDb, **extra: str) -> dict[str, str]:
    return {"snapshot.mode": "no_data", "signal.data.collection": f"{db.name}.sig",
            "incremental.snapshot.chunk.size": "3", "include.schema.changes": "false", **extra}


def _signal(db: CdcDb, sid: str, kind: str, data: dict[str, Any] | None = None) -> None:
    with db.conn.cursor() as cursor:
        cursor.execute("INSERT INTO sig VALUES (%s, %s, %s)", (sid, kind, json.dumps(data or {})))


def _t(records: list[SourceRecord]) -> list[tuple[str, int, str | None, str]]:
    """(op, id, name, source.snapshot) of table t's change events."""
    return [(r.value.get("op"), r.key.get("id"), (r.value.get("after") or {}).get("name") if r.value.get("after")
             else None, r.value.get("source").get("snapshot"))
            for r in records if r.topic and r.topic.endswith(".t") and r.value is not None]


def test_execute_snapshot_reads_every_row_in_chunks(cdc_db: CdcDb) -> None:
    db, reader = cdc_db, MemoryOffsetReader()
    db.sql(*SETUP)
    props = _props(db)
    db.run(reader, **props)
    _signal(db, "ad-hoc-1", "execute-snapshot", {"data-collections": [f"{db.name}.t"], "type": "incremental"})
    records = db.run(reader, **props)
    t = _t(records)
    assert [e[1] for e in t] == [1, 2, 3, 4, 5, 6, 7]
    assert {e[0] for e in t} == {"r"} and {e[3] for e in t} == {"incremental"}
    kinds = [r.value.get("after").get("type") for r in records if r.topic and r.topic.endswith(".sig")]
    assert kinds == ["execute-snapshot"] + ["snapshot-window-open", "snapshot-window-close"] * 4
    read = next(r for r in records if r.topic and r.topic.endswith(".t"))
    assert json.loads(read.source_offset[COLLECTIONS_KEY])[0][f"{COLLECTIONS_KEY}_id"] == f"{db.name}.t"
    assert deserialize_key(read.source_offset[PRIMARY_KEY]) == [("Integer", 1)]
    assert deserialize_key(read.source_offset[MAXIMUM_KEY]) == [("Integer", 7)]
    assert PRIMARY_KEY not in next(iter(reader.committed.values()))


def test_a_change_inside_the_window_wins_over_the_chunk_row(cdc_db: CdcDb, monkeypatch: pytest.MonkeyPatch) -> None:
    db, reader = cdc_db, MemoryOffsetReader()
    db.sql(*SETUP)
    props = _props(db)
    db.run(reader, **props)
    chunk = _incremental.BinlogChunkReader.read_rows
    done: list[int] = []

    def chunk_then_update(self: Any, collection: Any) -> list[Any]:
        rows = chunk(self, collection)
        if not done:
            done.append(1)
            db.sql("UPDATE t SET name = 'late' WHERE id = 2")
        return rows

    monkeypatch.setattr(_incremental.BinlogChunkReader, "read_rows", chunk_then_update)
    _signal(db, "ad-hoc-2", "execute-snapshot", {"data-collections": [f"{db.name}.t"]})
    t = _t(db.run(reader, **props))
    assert ("u", 2, "late", None) in [(o, i, n, None if s == "false" else s) for o, i, n, s in t]
    assert ("r", 2, "v2", "incremental") not in t
    assert sorted(e[1] for e in t if e[0] == "r") == [1, 3, 4, 5, 6, 7]


def test_a_restart_goes_on_after_the_last_row_emitted(cdc_db: CdcDb) -> None:
    db, reader = cdc_db, MemoryOffsetReader()
    db.sql(*SETUP)
    props = _props(db, **{"max.batch.size": "1"})
    db.run(reader, **props)
    _signal(db, "ad-hoc-3", "execute-snapshot", {"data-collections": [f"{db.name}.t"]})
    first = db.run_polls(reader, 3, **props)
    rest = db.run(reader, **props)
    ids = [e[1] for e in _t(first + rest)]
    assert sorted(ids) == [1, 2, 3, 4, 5, 6, 7]
