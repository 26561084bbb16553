"""OffsetSyncStore: Kafka's translation and its 64 exponentially spaced syncs per partition."""

from __future__ import annotations

from connect_core.api.task import TopicPartition
from connect_core.connectors.mirror._formats import OffsetSync
from connect_core.connectors.mirror._offset_sync_store import SYNCS_PER_PARTITION, OffsetSyncStore

TP = TopicPartition("orders", 0)


def _store(*syncs: tuple[int, int]) -> OffsetSyncStore:
    store = OffsetSyncStore()
    for upstream, downstream in syncs:
        store.add(TP, OffsetSync("orders", 0, upstream, downstream))
    store.read_to_end = True
    return store


def test_translation_from_the_latest_sync_at_or_below() -> None:
    store = _store((0, 0), (6, 6))
    assert store.translate_downstream(TP, 7) == 7  # read everything: exact
    assert store.translate_downstream(TP, 6) == 6
    assert store.translate_downstream(TP, 3) == 1  # mid-partition: one past the sync below, may re-read
    assert store.translate_downstream(TopicPartition("other", 0), 3) is None


def test_nothing_translates_before_the_first_read_ends() -> None:
    store = OffsetSyncStore()
    store.add(TP, OffsetSync("orders", 0, 0, 0))
    assert store.translate_downstream(TP, 0) is None


def test_an_upstream_rewind_drops_older_syncs() -> None:
    store = _store((10, 10), (20, 20), (5, 30))
    assert store.translate_downstream(TP, 25) == 31
    assert store.translate_downstream(TP, 4) == -1  # behind every kept sync


def test_many_syncs_keep_exponential_spacing_and_monotonic_translation() -> None:
    store = _store(*((offset, offset * 2) for offset in range(0, 10_000, 3)))
    syncs = store.syncs[TP]
    assert len(syncs) == SYNCS_PER_PARTITION and syncs[0].upstream_offset == 9_999
    upstreams = [s.upstream_offset for s in syncs]
    assert upstreams == sorted(upstreams, reverse=True)
    for index in range(1, SYNCS_PER_PARTITION):  # Kafka's invariant B
        if syncs[index] is not syncs[index - 1]:
            assert syncs[index - 1].upstream_offset <= syncs[index].upstream_offset + (1 << index) - (1 << (index - 1))
    translated = [store.translate_downstream(TP, offset) for offset in range(0, 10_000, 7)]
    kept = [t for t in translated if t is not None and t >= 0]
    assert kept == sorted(kept)
    assert store.translate_downstream(TP, 9_999) == 19_998
