"""Java's murmur2 partitioner, checked against values printed by Kafka 4.1.1's own ``Utils.murmur2``."""

from __future__ import annotations

import pytest

from connect_core.kafka.partitioner import default_partition, murmur2

# (key, Utils.murmur2(key bytes), toPositive(murmur2) % 25), printed by jshell with kafka-clients-4.1.1.jar
JAVA_VALUES = [
    ("21", -973932308, 15),
    ("foobar", -790332482, 16),
    ("a-little-bit-long-string", -985981536, 12),
    ("a-little-bit-longer-string", -1486304829, 19),
    ("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971, 2),
    ("abc", 479470107, 7),
    ('["fs-src",{"filename":"/tmp/cw/in.txt"}]', -367241543, 5),
    ("", 275646681, 6),
    ("é€😀", -232818566, 7),
]


@pytest.mark.parametrize(("key", "java_hash", "java_partition"), JAVA_VALUES)
def test_murmur2_matches_java(key: str, java_hash: int, java_partition: int) -> None:
    assert murmur2(key.encode()) == java_hash
    assert default_partition(key.encode(), 25) == java_partition


def test_offsets_key_lands_where_a_java_worker_put_it() -> None:
    # A real 4.1.1 worker wrote this key to partition 5 of its 25-partition offsets topic.
    assert default_partition(b'["fs-src",{"filename":"/tmp/cw/in.txt"}]', 25) == 5
