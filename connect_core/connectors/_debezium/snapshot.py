"""What both Debezium sources' snapshots share: the ``source.snapshot`` marker of a row, ending a transaction."""

from __future__ import annotations

from typing import Any

__all__ = ["end_snapshot_transaction", "snapshot_flag"]


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


def snapshot_flag(*, first: bool, first_in_table: bool, last_in_table: bool, last_table: bool) -> str:
    """Debezium's ``source.snapshot`` value of one snapshot row (its ``SnapshotRecord``): ``first`` for the
    snapshot's first row, ``first_in_data_collection`` / ``last_in_data_collection`` at a table's edges, ``last``
    for the last table's last row (which wins over ``first``), else ``true``."""
    if last_in_table:
        return "last" if last_table else "last_in_data_collection"
    if first:
        return "first"
    return "first_in_data_collection" if first_in_table else "true"
