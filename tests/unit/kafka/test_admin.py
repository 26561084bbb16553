"""ensure_topic / ensure_compacted_topic against an in-memory admin (no sockets)."""

from __future__ import annotations

from concurrent.futures import Future
from typing import Any

import pytest
from confluent_kafka import KafkaError, KafkaException

from connect_core.api.errors import ConfigError, ConnectError
from connect_core.kafka.admin import ensure_compacted_topic, ensure_topic, existing_partition_count, verify_compacted


class _Entry:
    def __init__(self, value: str) -> None:
        self.value = value


class _Partition:
    leader, error = 1, None


class _Topic:
    error = None

    def __init__(self) -> None:
        self.partitions = {0: _Partition()}


class _Metadata:
    def __init__(self, names: list[str]) -> None:
        self.topics = {name: _Topic() for name in names}


class FakeAdmin:
    """Just enough of AdminClient: topics with configs, create and describe."""

    def __init__(self, topics: dict[str, dict[str, str]] | None = None, create_error: int | None = None) -> None:
        self.topics = topics or {}
        self.create_error = create_error
        self.created: list[Any] = []

    def create_topics(self, new_topics: list[Any], **_: Any) -> dict[str, Future[None]]:
        result: dict[str, Future[None]] = {}
        for topic in new_topics:
            future: Future[None] = Future()
            if self.create_error is not None:
                future.set_exception(KafkaException(KafkaError(self.create_error)))
            elif topic.topic in self.topics:
                future.set_exception(KafkaException(KafkaError(KafkaError.TOPIC_ALREADY_EXISTS)))
            else:
                self.topics[topic.topic] = dict(topic.config)
                self.created.append(topic)
                future.set_result(None)
            result[topic.topic] = future
        return result

    def list_topics(self, topic: str, **_: Any) -> _Metadata:
        return _Metadata([topic] if topic in self.topics else [])

    def describe_configs(self, resources: list[Any], **_: Any) -> dict[Any, Future[dict[str, _Entry]]]:
        result: dict[Any, Future[dict[str, _Entry]]] = {}
        for resource in resources:
            future: Future[dict[str, _Entry]] = Future()
            future.set_result({k: _Entry(v) for k, v in self.topics[resource.name].items()})
            result[resource] = future
        return result


def test_creates_a_missing_topic_with_the_requested_layout() -> None:
    admin = FakeAdmin()
    assert ensure_topic(admin, "t", 3, 1, {"retention.ms": "1"}) is True  # type: ignore[arg-type]
    (created,) = admin.created
    assert (created.topic, created.num_partitions, created.replication_factor) == ("t", 3, 1)
    assert created.config == {"retention.ms": "1"}


def test_an_existing_topic_is_left_alone() -> None:
    admin = FakeAdmin({"t": {"cleanup.policy": "delete"}})
    assert ensure_topic(admin, "t") is False  # type: ignore[arg-type]
    assert admin.topics["t"] == {"cleanup.policy": "delete"}


def test_other_creation_errors_raise() -> None:
    with pytest.raises(ConnectError, match="Unable to create topic 't'"):
        ensure_topic(FakeAdmin(create_error=KafkaError.TOPIC_AUTHORIZATION_FAILED), "t")  # type: ignore[arg-type]


def test_compacted_topic_is_created_with_compaction_and_broker_defaults() -> None:
    admin = FakeAdmin()
    assert ensure_compacted_topic(admin, "connect-offsets", 25) is True  # type: ignore[arg-type]
    (created,) = admin.created
    assert created.config == {"cleanup.policy": "compact"}
    assert (created.num_partitions, created.replication_factor) == (25, -1)


@pytest.mark.parametrize("policy", ["delete", "compact,delete"])
def test_an_existing_topic_that_is_not_only_compacted_is_refused(policy: str) -> None:
    admin = FakeAdmin({"connect-configs": {"cleanup.policy": policy}})
    with pytest.raises(ConfigError, match=f"cleanup.policy={policy}"):
        ensure_compacted_topic(admin, "connect-configs", 1, purpose="connector configurations")  # type: ignore[arg-type]


def test_an_existing_compacted_topic_passes() -> None:
    admin = FakeAdmin({"connect-status": {"cleanup.policy": "compact"}})
    assert ensure_compacted_topic(admin, "connect-status", 5) is False  # type: ignore[arg-type]


def test_an_existing_topic_is_found_by_one_metadata_request_without_creating_anything() -> None:
    admin = FakeAdmin({"connect-status": {"cleanup.policy": "compact"}})
    assert existing_partition_count(admin, "connect-status") == 1  # type: ignore[arg-type]
    assert existing_partition_count(admin, "missing") is None  # type: ignore[arg-type]
    assert admin.created == [] and "missing" not in admin.topics


def test_a_topic_without_a_leader_yet_is_not_counted_as_existing() -> None:
    admin = FakeAdmin({"t": {}})

    class Leaderless(_Partition):
        leader = -1

    metadata = _Metadata(["t"])
    metadata.topics["t"].partitions = {0: Leaderless()}
    admin.list_topics = lambda topic, **_: metadata  # type: ignore[method-assign]
    assert existing_partition_count(admin, "t") is None  # type: ignore[arg-type]


def test_an_existing_topic_found_that_way_is_still_checked_for_compaction() -> None:
    with pytest.raises(ConfigError, match="cleanup.policy=delete"):
        verify_compacted(FakeAdmin({"connect-offsets": {"cleanup.policy": "delete"}}), "connect-offsets")  # type: ignore[arg-type]
    verify_compacted(FakeAdmin({"connect-offsets": {"cleanup.policy": "compact"}}), "connect-offsets")  # type: ignore[arg-type]
