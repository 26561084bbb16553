"""Read assigned partitions of one topic from stored positions up to their end at call time.

This is Kafka Connect's ``KafkaBasedLog.readToEnd`` for a short-lived process: the end offsets are
fetched once when the call starts, then the partitions are consumed until every one has reached
its end. Positions are updated in place, so the next call on a warm Lambda reads only what is new.

As in Kafka, the end is the log end (high watermark, ``log_bounds``: ListOffsets with
read_uncommitted; or ``end_offsets`` from a read_uncommitted consumer, a warm log's cheaper request), not the last
stable offset: a ``read_committed`` reader then waits for a transaction that is
open on the topic (a source task committing its offsets) instead of reading a stale offset past it. Retriable
broker errors (a leader being elected for a topic created a moment ago, a restarting broker) are retried with
backoff until the deadline (``connect_core.kafka.retry``).

``log_bounds`` never lets librdkafka look a partition leader up asynchronously (``leaders_in_cache``): its
ListOffsets leader query races with metadata answers and segfaults (``pthread_mutex_lock(mutex=0x0)``) when one
lands while the call is still on the calling thread; ``infra/local/list_offsets_race.py`` reproduces it.
"""

from __future__ import annotations

import time
import weakref
from typing import TYPE_CHECKING

from connect_core.api.errors import ConnectError
from connect_core.kafka.retry import is_retriable, with_retries

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, MutableMapping, Sequence

    from confluent_kafka import Consumer, Message
    from confluent_kafka.admin import AdminClient

__all__ = [
    "ATTEMPT_TIMEOUT_S", "DEFAULT_READ_TIMEOUT_S", "LEADERS_TRUSTED_FOR_S", "ReadToEndTimeoutError", "end_offsets",
    "end_offsets_of",
    "leaders_in_cache", "log_bounds", "message_offset", "partitions_of", "read_to_end",
]

DEFAULT_READ_TIMEOUT_S = 30.0  # Kafka Connect's READ_WRITE_TOTAL_TIMEOUT_MS for the config topic
# One ListOffsets attempt of ``end_offsets``: sent to a leader that died, it would wait out the whole budget.
ATTEMPT_TIMEOUT_S = 5.0
_BATCH = 1000
# consume() returns when it has a full batch OR its timeout expires, so any wait there is paid in full on every call
# that ends a partition. The reader takes what is already fetched without waiting, and when nothing is, waits for
# the next one message (poll returns as soon as it arrives): the read stays at network time.
_POLL_WAIT_S = 0.1
_LATEST = -1  # ListOffsets "latest" timestamp: the high watermark, or the LSO when read_committed
_BEGINNING = -2  # librdkafka OFFSET_BEGINNING
# How long a metadata answer that showed every leader is trusted to still be in the admin client's cache (librdkafka
# keeps an entry metadata.max.age.ms, 15 min by default, and every later answer naming the topic renews it).
LEADERS_TRUSTED_FOR_S = 60.0
# admin client -> topic -> (when its leaders were seen, the partitions that had one); dies with the client
_leaders_seen: weakref.WeakKeyDictionary[AdminClient, dict[str, tuple[float, frozenset[int]]]] = (
    weakref.WeakKeyDictionary())


class ReadToEndTimeoutError(ConnectError):
    """The end of a topic was not reached within the time allowed."""


def message_offset(message: Message) -> int:
    """The offset of a consumed record or end-of-partition event (only client-level errors have none)."""
    offset = message.offset()
    if offset is None:
        raise ConnectError(f"Consumed a message without an offset: {message.error()}")
    return offset


def partitions_of(consumer: Consumer, topic: str, *, timeout_s: float = DEFAULT_READ_TIMEOUT_S) -> list[int]:
    """The topic's partition ids, sorted (ConnectError if the topic does not exist)."""
    from confluent_kafka import KafkaError, KafkaException

    def describe() -> list[int]:
        described = consumer.list_topics(topic=topic, timeout=timeout_s).topics.get(topic)
        error = described.error if described is not None else None
        if error is not None and error.code() != KafkaError.UNKNOWN_TOPIC_OR_PART:
            raise KafkaException(error)  # a leader being elected: retried
        if described is None or error is not None or not described.partitions:
            raise ConnectError(f"Topic '{topic}' does not exist or has no partitions: {error or 'no metadata'}")
        return sorted(described.partitions)

    try:
        return with_retries(describe, what=f"describing '{topic}'", timeout_s=timeout_s)
    except KafkaException as error:
        raise ConnectError(f"Topic '{topic}' does not exist or has no partitions: {error}") from error


def end_offsets(
    consumer: Consumer, topic: str, partitions: Sequence[int], *, timeout_s: float = DEFAULT_READ_TIMEOUT_S
) -> dict[int, int]:
    """End offsets of all partitions in one ListOffsets request, with the consumer's isolation level.

    A ``read_committed`` consumer gets the last stable offset here (Java's ``consumer.endOffsets``); readers of
    internal topics ask the log end, as ``KafkaBasedLog`` does: ``log_bounds``, or this from a ``read_uncommitted``
    consumer (one synchronous request, no admin futures: a warm internal log's catch-up). librdkafka asks the
    leader it cached, dead or leaderless (-1) as it may be after a broker crash, and refreshes nothing for a topic
    the consumer is not subscribed to: each attempt is bounded (``ATTEMPT_TIMEOUT_S``) and a retry first asks the
    topic's metadata again, as Java's consumer does on ``NOT_LEADER_OR_FOLLOWER``; so does a partition the client's
    metadata lost while the leader was down (``_UNKNOWN_PARTITION``, which a warm client otherwise keeps).
    """
    return end_offsets_of(consumer, {topic: partitions}, timeout_s=timeout_s)[topic]


def end_offsets_of(
    consumer: Consumer, topics: Mapping[str, Sequence[int]], *, timeout_s: float = DEFAULT_READ_TIMEOUT_S
) -> dict[str, dict[int, int]]:
    """:func:`end_offsets` of several topics in one ``offsets_for_times`` call (librdkafka sends one ListOffsets per
    leader broker, in parallel): a warm container catches up on two internal topics for the price of one."""
    from confluent_kafka import KafkaError, KafkaException, TopicPartition

    attempt_s = min(timeout_s, ATTEMPT_TIMEOUT_S)
    retried = False
    names = ", ".join(f"'{topic}'" for topic in topics)

    def ask() -> dict[str, dict[int, int]]:
        nonlocal retried
        if retried:  # a consumer not subscribed to the topic never refreshes the leaders it cached by itself
            for topic in topics:
                consumer.list_topics(topic=topic, timeout=attempt_s)
        retried = True
        try:
            answered = consumer.offsets_for_times(
                [TopicPartition(topic, p, _LATEST) for topic, partitions in topics.items() for p in partitions],
                timeout=attempt_s,
            )
        except KafkaException as error:
            code = error.args[0].code() if error.args and isinstance(error.args[0], KafkaError) else None
            if code == KafkaError._UNKNOWN_PARTITION:  # metadata cached while the leader was down: ask it again
                raise KafkaException(KafkaError(KafkaError.UNKNOWN_TOPIC_OR_PART, str(error))) from error
            raise
        ends: dict[str, dict[int, int]] = {topic: {} for topic in topics}
        for tp in answered:
            if tp.error is not None:
                raise KafkaException(tp.error)
            ends[tp.topic][tp.partition] = max(tp.offset, 0)
        return ends

    try:
        return with_retries(ask, what=f"end offsets of {names}", timeout_s=timeout_s)
    except KafkaException as error:
        raise ConnectError(f"Cannot fetch the end offsets of {names}: {error}") from error


def log_bounds(
    admin: AdminClient, topic: str, partitions: Sequence[int], starts_for: Sequence[int] = (), *,
    timeout_s: float = DEFAULT_READ_TIMEOUT_S,
) -> tuple[dict[int, int], dict[int, int]]:
    """The log end (high watermark) of every partition and the log start of those in ``starts_for``.

    The end is asked as Kafka's ``KafkaBasedLog.readEndOffsets`` does (ListOffsets ``latest``, read_uncommitted), so
    an open transaction's records count as not yet read and a ``read_committed`` reader waits for its end. Both
    ListOffsets requests are in flight at once. A reader assigned at an explicit start offset fetches at once;
    one assigned at the logical "beginning" first waits for librdkafka's offset-query timer (~500 ms on a fresh
    consumer that has no metadata for the topic yet). Every leader is in the admin client's metadata cache before
    the first ListOffsets is sent (``leaders_in_cache``).
    """
    from confluent_kafka import IsolationLevel, KafkaException, TopicPartition
    from confluent_kafka.admin import OffsetSpec

    def ask() -> tuple[dict[int, int], dict[int, int]]:
        leaders_in_cache(admin, topic, [*partitions, *starts_for], timeout_s=timeout_s)
        try:
            return ask_offsets()
        except KafkaException:
            _leaders_seen.get(admin, {}).pop(topic, None)  # a leader may have moved: look again before the retry
            raise

    def ask_offsets() -> tuple[dict[int, int], dict[int, int]]:
        latest = admin.list_offsets({TopicPartition(topic, p): OffsetSpec.latest() for p in partitions},
                                    isolation_level=IsolationLevel.READ_UNCOMMITTED, request_timeout=timeout_s)
        earliest = admin.list_offsets({TopicPartition(topic, p): OffsetSpec.earliest() for p in starts_for},
                                      isolation_level=IsolationLevel.READ_UNCOMMITTED,
                                      request_timeout=timeout_s) if starts_for else {}
        ends = {tp.partition: max(future.result(timeout=timeout_s).offset, 0) for tp, future in latest.items()}
        starts = {tp.partition: max(future.result(timeout=timeout_s).offset, 0) for tp, future in earliest.items()}
        return ends, starts

    try:
        return with_retries(ask, what=f"log offsets of '{topic}'", timeout_s=timeout_s)
    except KafkaException as error:
        raise ConnectError(f"Cannot fetch the end offsets of '{topic}': {error}") from error


def leaders_in_cache(
    admin: AdminClient, topic: str, partitions: Sequence[int], *, timeout_s: float = DEFAULT_READ_TIMEOUT_S,
    clock: Callable[[], float] = time.monotonic,
) -> None:
    """Make sure ``admin``'s metadata cache has a leader for each of ``partitions`` before a ListOffsets is sent.

    librdkafka (2.15, still in its master) runs the first pass of a ListOffsets' leader query
    (``rd_kafka_topic_partition_list_query_leaders_async_worker``) on the calling thread. A leader missing from the
    cache makes that pass register the request for metadata-cache changes and go on using it after releasing the
    lock; a metadata answer landing in between (another ListOffsets' query, a new client's bootstrap answer) lets
    librdkafka's main thread finish the request and clear it, and the calling thread then locks a NULL mutex
    (``rd_kafka_enq_once_add_source(rko->rko_u.leaders.eonce)``): SIGSEGV. With every leader cached, the pass answers
    at once and registers nothing. A topic-specific Metadata request (``list_topics(topic=...)``) fills the cache;
    it is asked once per client and topic (again after ``LEADERS_TRUSTED_FOR_S`` or a failed ListOffsets), so a warm
    client's ``log_bounds`` pays nothing, and a fresh one asks the Metadata request librdkafka would have asked.

    Raises:
        KafkaException: the topic is unknown or a partition has no leader (retriable: a topic being created).
    """
    from confluent_kafka import KafkaError, KafkaException

    wanted = frozenset(partitions)
    seen = _leaders_seen.setdefault(admin, {})
    now = clock()
    known = seen.get(topic)
    if known is not None and now - known[0] < LEADERS_TRUSTED_FOR_S and wanted <= known[1]:
        return
    described = admin.list_topics(topic=topic, timeout=timeout_s).topics.get(topic)
    if described is None or described.error is not None:
        raise KafkaException(described.error if described is not None else KafkaError(
            KafkaError.UNKNOWN_TOPIC_OR_PART, f"no metadata for '{topic}'"))
    led = frozenset(p for p, meta in described.partitions.items() if meta.leader >= 0 and meta.error is None)
    if not wanted <= led:
        missing = sorted(wanted - led)
        raise KafkaException(KafkaError(KafkaError.LEADER_NOT_AVAILABLE, f"'{topic}' {missing}: no leader yet"))
    seen[topic] = (now, led)


def read_to_end(
    consumer: Consumer,
    topic: str,
    positions: MutableMapping[int, int],
    on_message: Callable[[Message], None],
    *,
    partitions: Sequence[int] | None = None,
    timeout_s: float = DEFAULT_READ_TIMEOUT_S,
    ends: Callable[[Sequence[int]], dict[int, int]] | None = None,
) -> int:
    """Consume ``topic`` from ``positions`` up to the end offsets fetched now; return the record count.

    Args:
        consumer: a consumer built from :func:`connect_core.kafka.clients.consumer_config` (it needs
            ``enable.partition.eof``: transaction markers sit at the end of transactional partitions
            and are never delivered, so only the end-of-partition event proves the end was reached).
        topic: the topic.
        positions: partition -> next offset to read; missing partitions start at the beginning.
            Updated in place as records are consumed.
        on_message: called for every record, in offset order per partition.
        partitions: the topic's partitions when already known (saves a metadata request).
        timeout_s: overall deadline.
        ends: the end offsets of the given partitions (``log_bounds`` for internal topics); by default
            ``end_offsets`` through the consumer.

    Raises:
        ReadToEndTimeoutError: the end was not reached in time (positions keep the progress made).
        ConnectError: a consumer error other than end-of-partition.
    """
    from confluent_kafka import KafkaError, TopicPartition

    deadline = time.monotonic() + timeout_s
    known = list(partitions) if partitions is not None else partitions_of(consumer, topic, timeout_s=timeout_s)
    end_of = ends(known) if ends is not None else end_offsets(consumer, topic, known, timeout_s=timeout_s)
    pending = {p: end for p, end in end_of.items() if positions.get(p, 0) < end}
    if not pending:
        return 0
    consumer.assign([TopicPartition(topic, p, positions.get(p, _BEGINNING)) for p in sorted(pending)])
    count = 0
    try:
        while pending:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ReadToEndTimeoutError(
                    f"Timed out reading '{topic}' to its end; still behind on partitions {sorted(pending)}"
                )
            for message in _next_messages(consumer, min(remaining, _POLL_WAIT_S)):
                error = message.error()
                if error is not None and error.code() != KafkaError._PARTITION_EOF:
                    if is_retriable(error):
                        continue  # the client recovers (a leader change, a broker coming back) before the deadline
                    raise ConnectError(f"Error reading '{topic}': {error}")
                partition, offset = message.partition(), message_offset(message)
                if partition is None:
                    raise ConnectError(f"Error reading '{topic}': a message without a partition")
                if error is not None:
                    positions[partition] = max(positions.get(partition, 0), offset)
                else:
                    on_message(message)
                    count += 1
                    positions[partition] = offset + 1
                if partition in pending and positions[partition] >= pending[partition]:
                    del pending[partition]
    finally:
        consumer.unassign()
    return count


def _next_messages(consumer: Consumer, wait_s: float) -> list[Message]:
    """What the consumer has fetched already (no wait); if nothing, the next message within ``wait_s``."""
    messages = consumer.consume(_BATCH, timeout=0)
    if messages:
        return messages
    message = consumer.poll(wait_s)
    return [] if message is None else [message]
