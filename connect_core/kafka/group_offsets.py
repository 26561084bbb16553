"""A consumer group's committed offsets, read and written through a consumer of that group that never joins it.

librdkafka's admin calls to a group's coordinator can end the process while the coordinator moves (a broker
restarted, MSK patching): ``ListConsumerGroupOffsets`` segfaults on a NOT_COORDINATOR answer (it asks the admin
client's consumer group, which an admin client has none of, to look the coordinator up again;
confluentinc/librdkafka#5040), and a request whose connection drops aborts on a freed reference
(confluentinc/librdkafka#4605). A consumer's own OffsetFetch and OffsetCommit go through its group's coordinator
handling, which looks the coordinator up again and retries, so the runtime's group offsets go through here, and so
do a connector's (MirrorMaker 2's checkpoints, on clusters of its own) through ``ClusterGroupOffsets``, the api's
``GroupOffsets`` its context hands out.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Any, Final

from connect_core.kafka.clients import consumer_config

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

    from confluent_kafka import Consumer

    from connect_core.kafka.settings import KafkaClientSettings

__all__ = ["ClusterGroupOffsets", "GroupReaders", "commit_offsets", "committed_offsets", "every_partition"]

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


_READER_SETTINGS: Final = {"session.timeout.ms": _COORDINATOR_WAIT_MS, "reconnect.backoff.ms": _RECONNECT_BACKOFF_MS}


class GroupReaders:
    """One never-joining consumer per group, the last few groups kept for warm invocations."""

    def __init__(self, settings: KafkaClientSettings | None, **overrides: Any) -> None:
        """Remember the settings (the worker's cluster); a reader is created on first use."""
        self.settings = settings
        self.overrides = overrides
        self._readers: OrderedDict[str, Consumer] = OrderedDict()
        self._lock = threading.Lock()
        self._config_of: Callable[[str], dict[str, Any]] = self._worker_config

    @classmethod
    def of_config(cls, config: Mapping[str, Any]) -> GroupReaders:
        """Readers on the cluster a librdkafka consumer config names (a connector's own cluster)."""
        readers = cls(None)
        base = {**config, "enable.auto.commit": False}
        readers._config_of = lambda group: {**base, "group.id": group, **_READER_SETTINGS}
        return readers

    def _worker_config(self, group: str) -> dict[str, Any]:
        assert self.settings is not None
        return consumer_config(self.settings, group_id=group, **{**_READER_SETTINGS, **self.overrides})

    def reader(self, group: str) -> Consumer:
        """The consumer whose ``group.id`` is ``group`` (never subscribed, never committing)."""
        from confluent_kafka import Consumer

        with self._lock:
            reader = self._readers.pop(group, None)
            evicted = None
            if reader is None:
                reader = Consumer(self._config_of(group))
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


class ClusterGroupOffsets:
    """The api's ``GroupOffsets`` on a cluster a connector names: ``committed_offsets``/``commit_offsets`` through
    warm never-joining readers of each group."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        """Readers on the cluster ``config`` (librdkafka consumer settings) names, made on first use."""
        self._readers = GroupReaders.of_config(config)

    def committed(self, group: str, timeout_s: float, *, partitions: Iterable[TopicPartitionKey] = (),
                  topics: Callable[[str], bool] | None = None) -> dict[TopicPartitionKey, tuple[int, str]]:
        """``group``'s commits on ``partitions`` and on every partition of the topics ``topics`` accepts."""
        reader = self._readers.reader(group)
        asked = list(partitions)
        if topics is not None:
            asked += sorted(tp for tp in every_partition(reader, timeout_s) if topics(tp[0]))
        return committed_offsets(reader, asked, timeout_s)

    def commit(self, group: str, marks: Mapping[TopicPartitionKey, tuple[int, str]],
               timeout_s: float) -> list[TopicPartitionKey]:
        """Commit ``marks`` as ``group`` (no member); the partitions written."""
        return commit_offsets(self._readers.reader(group), dict(marks), timeout_s)

    def close(self) -> None:
        """Close the readers."""
        self._readers.close()
