"""Read assigned partitions of one topic from stored positions up to their end at call time.

This is Kafka Connect's ``KafkaBasedLog.readToEnd`` for a short-lived process: the end offsets are
fetched once when the call starts, then the partitions are consumed until every one has reached
its end. Positions are updated in place, so the next call on a warm Lambda reads only what is new.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from connect_core.api.errors import ConnectError

if TYPE_CHECKING:
    from collections.abc import Callable, MutableMapping, Sequence

    from confluent_kafka import Consumer, Message

__all__ = [
    "DEFAULT_READ_TIMEOUT_S", "ReadToEndTimeoutError", "end_offsets", "message_offset", "partitions_of", "read_to_end",
]

DEFAULT_READ_TIMEOUT_S = 30.0  # Kafka Connect's READ_WRITE_TOTAL_TIMEOUT_MS for the config topic
_BATCH = 1000
# consume() returns when it has a full batch OR its timeout expires, so a long timeout would be
# paid on every call that ends a partition; short waits keep the read close to network time.
_CONSUME_WAIT_S = 0.02
_RETRY_BACKOFF_S = 0.1
_LATEST = -1  # ListOffsets "latest" timestamp: the high watermark, or the LSO when read_committed
_BEGINNING = -2  # librdkafka OFFSET_BEGINNING


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
    metadata = consumer.list_topics(topic=topic, timeout=timeout_s)
    described = metadata.topics.get(topic)
    if described is None or described.error is not None or not described.partitions:
        reason = described.error if described is not None else "no metadata"
        raise ConnectError(f"Topic '{topic}' does not exist or has no partitions: {reason}")
    return sorted(described.partitions)


def end_offsets(
    consumer: Consumer, topic: str, partitions: Sequence[int], *, timeout_s: float = DEFAULT_READ_TIMEOUT_S
) -> dict[int, int]:
    """End offsets of all partitions in one ListOffsets request.

    The request carries the consumer's isolation level, so a ``read_committed`` consumer gets the
    last stable offset: an open transaction (an exactly-once source task still running) does not
    make the reader wait for it, exactly like Java's ``consumer.endOffsets``.
    """
    from confluent_kafka import KafkaError, KafkaException, TopicPartition

    transient = {KafkaError.NOT_LEADER_FOR_PARTITION, KafkaError.LEADER_NOT_AVAILABLE, KafkaError.UNKNOWN_TOPIC_OR_PART}
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            answered = consumer.offsets_for_times(
                [TopicPartition(topic, p, _LATEST) for p in partitions], timeout=max(deadline - time.monotonic(), 0.1)
            )
            break
        except KafkaException as error:
            # A topic created a moment ago may not have elected its leaders yet: retriable, so wait.
            kafka_error = error.args[0]
            retriable = kafka_error.retriable() or kafka_error.code() in transient
            if not retriable or time.monotonic() >= deadline:
                raise ConnectError(f"Cannot fetch the end offsets of '{topic}': {kafka_error}") from error
            time.sleep(_RETRY_BACKOFF_S)
    ends: dict[int, int] = {}
    for tp in answered:
        if tp.error is not None:
            raise ConnectError(f"Cannot fetch the end offset of {topic}[{tp.partition}]: {tp.error}")
        ends[tp.partition] = max(tp.offset, 0)
    return ends


def read_to_end(
    consumer: Consumer,
    topic: str,
    positions: MutableMapping[int, int],
    on_message: Callable[[Message], None],
    *,
    partitions: Sequence[int] | None = None,
    timeout_s: float = DEFAULT_READ_TIMEOUT_S,
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

    Raises:
        ReadToEndTimeoutError: the end was not reached in time (positions keep the progress made).
        ConnectError: a consumer error other than end-of-partition.
    """
    from confluent_kafka import KafkaError, TopicPartition

    deadline = time.monotonic() + timeout_s
    known = list(partitions) if partitions is not None else partitions_of(consumer, topic, timeout_s=timeout_s)
    ends = end_offsets(consumer, topic, known, timeout_s=timeout_s)
    pending = {p: end for p, end in ends.items() if positions.get(p, 0) < end}
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
            for message in consumer.consume(_BATCH, timeout=min(remaining, _CONSUME_WAIT_S)):
                error = message.error()
                if error is not None and error.code() != KafkaError._PARTITION_EOF:
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
