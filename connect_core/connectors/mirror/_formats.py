"""MirrorMaker 2's internal records in ``connect-mirror-client``'s serialized formats (Kafka protocol types).

A string is a 2-byte big-endian length and UTF-8; integers are big-endian. ``OffsetSync`` has no version;
``Checkpoint`` and ``Heartbeat`` values start with an int16 version 0.
"""

from __future__ import annotations

import struct
from typing import NamedTuple

from connect_core.api.errors import DataError

__all__ = ["Checkpoint", "Heartbeat", "OffsetSync"]

VERSION = 0
_INT16 = struct.Struct(">h")
_INT32 = struct.Struct(">i")
_INT64 = struct.Struct(">q")
_TWO_INT64 = struct.Struct(">qq")


def _string(text: str) -> bytes:
    raw = text.encode()
    if len(raw) > 0x7FFF:
        raise DataError(f"String {text[:40]!r}... is longer than the maximum string length (32767 bytes)")
    return _INT16.pack(len(raw)) + raw


class _Reader:
    """Reads Kafka protocol types from ``data`` in order; a short buffer is a ``DataError``."""

    __slots__ = ("data", "position", "what")

    def __init__(self, data: bytes | None, what: str) -> None:
        if data is None:
            raise DataError(f"{what}: null bytes")
        self.data = data
        self.position = 0
        self.what = what

    def _take(self, size: int) -> bytes:
        end = self.position + size
        if end > len(self.data):
            raise DataError(f"{self.what}: {len(self.data)} bytes, too short")
        chunk = self.data[self.position:end]
        self.position = end
        return chunk

    def int16(self) -> int:
        return int(_INT16.unpack(self._take(2))[0])

    def int32(self) -> int:
        return int(_INT32.unpack(self._take(4))[0])

    def int64(self) -> int:
        return int(_INT64.unpack(self._take(8))[0])

    def string(self) -> str:
        size = self.int16()
        if size < 0:
            raise DataError(f"{self.what}: a null string where a string is required")
        return self._take(size).decode()

    def version(self) -> int:
        version = self.int16()
        if version != VERSION:
            raise DataError(f"{self.what}: unknown version {version}")
        return version


class OffsetSync(NamedTuple):
    """Kafka ``OffsetSync``: a source record's offset and its copy's offset on the target."""

    topic: str
    partition: int
    upstream_offset: int
    downstream_offset: int

    def key(self) -> bytes:
        """topic (string) + partition (int32)."""
        return _string(self.topic) + _INT32.pack(self.partition)

    def value(self) -> bytes:
        """upstreamOffset (int64) + offset (int64)."""
        return _TWO_INT64.pack(self.upstream_offset, self.downstream_offset)

    @classmethod
    def decode(cls, key: bytes | None, value: bytes | None) -> OffsetSync:
        """The sync a record of the offset-syncs topic holds."""
        k, v = _Reader(key, "offset sync key"), _Reader(value, "offset sync value")
        return cls(k.string(), k.int32(), v.int64(), v.int64())


class Checkpoint(NamedTuple):
    """Kafka ``Checkpoint``: a consumer group's committed offset, upstream and translated downstream."""

    group: str
    topic: str  # the remote (target) topic name
    partition: int
    upstream_offset: int
    downstream_offset: int
    metadata: str

    def key(self) -> bytes:
        """group (string) + topic (string) + partition (int32)."""
        return _string(self.group) + _string(self.topic) + _INT32.pack(self.partition)

    def value(self) -> bytes:
        """version (int16 0) + upstreamOffset (int64) + offset (int64) + metadata (string)."""
        return (_INT16.pack(VERSION) + _TWO_INT64.pack(self.upstream_offset, self.downstream_offset)
                + _string(self.metadata))

    @classmethod
    def decode(cls, key: bytes | None, value: bytes | None) -> Checkpoint:
        """The checkpoint a record of the checkpoints topic holds."""
        k, v = _Reader(key, "checkpoint key"), _Reader(value, "checkpoint value")
        group, topic, partition = k.string(), k.string(), k.int32()
        v.version()
        return cls(group, topic, partition, v.int64(), v.int64(), v.string())

    def connect_partition(self) -> dict[str, object]:
        """The source partition of its record, keys in the order Kafka's ``HashMap`` writes them."""
        return {"partition": self.partition, "topic": self.topic, "group": self.group}


class Heartbeat(NamedTuple):
    """Kafka ``Heartbeat``: source and target alias and when it was emitted."""

    source_cluster_alias: str
    target_cluster_alias: str
    timestamp: int

    def key(self) -> bytes:
        """sourceClusterAlias (string) + targetClusterAlias (string)."""
        return _string(self.source_cluster_alias) + _string(self.target_cluster_alias)

    def value(self) -> bytes:
        """version (int16 0) + timestamp (int64)."""
        return _INT16.pack(VERSION) + _INT64.pack(self.timestamp)

    @classmethod
    def decode(cls, key: bytes | None, value: bytes | None) -> Heartbeat:
        """The heartbeat a record of a heartbeats topic holds."""
        k, v = _Reader(key, "heartbeat key"), _Reader(value, "heartbeat value")
        source, target = k.string(), k.string()
        v.version()
        return cls(source, target, v.int64())

    def connect_partition(self) -> dict[str, object]:
        """The source partition of its record, keys in the order Kafka's ``HashMap`` writes them."""
        return {"sourceClusterAlias": self.source_cluster_alias, "targetClusterAlias": self.target_cluster_alias}
