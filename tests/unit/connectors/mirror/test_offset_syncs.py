"""OffsetSyncWriter's rules: which copied records get a sync now, and which at the next commit."""

from __future__ import annotations

from typing import Any

from connect_core.api.config import parse_config
from connect_core.api.task import TopicPartition
from connect_core.connectors.mirror._formats import OffsetSync
from connect_core.connectors.mirror._offset_syncs import OffsetSyncWriter, PartitionState
from connect_core.connectors.mirror.config import MirrorSourceConfig


class _Producer:
    def __init__(self) -> None:
        self.sent: list[OffsetSync] = []

    def produce(self, topic: str, *, key: bytes, value: bytes, partition: int, on_delivery: Any) -> None:
        assert partition == 0
        self.sent.append(OffsetSync.decode(key, value))

    def poll(self, _timeout: float) -> int:
        return 0

    def flush(self, _timeout: float) -> int:
        return 0


def test_first_record_now_the_rest_at_the_next_commit() -> None:
    producer = _Producer()
    writer = OffsetSyncWriter(producer, "mm2-offset-syncs.b.internal", 100)
    tp = TopicPartition("orders", 0)
    for offset in range(7):
        writer.maybe_queue(tp, offset, offset)
        writer.fire_pending()
    assert producer.sent == [OffsetSync("orders", 0, 0, 0)]
    writer.promote_delayed()
    writer.fire_pending()
    assert producer.sent == [OffsetSync("orders", 0, 0, 0), OffsetSync("orders", 0, 6, 6)]


def test_offset_lag_max_skips_and_truncation_make_a_sync_due() -> None:
    config = parse_config(MirrorSourceConfig, {"source.cluster.alias": "a", "offset.lag.max": "3"})
    state = PartitionState(config.offset_lag_max)
    assert state.update(0, 0)  # the first
    state.should_sync = False
    assert not state.update(1, 1) and not state.update(2, 2)
    assert state.update(3, 4)  # 4 - (0 + 1) >= 3: too stale
    state.should_sync = False
    assert state.update(5, 5)  # upstream skipped 4
    state.should_sync = False
    assert state.update(6, 2)  # downstream went back


def _copied_runs(seed: int) -> list[list[tuple[TopicPartition, int, int]]]:
    """Batches of copied records (source partition, upstream, downstream), partitions interleaved in runs, with
    upstream gaps, repeated offsets and downstream truncations now and then."""
    import random

    rng = random.Random(seed)
    partitions = [TopicPartition("orders", 0), TopicPartition("orders", 1), TopicPartition("audit", 0)]
    position = {tp: [rng.randrange(0, 5), rng.randrange(0, 5)] for tp in partitions}
    batches = []
    for _ in range(rng.randrange(1, 8)):
        batch = []
        for _ in range(rng.randrange(0, 6)):
            tp = rng.choice(partitions)
            for _ in range(rng.randrange(1, 30)):
                up_down = position[tp]
                batch.append((tp, up_down[0], up_down[1]))
                roll = rng.random()
                up_down[0] += rng.choice((0, 2, 5)) if roll < 0.05 else 1
                up_down[1] = rng.randrange(0, up_down[1] + 1) if 0.05 <= roll < 0.08 else up_down[1] + 1
        batches.append(batch)
    return batches


def test_queue_run_sends_what_the_per_record_reference_sends() -> None:
    """``queue_run`` per partition run against ``maybe_queue`` + ``fire_pending`` per record: the same syncs in the
    same order, the same delayed ones (in the same order) at each commit, the same partition states."""
    from itertools import groupby

    sent = 0
    for seed in range(300):
        reference, fast = _Producer(), _Producer()
        lag = 1 + seed % 7
        slow_writer = OffsetSyncWriter(reference, "syncs", lag)
        fast_writer = OffsetSyncWriter(fast, "syncs", lag)
        for batch in _copied_runs(seed):
            for tp, upstream, downstream in batch:
                slow_writer.maybe_queue(tp, upstream, downstream)
                slow_writer.fire_pending()
            for tp, run in groupby(batch, lambda copied: copied[0]):
                fast_writer.queue_run(tp, [(upstream, downstream) for _tp, upstream, downstream in run])
            assert list(fast_writer.delayed.items()) == list(slow_writer.delayed.items()), seed
            for writer in (slow_writer, fast_writer):
                writer.promote_delayed()
                writer.fire_pending()
            assert fast.sent == reference.sent, seed
        assert {tp: (s.last_sync_downstream, s.previous_upstream, s.previous_downstream)
                for tp, s in fast_writer.states.items()} == {
            tp: (s.last_sync_downstream, s.previous_upstream, s.previous_downstream)
            for tp, s in slow_writer.states.items()}
        sent += len(reference.sent)
    assert sent > 3000  # many syncs compared, not a few


def test_queue_run_of_nothing_changes_nothing() -> None:
    producer = _Producer()
    writer = OffsetSyncWriter(producer, "syncs", 100)
    writer.queue_run(TopicPartition("orders", 0), [])
    assert producer.sent == [] and writer.delayed == {}
