"""``OffsetSyncWriter`` (Kafka's): which copied records get an offset sync, and sending them.

Per partition, a sync is due for the first record a task copies, when the translation of the next offset would be
``offset.lag.max`` or more behind, when upstream offsets skip (compaction, transaction markers) and when the
downstream topic was truncated; any other record's sync is delayed and sent at the next commit, so a quiet
partition's last record is synced too (7 records give (0->0) and (6->6)). ``maybe_queue`` + ``fire_pending`` per
record is the readable reference; ``queue_run`` decides a run of one partition's records in one loop and sends the
same syncs in the same order.

"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from connect_core.connectors.mirror._formats import OffsetSync

if TYPE_CHECKING:
    from collections.abc import Iterable

    from connect_core.api.task import TopicPartition

__all__ = ["OffsetSyncWriter", "PartitionState"]

log = logging.getLogger(__name__)

FLUSH_TIMEOUT_S = 30.0


class PartitionState:
    """Kafka ``OffsetSyncWriter.PartitionState``."""

    __slots__ = ("last_sync_downstream", "max_offset_lag", "previous_downstream", "previous_upstream", "should_sync")

    def __init__(self, max_offset_lag: int) -> None:
        self.max_offset_lag = max_offset_lag
        self.previous_upstream = -1
        self.previous_downstream = -1
        self.last_sync_downstream = -1
        self.should_sync = False

    def update(self, upstream: int, downstream: int) -> bool:
        """Whether a sync is due for this record."""
        no_previous_sync = self.last_sync_downstream == -1
        too_stale = downstream - (self.last_sync_downstream + 1) >= self.max_offset_lag
        skipped_upstream = upstream - self.previous_upstream != 1
        truncated_downstream = downstream < self.previous_downstream
        if no_previous_sync or too_stale or skipped_upstream or truncated_downstream:
            self.last_sync_downstream = downstream
            self.should_sync = True
        self.previous_upstream = upstream
        self.previous_downstream = downstream
        return self.should_sync


class OffsetSyncWriter:
    """Queues offset syncs and sends them to the offset-syncs topic (partition 0)."""

    def __init__(self, producer: Any, topic: str, max_offset_lag: int) -> None:
        """``producer`` is a confluent-kafka producer on the cluster holding ``topic``."""
        self.producer = producer
        self.topic = topic
        self.max_offset_lag = max_offset_lag
        self.states: dict[TopicPartition, PartitionState] = {}
        self.delayed: dict[TopicPartition, OffsetSync] = {}
        self.pending: dict[TopicPartition, OffsetSync] = {}
        self._errors: list[Any] = []

    def maybe_queue(self, source: TopicPartition, upstream: int, downstream: int) -> None:
        """Note a copied record: due now (pending) or at the next commit (delayed)."""
        state = self.states.get(source)
        if state is None:
            state = self.states[source] = PartitionState(self.max_offset_lag)
        sync = OffsetSync(source.topic, source.partition, upstream, downstream)
        if state.update(upstream, downstream):
            self.delayed.pop(source, None)
            self.pending[source] = sync
            state.should_sync = False
        else:
            self.delayed[source] = sync

    def queue_run(self, source: TopicPartition, copied: Iterable[tuple[int, int]]) -> None:
        """``maybe_queue`` then ``fire_pending`` for each (upstream, downstream) of ``source``'s copied records, in
        order, in one loop: the due syncs are sent in record order and the delayed one is left as the reference
        leaves it (its place among the delayed partitions too)."""
        state = self.states.get(source)
        if state is None:
            state = self.states[source] = PartitionState(self.max_offset_lag)
        lag, last_sync = state.max_offset_lag, state.last_sync_downstream
        previous_up, previous_down = state.previous_upstream, state.previous_downstream
        topic, partition = source.topic, source.partition
        produce, syncs_topic, delivered = self.producer.produce, self.topic, self._delivered
        any_due = last_due = copied_any = False
        for upstream, downstream in copied:
            # PartitionState.update, inlined: no previous sync, too stale, skipped upstream, truncated downstream
            last_due = (last_sync == -1 or downstream - (last_sync + 1) >= lag or upstream - previous_up != 1
                        or downstream < previous_down)
            if last_due:
                last_sync = downstream
                any_due = True
                sync = OffsetSync(topic, partition, upstream, downstream)
                produce(syncs_topic, key=sync.key(), value=sync.value(), partition=0, on_delivery=delivered)
            previous_up, previous_down = upstream, downstream
            copied_any = True
        if not copied_any:
            return
        state.last_sync_downstream, state.previous_upstream, state.previous_downstream = (
            last_sync, previous_up, previous_down)
        if any_due:  # the reference popped the delayed sync: a later one is inserted last
            self.delayed.pop(source, None)
        if not last_due:
            self.delayed[source] = OffsetSync(topic, partition, previous_up, previous_down)
        self.producer.poll(0)

    def promote_delayed(self) -> None:
        """The delayed syncs become pending (Kafka does this at every offset commit)."""
        self.pending.update(self.delayed)
        self.delayed.clear()

    def fire_pending(self) -> None:
        """Send every pending sync."""
        while self.pending:
            source, sync = next(iter(self.pending.items()))
            del self.pending[source]
            self.producer.produce(self.topic, key=sync.key(), value=sync.value(), partition=0,
                                  on_delivery=self._delivered)
        self.producer.poll(0)

    def flush(self) -> None:
        """Wait until the sent syncs are written: a function may be frozen right after its invocation.

        A sync that was not written is logged, as Kafka logs it; a later record's sync supersedes it.
        """
        remaining = self.producer.flush(FLUSH_TIMEOUT_S)
        errors, self._errors = self._errors, []
        if remaining:
            log.warning("%d offset syncs to %s not written after %.0f s", remaining, self.topic, FLUSH_TIMEOUT_S)
        for error in errors:
            log.error("Failure sending offset sync to %s: %s", self.topic, error)

    def _delivered(self, error: Any, _message: Any) -> None:
        if error is not None:
            self._errors.append(error)

    def close(self) -> None:
        """Flush what was sent."""
        self.flush()
