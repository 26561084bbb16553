"""The snapshot pieces both Debezium sources share: the row marker, ending a transaction, ``always``'s epochs."""

from __future__ import annotations

import pytest

from connect_core.api.record import SourceRecord
from connect_core.connectors._debezium.snapshot import (
    EPOCH_CONFIG,
    EPOCH_OFFSET_KEY,
    SnapshotEpoch,
    end_snapshot_transaction,
    snapshot_flag,
    with_epoch,
)


class _Conn:
    def __init__(self, fail: bool = False) -> None:
        self.calls: list[str] = []
        self._fail = fail

    def rollback(self) -> None:
        self.calls.append("rollback")
        if self._fail:
            raise OSError("connection lost")

    def close(self) -> None:
        self.calls.append("close")


def test_rolls_back_then_closes() -> None:
    conn = _Conn()
    end_snapshot_transaction(conn)
    assert conn.calls == ["rollback", "close"]


def test_a_failure_or_no_connection_is_ignored() -> None:
    conn = _Conn(fail=True)
    end_snapshot_transaction(conn)
    assert conn.calls == ["rollback"]
    end_snapshot_transaction(None)


@pytest.mark.parametrize(("first", "first_in_table", "last_in_table", "last_table", "expected"), [
    (True, True, False, False, "first"),
    (False, True, False, False, "first_in_data_collection"),
    (False, False, False, False, "true"),
    (False, False, True, False, "last_in_data_collection"),
    (False, False, True, True, "last"),
    (True, True, True, True, "last"),  # a one-row snapshot: the last marker wins
    (True, True, True, False, "last_in_data_collection"),
])
def test_snapshot_flag_is_debeziums_marker(first: bool, first_in_table: bool, last_in_table: bool, last_table: bool,
                                           expected: str) -> None:
    assert snapshot_flag(first=first, first_in_table=first_in_table, last_in_table=last_in_table,
                         last_table=last_table) == expected


def test_each_connector_start_gives_always_a_new_epoch_and_other_modes_none() -> None:
    first, second = with_epoch([{"a": "1"}], "ALWAYS"), with_epoch([{"a": "1"}], "always")
    assert first[0][EPOCH_CONFIG] != second[0][EPOCH_CONFIG] and first[0]["a"] == "1"
    assert with_epoch([{"a": "1"}], "initial") == [{"a": "1"}]


def test_a_start_is_a_new_epoch_unless_the_stored_offset_carries_its_epoch() -> None:
    epoch = SnapshotEpoch({EPOCH_CONFIG: "e1"}, "always")
    assert epoch.is_new(None) and epoch.is_new({"lsn": 1}) and epoch.is_new({EPOCH_OFFSET_KEY: "e0"})
    assert not epoch.is_new({"lsn": 1, EPOCH_OFFSET_KEY: "e1"})
    assert SnapshotEpoch({}, "always").is_new({EPOCH_OFFSET_KEY: "e1"})  # no epoch given: every start
    partition = {"server": "p"}
    records = [SourceRecord(partition, {"lsn": 1}, "t"), SourceRecord({"other": "x"}, {"pos": 2}, "u"),
               SourceRecord(partition, {"lsn": 2}, None)]
    epoch.unstored = True
    epoch.stamp(records, partition)
    assert [r.source_offset for r in records] == [{"lsn": 1, EPOCH_OFFSET_KEY: "e1"}, {"pos": 2},
                                                  {"lsn": 2, EPOCH_OFFSET_KEY: "e1"}]
    assert not epoch.unstored
    initial = SnapshotEpoch({EPOCH_CONFIG: "e1"}, "initial")
    initial.stamp(records[1:2], {"other": "x"})
    assert records[1].source_offset == {"pos": 2}  # other modes store no epoch
