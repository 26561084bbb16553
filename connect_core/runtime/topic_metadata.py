"""Wait for a topic's metadata before its first record, as Kafka's producer does in ``send`` (``max.block.ms``).

librdkafka's ``produce`` never blocks: a record to a missing topic waits in the queue and the commit with it, past
the function's time. Kafka's ``KafkaProducer.waitOnMetadata`` fails the record after ``max.block.ms`` with
``TimeoutException: Topic <t> not present in metadata after <ms> ms.``, which fails the task. A worker's producer
waits for ever; a function cannot, so here the wait ends at ``producer.override.max.block.ms`` or the invocation's
time and the task is FAILED with that cause. The metadata request lets a broker that auto-creates topics create it.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any, Final

from connect_core.api.config import parse_type
from connect_core.api.errors import RetriableError
from connect_core.kafka.retry import is_retriable

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

__all__ = ["DEFAULT_MAX_BLOCK_MS", "MAX_BLOCK_MS_CONFIG", "KafkaTimeoutError", "await_topic", "max_block_ms"]

log = logging.getLogger(__name__)

MAX_BLOCK_MS_CONFIG: Final = "producer.override.max.block.ms"
DEFAULT_MAX_BLOCK_MS: Final = 2**63 - 1  # Kafka's Worker.baseProducerConfigs: Long.MAX_VALUE
_INITIAL_BACKOFF_S: Final = 0.01  # a topic a broker is creating is there within milliseconds
_MAX_BACKOFF_S: Final = 0.5
_REQUEST_TIMEOUT_S: Final = 5.0


class KafkaTimeoutError(RetriableError):
    """Kafka's ``org.apache.kafka.common.errors.TimeoutException``: the producer waited for metadata in vain."""


def max_block_ms(props: Mapping[str, Any]) -> int:
    """The producer's ``max.block.ms`` a connector config sets (``producer.override.max.block.ms``), else a worker's
    (``Long.MAX_VALUE``: the invocation's time ends the wait)."""
    raw = props.get(MAX_BLOCK_MS_CONFIG)
    return DEFAULT_MAX_BLOCK_MS if raw is None else int(parse_type(MAX_BLOCK_MS_CONFIG, raw, "LONG"))


def await_topic(producer: Any, topic: str, *, max_block: int, remaining_ms: Callable[[], float],
                clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> None:
    """Return once ``producer``'s metadata holds ``topic`` with its partitions.

    Raises:
        KafkaTimeoutError: not within ``max_block`` ms, or not before the invocation's time (``remaining_ms``) ended;
            its cause is the broker's last answer (``UNKNOWN_TOPIC_OR_PART``, ``LEADER_NOT_AVAILABLE``, ...).
        KafkaException: an answer retrying cannot change (``TOPIC_AUTHORIZATION_FAILED``, an invalid topic name).
    """
    from confluent_kafka import KafkaError, KafkaException

    started = clock()
    limit_s = max(0.0, min(max_block, remaining_ms()) / 1000.0)
    backoff = _INITIAL_BACKOFF_S
    last: KafkaError | None = None
    while True:
        left = limit_s - (clock() - started)
        try:
            metadata = producer.list_topics(topic=topic, timeout=max(0.1, min(_REQUEST_TIMEOUT_S, left)))
            found = metadata.topics.get(topic)
            if found is not None and found.error is None and found.partitions:
                return
            last = found.error if found is not None else None
        except KafkaException as error:  # no broker answered in time: wait on, as Kafka's producer does
            last = error.args[0] if error.args else None
        if last is not None and not is_retriable(last):  # not authorized, an invalid name: at once, as Kafka's
            raise KafkaException(last)
        if (clock() - started) + backoff >= limit_s:
            break
        sleep(backoff)
        backoff = min(backoff * 2, _MAX_BACKOFF_S)
    waited_ms = round((clock() - started) * 1000)
    cause = KafkaException(last) if last is not None else None
    if limit_s * 1000 < max_block:
        message = (f"Topic {topic} not present in metadata after {waited_ms} ms: the invocation's time ended before "
                   f"max.block.ms ({max_block} ms).")
    else:
        message = f"Topic {topic} not present in metadata after {max_block} ms."
    if last is not None:
        log.warning("%s The broker's last answer: %s", message, last)
    raise KafkaTimeoutError(message) from cause
