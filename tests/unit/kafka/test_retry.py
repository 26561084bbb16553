"""``with_retries``: Kafka's retriable errors are retried with backoff until the deadline, others at once."""

from __future__ import annotations

import pytest
from confluent_kafka import KafkaError, KafkaException

from connect_core.kafka.retry import is_retriable, with_retries


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def _failing(code: int, times: int) -> tuple[list[int], object]:
    calls: list[int] = []

    def operation() -> str:
        calls.append(1)
        if len(calls) <= times:
            raise KafkaException(KafkaError(code))
        return "ok"

    return calls, operation


@pytest.mark.parametrize("code", [KafkaError.UNKNOWN_LEADER_EPOCH, KafkaError.LEADER_NOT_AVAILABLE,
                                  KafkaError.COORDINATOR_LOAD_IN_PROGRESS, KafkaError._TRANSPORT,
                                  KafkaError.NOT_LEADER_FOR_PARTITION])
def test_retriable_errors_are_retried_with_growing_backoff(code: int) -> None:
    clock = Clock()
    calls, operation = _failing(code, 4)
    assert with_retries(operation, what="x", timeout_s=30, sleep=clock.sleep, clock=lambda: clock.now) == "ok"
    assert len(calls) == 5
    assert clock.sleeps == [0.1, 0.2, 0.4, 0.8]


def test_the_last_error_goes_through_at_the_deadline() -> None:
    clock = Clock()
    calls, operation = _failing(KafkaError.UNKNOWN_LEADER_EPOCH, 1000)
    with pytest.raises(KafkaException):
        with_retries(operation, what="x", timeout_s=5, sleep=clock.sleep, clock=lambda: clock.now)
    assert clock.now <= 5


def test_other_errors_are_raised_at_once() -> None:
    calls, operation = _failing(KafkaError.TOPIC_AUTHORIZATION_FAILED, 1)
    with pytest.raises(KafkaException):
        with_retries(operation, what="x", timeout_s=30, sleep=lambda _s: None)
    assert len(calls) == 1
    assert not is_retriable(ValueError("no kafka error"))
