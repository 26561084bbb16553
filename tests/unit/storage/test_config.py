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


def test_the_deployed_stacks_default_is_kafka_connects_and_minus_one_is_the_brokers() -> None:
    """DistributedConfig's ``*.storage.replication.factor`` default 3 (validator: -1 or at least 1) is the template's
    ReplicationFactor default; -1 (KIP-464) passes CloudFormation too."""
    from connect_core.storage.config import DISTRIBUTED_REPLICATION_FACTOR
    from tests.unit.infra._template import load_template

    parameter = load_template()["Parameters"]["ReplicationFactor"]
    assert (parameter["Default"], parameter["MinValue"]) == (DISTRIBUTED_REPLICATION_FACTOR, -1) == (3, -1)
    assert StorageConfig(offset_storage_replication_factor=-1).offset_storage_replication_factor == -1


def test_a_replication_factor_or_partition_count_of_zero_is_refused_with_kafkas_message() -> None:
    import pytest
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match=r"Invalid value 0 for configuration config\.storage\.replication\."
                                              r"factor: Replication factor must be positive and not larger than the "
                                              r"number of brokers in the Kafka cluster, or -1 to use the broker's "
                                              r"default"):
        StorageConfig.model_validate({"config.storage.replication.factor": 0})
    with pytest.raises(ValidationError, match=r"Invalid value -2 for configuration offset\.storage\.partitions: "
                                              r"Number of partitions must be positive, or -1 to use the broker's "
                                              r"default"):
        StorageConfig.model_validate({"offset.storage.partitions": -2})
