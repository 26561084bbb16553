"""A consumer group's committed offsets, read and written through a consumer of that group that never joins it.

librdkafka's admin calls to a group's coordinator can end the process while the coordinator moves (a broker
restarted, MSK patching): ``ListConsumerGroupOffsets`` segfaults on a NOT_COORDINATOR answer (it asks the admin
client's consumer group, which an admin client has none of, to look the coordinator up again;
confluentinc/librdkafka#5040), and a request whose connection drops aborts on a freed reference
(confluentinc/librdkafka#4605). A consumer's own OffsetFetch and OffsetCommit go through its group's coordinator
handling, which looks the coordinator up again and retries, so the runtime's group offsets go through here.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from connect_core.kafka.clients import consumer_config

if TYPE_CHECKING:
    from collections.abc import Iterable

    from confluent_kafka import Consumer

    from connect_core.kafka.settings import KafkaClientSettings

__all__ = ["GroupReaders", "commit_offsets", "committed_offsets", "every_partition"]

TopicPartitionKey = tuple[str, int]
# A source task's container reads one group; the coordinator a few connectors' groups in turn.
_READERS_KEPT = 4
# A commit waits this long for a coordinator to be found (librdkafka waits session.timeout.ms; the reader never
# joins, so the setting has no other effect).
_COORDINATOR_WAIT_MS = 10_000
# A fresh reader's first OffsetFetch waits for its coordinator query, which librdkafka suppresses for half the
# reconnect backoff while no connection is up yet (its default 100 ms left a cold read ~58 ms at rest: bench case 8);
# the backoff still doubles up to reconnect.backoff.max.ms against a broker that is down.
_RECONNECT_BACKOFF_MS = 10


def committed_offsets(reader: Consumer, partitions: Iterable[TopicPartitionKey],
                      timeout_s: float) -> dict[TopicPartitionKey, tuple[int, str]]:
    """``(topic, partition) -> (offset, metadata)`` of the reader's group; partitions without a commit are left
    out. Raises KafkaException when the coordinator does not answer in time (callers retry)."""
    from confluent_kafka import KafkaException, TopicPartition

    asked = [TopicPartition(topic, partition) for topic, partition in partitions]
    if not asked:
        return {}
    answer = reader.committed(asked, timeout=timeout_s)
    failed = next((tp.error for tp in answer if tp.error is not None), None)
    if failed is not None:
        raise KafkaException(failed)
    return {(tp.topic, tp.partition): (tp.offset, tp.metadata or "") for tp in answer if tp.offset >= 0}


def commit_offsets(reader: Consumer, marks: dict[TopicPartitionKey, tuple[int, str]],
                   timeout_s: float) -> list[TopicPartitionKey]:
    """Commit ``(topic, partition) -> (offset, metadata)`` as the reader's group (no member, no generation: the
    broker refuses it while the group has members) and return the partitions written. Retriable errors are raised
    (callers retry); after a refusal (e.g. metadata above ``offset.metadata.max.bytes``) the commits are read back
    to learn which partitions were written."""
    from confluent_kafka import KafkaException, TopicPartition

    from connect_core.kafka.retry import is_retriable

    if not marks:
        return []
    try:
        reader.commit(offsets=[TopicPartition(topic, partition, offset, metadata=metadata) if metadata
                               else TopicPartition(topic, partition, offset)
                               for (topic, partition), (offset, metadata) in marks.items()], asynchronous=False)
    except KafkaException as error:
        if is_retriable(error):
            raise
        now = committed_offsets(reader, marks, timeout_s)
        return [tp for tp, mark in marks.items() if now.get(tp) == mark]
    return list(marks)


def every_partition(reader: Consumer, timeout_s: float) -> list[TopicPartitionKey]:
    """Every partition of every topic in the cluster's metadata: a whole group's offsets are asked for by name
    (OffsetFetch for all of a group's partitions is the admin call above)."""
    metadata = reader.list_topics(timeout=timeout_s)
    return [(name, partition) for name, topic in metadata.topics.items() if topic.error is None
            for partition in topic.partitions]


class GroupReaders:
    """One never-joining consumer per group, the last few groups kept for warm invocations."""

    def __init__(self, settings: KafkaClientSettings, **overrides: Any) -> None:
        """Remember the settings; a reader is created on first use."""
        self.settings = settings
        self.overrides = overrides
        self._readers: OrderedDict[str, Consumer] = OrderedDict()
        self._lock = threading.Lock()

    def reader(self, group: str) -> Consumer:
        """The consumer whose ``group.id`` is ``group`` (never subscribed, never committing)."""
        from confluent_kafka import Consumer

        with self._lock:
            reader = self._readers.pop(group, None)
            evicted = None
            if reader is None:
                reader = Consumer(consumer_config(self.settings, group_id=group, **{
                    "session.timeout.ms": _COORDINATOR_WAIT_MS, "reconnect.backoff.ms": _RECONNECT_BACKOFF_MS,
                    **self.overrides}))
                if len(self._readers) >= _READERS_KEPT:
                    _group, evicted = self._readers.popitem(last=False)
            self._readers[group] = reader
        if evicted is not None:
            evicted.close()
        return reader

    def close(self) -> None:
        """Close every reader (built again if used afterwards)."""
        with self._lock:
            readers, self._readers = list(self._readers.values()), OrderedDict()
        for reader in readers:
            reader.close()
