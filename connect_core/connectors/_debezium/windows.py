"""The windows of a snapshot read in more than one transaction, for both CDC sources.

Streaming starts at the first snapshot transaction's position P0; a later transaction starts reading at (table, key)
with its own consistent position Pk, a *window* ``[namespace, table, key or None, *position]``. While streaming from
P0, a change to a row a window read is dropped when it happened before that window's Pk; past the last Pk the windows
are dropped. Positions compare as tuples (PostgreSQL ``(lsn,)``, binlog ``(file, pos)``). The list goes only into
the offset of a poll's last record of the task's partition (``place``), the one the runtime stores per poll.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from collections.abc import Callable

    from connect_core.api.record import SourceRecord

__all__ = ["WINDOWS_KEY", "Windows"]

WINDOWS_KEY: Final = "snapshot_windows"


def _same(key: Any) -> Any:
    return key


class Windows:
    """The open windows of one snapshot, in reading order (each starts after the previous one)."""

    __slots__ = ("_keys", "_text", "entries")

    def __init__(self, entries: list[list[Any]], decode: Callable[[Any], Any] = _same) -> None:
        """``entries`` as an offset holds them; ``decode`` turns a stored key into the form ``already_read``'s
        ``starts_before`` compares."""
        self.entries = entries
        self._keys = [None if e[2] is None else decode(e[2]) for e in entries]
        self._text: str | None = None  # the entries as the offset holds them, until they change

    def __bool__(self) -> bool:
        """Whether any window is still open."""
        return bool(self.entries)

    def __len__(self) -> int:
        """How many windows are open."""
        return len(self.entries)

    def add(self, namespace: str, table: str, stored_key: Any, key: Any, *position: Any) -> None:
        """A snapshot transaction starts reading at (``namespace.table``, after ``key``) at ``position``;
        ``stored_key`` is the key as the offset keeps it (JSON)."""
        self.entries.append([namespace, table, stored_key, *position])
        self._keys.append(key)
        self._text = None

    def already_read(self, at: tuple[Any, ...], starts_before: Callable[[str, str, Any], bool]) -> bool:
        """Whether a change at position ``at`` to a row is already in a window's ``r`` record: the last window
        whose start ``starts_before(namespace, table, key)`` says is at or before the row began after it."""
        entries = self.entries
        if not entries:
            return False
        if tuple(entries[-1][3:]) <= at:
            self.entries, self._keys, self._text = [], [], None  # streaming passed every window
            return False
        covering = None
        for entry, key in zip(entries, self._keys, strict=True):
            if not starts_before(entry[0], entry[1], key):
                break  # windows start in reading order: none later covers this row
            covering = entry
        return covering is not None and at < tuple(covering[3:])

    def place(self, records: list[SourceRecord], partition: dict[str, Any]) -> None:
        """Put the open windows into the offset of the last record of ``partition`` in ``records`` (one poll)."""
        if not self.entries:
            return
        for record in reversed(records):
            offset = record.source_offset
            if offset is not None and record.source_partition == partition:
                if self._text is None:
                    self._text = json.dumps(self.entries, separators=(",", ":"))
                offset[WINDOWS_KEY] = self._text
                return

    @classmethod
    def from_offset(cls, offset: dict[str, Any] | None, decode: Callable[[Any], Any] = _same) -> Windows:
        """The windows an offset holds (none when it has no ``snapshot_windows``)."""
        text = offset.get(WINDOWS_KEY) if offset else None
        return cls(json.loads(text) if text else [], decode)
