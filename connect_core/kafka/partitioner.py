"""Java's default key partitioner (``Utils.murmur2``) in pure Python.

Kafka Connect places each offsets-topic record by hashing its key bytes; a compatible writer must
pick the same partition or a reader would see two "latest" offsets for one source partition on
different partitions. Producers from :func:`connect_core.kafka.clients.producer_config` already use
librdkafka's ``murmur2_random``, which hashes identically; this module is the independent
reference (tests compare both against Java's own values) and lets a caller pin a partition.
"""

from __future__ import annotations

__all__ = ["default_partition", "murmur2"]

_SEED = 0x9747B28C
_M = 0x5BD1E995
_MASK = 0xFFFFFFFF


def murmur2(data: bytes) -> int:
    """Kafka's ``Utils.murmur2``: 32-bit MurmurHash2 with Kafka's seed, as a signed Java int."""
    length = len(data)
    h = (_SEED ^ length) & _MASK
    body = length & ~3
    for i in range(0, body, 4):
        k = int.from_bytes(data[i : i + 4], "little")
        k = (k * _M) & _MASK
        k ^= k >> 24
        k = (k * _M) & _MASK
        h = ((h * _M) & _MASK) ^ k
    tail = length & 3
    if tail == 3:
        h ^= data[body + 2] << 16
    if tail >= 2:
        h ^= data[body + 1] << 8
    if tail >= 1:
        h ^= data[body]
        h = (h * _M) & _MASK
    h ^= h >> 13
    h = (h * _M) & _MASK
    h ^= h >> 15
    return h - (1 << 32) if h & 0x80000000 else h


def default_partition(key: bytes, num_partitions: int) -> int:
    """The partition Java's producer picks for a non-null key: ``toPositive(murmur2(key)) % n``."""
    return (murmur2(key) & 0x7FFFFFFF) % num_partitions
