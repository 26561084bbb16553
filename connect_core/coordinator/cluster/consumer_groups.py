"""A sink connector's progress is its consumer group (``connect-<name>``): list, alter and delete its offsets.

``ConsumerGroups`` is the seam the offsets endpoints use; ``KafkaConsumerGroups`` implements it with the
confluent-kafka ``AdminClient`` (imported on first use, for cold start).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Protocol

from connect_core.api.deadline import bounded
from connect_core.api.errors import ConnectError
from connect_core.kafka.retry import with_retries

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from confluent_kafka.admin import AdminClient

    from connect_core.kafka.group_offsets import GroupReaders
    from connect_core.kafka.settings import KafkaClientSettings

__all__ = [
    "ConsumerGroups",
    "GroupNotEmptyError",
    "KafkaConsumerGroups",
    "KafkaTopicOffsets",
    "TopicOffsets",
    "TopicPartitionKey",
]

TopicPartitionKey = tuple[str, int]
DEFAULT_TIMEOUT_S = 30.0
# next_records reads one record a partition: a small fetch, so a lagging partition sends no megabyte
_FIRST_RECORD_FETCH: dict[str, Any] = {"max.partition.fetch.bytes": 65_536}


class GroupNotEmptyError(ConnectError):
    """The group still has active members, so its offsets cannot be changed."""


class ConsumerGroups(Protocol):
    """Consumer-group offset administration (the slice of Kafka's ``Admin`` the offsets API needs)."""

    def list_offsets(self, group: str) -> dict[TopicPartitionKey, int]:
        """Committed offsets of the group; empty when the group does not exist."""

    def alter_offsets(self, group: str, offsets: Mapping[TopicPartitionKey, int]) -> None:
        """Commit ``offsets`` for the group (GroupNotEmptyError while it has members)."""

    def delete_offsets(self, group: str, partitions: Sequence[TopicPartitionKey]) -> None:
        """Forget the group's offsets for ``partitions`` (GroupNotEmptyError while it has members)."""

    def delete_group(self, group: str) -> None:
        """Delete the group; a group that does not exist is fine (GroupNotEmptyError while it has members)."""

    def has_members(self, group: str) -> bool:
        """Whether consumers are members of the group now (a mapping's pollers; none: its tasks have stopped)."""


class KafkaConsumerGroups:
    """``ConsumerGroups`` over confluent-kafka's ``AdminClient``."""

    def __init__(self, settings: KafkaClientSettings, *, timeout_s: float = DEFAULT_TIMEOUT_S) -> None:
        """Remember the settings; the admin client is created on first use and reused."""
        self.settings = settings
        self.request_timeout_s = timeout_s
        self._admin: AdminClient | None = None
        self._readers: GroupReaders | None = None

    @property
    def timeout_s(self) -> float:
        """Each request's timeout: the configured one, cut to what is left of an enclosing deadline
        (``api/deadline.py``: the coordinator's heartbeat steps)."""
        return bounded(self.request_timeout_s)

    @property
    def admin(self) -> AdminClient:
        """The admin client."""
        if self._admin is None:
            from connect_core.kafka.clients import admin_client

            self._admin = admin_client(self.settings)
        return self._admin

    @property
    def readers(self) -> GroupReaders:
        """Readers of the groups' committed offsets (one consumer per group, never joining)."""
        if self._readers is None:
            from connect_core.kafka.group_offsets import GroupReaders

            self._readers = GroupReaders(self.settings)
        return self._readers

    def list_offsets(self, group: str) -> dict[TopicPartitionKey, int]:
        """Committed offsets (partitions without a commit are left out), asked for every partition in the cluster
        through a reader of the group (``kafka/group_offsets.py``: the admin call can crash the process)."""
        from connect_core.kafka.group_offsets import committed_offsets, every_partition

        reader = self.readers.reader(group)

        def read() -> dict[TopicPartitionKey, tuple[int, str]]:
            return committed_offsets(reader, every_partition(reader, self.timeout_s), self.timeout_s)

        marks = with_retries(read, what=f"listing the offsets of group {group}", timeout_s=self.timeout_s)
        return {tp: offset for tp, (offset, _metadata) in marks.items()}

    def alter_offsets(self, group: str, offsets: Mapping[TopicPartitionKey, int]) -> None:
        """Commit the offsets as an admin (no member id), which the broker refuses while the group has members."""
        from confluent_kafka import ConsumerGroupTopicPartitions, KafkaException, TopicPartition

        partitions = [TopicPartition(topic, partition, offset) for (topic, partition), offset in offsets.items()]
        request = [ConsumerGroupTopicPartitions(group, partitions)]
        try:
            result = with_retries(lambda: self.admin.alter_consumer_group_offsets(
                request, request_timeout=self.timeout_s)[group].result(timeout=self.timeout_s),
                what=f"altering the offsets of group {group}", timeout_s=self.timeout_s)
        except KafkaException as error:
            raise _translate(error) from error
        for tp in result.topic_partitions or []:
            if tp.error is not None:
                raise _translate(KafkaException(tp.error))

    def delete_offsets(self, group: str, partitions: Sequence[TopicPartitionKey]) -> None:
        """Delete per-partition offsets.

        confluent-kafka has no OffsetDelete admin call, so the group is deleted and the offsets of the partitions
        that stay are committed again. Safe here because the offsets API requires a STOPPED connector, whose group
        has no members; a group with members is refused by the delete before anything changes.
        """
        current = self.list_offsets(group)
        doomed = set(partitions)
        if not doomed & set(current):
            return
        self.delete_group(group)
        kept = {tp: offset for tp, offset in current.items() if tp not in doomed}
        if kept:
            self.alter_offsets(group, kept)

    def delete_group(self, group: str) -> None:
        """Delete the whole group (Kafka's reset of a sink connector's offsets)."""
        from confluent_kafka import KafkaError, KafkaException

        try:
            with_retries(lambda: self.admin.delete_consumer_groups([group], request_timeout=self.timeout_s)[
                group].result(timeout=self.timeout_s), what=f"deleting group {group}", timeout_s=self.timeout_s)
        except KafkaException as error:
            if _code(error) == KafkaError.GROUP_ID_NOT_FOUND:
                return
            raise _translate(error) from error


    def has_members(self, group: str) -> bool:
        """``DescribeConsumerGroups``: members present (a group that does not exist has none)."""
        from confluent_kafka import KafkaError, KafkaException

        try:
            description = with_retries(lambda: self.admin.describe_consumer_groups(
                [group], request_timeout=self.timeout_s)[group].result(timeout=self.timeout_s),
                what=f"describing group {group}", timeout_s=self.timeout_s)
        except KafkaException as error:
            if _code(error) == KafkaError.GROUP_ID_NOT_FOUND:
                return False
            raise
        return bool(description.members)


def _code(error: Any) -> int | None:
    inner = error.args[0] if error.args else None
    return inner.code() if inner is not None and hasattr(inner, "code") else None


def _translate(error: Any) -> Exception:
    from confluent_kafka import KafkaError

    if _code(error) in (KafkaError.NON_EMPTY_GROUP, KafkaError.UNKNOWN_MEMBER_ID, KafkaError.REBALANCE_IN_PROGRESS):
        return GroupNotEmptyError(str(error))
    return ConnectError(str(error))


class TopicOffsets(Protocol):
    """Where partitions begin and end (the slice of Kafka's ``Admin`` that lag and dead letter queue sizes need)."""

    def partitions(self, topics: Sequence[str], pattern: str | None = None) -> list[TopicPartitionKey]:
        """Every partition of the named topics and of the topics matching ``pattern`` (missing topics: none)."""

    def watermarks(self, partitions: Sequence[TopicPartitionKey]) -> dict[TopicPartitionKey, tuple[int, int]]:
        """``(earliest, latest)`` offset of each partition."""

    def next_records(self, positions: Mapping[TopicPartitionKey, int],
                     ends: Mapping[TopicPartitionKey, int]) -> dict[TopicPartitionKey, int]:
        """Where the next record a ``read_committed`` consumer at each position gets sits; the end when it gets
        none (only transaction markers, aborted or still open records left)."""


class KafkaTopicOffsets:
    """``TopicOffsets`` over confluent-kafka's ``AdminClient`` (shares the groups' client)."""

    def __init__(self, groups: KafkaConsumerGroups) -> None:
        """Use the admin client and timeout of ``groups``."""
        self.groups = groups
        self._consumer: Any = None

    def partitions(self, topics: Sequence[str], pattern: str | None = None) -> list[TopicPartitionKey]:
        """From the cluster metadata; internal topics never match a pattern."""
        import re

        metadata = self.groups.admin.list_topics(timeout=self.groups.timeout_s)
        wanted = set(topics)
        out: list[TopicPartitionKey] = []
        for name, topic in metadata.topics.items():
            matches = name in wanted or (pattern is not None and not name.startswith("__")
                                         and re.fullmatch(pattern, name) is not None)
            if matches and topic.error is None:
                out.extend((name, partition) for partition in topic.partitions)
        return sorted(out)

    def watermarks(self, partitions: Sequence[TopicPartitionKey]) -> dict[TopicPartitionKey, tuple[int, int]]:
        """Two ListOffsets requests (earliest, latest) for all partitions, each topic's leaders in the admin
        client's metadata cache first (``leaders_in_cache``: librdkafka's own leader query can segfault)."""
        if not partitions:
            return {}
        from confluent_kafka import TopicPartition
        from confluent_kafka.admin import OffsetSpec

        from connect_core.kafka.read_to_end import leaders_in_cache

        by_topic: dict[str, list[int]] = {}
        for topic, partition in partitions:
            by_topic.setdefault(topic, []).append(partition)
        for topic, numbers in by_topic.items():
            leaders_in_cache(self.groups.admin, topic, numbers, timeout_s=self.groups.timeout_s)

        def offsets(spec: Any) -> dict[TopicPartitionKey, int]:
            request = {TopicPartition(topic, partition): spec for topic, partition in partitions}
            futures = self.groups.admin.list_offsets(request, request_timeout=self.groups.timeout_s)
            return {(tp.topic, tp.partition): future.result(timeout=self.groups.timeout_s).offset
                    for tp, future in futures.items()}

        earliest, latest = offsets(OffsetSpec.earliest()), offsets(OffsetSpec.latest())
        return {tp: (earliest[tp], latest[tp]) for tp in latest}

    def next_records(self, positions: Mapping[TopicPartitionKey, int],
                     ends: Mapping[TopicPartitionKey, int]) -> dict[TopicPartitionKey, int]:
        """A ``read_committed`` consumer (never joining a group) assigned at the positions below their ends reads
        each partition's first record, or its end-of-partition event: a committed transaction's marker, aborted
        records and an open transaction are no records a worker's consumer gets (Kafka's ``records-lag`` is 0
        there). A partition not answered within the timeout keeps its position."""
        from confluent_kafka import Consumer, KafkaError, TopicPartition

        from connect_core.kafka.clients import consumer_config

        pending = {tp: position for tp, position in positions.items() if position < ends.get(tp, position)}
        if not pending:
            return {}
        if self._consumer is None:
            self._consumer = Consumer(consumer_config(self.groups.settings, **_FIRST_RECORD_FETCH))
        consumer = self._consumer
        found: dict[TopicPartitionKey, int] = {}
        assigned = [TopicPartition(topic, partition, offset) for (topic, partition), offset in pending.items()]
        consumer.assign(assigned)
        consumer.resume(assigned)  # a partition paused by an earlier call stays paused in librdkafka
        deadline = time.monotonic() + self.groups.timeout_s
        try:
            while len(found) < len(pending) and (left := deadline - time.monotonic()) > 0:
                message = consumer.poll(min(left, 0.2))
                if message is None or message.topic() is None or message.partition() is None:
                    continue
                tp = (message.topic(), message.partition())
                if tp not in pending or tp in found:
                    continue
                error = message.error()
                if error is not None and error.code() != KafkaError._PARTITION_EOF:
                    continue  # a leader moving: retried by the client until the deadline
                found[tp] = ends[tp] if error is not None else message.offset()
                consumer.pause([TopicPartition(*tp)])
        finally:
            consumer.unassign()
        return {tp: found.get(tp, position) for tp, position in pending.items()}
