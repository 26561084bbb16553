"""One internal topic as a log this process can append to and catch up on (Kafka ``KafkaBasedLog``).

It reads to the log end, as Kafka does, so a reader waits for a transaction open on the topic.

A store owns one ``KafkaTopicLog``. Its clients (``SharedClients``, usually one set shared by all the stores of a
container) and per-partition positions survive between warm Lambda invocations, so
:meth:`KafkaTopicLog.read_to_end` after the first call only fetches what other writers added since.
``confluent_kafka`` is imported on first use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from connect_core.api.deadline import bounded
from connect_core.api.errors import ConfigError, ConnectError
from connect_core.kafka.admin import (
    ensure_compacted_topic,
    existing_partition_count,
    topic_partition_count,
    verify_compacted,
)
from connect_core.kafka.clients import READ_COMMITTED, READ_UNCOMMITTED
from connect_core.kafka.group_offsets import commit_offsets, committed_offsets
from connect_core.kafka.read_to_end import (
    DEFAULT_READ_TIMEOUT_S,
    end_offsets,
    log_bounds,
    message_offset,
    partitions_of,
    read_to_end,
)
from connect_core.kafka.retry import with_retries
from connect_core.kafka.shared_clients import SharedClients

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, MutableMapping

    from confluent_kafka import Consumer, Producer
    from confluent_kafka.admin import AdminClient

    from connect_core.kafka.settings import KafkaClientSettings

__all__ = ["KafkaTopicLog", "TopicSpec"]


@dataclass(frozen=True)
class TopicSpec:
    """How an internal topic is created if missing, and what it is for (used in error messages)."""

    name: str
    partitions: int
    replication_factor: int
    purpose: str
    configs: dict[str, str] = field(default_factory=dict)
    required_partitions: int | None = None  # the config topic must have exactly one


class KafkaTopicLog:
    """Append to and read one compacted internal topic; remembers how far it has read."""

    def __init__(
        self,
        settings: KafkaClientSettings,
        spec: TopicSpec,
        *,
        isolation_level: str = READ_COMMITTED,
        create_topic: bool = True,
        timeout_s: float = DEFAULT_READ_TIMEOUT_S,
        admin: AdminClient | None = None,
        clients: SharedClients | None = None,
    ) -> None:
        """Remember the settings; no connection is made until first use.

        ``clients`` are shared with other logs (their owner closes them); without, the log owns its own.
        """
        self.settings = settings
        self.spec = spec
        self.isolation_level = isolation_level
        self.create_topic = create_topic
        self.read_timeout_s = timeout_s
        self.positions: dict[int, int] = {}
        self._owns_clients = clients is None
        self.clients = clients if clients is not None else SharedClients(settings, admin=admin)
        self._partitions: list[int] | None = None
        # The timestamp of the record being applied (a store that keeps when a value was written reads it), and
        # the log ends already asked for the next read_to_end (storage/catch_up.py: one request for several logs).
        self.record_timestamp_ms: int | None = None
        self.known_ends: dict[int, int] | None = None

    @property
    def timeout_s(self) -> float:
        """Each call's timeout: the log's own, cut to what is left of an enclosing deadline (``api/deadline.py``)."""
        return bounded(self.read_timeout_s)

    @property
    def partitions(self) -> list[int]:
        """The topic's partition ids (creating and checking the topic on first use)."""
        if self._partitions is None:
            self.start()
        assert self._partitions is not None
        return self._partitions

    def start(self) -> None:
        """Create the topic if allowed and missing, verify it like Kafka Connect, learn its partitions."""
        if self._partitions is not None:
            return
        if self.create_topic:
            # A topic that exists (the usual case: the coordinator created it) costs one metadata request, which also
            # warms the reader for its first assignment, and the compaction check; a missing one is created first.
            admin, consumer, name = self.admin, self.consumer, self.spec.name
            count = with_retries(lambda: existing_partition_count(consumer, name, timeout_s=self.timeout_s),
                                 what=f"describing '{name}'", timeout_s=self.timeout_s)
            if count is None:
                with_retries(lambda: ensure_compacted_topic(
                    admin, name, self.spec.partitions, self.spec.replication_factor, self.spec.configs,
                    purpose=self.spec.purpose, timeout_s=self.timeout_s,
                ), what=f"creating '{name}'", timeout_s=self.timeout_s)
                count = with_retries(lambda: topic_partition_count(consumer, name, timeout_s=self.timeout_s),
                                     what=f"describing '{name}'", timeout_s=self.timeout_s)
            else:
                with_retries(lambda: verify_compacted(admin, name, purpose=self.spec.purpose, timeout_s=self.timeout_s),
                             what=f"checking '{name}'", timeout_s=self.timeout_s)
            partitions = list(range(count))
        else:
            partitions = partitions_of(self.consumer, self.spec.name, timeout_s=self.timeout_s)
        required = self.spec.required_partitions
        if required is not None and len(partitions) != required:
            raise ConfigError(
                f"Topic '{self.spec.name}' supplied for {self.spec.purpose} is required to have {required} "
                f"partition(s) but found {len(partitions)}."
            )
        self._partitions = partitions

    @property
    def admin(self) -> AdminClient:
        """The admin client (topic creation, log offsets), created on first use and kept."""
        return self.clients.admin

    @property
    def consumer(self) -> Consumer:
        """The reader, created on first use and kept for warm invocations."""
        return self.clients.consumer(self.isolation_level)

    @property
    def producer(self) -> Producer:
        """The writer (acks=all, Java-compatible key partitioning, one request in flight), created on first use."""
        return self.clients.producer

    def read_to_end(self, on_record: Callable[[bytes | None, bytes | None, int], None]) -> int:
        """Feed every record after the remembered positions to ``on_record(key, value, offset)``.

        Returns:
            The number of records read.
        """
        partitions = self.partitions
        unread = [p for p in partitions if p not in self.positions]
        known, self.known_ends = self.known_ends, None
        if known is not None and not unread:  # asked together with another log's (storage/catch_up.py)
            ends = {p: known.get(p, self.positions[p]) for p in partitions}
        elif unread:
            ends, starts = log_bounds(self.admin, self.spec.name, partitions, unread, timeout_s=self.timeout_s)
            self.positions.update(starts)  # an explicit start offset: the reader fetches without an offset query
        else:
            # A warm log (every invocation's catch-up): the log ends alone, one ListOffsets from a read_uncommitted
            # consumer (the high watermark, as the admin's answer), cheaper than the admin client's (its leader look-up
            # and result futures, on its background thread).
            ends = end_offsets(self.clients.consumer(READ_UNCOMMITTED), self.spec.name, partitions,
                               timeout_s=self.timeout_s)

        def apply(message: Any) -> None:
            self.record_timestamp_ms = _timestamp_ms(message)
            on_record(message.key(), message.value(), message_offset(message))

        return read_to_end(
            self.consumer,
            self.spec.name,
            self.positions,
            apply,
            partitions=partitions,
            timeout_s=self.timeout_s,
            ends=lambda _partitions: ends,
        )

    def bounds(self) -> tuple[dict[int, int], dict[int, int]]:
        """Every partition's log end and log start (one round of ListOffsets)."""
        partitions = self.partitions
        return log_bounds(self.admin, self.spec.name, partitions, partitions, timeout_s=self.timeout_s)

    def read_from(
        self,
        positions: MutableMapping[int, int],
        on_record: Callable[[int, bytes | None, bytes | None], None],
        *,
        ends: Mapping[int, int] | None = None,
        timeout_s: float | None = None,
    ) -> int:
        """Like :meth:`read_to_end`, from positions the caller keeps (a reader of part of the log, e.g. one
        connector's offsets): ``on_record(partition, key, value)``; every partition needs a position.

        Args:
            positions: partition -> next offset to read, updated in place.
            on_record: called for every record, in offset order per partition.
            ends: the log ends when the caller just asked them (:meth:`bounds`); asked here otherwise.
            timeout_s: the read's deadline (default: the log's own).

        Returns:
            The number of records read.
        """
        partitions = self.partitions
        if ends is None:
            ends, _starts = log_bounds(self.admin, self.spec.name, partitions, (), timeout_s=self.timeout_s)
        known = dict(ends)
        return read_to_end(
            self.consumer,
            self.spec.name,
            positions,
            lambda message: on_record(message.partition() or 0, message.key(), message.value()),
            partitions=partitions,
            timeout_s=self.timeout_s if timeout_s is None else bounded(timeout_s),
            ends=lambda _partitions: known,
        )

    def read_bookmarks(self, group: str) -> dict[int, tuple[int, str]]:
        """A never-joined consumer group's committed offsets on this topic, with their metadata strings.

        A small store keyed by group that Kafka answers in one OffsetFetch whatever the log's length
        (``storage/connector_offsets.py`` keeps its snapshots there). Partitions without a commit are left out.
        """
        reader, name = self.clients.group_readers.reader(group), self.spec.name
        marks = with_retries(lambda: committed_offsets(reader, [(name, p) for p in self.partitions], self.timeout_s),
                             what=f"reading the offsets of group {group}", timeout_s=self.timeout_s)
        return {partition: mark for (_topic, partition), mark in marks.items()}

    def write_bookmarks(self, group: str, marks: Mapping[int, tuple[int, str]]) -> list[int]:
        """Commit ``partition -> (offset, metadata)`` for a never-joined group; returns the partitions written
        (a partition the broker refuses, e.g. metadata above ``offset.metadata.max.bytes``, keeps its old commit)."""
        reader, name = self.clients.group_readers.reader(group), self.spec.name
        asked = {(name, p): mark for p, mark in sorted(marks.items())}
        written = with_retries(lambda: commit_offsets(reader, asked, self.timeout_s),
                               what=f"committing the offsets of group {group}", timeout_s=self.timeout_s)
        return [partition for _topic, partition in written]

    def send(self, records: Iterable[tuple[bytes | str, bytes | None]]) -> None:
        """Produce ``(key, value)`` records in order and wait until all are acknowledged.

        A ``None`` value is a tombstone. Raises ConnectError if any record was not written.
        """
        self.start()
        failures: list[Any] = []

        def on_delivery(error: Any, _message: Any) -> None:
            if error is not None:
                failures.append(error)

        producer = self.producer
        for key, value in records:
            producer.produce(self.spec.name, key=key, value=value, on_delivery=on_delivery)
        remaining = producer.flush(self.timeout_s)
        if remaining:
            raise ConnectError(f"Timed out writing {remaining} record(s) to '{self.spec.name}'")
        if failures:
            raise ConnectError(f"Failed to write to '{self.spec.name}': {failures[0]}")

    def close(self) -> None:
        """Close its own clients (shared ones are their owner's to close); the log can be used again afterwards."""
        if self._owns_clients:
            self.clients.close()


def _timestamp_ms(message: Any) -> int | None:
    """The record's timestamp (CreateTime or LogAppendTime), None when the broker gave none."""
    kind, value = message.timestamp()
    return None if kind == 0 or value < 0 else int(value)  # 0: TIMESTAMP_NOT_AVAILABLE
