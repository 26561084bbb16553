"""Retry a broker call on Kafka's retriable errors, with backoff, under a deadline (as Kafka's own clients do).

A topic created a moment ago answers ``UNKNOWN_LEADER_EPOCH`` or ``LEADER_NOT_AVAILABLE`` until its leader is
settled; a restarting broker answers with transport errors; a group or transaction coordinator that is loading
answers ``COORDINATOR_LOAD_IN_PROGRESS``. Java's clients retry all of these internally; librdkafka surfaces some
of them to the caller. ``with_retries`` retries an operation on exactly those errors (``KafkaError.retriable()``
plus the codes below, which librdkafka does not flag) until ``timeout_s`` has passed, then lets the error through.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any, Final, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["is_retriable", "kafka_error_of", "with_retries"]

log = logging.getLogger(__name__)

T = TypeVar("T")

INITIAL_BACKOFF_S: Final = 0.1  # Kafka's retry.backoff.ms
MAX_BACKOFF_S: Final = 1.0  # Kafka's retry.backoff.max.ms
_RETRIABLE_NAMES: Final = (
    "UNKNOWN_LEADER_EPOCH", "FENCED_LEADER_EPOCH", "NOT_LEADER_FOR_PARTITION", "LEADER_NOT_AVAILABLE",
    "UNKNOWN_TOPIC_OR_PART", "COORDINATOR_LOAD_IN_PROGRESS", "COORDINATOR_NOT_AVAILABLE", "NOT_COORDINATOR",
    "REQUEST_TIMED_OUT", "NETWORK_EXCEPTION", "NOT_ENOUGH_REPLICAS", "NOT_ENOUGH_REPLICAS_AFTER_APPEND",
    "KAFKA_STORAGE_ERROR", "CONCURRENT_TRANSACTIONS", "OFFSET_NOT_AVAILABLE",
    "_TRANSPORT", "_TIMED_OUT", "_ALL_BROKERS_DOWN", "_DESTROY_BROKER", "_WAIT_COORD", "_LEADER_NOT_AVAILABLE",
    "_NO_OFFSET",
)
_retriable_codes: frozenset[int] | None = None


def _codes() -> frozenset[int]:
    global _retriable_codes
    if _retriable_codes is None:
        from confluent_kafka import KafkaError

        _retriable_codes = frozenset(getattr(KafkaError, n) for n in _RETRIABLE_NAMES if hasattr(KafkaError, n))
    return _retriable_codes


def kafka_error_of(error: BaseException) -> Any:
    """The ``KafkaError`` an exception carries (``KafkaException.args[0]``), or None."""
    from confluent_kafka import KafkaError

    if isinstance(error, KafkaError):
        return error
    arg = error.args[0] if error.args else None
    return arg if isinstance(arg, KafkaError) else None


def is_retriable(error: Any) -> bool:
    """Whether a ``KafkaError`` (or an exception carrying one) may pass when tried again."""
    kafka_error = error if not isinstance(error, BaseException) else kafka_error_of(error)
    if kafka_error is None:
        return False
    if kafka_error.fatal() or kafka_error.txn_requires_abort():
        return False
    return bool(kafka_error.retriable()) or kafka_error.code() in _codes()


def with_retries(
    operation: Callable[[], T],
    *,
    what: str,
    timeout_s: float,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> T:
    """Run ``operation``; on a retriable Kafka error wait (100 ms doubling to 1 s) and run it again.

    Args:
        operation: the broker call; it raises ``KafkaException`` (or anything carrying a ``KafkaError``).
        what: what the call does, for the log.
        timeout_s: no retry starts after this many seconds; the last error is raised.
        sleep: injected by tests.
        clock: injected by tests.
    """
    deadline = clock() + timeout_s
    backoff = INITIAL_BACKOFF_S
    attempt = 0
    while True:
        attempt += 1
        try:
            return operation()
        except Exception as error:
            if not is_retriable(error) or clock() + backoff >= deadline:
                raise
            log.info("%s failed with a retriable error (attempt %d), retrying in %.1f s: %s",
                     what, attempt, backoff, error)
            sleep(backoff)
            backoff = min(backoff * 2, MAX_BACKOFF_S)
