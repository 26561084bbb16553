"""``ConnectorOffsets``: one connector's source offsets, read without scanning the offsets topic's history.

A Kafka Connect worker reads the whole offsets topic once when it starts and tails it for months. A function starts
cold many times a day, for one connector, and a fleet's ``connect-offsets`` holds millions of records (a full read at
every cold start would dominate it). The offsets topic stays exactly Kafka's (records, keys, partitioning: a JVM worker
still reads and writes it); beside it each connector keeps a **snapshot** in a consumer group that never has members,
``lambda-connect-offsets+<offsets topic>+<connector>`` (Kafka answers its committed offsets in one OffsetFetch,
whatever the topic's length). For each partition *p* of the offsets topic the group's committed offset is a position
*h*, and its metadata string (at most Kafka's ``offset.metadata.max.bytes``, 4 KB by default) holds the connector's
keys and values whose latest record in *p* lies before *h*. A cold read fetches the snapshot and reads only *h* to
the log end of each partition, keeping the connector's keys: it grows with what was written since the snapshot, not
with the topic's history.

Why it stays correct: a snapshot written by a reader that had read *p* up to *h* (read_committed: everything before
*h* is decided) holds what the records before *h* say, and every later write of the connector's keys (its tasks, the
REST offsets API, a JVM worker) lies at or after *h* and is read. Compaction only removes a record that a later one
of the same key supersedes, with one exception: a tombstone itself goes once ``delete.retention.ms`` (a day by
default) has passed. A snapshot from before a tombstone would then bring the deleted offset back (``DELETE
/connectors/<name>/offsets``, then a resume days later). So a tombstone is recorded in a snapshot at once: a reader
that reads one of the connector's tombstones writes a snapshot past it at the end of that read (whatever the record
count), the REST API's write of tombstones reads them back at once (``OffsetStore.write``), and a warm view that has
not read for ``WARM_MAX_AGE_S`` starts again from the stored snapshot instead of reading on from a position whose
tombstones may be gone. Snapshots only move forward: a partition whose stored snapshot lies at or past the writer's
position keeps it (two readers of one connector each write a true one; the one that read further wins). A partition
whose keys do not fit the metadata keeps its previous snapshot (it is then read from there). A position beyond the
log end means the topic was re-created: the snapshot is ignored and the read starts at the log start. A snapshot that
cannot be read or written (e.g. no ACL on the group) costs only the full read, never a wrong offset, except that a
tombstone then stays unrecorded: nothing may compact it away before a reader has read it (a JVM worker's tombstones
that no function reads for ``delete.retention.ms`` are not recorded either).

The first snapshot: the coordinator writes one with no entries at the log end when it creates a source connector whose
name the offsets topic has never held (``first_snapshot``, proven by ``storage/offset_key_index.py``), so even the
first read of a new connector reads only the tail. Otherwise the first read starts at the log start.
"""

from __future__ import annotations

import json
import logging
import time
from typing import TYPE_CHECKING, Any

from connect_core.storage import _json
from connect_core.storage.offset_state import decode_offset, offset_key, parse_offset_key

if TYPE_CHECKING:
    from collections.abc import Mapping

    from connect_core.storage._topic_log import KafkaTopicLog
    from connect_core.storage.offset_key_index import OffsetKeyIndex

__all__ = ["SNAPSHOT_AFTER_RECORDS", "SNAPSHOT_GROUP_PREFIX", "ConnectorOffsets", "first_snapshot",
           "snapshot_group"]

log = logging.getLogger(__name__)

SNAPSHOT_GROUP_PREFIX = "lambda-connect-offsets+"  # the functions' IAM policy allows groups lambda-connect-*
# A newer snapshot is written once the reads have passed this many records beyond the stored one: a cold read then
# reads at most about this many plus what was written since the last read.
SNAPSHOT_AFTER_RECORDS = 500
# Kafka's offset.metadata.max.bytes default is 4096; what does not fit keeps the previous snapshot of that partition.
METADATA_MAX_BYTES = 4000
# A warm view that has not read for this long starts again from the stored snapshot: the tombstones after its
# position may have been compacted away (delete.retention.ms, a day by default), the snapshot records them.
WARM_MAX_AGE_S = 3600.0


def snapshot_group(topic: str, connector: str) -> str:
    """The never-joined group holding ``connector``'s snapshot of ``topic`` ('+' never occurs in a topic name)."""
    return f"{SNAPSHOT_GROUP_PREFIX}{topic}+{connector}"


def first_snapshot(topic_log: KafkaTopicLog, connector: str, index: OffsetKeyIndex) -> str:
    """Give a connector just created a snapshot at the log end when it provably has no offsets, so that its first
    read reads only what follows; returns what was done: ``kept`` (it has a snapshot: true forever, also for a
    re-created connector), ``written``, ``history`` (the topic holds keys of this name: a re-created connector or
    one a JVM worker ran, whose first read must find them) or ``unknown`` (the key index could not tell)."""
    group = snapshot_group(topic_log.spec.name, connector)
    if topic_log.read_bookmarks(group):
        return "kept"
    if not index.advance():
        return "unknown"
    if index.has_history(connector) is not False:
        return "history"
    topic_log.write_bookmarks(group, {p: (position, "[]") for p, position in index.positions.items()})
    return "written"


class ConnectorOffsets:
    """The latest offset of every source partition of one connector, caught up on demand (warm reads only read
    what is new) from its snapshot on the first read."""

    def __init__(self, topic_log: KafkaTopicLog, connector: str, *,
                 snapshot_after: int = SNAPSHOT_AFTER_RECORDS) -> None:
        """Nothing is read until :meth:`refresh`."""
        self.log = topic_log
        self.connector = connector
        self.group = snapshot_group(topic_log.spec.name, connector)
        self.snapshot_after = snapshot_after
        self._prefix = _json.dumps([connector])[:-1] + b","  # every key of this connector starts with it
        self._values: dict[bytes, bytes] = {}
        self._partition_of: dict[bytes, int] = {}
        self._positions: dict[int, int] | None = None  # None: never read
        self._snapshot: dict[int, int] = {}  # where the last snapshot was taken (or tried): when to write the next
        self._read_at: float | None = None
        self._deleted = False  # a tombstone of this connector was read since the last snapshot
        self.scanned = 0  # records read (all connectors'), for measurements

    def refresh(self) -> int:
        """Read what was written since the last read (from the snapshot the first time, or after ``WARM_MAX_AGE_S``
        without a read); returns the records read, of every connector. Writes a newer snapshot when the reads have
        gone far enough past the stored one, or read a tombstone of the connector."""
        if self._read_at is not None and time.monotonic() - self._read_at >= WARM_MAX_AGE_S:
            self._forget()
        ends: Mapping[int, int] | None = None
        if self._positions is None:
            ends = self._load_snapshot()
        assert self._positions is not None
        count = self.log.read_from(self._positions, self._apply, ends=ends)
        self.scanned += count
        self._read_at = time.monotonic()
        behind = sum(position - self._snapshot.get(p, 0) for p, position in self._positions.items())
        if behind >= self.snapshot_after or self._deleted:
            self._save_snapshot()
        return count

    def _forget(self) -> None:
        """Drop what was read: the next read starts from the stored snapshot."""
        self._values, self._partition_of, self._positions, self._snapshot = {}, {}, None, {}
        self._deleted = False

    def refresh_if_older(self, max_age_s: float) -> None:
        """Refresh when the last read is older than ``max_age_s`` (a warm task keeps its snapshot recent)."""
        if self._read_at is None or time.monotonic() - self._read_at >= max_age_s:
            self.refresh()

    def offset(self, partition: Mapping[str, Any]) -> dict[str, Any] | None:
        """The offset stored under exactly this partition's key bytes (Kafka's lookup), or None."""
        if self._positions is None:
            self.refresh()
        value = self._values.get(offset_key(self.connector, partition))
        return None if value is None else decode_offset(value)

    def offsets(self) -> list[tuple[dict[str, Any], dict[str, Any] | None]]:
        """Every ``(partition, offset)`` of the connector (no order across partitions)."""
        if self._positions is None:
            self.refresh()
        pairs = []
        for key, value in self._values.items():
            parsed = parse_offset_key(key)
            if parsed is not None:
                pairs.append((parsed[1], decode_offset(value)))
        return pairs

    def _apply(self, partition: int, key: bytes | None, value: bytes | None) -> None:
        if key is None:
            return
        if not key.startswith(self._prefix):
            if key.startswith(b'["'):
                return  # another connector's key (both Kafka and we write compact JSON)
            parsed = parse_offset_key(key)  # other spacing: decide by parsing
            if parsed is None or parsed[0] != self.connector:
                return
        if value is None:
            self._values.pop(key, None)
            self._partition_of.pop(key, None)
            self._deleted = True  # compaction may remove the tombstone: a snapshot past it must record it
        else:
            self._values[key] = value
            self._partition_of[key] = partition

    def _load_snapshot(self) -> Mapping[int, int]:
        """Start from the stored snapshot (or the log start without one); returns the log ends just asked."""
        ends, starts = self.log.bounds()
        try:
            marks = self.log.read_bookmarks(self.group)
        except Exception as error:  # no snapshot is only slower, never wrong
            log.warning("no offsets snapshot for connector %s (%s): reading the offsets topic from its start",
                        self.connector, error)
            marks = {}
        if any(position > ends.get(p, 0) for p, (position, _metadata) in marks.items()):
            log.warning("the offsets snapshot of connector %s lies beyond the log end (the topic was re-created): "
                        "reading the offsets topic from its start", self.connector)
            marks = {}
        positions = dict(starts)
        for p, (position, metadata) in marks.items():
            entries = _entries(metadata)
            if entries is None:
                continue  # unreadable: this partition is read from its start
            for key, value in entries:
                self._values[key] = value
                self._partition_of[key] = p
            positions[p] = max(position, starts.get(p, 0))
            self._snapshot[p] = position
        self._positions = positions
        return ends

    def _save_snapshot(self) -> None:
        assert self._positions is not None
        grouped: dict[int, list[list[str]]] = {p: [] for p in self._positions}
        unfit: set[int] = set()
        for key, value in self._values.items():
            p = self._partition_of[key]
            try:
                grouped.setdefault(p, []).append([key.decode(), value.decode()])
            except UnicodeDecodeError:
                unfit.add(p)
        try:
            stored = {p: position for p, (position, _metadata) in self.log.read_bookmarks(self.group).items()}
        except Exception as error:
            log.warning("could not read the offsets snapshot of connector %s: %s", self.connector, error)
            stored = {}
        marks: dict[int, tuple[int, str]] = {}
        for p, entries in grouped.items():
            metadata = json.dumps(entries, separators=(",", ":"), ensure_ascii=False)
            if p in unfit or len(metadata.encode()) > METADATA_MAX_BYTES or p not in self._positions:
                continue  # keeps this partition's previous snapshot
            if stored.get(p, -1) >= self._positions[p]:
                continue  # another reader's snapshot read as far or further: it stays
            marks[p] = (self._positions[p], metadata)
        try:
            if marks:
                self.log.write_bookmarks(self.group, marks)
        except Exception as error:
            log.warning("could not write the offsets snapshot of connector %s: %s", self.connector, error)
        self._snapshot = dict(self._positions)  # whatever happened: not again before the reads move on as far
        self._deleted = False


def _entries(metadata: str) -> list[tuple[bytes, bytes]] | None:
    """A snapshot's ``[[key, value], ...]``; None when it is not one (left by something else)."""
    try:
        decoded = json.loads(metadata) if metadata else []
    except ValueError:
        return None
    if not isinstance(decoded, list) or not all(
            isinstance(e, list) and len(e) == 2 and all(isinstance(s, str) for s in e) for e in decoded):
        return None
    return [(key.encode(), value.encode()) for key, value in decoded]
