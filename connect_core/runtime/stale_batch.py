"""A stale sink batch: one the connector's consumer group has moved on from, read from Kafka, not from memory.

A frozen invocation resumed after other warm containers went on (a zombie: Lambda timed it out and retried its
records elsewhere) or a batch delivered twice still hands its records to the task; when the task then fails on them
(the S3 sink: "the batch starts at offset X, before offset Y"), the failure is not the task's. The group's committed
offsets say so: where the group went past the first record of a partition of the batch, the mapping never sends this
batch again and sends what follows the committed offset in batches of its own. A committed offset below the batch (a
reset) or beyond the log's end (a truncated or re-created log) is no such proof, and the failure stands.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from confluent_kafka import Consumer

    from connect_core.api.consumed_record import ConsumedRecord
    from connect_core.kafka.group_offsets import GroupReaders
    from connect_core.kafka.settings import KafkaClientSettings

__all__ = ["StaleBatches", "first_offsets", "moved_on"]

log = logging.getLogger(__name__)

Partition = tuple[str, int]


def first_offsets(records: Iterable[ConsumedRecord]) -> dict[Partition, int]:
    """Each partition's first (lowest) offset in the batch."""
    first: dict[Partition, int] = {}
    for record in records:
        key = (record.topic, record.partition)
        if record.offset < first.get(key, record.offset + 1):
            first[key] = record.offset
    return first


def moved_on(first: Mapping[Partition, int], committed: Mapping[Partition, int],
             log_ends: Mapping[Partition, int]) -> list[Partition]:
    """The partitions of the batch the group has gone past: a committed offset above the partition's first record
    and not beyond its log's end (a partition without a commit or an end known is not one)."""
    return sorted(tp for tp, offset in first.items()
                  if offset < committed.get(tp, -1) <= log_ends.get(tp, -1))


class StaleBatches:
    """Asks the group's committed offsets (``kafka/group_offsets.py``, a reader that never joins the group) and the
    log ends of a batch's partitions; only when a batch failed, so a batch that goes through costs nothing."""

    def __init__(self, settings: KafkaClientSettings) -> None:
        """Readers on the worker's cluster (the sink's topics and group), made on first use and kept warm."""
        self.settings = settings
        self._readers: GroupReaders | None = None

    def moved_on(self, group: str, records: Iterable[ConsumedRecord], timeout_s: float) -> list[Partition]:
        """The batch's partitions ``group`` has gone past (:func:`moved_on`); none when the broker does not answer
        in ``timeout_s`` (not known stale: the failure stands)."""
        first = first_offsets(records)
        if not first:
            return []
        try:
            from connect_core.kafka.group_offsets import committed_offsets

            reader = self._reader(group)
            committed = {tp: offset for tp, (offset, _) in committed_offsets(reader, first, timeout_s).items()}
            past = {tp: offset for tp, offset in first.items() if offset < committed.get(tp, -1)}
            return moved_on(first, committed, self._log_ends(reader, past, timeout_s)) if past else []
        except Exception:  # what Kafka says is unknown: the batch's failure is the task's, as before
            log.warning("could not read the committed offsets of %s; the failed batch counts as the task's", group,
                        exc_info=True)
            return []

    def _reader(self, group: str) -> Consumer:
        if self._readers is None:
            from connect_core.kafka.group_offsets import GroupReaders

            self._readers = GroupReaders(self.settings)
        return self._readers.reader(group)

    @staticmethod
    def _log_ends(reader: Consumer, partitions: Iterable[Partition], timeout_s: float) -> dict[Partition, int]:
        from confluent_kafka import TopicPartition

        ends = {}
        for topic, partition in partitions:
            _low, high = reader.get_watermark_offsets(TopicPartition(topic, partition), timeout=timeout_s, cached=False)
            ends[topic, partition] = high
        return ends

    def close(self) -> None:
        """Close the readers."""
        if self._readers is not None:
            self._readers.close()
            self._readers = None
