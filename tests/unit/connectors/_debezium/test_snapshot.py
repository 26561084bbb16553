"""Ending a snapshot transaction."""

from __future__ import annotations

from connect_core.connectors._debezium.snapshot import end_snapshot_transaction


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
