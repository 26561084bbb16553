"""``KafkaTopicOffsets`` over a recording admin client: what it asks, and in which order."""

from __future__ import annotations

from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

from connect_core.coordinator.cluster.consumer_groups import KafkaTopicOffsets

if TYPE_CHECKING:
    from confluent_kafka import TopicPartition


class _Partition:
    def __init__(self) -> None:
        self.leader, self.error = 1, None


class RecordingAdmin:
    """Topic metadata (every partition led) and ListOffsets (earliest 0, latest 10 + partition), recorded in order."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, Any]] = []

    def list_topics(self, topic: str | None = None, timeout: float = -1) -> Any:
        self.sent.append(("metadata", topic))
        described = type("Topic", (), {"error": None, "partitions": {p: _Partition() for p in range(3)}})()
        return type("Metadata", (), {"topics": {topic: described}})()

    def list_offsets(self, specs: dict[TopicPartition, Any], **_: Any) -> dict[TopicPartition, Any]:
        from confluent_kafka.admin import OffsetSpec

        latest = all(isinstance(spec, type(OffsetSpec.latest())) for spec in specs.values())
        self.sent.append(("latest" if latest else "earliest", sorted((tp.topic, tp.partition) for tp in specs)))
        answers: dict[TopicPartition, Any] = {}
        for tp in specs:
            future: Future[Any] = Future()
            future.set_result(type("Offset", (), {"offset": 10 + tp.partition if latest else 0})())
            answers[tp] = future
        return answers


def test_watermarks_fill_each_topics_leaders_before_any_list_offsets() -> None:
    """librdkafka's ListOffsets segfaults when it must look a leader up itself (``leaders_in_cache``): the lag and
    dead letter queue sizes ask each topic's metadata first, once per admin client."""
    admin = RecordingAdmin()
    groups = type("Groups", (), {"admin": admin, "timeout_s": 5.0})()
    offsets = KafkaTopicOffsets(groups)  # type: ignore[arg-type]
    wanted = [("a", 0), ("a", 2), ("b", 1)]
    assert offsets.watermarks(wanted) == {("a", 0): (0, 10), ("a", 2): (0, 12), ("b", 1): (0, 11)}
    assert [kind for kind, _ in admin.sent] == ["metadata", "metadata", "earliest", "latest"]
    assert {topic for kind, topic in admin.sent if kind == "metadata"} == {"a", "b"}
    offsets.watermarks(wanted)
    assert [kind for kind, _ in admin.sent][4:] == ["earliest", "latest"]  # the leaders are trusted a while
