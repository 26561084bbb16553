"""The wait for a topic's metadata before its first record: Kafka's ``max.block.ms`` message, the invocation's time,
and answers retrying cannot change (a fake producer and clock; the broker's side is in
tests/integration/runtime/test_topic_creation.py)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from confluent_kafka import KafkaError, KafkaException

from connect_core.runtime.topic_metadata import DEFAULT_MAX_BLOCK_MS, KafkaTimeoutError, await_topic, max_block_ms


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


class _Producer:
    """Answers ``list_topics`` with ``error`` until ``ready_after`` calls, then with one partition."""

    def __init__(self, error: int | None, ready_after: int = 10**9) -> None:
        self.error, self.ready_after, self.calls = error, ready_after, 0

    def list_topics(self, topic: str, timeout: float) -> Any:
        self.calls += 1
        if self.calls > self.ready_after:
            return SimpleNamespace(topics={topic: SimpleNamespace(error=None, partitions={0: object()})})
        return SimpleNamespace(topics={topic: SimpleNamespace(error=KafkaError(self.error), partitions={})})


def test_a_topic_that_shows_up_ends_the_wait() -> None:
    clock, producer = _Clock(), _Producer(KafkaError.UNKNOWN_TOPIC_OR_PART, ready_after=3)
    await_topic(producer, "t", max_block=60_000, remaining_ms=lambda: 30_000, clock=clock, sleep=clock.sleep)
    assert producer.calls == 4


def test_max_block_ms_gives_kafkas_message_with_the_brokers_answer_as_cause() -> None:
    clock = _Clock()
    with pytest.raises(KafkaTimeoutError) as raised:
        await_topic(_Producer(KafkaError.UNKNOWN_TOPIC_OR_PART), "t", max_block=2_000, remaining_ms=lambda: 30_000,
                    clock=clock, sleep=clock.sleep)
    assert str(raised.value) == "Topic t not present in metadata after 2000 ms."
    assert isinstance(raised.value.__cause__, KafkaException)
    assert raised.value.__cause__.args[0].code() == KafkaError.UNKNOWN_TOPIC_OR_PART
    assert clock.now <= 2.0


def test_the_invocations_time_ends_the_wait_sooner_and_says_so() -> None:
    clock = _Clock()
    with pytest.raises(KafkaTimeoutError, match=r"^Topic t not present in metadata after \d+ ms: the invocation's "
                                                 r"time ended before max.block.ms \(60000 ms\)\.$"):
        await_topic(_Producer(KafkaError.LEADER_NOT_AVAILABLE), "t", max_block=60_000, remaining_ms=lambda: 3_000,
                    clock=clock, sleep=clock.sleep)
    assert clock.now <= 3.0


def test_not_authorized_fails_at_once() -> None:
    clock, producer = _Clock(), _Producer(KafkaError.TOPIC_AUTHORIZATION_FAILED)
    with pytest.raises(KafkaException) as raised:
        await_topic(producer, "t", max_block=60_000, remaining_ms=lambda: 30_000, clock=clock, sleep=clock.sleep)
    assert raised.value.args[0].code() == KafkaError.TOPIC_AUTHORIZATION_FAILED
    assert producer.calls == 1


def test_max_block_ms_comes_from_the_producer_override_else_a_workers() -> None:
    assert max_block_ms({"producer.override.max.block.ms": "1500"}) == 1500
    assert max_block_ms({}) == DEFAULT_MAX_BLOCK_MS == 2**63 - 1
