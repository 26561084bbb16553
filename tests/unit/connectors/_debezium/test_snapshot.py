"""The snapshot pieces both Debezium sources share: the row marker, ending a transaction."""

from __future__ import annotations

import pytest

from connect_core.connectors._debezium.snapshot import end_snapshot_transaction, snapshot_flag


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
