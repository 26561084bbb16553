"""read_to_end against an in-memory consumer: end offsets fixed at call time, EOF past control markers."""

from __future__ import annotations

from typing import Any

import pytest
from confluent_kafka import KafkaError, TopicPartition

from connect_core.kafka.read_to_end import ReadToEndTimeoutError, read_to_end


class FakeMessage:
    def __init__(self, partition: int, offset: int, value: bytes | None = None, eof: bool = False) -> None:
        self._partition, self._offset, self._value, self._eof = partition, offset, value, eof

    def partition(self) -> int:
        return self._partition

    def offset(self) -> int:
        return self._offset

    def value(self) -> bytes | None:
        return self._value

    def key(self) -> bytes | None:
        return None

    def error(self) -> KafkaError | None:
        return KafkaError(KafkaError._PARTITION_EOF) if self._eof else None


class FakeConsumer:
    """Partitions are {offset: value}; offsets missing from a log are transaction markers (never delivered)."""

    def __init__(self, logs: dict[int, dict[int, bytes]], ends: dict[int, int]) -> None:
        self.logs, self.ends = logs, ends
        self.assigned: dict[int, int] = {}
        self.assign_calls: list[list[tuple[int, int]]] = []

    def offsets_for_times(self, tps: list[TopicPartition], timeout: float) -> list[TopicPartition]:
        return [TopicPartition(tp.topic, tp.partition, self.ends[tp.partition]) for tp in tps]

    def assign(self, tps: list[TopicPartition]) -> None:
        self.assign_calls.append([(tp.partition, tp.offset) for tp in tps])
        self.assigned = {tp.partition: max(tp.offset, 0) for tp in tps}

    def unassign(self) -> None:
        self.assigned = {}

    def consume(self, num: int, timeout: float) -> list[Any]:
        out: list[Any] = []
        for partition, start in list(self.assigned.items()):
            position = start
            log = self.logs[partition]
            end = self.ends[partition]
            while position < end and len(out) < num:
                if position in log:
                    out.append(FakeMessage(partition, position, log[position]))
                position += 1
            if position >= end and position != -1:
                out.append(FakeMessage(partition, end, eof=True))
                position = -1  # EOF only once
            self.assigned[partition] = position
        return out

    def poll(self, timeout: float) -> Any:
        messages = self.consume(1, timeout)
        return messages[0] if messages else None


def test_reads_every_partition_up_to_its_end_and_remembers_positions() -> None:
    consumer = FakeConsumer({0: {0: b"a", 1: b"b"}, 1: {0: b"c"}}, {0: 2, 1: 1})
    seen: list[bytes] = []
    positions: dict[int, int] = {}
    count = read_to_end(consumer, "t", positions, lambda m: seen.append(m.value()), partitions=[0, 1])  # type: ignore[arg-type]
    assert (count, sorted(seen), positions) == (3, [b"a", b"b", b"c"], {0: 2, 1: 1})


def test_a_second_call_reads_only_new_records() -> None:
    consumer = FakeConsumer({0: {0: b"a"}}, {0: 1})
    positions: dict[int, int] = {}
    read_to_end(consumer, "t", positions, lambda m: None, partitions=[0])  # type: ignore[arg-type]
    consumer.logs[0][1] = b"new"
    consumer.ends[0] = 2
    seen: list[bytes] = []
    assert read_to_end(consumer, "t", positions, lambda m: seen.append(m.value()), partitions=[0]) == 1  # type: ignore[arg-type]
    assert seen == [b"new"]
    assert consumer.assign_calls[-1] == [(0, 1)]


def test_nothing_is_assigned_when_already_at_the_end() -> None:
    consumer = FakeConsumer({0: {}}, {0: 0})
    assert read_to_end(consumer, "t", {}, lambda m: None, partitions=[0]) == 0  # type: ignore[arg-type]
    assert consumer.assign_calls == []


def test_transaction_markers_at_the_end_are_passed_by_the_eof_event() -> None:
    # offset 1 is a commit marker, offset 2 an aborted record, 3 its abort marker: LSO = 4
    consumer = FakeConsumer({0: {0: b"committed"}}, {0: 4})
    positions: dict[int, int] = {}
    seen: list[bytes] = []
    read_to_end(consumer, "t", positions, lambda m: seen.append(m.value()), partitions=[0])  # type: ignore[arg-type]
    assert (seen, positions) == ([b"committed"], {0: 4})


def test_times_out_when_the_end_cannot_be_reached() -> None:
    class Stuck(FakeConsumer):
        def consume(self, num: int, timeout: float) -> list[Any]:
            return []

    positions: dict[int, int] = {}
    with pytest.raises(ReadToEndTimeoutError, match=r"partitions \[0\]"):
        read_to_end(Stuck({0: {0: b"x"}}, {0: 1}), "t", positions, lambda m: None, partitions=[0], timeout_s=0.05)  # type: ignore[arg-type]


class _Answer:
    """A ListOffsets answer for one partition that carries an error (confluent's TopicPartition.error is read-only)."""

    def __init__(self, partition: int, error: KafkaError) -> None:
        self.topic, self.partition, self.offset, self.error = "t", partition, -1, error


class ElectingConsumer(FakeConsumer):
    """A topic created a moment ago: the first answers carry UNKNOWN_LEADER_EPOCH per partition."""

    def __init__(self, logs: dict[int, dict[int, bytes]], ends: dict[int, int], failures: int) -> None:
        super().__init__(logs, ends)
        self.failures = failures
        self.calls: list[str] = []

    def list_topics(self, topic: str, timeout: float) -> None:
        self.calls.append("metadata")

    def offsets_for_times(self, tps: list[TopicPartition], timeout: float) -> list[TopicPartition]:
        self.calls.append("offsets")
        if self.failures:
            self.failures -= 1
            return [_Answer(tp.partition, KafkaError(KafkaError.UNKNOWN_LEADER_EPOCH)) for tp in tps]  # type: ignore[misc]
        return super().offsets_for_times(tps, timeout)


def test_a_leader_being_elected_is_retried_not_an_error() -> None:
    consumer = ElectingConsumer({0: {0: b"a"}}, {0: 1}, failures=2)
    seen: list[Any] = []
    assert read_to_end(consumer, "t", {}, seen.append, partitions=[0]) == 1  # type: ignore[arg-type]
    assert consumer.failures == 0
    # the consumer's cached leader is what failed: every retry asks the topic's metadata first
    assert consumer.calls == ["offsets", "metadata", "offsets", "metadata", "offsets"]


def test_a_partition_the_clients_metadata_lost_is_asked_again_after_a_metadata_request() -> None:
    from confluent_kafka import KafkaException

    class LostPartition(ElectingConsumer):  # a warm client after its leader's broker was killed and restarted
        def offsets_for_times(self, tps: list[TopicPartition], timeout: float) -> list[TopicPartition]:
            if self.failures:
                self.calls.append("offsets")
                self.failures -= 1
                raise KafkaException(KafkaError(KafkaError._UNKNOWN_PARTITION))
            return super().offsets_for_times(tps, timeout)

    consumer = LostPartition({0: {0: b"a"}}, {0: 1}, failures=1)
    seen: list[Any] = []
    assert read_to_end(consumer, "t", {}, seen.append, partitions=[0]) == 1  # type: ignore[arg-type]
    assert consumer.calls == ["offsets", "metadata", "offsets"]


def test_a_non_retriable_partition_error_is_raised() -> None:
    from connect_core.api.errors import ConnectError

    class Refused(FakeConsumer):
        def offsets_for_times(self, tps: list[TopicPartition], timeout: float) -> list[TopicPartition]:
            return [_Answer(0, KafkaError(KafkaError.TOPIC_AUTHORIZATION_FAILED))]  # type: ignore[list-item]

    with pytest.raises(ConnectError, match="end offset"):
        read_to_end(Refused({0: {}}, {0: 0}), "t", {}, lambda _m: None, partitions=[0])  # type: ignore[arg-type]


class _Offset:
    def __init__(self, offset: int) -> None:
        self.offset = offset


class _Partition:
    def __init__(self, leader: int) -> None:
        self.leader, self.error = leader, None


class _Topic:
    def __init__(self, leaders: dict[int, int], error: KafkaError | None) -> None:
        self.partitions = {p: _Partition(leader) for p, leader in leaders.items()}
        self.error = error


class BoundsAdmin:
    """ListOffsets by spec and topic metadata; records the requests in order, and which ListOffsets were sent
    before any answer was awaited."""

    def __init__(self, starts: dict[int, int], ends: dict[int, int], leaders: dict[int, int] | None = None,
                 topic_error: KafkaError | None = None) -> None:
        self.starts, self.ends = starts, ends
        self.leaders = leaders if leaders is not None else {p: 1 for p in {*starts, *ends}}
        self.topic_error = topic_error
        self.sent: list[tuple[str, list[int]]] = []
        self.awaited_after: list[int] = []

    def list_topics(self, topic: str | None = None, timeout: float = -1) -> Any:
        self.sent.append(("metadata", []))
        metadata = type("Metadata", (), {})()
        metadata.topics = {topic: _Topic(self.leaders, self.topic_error)}
        return metadata

    def list_offsets(self, specs: dict[TopicPartition, Any], **_: Any) -> dict[TopicPartition, Any]:
        from concurrent.futures import Future

        from confluent_kafka.admin import OffsetSpec

        kind = "latest" if all(isinstance(s, type(OffsetSpec.latest())) for s in specs.values()) else "earliest"
        self.sent.append((kind, sorted(tp.partition for tp in specs)))
        table = self.ends if kind == "latest" else self.starts
        answers: dict[TopicPartition, Any] = {}
        for tp in specs:
            future: Future[Any] = Future()
            future.set_result(_Offset(table[tp.partition]))
            original = future.result
            future.result = lambda timeout=None, original=original: (  # type: ignore[method-assign]
                self.awaited_after.append(len(self.sent)) or original(timeout))
            answers[tp] = future
        return answers


def test_log_bounds_asks_ends_of_all_and_starts_of_the_unread_in_one_round() -> None:
    from connect_core.kafka.read_to_end import log_bounds

    admin = BoundsAdmin({0: 0, 1: 7}, {0: 5, 1: 9})
    ends, starts = log_bounds(admin, "t", [0, 1], [1])  # type: ignore[arg-type]
    assert (ends, starts) == ({0: 5, 1: 9}, {1: 7})
    assert admin.sent == [("metadata", []), ("latest", [0, 1]), ("earliest", [1])]
    assert min(admin.awaited_after) == 3  # both ListOffsets were in flight before the first answer was awaited
    assert log_bounds(BoundsAdmin({}, {0: 3}), "t", [0]) == ({0: 3}, {})  # type: ignore[arg-type]


def test_log_bounds_asks_the_leaders_once_per_client_before_any_list_offsets() -> None:
    """librdkafka's ListOffsets crashes when it has to look a leader up itself (leaders_in_cache): a client's first
    log_bounds of a topic fills its metadata cache first; a warm client asks nothing more until the trust expires."""
    from confluent_kafka import KafkaException

    from connect_core.kafka.read_to_end import LEADERS_TRUSTED_FOR_S, leaders_in_cache, log_bounds

    admin = BoundsAdmin({0: 0}, {0: 5}, leaders={0: 1, 1: 1})
    log_bounds(admin, "t", [0])  # type: ignore[arg-type]
    log_bounds(admin, "t", [0])  # type: ignore[arg-type]
    assert [kind for kind, _ in admin.sent] == ["metadata", "latest", "latest"]
    log_bounds(admin, "other", [0])  # type: ignore[arg-type]
    assert [kind for kind, _ in admin.sent][3:] == ["metadata", "latest"]  # per topic
    now = [0.0]
    leaders_in_cache(admin, "t2", [0], clock=lambda: now[0])  # type: ignore[arg-type]
    now[0] = LEADERS_TRUSTED_FOR_S - 1
    leaders_in_cache(admin, "t2", [0], clock=lambda: now[0])  # type: ignore[arg-type]
    assert [kind for kind, _ in admin.sent].count("metadata") == 3
    now[0] = LEADERS_TRUSTED_FOR_S
    leaders_in_cache(admin, "t2", [0], clock=lambda: now[0])  # type: ignore[arg-type]
    assert [kind for kind, _ in admin.sent].count("metadata") == 4  # trusted no longer: asked again
    leaders_in_cache(admin, "t2", [0, 1], clock=lambda: now[0])  # type: ignore[arg-type]
    assert [kind for kind, _ in admin.sent].count("metadata") == 4  # partition 1 was seen with its leader too
    with pytest.raises(KafkaException):
        leaders_in_cache(admin, "t2", [2], clock=lambda: now[0])  # type: ignore[arg-type]
    assert [kind for kind, _ in admin.sent].count("metadata") == 5  # a partition not seen with a leader: asked


def test_log_bounds_never_sends_list_offsets_while_a_leader_is_unknown() -> None:
    from confluent_kafka import KafkaException

    from connect_core.api.errors import ConnectError
    from connect_core.kafka.read_to_end import leaders_in_cache, log_bounds

    electing = BoundsAdmin({}, {0: 5, 1: 2}, leaders={0: 1, 1: -1})
    with pytest.raises(ConnectError, match=r"\[1\]: no leader yet"):
        log_bounds(electing, "t", [0, 1], timeout_s=0)  # type: ignore[arg-type]
    assert [kind for kind, _ in electing.sent] == ["metadata"]  # retriable, but no time left to retry
    missing = BoundsAdmin({}, {0: 5}, topic_error=KafkaError(KafkaError.UNKNOWN_TOPIC_OR_PART))
    with pytest.raises(KafkaException) as raised:
        leaders_in_cache(missing, "t", [0])  # type: ignore[arg-type]
    assert raised.value.args[0].code() == KafkaError.UNKNOWN_TOPIC_OR_PART
    assert missing.sent == [("metadata", [])]


def test_a_failed_list_offsets_makes_the_next_try_ask_the_leaders_again() -> None:
    """A leader that moved is looked up by our Metadata request, never by librdkafka's racy leader query."""
    from confluent_kafka import KafkaException

    from connect_core.kafka.read_to_end import log_bounds

    class MovedOnce(BoundsAdmin):
        def list_offsets(self, specs: dict[TopicPartition, Any], **kwargs: Any) -> dict[TopicPartition, Any]:
            if not any(kind == "failed" for kind, _ in self.sent):
                self.sent.append(("failed", []))
                raise KafkaException(KafkaError(KafkaError.NOT_LEADER_FOR_PARTITION))
            return super().list_offsets(specs, **kwargs)

    admin = MovedOnce({}, {0: 5})
    assert log_bounds(admin, "t", [0]) == ({0: 5}, {})  # type: ignore[arg-type]
    assert [kind for kind, _ in admin.sent] == ["metadata", "failed", "metadata", "latest"]
