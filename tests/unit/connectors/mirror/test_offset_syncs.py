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
