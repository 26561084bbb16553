"""StorageConfig: Kafka Connect's topic names and creation defaults, dotted aliases."""

from __future__ import annotations

from connect_core.storage.config import StorageConfig


def test_defaults_are_the_sample_worker_topics_with_broker_default_replication() -> None:
    config = StorageConfig()
    assert (config.config_storage_topic, config.offset_storage_topic, config.status_storage_topic) == (
        "connect-configs", "connect-offsets", "connect-status",
    )
    assert (config.offset_storage_partitions, config.status_storage_partitions) == (25, 5)
    assert config.config_storage_replication_factor == config.offset_storage_replication_factor == -1


def test_worker_property_names_are_accepted() -> None:
    config = StorageConfig.model_validate(
        {"config.storage.topic": "c", "offset.storage.partitions": 3, "status.storage.replication.factor": 1}
    )
    assert config.config_storage_topic == "c"
    assert (config.offset_storage_partitions, config.status_storage_replication_factor) == (3, 1)
