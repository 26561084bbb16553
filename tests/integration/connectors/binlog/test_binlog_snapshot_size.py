"""A snapshot of many chunks: each row's offset stays the size of the first's, chunks share one transaction, and a
restart or a session the server closed mid-snapshot loses and repeats no row."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from connect_core.connectors._debezium.windows import WINDOWS_KEY
from connect_core.connectors.binlog import _snapshot
from connect_core.connectors.binlog.source_task import BinlogSourceTask
from tests.unit.connectors._memory_offsets import MemoryOffsetReader, invocation_batches

if TYPE_CHECKING:
    import pytest

    from connect_core.api.record import SourceRecord
    from tests.integration.connectors.binlog.conftest import CdcDb

ROWS = 30_000
FETCH = "1000"  # 30 chunks: one window each made the offsets grow with every chunk


def _invocation(db: CdcDb, reader: MemoryOffsetReader, polls: int, **kwargs: Any) -> list[list[SourceRecord]]:
    return invocation_batches(BinlogSourceTask(), db.props(**{"snapshot.fetch.size": FETCH}), reader, polls, **kwargs)


def _size(record: SourceRecord) -> int:
    return len(json.dumps(record.source_offset, separators=(",", ":")))


def test_offsets_stay_bounded_and_a_restart_and_a_closed_session_lose_and_repeat_nothing(
        cdc_db: CdcDb, monkeypatch: pytest.MonkeyPatch) -> None:
    db = cdc_db
    db.sql("CREATE TABLE big (id int PRIMARY KEY, v varchar(40))",
           f"INSERT INTO big SELECT seq, CONCAT('row ', seq) FROM seq_1_to_{ROWS}")
    monkeypatch.setattr(_snapshot, "SNAPSHOT_IDLE_TIMEOUT_S", 3)
    reader = MemoryOffsetReader()
    # one invocation: 8 chunks in one transaction, then killed before its 9th chunk's commit
    first = _invocation(db, reader, 9, commit_last=False)
    assert all(WINDOWS_KEY not in r.source_offset for batch in first for r in batch)  # one transaction: no window
    db.sql("UPDATE big SET v = 'changed 5' WHERE id = 5",  # read already: streamed as an update
           "UPDATE big SET v = 'changed 20000' WHERE id = 20000")  # read later, in the r record
    # the next: a new transaction (a window); the server closes it while idle after 5 chunks: a second window
    second = _invocation(db, reader, 1000, pause_after=4, pause_s=5.0)
    db.sql("UPDATE big SET v = 'changed 29000' WHERE id = 29000")
    third = _invocation(db, reader, 1000)
    committed = [r for batch in first[:-1] for r in batch] + [r for batch in second + third for r in batch]
    changes = [r for r in committed if r.value is not None and r.topic.endswith(".big")]
    snapshot = [r for r in changes if r.value.get("op") == "r"]
    assert [r.key.get("id") for r in snapshot] == list(range(1, ROWS + 1))  # each row once, in key order
    values = {r.key.get("id"): r.value.get("after").get("v") for r in snapshot}
    assert values[20000] == "changed 20000" and values[5] == "row 5"
    assert [(r.value.get("op"), r.key.get("id")) for r in changes if r.value.get("op") != "r"] == [("u", 5),
                                                                                                   ("u", 29000)]
    windows = json.loads(next(r.source_offset[WINDOWS_KEY] for r in reversed(second[-1]) if WINDOWS_KEY in
                              r.source_offset))
    # one per transaction, none per chunk (a loaded machine may idle past the timeout once more)
    assert 2 <= len(windows) <= 4 and windows[0][2] == [8000] and windows[1][2] == [13000], windows
    sizes = [_size(r) for batch in first + second for r in batch[:-1]]
    assert max(sizes) - min(sizes) <= 16, (min(sizes), max(sizes))  # a row's offset: the key's digits differ
    last_of_polls = [_size(batch[-1]) for batch in first + second]
    assert max(last_of_polls) <= min(sizes) + 100 * len(windows)  # a poll's last record adds the windows once
    assert all(WINDOWS_KEY not in r.source_offset for batch in first + second for r in batch[:-1])
