"""``OffsetKeyIndex``: which connectors ever had a key in the offsets topic, so that a new connector's first
snapshot (``storage/connector_offsets.py``) can be written at the topic's end without reading its history.

A connector created under a name the offsets topic has never held has no offsets: a snapshot at the log end with no
entries is then exactly right, and its first task reads only what follows. A name that comes back (Kafka Connect
keeps a deleted connector's offsets, and a re-created connector resumes from them) or that a JVM worker used before
must not get one. Telling the two apart without reading the whole topic is this index's job: a never-joined group
``lambda-connect-offsets-index+<offsets topic>`` commits a position *h_p* per partition *p* and, spread over the
partitions' metadata strings, a Bloom filter of the names of every connector with a key in any *p* before *h_p*
(24,000 bits per partition of the topic, 7 hashes: with Kafka Connect's 25 partitions, 2,000 names give about one
false "maybe" in 10^11 lookups, 100,000 names about 7%). A check reads the index (one OffsetFetch), reads *h* to the
log end (the tail, short when the index is kept current: every coordinator heartbeat and every create advance it),
and answers only when it reached the end. A Bloom filter has no false "no", and names are never removed (a deleted
connector's offsets stay in the topic), so a name the filter does not hold provably has no record before the end; a
false "maybe" only costs that connector's first read the full read. Whatever stops a check (a budget, an unreadable
or inconsistent index) makes the answer "unknown", with the same cost.

Every commit writes all partitions at once under one random generation tag; chunks with different tags (a commit
refused in part) are an unreadable index, rebuilt from the log start. Building the index on an existing topic takes
one pass over its history, spread over heartbeats by the record budget of each :meth:`OffsetKeyIndex.advance` (its
progress is committed each time).
"""

from __future__ import annotations

import base64
import hashlib
import logging
import uuid
from typing import TYPE_CHECKING

from connect_core.kafka.read_to_end import ReadToEndTimeoutError
from connect_core.storage.offset_state import parse_offset_key

if TYPE_CHECKING:
    from collections.abc import Mapping

    from connect_core.storage._topic_log import KafkaTopicLog

__all__ = ["INDEX_GROUP_PREFIX", "OffsetKeyIndex", "index_group"]

log = logging.getLogger(__name__)

INDEX_GROUP_PREFIX = "lambda-connect-offsets-index+"  # the functions' IAM policy allows groups lambda-connect-*
# Kafka's offset.metadata.max.bytes default is 4096: each partition's metadata carries 3,000 bytes of the filter
# (4,000 in base64, plus the format and commit tag).
CHUNK_BYTES = 3000
HASHES = 7
FORMAT = "bloom1"
# Records read per advance, at most (a heartbeat's share of building the index on a long topic, well inside its
# minute).
DEFAULT_MAX_RECORDS = 100_000


def index_group(topic: str) -> str:
    """The never-joined group holding the key index of ``topic``."""
    return f"{INDEX_GROUP_PREFIX}{topic}"


def _bit_positions(name: str, bits: int) -> list[int]:
    """The filter's bits for ``name`` (double hashing of one BLAKE2b digest)."""
    digest = hashlib.blake2b(name.encode(), digest_size=16).digest()
    first, second = int.from_bytes(digest[:8], "big"), int.from_bytes(digest[8:], "big") | 1
    return [(first + i * second) % bits for i in range(HASHES)]


def _connector_name(key: bytes) -> tuple[str, ...]:
    """The connector a key belongs to (none for a key that is not an offsets key)."""
    end = key.find(b'",', 2)
    if key.startswith(b'["') and end > 2 and b"\\" not in key[2:end]:
        try:
            return (key[2:end].decode(),)  # compact JSON without escapes (Kafka's and ours): the name as written
        except UnicodeDecodeError:
            pass
    parsed = parse_offset_key(key)  # other spacing or escapes: parse it
    return () if parsed is None else (parsed[0],)


class _BudgetSpent(Exception):
    """Raised from inside the read to stop it once ``max_records`` were applied."""


class OffsetKeyIndex:
    """Which connectors may have keys in the offsets topic, up to the positions last read."""

    def __init__(self, topic_log: KafkaTopicLog, *, max_records: int = DEFAULT_MAX_RECORDS,
                 read_timeout_s: float | None = None) -> None:
        """Nothing is read until :meth:`advance`; ``read_timeout_s`` bounds its read of the topic (default: the
        log's own), e.g. for a REST request that must not wait for an open transaction to end."""
        self.log = topic_log
        self.group = index_group(topic_log.spec.name)
        self.max_records = max_records
        self.read_timeout_s = read_timeout_s
        self.filter = bytearray()
        self.positions: dict[int, int] = {}
        self.scanned = 0  # records read by the last advance, for measurements
        self._added: set[str] = set()  # names already in the filter (hashing each record's name once)

    def advance(self, timeout_s: float | None = None) -> bool:
        """Read the index and the topic after it (at most ``max_records``, for at most ``timeout_s``: default the
        one given at construction, else the log's), commit the progress; True when every partition reached the log
        end asked at the start, i.e. :meth:`has_history` covers the whole topic up to :attr:`positions`.

        A read that times out (a transaction left open on the topic holds a read_committed reader at its first
        record until the transaction ends) commits what it read before it: the next advance goes on from there."""
        ends, starts = self.log.bounds()
        partitions = sorted(ends)
        self.filter = bytearray(CHUNK_BYTES * len(partitions))
        self.positions = dict(starts)
        self._added = set()
        marks = self.log.read_bookmarks(self.group)
        chunks = _chunks(marks, partitions)
        if chunks is not None and any(marks[p][0] > ends[p] for p in partitions):
            log.warning("the offsets key index of %s lies beyond the log end (the topic was re-created): rebuilding "
                        "it from the start", self.log.spec.name)
            chunks = None
        if chunks is not None:
            self.filter = bytearray(b"".join(chunks))
            self.positions = {p: max(marks[p][0], starts.get(p, 0)) for p in partitions}
        elif marks:
            log.warning("the offsets key index of %s is unreadable: rebuilding it from the start", self.log.spec.name)
        before = dict(self.positions)
        self.scanned = 0
        try:
            self.log.read_from(self.positions, self._apply, ends=ends,
                               timeout_s=self.read_timeout_s if timeout_s is None else timeout_s)
        except _BudgetSpent:
            pass  # positions stop before the record that ended the budget
        except ReadToEndTimeoutError as error:  # positions stop where the read was held
            log.info("the offsets key index of %s stopped short of the log end: %s", self.log.spec.name, error)
        if self.positions != before or chunks is None:
            self._save(partitions)
        return all(self.positions.get(p, 0) >= end for p, end in ends.items())

    def has_history(self, connector: str) -> bool | None:
        """Whether ``connector`` may have a key before :attr:`positions` (False is certain; read after an
        :meth:`advance` that returned True); None when nothing was read."""
        if not self.filter:
            return None
        bits = len(self.filter) * 8
        return all(self.filter[bit >> 3] & (1 << (bit & 7)) for bit in _bit_positions(connector, bits))

    def _apply(self, _partition: int, key: bytes | None, _value: bytes | None) -> None:
        if self.scanned >= self.max_records:
            raise _BudgetSpent
        self.scanned += 1
        if key is None:
            return
        for name in _connector_name(key):
            if name not in self._added:
                self._added.add(name)
                bits = len(self.filter) * 8
                for bit in _bit_positions(name, bits):
                    self.filter[bit >> 3] |= 1 << (bit & 7)

    def _save(self, partitions: list[int]) -> None:
        tag = uuid.uuid4().hex[:8]
        marks = {p: (self.positions[p], f"{FORMAT}:{tag}:" + base64.b64encode(
            bytes(self.filter[i * CHUNK_BYTES:(i + 1) * CHUNK_BYTES])).decode()) for i, p in enumerate(partitions)}
        try:
            written = self.log.write_bookmarks(self.group, marks)
            if len(written) != len(marks):
                log.warning("the offsets key index of %s was written in part: it is rebuilt next time",
                            self.log.spec.name)
        except Exception as error:  # progress not kept: the next advance reads the same records again
            log.warning("could not write the offsets key index of %s: %s", self.log.spec.name, error)


def _chunks(marks: Mapping[int, tuple[int, str]], partitions: list[int]) -> list[bytes] | None:
    """The filter's chunks in partition order, or None unless every partition holds one of the same commit."""
    chunks, tags = [], set()
    for p in partitions:
        parts = marks.get(p, (0, ""))[1].split(":", 2)
        if len(parts) != 3 or parts[0] != FORMAT:
            return None
        try:
            chunk = base64.b64decode(parts[2], validate=True)
        except ValueError:
            return None
        if len(chunk) != CHUNK_BYTES:
            return None
        tags.add(parts[1])
        chunks.append(chunk)
    return chunks if len(tags) == 1 else None
