"""ConfigStore against the real broker: write, read back, catch up incrementally, refuse bad topics."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import pytest
from confluent_kafka.admin import NewTopic

from connect_core.api.errors import ConfigError
from connect_core.kafka.clients import admin_client
from connect_core.storage.config_state import TargetState
from connect_core.storage.config_store import ConfigStore

if TYPE_CHECKING:
    from connect_core.kafka.settings import KafkaClientSettings
    from connect_core.storage.config import StorageConfig

pytestmark = pytest.mark.integration

CONFIG = {"connector.class": "FileStreamSource", "file": "/tmp/x", "topic": "t", "tasks.max": "2", "name": "src"}


def _raw_records(settings: KafkaClientSettings, topic: str) -> list[tuple[str, bytes | None]]:
    from confluent_kafka import Consumer

    from connect_core.kafka.clients import consumer_config
    from connect_core.kafka.read_to_end import read_to_end

    consumer = Consumer(consumer_config(settings))
    out: list[tuple[str, bytes | None]] = []
    read_to_end(consumer, topic, {}, lambda m: out.append((m.key().decode(), m.value())))
    consumer.close()
    return out


def test_round_trip_in_kafkas_formats(settings: KafkaClientSettings, storage_config: StorageConfig) -> None:
    store = ConfigStore(settings, storage_config)
    store.put_connector_config("src", CONFIG, TargetState.PAUSED)
    store.put_task_configs("src", [{"task": "0"}, {"task": "1"}])
    store.put_restart_request("src", include_tasks=True)

    assert store.connectors() == ["src"]
    assert store.connector_config("src") == CONFIG
    assert store.task_configs("src") == [{"task": "0"}, {"task": "1"}]
    assert store.target_state("src") is TargetState.PAUSED
    assert _raw_records(settings, store.topic) == [
        ("target-state-src", b'{"state":"PAUSED","state.v2":"PAUSED"}'),
        ("connector-src", b'{"properties":{"connector.class":"FileStreamSource","file":"/tmp/x","topic":"t",'
                          b'"tasks.max":"2","name":"src"}}'),
        ("task-src-0", b'{"properties":{"task":"0"}}'),
        ("task-src-1", b'{"properties":{"task":"1"}}'),
        ("commit-src", b'{"tasks":2}'),
        ("restart-connector-src", b'{"include-tasks":true,"only-failed":false}'),
    ]
    assert store.offset == 6


def test_a_second_instance_catches_up_incrementally(
    settings: KafkaClientSettings, storage_config: StorageConfig
) -> None:
    writer = ConfigStore(settings, storage_config)
    reader = ConfigStore(settings, storage_config)
    writer.put_connector_config("a", {"name": "a"})
    assert reader.connectors() == ["a"]
    assert reader.refresh() == 0

    writer.put_target_state("a", TargetState.STOPPED)
    writer.put_connector_config("b", {"name": "b"})
    assert reader.connectors() == ["a"]  # a snapshot until refreshed
    assert reader.refresh() == 2
    assert reader.connectors() == ["a", "b"]
    assert reader.target_state("a") is TargetState.STOPPED

    writer.remove_connector("a")
    assert reader.refresh() == 2
    assert reader.connectors() == ["b"] and reader.target_state("a") is None
    reader.close()
    writer.close()


def test_refuses_a_topic_that_is_not_compacted(settings: KafkaClientSettings, storage_config: StorageConfig) -> None:
    admin = admin_client(settings)
    topic = storage_config.config_storage_topic
    admin.create_topics([NewTopic(topic, 1, 1, config={"cleanup.policy": "delete"})])[topic].result()
    with pytest.raises(ConfigError, match="cleanup.policy=delete"):
        ConfigStore(settings, storage_config).connectors()


def test_refuses_a_config_topic_with_several_partitions(
    settings: KafkaClientSettings, storage_config: StorageConfig
) -> None:
    admin = admin_client(settings)
    topic = storage_config.config_storage_topic
    admin.create_topics([NewTopic(topic, 2, 1, config={"cleanup.policy": "compact"})])[topic].result()
    with pytest.raises(ConfigError, match="required to have 1 partition"):
        ConfigStore(settings, storage_config).connectors()


def test_creates_its_topic_compacted_with_one_partition(
    settings: KafkaClientSettings, storage_config: StorageConfig
) -> None:
    ConfigStore(settings, storage_config).start()
    admin = admin_client(settings)
    topic = storage_config.config_storage_topic
    assert len(admin.list_topics(topic, timeout=10).topics[topic].partitions) == 1
    assert uuid  # topic names are unique per test (storage_config)
