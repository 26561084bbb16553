"""The read_committed check's pure parts (the reads against a broker are in tests/integration/runtime)."""

from __future__ import annotations

import itertools

import pytest

from connect_core.api.consumed_record import ConsumedRecord
from connect_core.kafka.committed_filter import _OFFSET, _PARTITION, _offsets_by_partition


def _reference(batch: list[ConsumedRecord]) -> dict[tuple[str, int], list[int]]:
    """Record by record: every partition's offsets in batch order, partitions in order of first appearance."""
    offsets: dict[tuple[str, int], list[int]] = {}
    for record in batch:
        offsets.setdefault(_PARTITION(record), []).append(_OFFSET(record))
    return offsets


def _batch(coordinates: list[tuple[str, int, int]]) -> list[ConsumedRecord]:
    return [ConsumedRecord(topic, partition, offset) for topic, partition, offset in coordinates]


@pytest.mark.parametrize("coordinates", [
    [],
    [("a", 0, 5)],
    [("a", 0, o) for o in (5, 6, 8, 9)],  # one partition, with gaps (markers, aborted records)
    [("a", 0, o) for o in (9, 5, 7)],  # one partition out of order: kept in batch order
    [("a", 0, 1), ("a", 1, 2), ("a", 0, 3)],  # first and last of one partition, another between
    [("a", 0, 1), ("b", 0, 2), ("a", 0, 3)],  # the same partition number of another topic between
    [("a", 0, 1), ("b", 0, 2)],  # the same partition number, another topic last
    [("a", 0, 1), ("a", 0, 2), ("a", 1, 1), ("a", 1, 2), ("b", 1, 0)],  # runs, as an event groups them
    [("a", p, o) for o, p in zip(range(20), itertools.cycle((0, 1, 2)))],  # interleaved partitions
])
def test_offsets_by_partition_match_a_record_by_record_read(coordinates: list[tuple[str, int, int]]) -> None:
    """The one-partition path (two passes in C) and the grouping path give what a record-by-record read gives,
    including batches whose first and last record share a partition with another between."""
    batch = _batch(coordinates)
    found = _offsets_by_partition(batch)
    assert found == _reference(batch)
    assert list(found) == list(_reference(batch))
