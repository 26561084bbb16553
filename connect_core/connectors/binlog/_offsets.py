"""Source offsets in Debezium's own form, so a Debezium connector can take over from ours and ours from it.

Partition ``{"server": <topic.prefix>}``. Offset keys (Debezium's ``BinlogOffsetContext``): ``file`` and ``pos`` of
the transaction to restart from (the event after the last commit, or the transaction's first event while inside
one), ``event`` events of that transaction already done and ``row`` rows of the next event already done (both left
out when 0), ``gtids`` the completed GTID set, ``ts_sec``, ``server_id``; ``snapshot`` while an initial snapshot runs.

lambda-connect adds three keys of its own while a snapshot spans invocations (Debezium ignores unknown keys):
``snapshot_table``/``snapshot_key`` (where to resume reading) and ``snapshot_windows`` (see ``_snapshot.py``), each a
JSON text: Kafka Connect allows only primitive values in an offset.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["PARTITION_KEY", "BinlogPosition", "decode_key", "encode_key"]

PARTITION_KEY: Final = "server"
SNAPSHOT_KEY: Final = "snapshot"


def encode_key(values: tuple[Any, ...] | list[Any]) -> list[Any]:
    """A primary key as JSON-safe values (offsets are JSON in connect-offsets)."""
    out: list[Any] = []
    for v in values:
        if v is None or isinstance(v, (bool, int, float, str)):
            out.append(v)
        elif isinstance(v, decimal.Decimal):
            out.append({"decimal": str(v)})
        elif isinstance(v, dt.datetime):
            out.append({"datetime": v.isoformat()})
        elif isinstance(v, dt.date):
            out.append({"date": v.isoformat()})
        elif isinstance(v, dt.timedelta):
            out.append({"micros": (v.days * 86_400 + v.seconds) * 1_000_000 + v.microseconds})
        elif isinstance(v, (bytes, bytearray)):
            out.append({"base64": base64.b64encode(bytes(v)).decode()})
        else:
            out.append(str(v))
    return out


_DECODERS: Final[dict[str, Callable[[Any], Any]]] = {
    "decimal": decimal.Decimal, "datetime": dt.datetime.fromisoformat, "date": dt.date.fromisoformat,
    "micros": lambda n: dt.timedelta(microseconds=n), "base64": base64.b64decode,
}


def decode_key(values: list[Any]) -> tuple[Any, ...]:
    """``encode_key`` reversed: the values PyMySQL would return, usable as query parameters and comparable."""
    out: list[Any] = []
    for v in values:
        if isinstance(v, dict):
            (kind, text), = v.items()
            out.append(_DECODERS[kind](text))
        else:
            out.append(v)
    return tuple(out)


@dataclass(slots=True)
class BinlogPosition:
    """Where the binlog reader is, kept the way Debezium's ``BinlogOffsetContext`` keeps it."""

    file: str
    pos: int  # restart position: the next event after the last commit, or the running transaction's first event
    gtids: dict[str, str] = field(default_factory=dict)  # MariaDB domain -> "domain-server-seq" completed
    events: int = 0  # events of the running transaction already done
    rows: int = 0  # rows of the current event already done
    server_id: int = 0
    ts_sec: int = 0
    in_transaction: bool = False

    @classmethod
    def from_offset(cls, offset: dict[str, Any]) -> BinlogPosition:
        """Read a stored offset (ours or Debezium's)."""
        gtids: dict[str, str] = {}
        for item in str(offset.get("gtids") or "").split(","):
            gtid = item.strip()
            if gtid.count("-") == 2:
                gtids[gtid.split("-", 1)[0]] = gtid
        return cls(str(offset["file"]), int(offset["pos"]), gtids, int(offset.get("event") or 0),
                   int(offset.get("row") or 0), int(offset.get("server_id") or 0), int(offset.get("ts_sec") or 0))

    def gtid_set(self) -> str | None:
        """The completed GTID set as Debezium writes it for MariaDB (``0-1-42,1-1-7``), or None."""
        gtids = self.gtids
        if len(gtids) == 1:  # one replication domain: every record's offset asks
            return next(iter(gtids.values()))
        return ",".join(gtids[d] for d in sorted(gtids, key=int)) if gtids else None

    def offset(self) -> dict[str, Any]:
        """The offset to store with the record just emitted (Debezium's ``offsetUsingPosition``)."""
        out: dict[str, Any] = {}
        if self.server_id:
            out["server_id"] = self.server_id
        gtids = self.gtid_set()
        if gtids is not None:
            out["gtids"] = gtids
        out["file"] = self.file
        out["pos"] = self.pos
        if self.events:
            out["event"] = self.events
        if self.rows:
            out["row"] = self.rows
        if self.ts_sec:
            out["ts_sec"] = self.ts_sec
        return out

    def offsets_by_row(self) -> Callable[[int], dict[str, Any]]:
        """``offset`` with ``rows`` set to the argument (>= 1), for the rows of one event: the rest is worked out
        once, as the position does not move between the rows of an event."""
        rows, self.rows = self.rows, 0
        try:
            head = self.offset()
        finally:
            self.rows = rows
        ts_sec = head.pop("ts_sec", None)
        if ts_sec is None:
            return lambda row: {**head, "row": row}
        return lambda row: {**head, "row": row, "ts_sec": ts_sec}

    # -- the transitions, called for each binlog event in order ------------------------------------
    def event_at(self, start: int, end: int) -> None:
        """An event spanning [start, end) was read; outside a transaction it moves the restart position past it."""
        if not self.in_transaction:
            self.pos = end
            self.events = 0
            self.rows = 0

    def begin(self, start: int) -> None:
        """A transaction starts at ``start`` (MariaDB's GTID event, or a BEGIN query)."""
        self.pos = start
        self.in_transaction = True
        self.events = 0
        self.rows = 0

    def commit(self, end: int, gtid: str | None) -> None:
        """The transaction committed at an event ending at ``end``."""
        if gtid is not None:
            self.gtids[gtid.split("-", 1)[0]] = gtid
        self.pos = end
        self.in_transaction = False
        self.events = 0
        self.rows = 0

    def rotate(self, file: str, pos: int) -> None:
        """The server switched to binlog ``file``."""
        self.file = file
        self.pos = pos
        self.events = 0
        self.rows = 0
