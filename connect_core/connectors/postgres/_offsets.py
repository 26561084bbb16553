"""Source offsets in Debezium's own form, so a Debezium connector can take over from ours and ours from it.

Partition ``{"server": <topic.prefix>}``. Streaming offset keys (Debezium's ``PostgresOffsetContext``): ``lsn`` of
the last change, ``lsn_proc`` the last LSN completely processed, ``lsn_events_processed`` how many events at that
LSN are done, ``lsn_commit`` the end of the last commit seen (absent until one was), ``txId``, ``ts_usec`` (the
commit time, = ``source.ts_us``) and ``messageType``. A snapshot's: ``lsn`` (where streaming starts), ``txId``,
``ts_usec``, ``snapshot: INITIAL``, ``last_snapshot_record`` and ``snapshot_completed``.

lambda-connect adds keys of its own while a snapshot spans invocations (Debezium ignores unknown keys):
``snapshot_table``/``snapshot_key`` (where to resume, JSON text) and ``snapshot_windows`` (``_snapshot.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

__all__ = ["PARTITION_KEY", "Position", "format_lsn", "parse_lsn", "snapshot_offset"]

PARTITION_KEY: Final = "server"
SNAPSHOT_KEY: Final = "snapshot"
COMPLETED_KEY: Final = "snapshot_completed"


def parse_lsn(text: str) -> int:
    """``16/B374D848`` as a number."""
    high, _, low = text.partition("/")
    return (int(high, 16) << 32) + int(low, 16)


def format_lsn(lsn: int) -> str:
    """A number as PostgreSQL writes an LSN."""
    return f"{lsn >> 32:X}/{lsn & 0xFFFFFFFF:X}"


def snapshot_offset(start: dict[str, Any], *, completed: bool) -> dict[str, Any]:
    """The offset of a snapshot record (``completed``: the last one)."""
    out: dict[str, Any] = {"last_snapshot_record": completed, "lsn": start["lsn"]}
    if start.get("txId") is not None:
        out["txId"] = start["txId"]
    out["ts_usec"] = start["ts_usec"]
    out[SNAPSHOT_KEY] = "INITIAL"
    out[COMPLETED_KEY] = completed
    return out


def snapshot_running(offset: dict[str, Any] | None) -> bool:
    """Whether an offset was stored by a snapshot that has not finished."""
    if not offset:
        return False
    return offset.get(SNAPSHOT_KEY) is not None and not offset.get(COMPLETED_KEY) \
        and not offset.get("last_snapshot_record")


@dataclass(slots=True)
class Position:
    """Where the stream is, kept the way Debezium's ``PostgresOffsetContext`` keeps it."""

    lsn: int | None = None
    lsn_proc: int | None = None
    lsn_commit: int | None = None
    events: int = 0  # events done at ``lsn``
    tx_id: int | None = None
    ts_usec: int = 0
    message_type: str | None = None
    previous_change: int | None = None  # the LSN of the last change event (Debezium's ``previousLsn``)

    @classmethod
    def from_offset(cls, offset: dict[str, Any]) -> Position:
        """Read a stored offset (ours or Debezium's, streaming or snapshot)."""
        def number(key: str) -> int | None:
            value = offset.get(key)
            return None if value is None else int(value)

        return cls(number("lsn"), number("lsn_proc"), number("lsn_commit"),
                   int(offset.get("lsn_events_processed") or 0), number("txId"), int(offset.get("ts_usec") or 0),
                   offset.get("messageType"), number("lsn"))

    def start_lsn(self) -> int:
        """Where to ask the slot to start (it starts at its confirmed position if that is later)."""
        return self.lsn_commit or self.lsn_proc or self.lsn or 0

    def change(self, lsn: int, tx_id: int, ts_usec: int, message_type: str) -> None:
        """A change event at ``lsn`` is processed (Debezium's incrementLsnEventsProcessed and updateWalPosition)."""
        self.events = self.events + 1 if lsn == self.previous_change and self.events else 1
        self.lsn = self.lsn_proc = self.previous_change = lsn
        self.tx_id, self.ts_usec, self.message_type = tx_id, ts_usec, message_type

    def commit(self, end_lsn: int, tx_id: int, ts_usec: int) -> None:
        """A transaction committed (Debezium's ``commitMessage``)."""
        self.lsn = self.lsn_proc = self.lsn_commit = end_lsn
        self.events = 0
        self.tx_id, self.ts_usec, self.message_type = tx_id, ts_usec, "COMMIT"

    def offset(self) -> dict[str, Any]:
        """The offset to store with the record just emitted (Debezium's ``getOffset``)."""
        out: dict[str, Any] = {}
        if self.lsn_proc is not None:
            out["lsn_proc"] = self.lsn_proc
        if self.events:
            out["lsn_events_processed"] = self.events
        if self.message_type is not None:
            out["messageType"] = self.message_type
        if self.lsn_commit is not None:
            out["lsn_commit"] = self.lsn_commit
        if self.lsn is not None:
            out["lsn"] = self.lsn
        if self.tx_id is not None:
            out["txId"] = self.tx_id
        out["ts_usec"] = self.ts_usec
        return out
