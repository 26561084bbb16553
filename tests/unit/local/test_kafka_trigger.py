"""The emulated mapping's batches: Lambda's 6 MB limit counts the JSON payload (base64 values) and is never passed."""

from __future__ import annotations

import json
from typing import Any

from connect_core.kafka.settings import KafkaClientSettings
from connect_core.local.kafka_trigger import MAX_PAYLOAD_BYTES, KafkaEventSourceMapping, build_event
from connect_core.runtime.trigger_config import KafkaTriggerConfig


class _Message:
    def __init__(self, offset: int, value: bytes) -> None:
        self._offset, self._value = offset, value

    def error(self) -> None:
        return None

    def topic(self) -> str:
        return "t"

    def partition(self) -> int:
        return 0

    def offset(self) -> int:
        return self._offset

    def key(self) -> None:
        return None

    def value(self) -> bytes:
        return self._value

    def headers(self) -> None:
        return None

    def timestamp(self) -> tuple[int, int]:
        return 1, 1_700_000_000_000


class _Consumer:
    def __init__(self, messages: list[_Message]) -> None:
        self.messages = messages

    def consume(self, count: int, timeout: float) -> list[_Message]:
        taken, self.messages = self.messages[:count], self.messages[count:]
        return taken


def _mapping(batch_size: int = 100) -> KafkaEventSourceMapping:
    config = KafkaTriggerConfig.parse({"lambda.batch.size": batch_size, "lambda.maximum.batching.window.ms": 0})
    return KafkaEventSourceMapping("m", ["t"], "g", config, lambda event: None,
                                   settings=KafkaClientSettings(bootstrap_servers="127.0.0.1:9092"),
                                   isolation_level="read_uncommitted")


def test_a_batch_stops_before_its_base64_payload_passes_6_mb_and_the_rest_comes_next() -> None:
    # 1.6 MB raw each, 2.13 MB base64: three fit under 6 MB by raw size (4.8 MB), not by payload (6.4 MB).
    consumer = _Consumer([_Message(offset, b"x" * 1_600_000) for offset in range(3)])
    mapping = _mapping()

    first = mapping._gather(consumer)
    second = mapping._gather(consumer)

    assert [m.offset() for m in first] == [0, 1]
    assert [m.offset() for m in second] == [2]
    assert len(json.dumps(build_event(first, "127.0.0.1:9092"))) <= MAX_PAYLOAD_BYTES


def test_held_messages_keep_their_order_and_respect_the_batch_size() -> None:
    consumer = _Consumer([_Message(0, b"x" * 3_000_000), _Message(1, b"y" * 3_000_000), *[
        _Message(offset, b"z") for offset in range(2, 6)]])
    mapping = _mapping(batch_size=2)

    batches: list[Any] = [mapping._gather(consumer) for _ in range(4)]

    assert [[m.offset() for m in batch] for batch in batches] == [[0], [1], [2, 3], [4, 5]]


def test_a_commit_refused_while_the_group_coordinator_moves_is_tried_again() -> None:
    """A broker killed under the group's coordinator answers NOT_COORDINATOR: the mapping commits again (the
    trigger stopped for good before, and the sink with it)."""
    from confluent_kafka import KafkaError, KafkaException

    class Moving:
        def __init__(self) -> None:
            self.calls = 0

        def commit(self, *, offsets: list[Any], asynchronous: bool) -> None:
            self.calls += 1
            if self.calls < 3:
                raise KafkaException(KafkaError(KafkaError.NOT_COORDINATOR))

    consumer = Moving()
    KafkaEventSourceMapping._commit(consumer, [_Message(0, b"a"), _Message(1, b"b")])
    assert consumer.calls == 3


def test_a_trigger_whose_member_left_the_group_polls_again_instead_of_stopping() -> None:
    """A broker away past the session timeout: the group goes on without the trigger's consumer and its commit is
    refused with UNKNOWN_MEMBER_ID; as Lambda's poller, the trigger polls again from the committed offsets with a new
    consumer (it stopped for good before, and the sink with it)."""
    from confluent_kafka import KafkaError, KafkaException

    from connect_core.local.kafka_trigger import KafkaTrigger

    class Host:
        def invoke(self, event: Any, timeout_s: float = 60.0) -> Any:
            return None

        def close(self) -> None:
            pass

    trigger = KafkaTrigger("c", ["t"], "connect-c", KafkaTriggerConfig.parse({}), Host(),  # type: ignore[arg-type]
                           settings=KafkaClientSettings(bootstrap_servers="127.0.0.1:9"))

    class Mapping:
        def __init__(self) -> None:
            self.polls = self.closes = 0

        def poll_once(self) -> None:
            self.polls += 1
            if self.polls == 1:
                raise KafkaException(KafkaError(KafkaError.UNKNOWN_MEMBER_ID))
            trigger._stop.set()

        def close(self) -> None:
            self.closes += 1

    mapping = Mapping()
    trigger.mapping = mapping  # type: ignore[assignment]
    trigger._run()
    assert mapping.polls == 2 and mapping.closes == 2  # a new consumer after the refusal, and the last close
