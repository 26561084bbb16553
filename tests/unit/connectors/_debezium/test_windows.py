"""The snapshot windows both CDC sources share: which changes a window already read, and where the list is kept."""

from __future__ import annotations

import json
from typing import Any

from connect_core.api.record import SourceRecord
from connect_core.connectors._debezium.windows import WINDOWS_KEY, Windows

PARTITION = {"server": "p"}


def _starts_before(table: str, key: int | None) -> Any:
    def check(_namespace: str, start_table: str, start_key: int | None) -> bool:
        return start_table < table or (start_table == table and (start_key is None
                                                                 or (key is not None and key > start_key)))
    return check


def test_a_change_before_the_covering_windows_position_was_read_and_passing_the_last_drops_them() -> None:
    windows = Windows([])
    windows.add("db", "a", "10", 10, 100)  # a transaction at position 100 read a's rows after key 10
    windows.add("db", "b", None, None, 200)  # one at 200 read b from its start
    assert not windows.already_read((50,), _starts_before("a", 5))  # read by the first transaction: streamed
    assert windows.already_read((50,), _starts_before("a", 11))
    assert not windows.already_read((150,), _starts_before("a", 11))  # after that window's position
    assert windows.already_read((150,), _starts_before("b", 1))
    assert len(windows) == 2
    assert not windows.already_read((200,), _starts_before("b", 1)) and not windows  # streaming passed them


def test_the_list_goes_into_the_last_offset_of_the_partition_only_and_round_trips() -> None:
    windows = Windows([], decode=int)
    windows.add("db", "a", "10", 10, 100)
    records = [SourceRecord(PARTITION, {"pos": i}, "t", None, None, None, None) for i in range(3)]
    records.append(SourceRecord({"other": "x"}, {"pos": 9}, "t", None, None, None, None))
    windows.place(records, PARTITION)
    assert [WINDOWS_KEY in r.source_offset for r in records] == [False, False, True, False]
    assert json.loads(records[2].source_offset[WINDOWS_KEY]) == [["db", "a", "10", 100]]
    again = Windows.from_offset(records[2].source_offset, decode=int)
    assert again.already_read((50,), _starts_before("a", 11)) and not Windows.from_offset(None)
