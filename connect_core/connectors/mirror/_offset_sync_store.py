"""``OffsetSyncStore`` (Kafka's): the offset syncs of each source partition, kept as Kafka keeps them, and offset
translation from them.

Per partition at most 64 syncs, spaced about exponentially back from the latest (Kafka's invariants A-D: slot 0 is
the latest sync; slot i+1 is at most 2^(i+1)-2^i older and at least 2^(i-1) apart), updated in linear time per sync.
A consumer group's offset translates from the latest sync at or below it: that sync's downstream offset, plus one
unless the offsets are equal; a group behind every kept sync translates to -1 (not emitted).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from connect_core.api.task import TopicPartition
    from connect_core.connectors.mirror._formats import OffsetSync

__all__ = ["SYNCS_PER_PARTITION", "OffsetSyncStore"]

SYNCS_PER_PARTITION = 64


def _invariant_b(i_sync: OffsetSync, j_sync: OffsetSync, i: int, j: int) -> bool:
    bound = j_sync.upstream_offset + (1 << j) - (1 << i)
    return i_sync is j_sync or bound < 0 or i_sync.upstream_offset <= bound


def _invariant_c(i_sync: OffsetSync, j_sync: OffsetSync, i: int) -> bool:
    bound = j_sync.upstream_offset + (1 << max(i - 2, 0))
    return i_sync is j_sync or (bound >= 0 and i_sync.upstream_offset >= bound)


class OffsetSyncStore:
    """Syncs by source partition; ``read_to_end`` once the whole topic has been read the first time."""

    def __init__(self, *, must_read_to_end: bool = False) -> None:
        """``must_read_to_end``: while the first read is under way keep only each partition's latest sync (Kafka
        does when its checkpoints could not be read: older syncs might translate behind an emitted checkpoint)."""
        self.syncs: dict[TopicPartition, list[OffsetSync]] = {}
        self.must_read_to_end = must_read_to_end
        self.read_to_end = False

    def add(self, partition: TopicPartition, sync: OffsetSync) -> None:
        """Take a sync read from the offset-syncs topic."""
        current = self.syncs.get(partition)
        if current is None:
            self.syncs[partition] = [sync] * SYNCS_PER_PARTITION
            return
        updated = list(current)
        self._update(updated, current, sync)
        self.syncs[partition] = updated

    def _update(self, syncs: list[OffsetSync], original: list[OffsetSync], sync: OffsetSync) -> None:
        if (not self.read_to_end and self.must_read_to_end) or sync.upstream_offset < syncs[0].upstream_offset:
            syncs[:] = [sync] * SYNCS_PER_PARTITION
            return
        replacement = sync
        replacement_index = 0
        syncs[0] = replacement
        for current in range(1, SYNCS_PER_PARTITION):
            previous = current - 1
            while True:
                old = original[replacement_index]
                is_recent = _invariant_b(syncs[previous], old, previous, current)
                separated_from_previous = _invariant_c(syncs[previous], old, previous)
                following = current + 1
                separated_from_next = following >= SYNCS_PER_PARTITION or _invariant_c(old, syncs[following], current)
                next_replacement = replacement_index + 1
                duplicate = next_replacement < SYNCS_PER_PARTITION and old is original[next_replacement]
                promote = is_recent and separated_from_previous and separated_from_next
                if promote:
                    replacement = old
                skip = duplicate or not separated_from_previous
                if promote or skip:
                    replacement_index += 1
                if not (replacement_index < current and skip):
                    break
            if _invariant_b(syncs[previous], syncs[current], previous, current):
                break  # holds here, so for every later slot too
            syncs[current] = replacement

    def translate_downstream(self, partition: TopicPartition, upstream_offset: int) -> int | None:
        """The downstream offset for a group at ``upstream_offset``; None when it cannot be translated (no sync yet,
        or the first read is not done), -1 when the group is behind every kept sync."""
        if not self.read_to_end:
            return None
        syncs = self.syncs.get(partition)
        if syncs is None:
            return None
        sync = next((s for s in syncs if s.upstream_offset <= upstream_offset), syncs[-1])
        if sync.upstream_offset > upstream_offset:
            return -1
        return sync.downstream_offset + (0 if upstream_offset == sync.upstream_offset else 1)
