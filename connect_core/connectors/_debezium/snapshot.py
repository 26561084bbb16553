"""Ending a snapshot transaction, as both Debezium sources do at the end of every invocation and on close."""

from __future__ import annotations

from typing import Any

__all__ = ["end_snapshot_transaction"]


def end_snapshot_transaction(conn: Any) -> None:
    """Roll back and close ``conn`` (a DB-API connection, or None); a failure is ignored: the connection is being
    dropped anyway and the snapshot resumes from the stored offset."""
    if conn is None:
        return
    try:
        conn.rollback()
        conn.close()
    except Exception:
        pass
