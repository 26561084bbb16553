"""Where Kafka Connect's three internal topics are and how they are created.

Names and creation settings follow a Connect distributed worker (``DistributedConfig``); the names
default to the ones in Kafka's sample ``connect-distributed.properties``, so pointing lambda-connect
at an existing cluster usually needs no configuration at all.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

__all__ = [
    "DEFAULT_CONFIG_TOPIC",
    "DEFAULT_OFFSET_PARTITIONS",
    "DEFAULT_OFFSET_TOPIC",
    "DEFAULT_REPLICATION_FACTOR",
    "DEFAULT_STATUS_PARTITIONS",
    "DEFAULT_STATUS_TOPIC",
    "DISTRIBUTED_REPLICATION_FACTOR",
    "StorageConfig",
]

DEFAULT_CONFIG_TOPIC = "connect-configs"
DEFAULT_OFFSET_TOPIC = "connect-offsets"
DEFAULT_STATUS_TOPIC = "connect-status"
CONFIG_PARTITIONS = 1  # not configurable: task configs are applied by their order in the log
DEFAULT_OFFSET_PARTITIONS = 25
DEFAULT_STATUS_PARTITIONS = 5
# Kafka Connect's DistributedConfig default: what a deployed stack uses (template.yaml's ReplicationFactor).
DISTRIBUTED_REPLICATION_FACTOR = 3
# Without a worker file, a stack or LAMBDA_CONNECT_REPLICATION_FACTOR (`lambda-connect up`, tests): -1, the broker's
# default.replication.factor (KIP-464), as Kafka's sample worker file sets a one-broker value (docs/deploy.md).
DEFAULT_REPLICATION_FACTOR = -1
_RF_MESSAGE = ("Replication factor must be positive and not larger than the number of brokers in the Kafka cluster, "
               "or -1 to use the broker's default")  # TopicCreationConfig.REPLICATION_FACTOR_VALIDATOR
_PARTITIONS_MESSAGE = "Number of partitions must be positive, or -1 to use the broker's default"


class StorageConfig(BaseModel):
    """Internal topic settings (Kafka ``DistributedConfig``'s ``*.storage.*`` keys)."""

    model_config = ConfigDict(defer_build=True, populate_by_name=True, frozen=True)

    config_storage_topic: str = Field(
        DEFAULT_CONFIG_TOPIC, alias="config.storage.topic", description="Topic holding connector and task configs."
    )
    config_storage_replication_factor: int = Field(
        DEFAULT_REPLICATION_FACTOR,
        alias="config.storage.replication.factor",
        description="Replication factor used when creating the config topic; -1 for the broker default.",
    )
    offset_storage_topic: str = Field(
        DEFAULT_OFFSET_TOPIC, alias="offset.storage.topic", description="Topic holding source connector offsets."
    )
    offset_storage_partitions: int = Field(
        DEFAULT_OFFSET_PARTITIONS,
        alias="offset.storage.partitions",
        description="Partitions used when creating the offsets topic; -1 for the broker default.",
    )
    offset_storage_replication_factor: int = Field(
        DEFAULT_REPLICATION_FACTOR,
        alias="offset.storage.replication.factor",
        description="Replication factor used when creating the offsets topic; -1 for the broker default.",
    )
    status_storage_topic: str = Field(
        DEFAULT_STATUS_TOPIC, alias="status.storage.topic", description="Topic holding connector and task status."
    )
    status_storage_partitions: int = Field(
        DEFAULT_STATUS_PARTITIONS,
        alias="status.storage.partitions",
        description="Partitions used when creating the status topic; -1 for the broker default.",
    )
    status_storage_replication_factor: int = Field(
        DEFAULT_REPLICATION_FACTOR,
        alias="status.storage.replication.factor",
        description="Replication factor used when creating the status topic; -1 for the broker default.",
    )

    @field_validator("config_storage_replication_factor", "offset_storage_replication_factor",
                     "status_storage_replication_factor")
    @classmethod
    def _replication_factor(cls, value: int, info: ValidationInfo) -> int:
        """-1 or at least 1, with Kafka's ``ConfigException`` text."""
        if value < 1 and value != -1:
            raise ValueError(f"Invalid value {value} for configuration {_alias(info)}: {_RF_MESSAGE}")
        return value

    @field_validator("offset_storage_partitions", "status_storage_partitions")
    @classmethod
    def _partitions(cls, value: int, info: ValidationInfo) -> int:
        if value < 1 and value != -1:
            raise ValueError(f"Invalid value {value} for configuration {_alias(info)}: {_PARTITIONS_MESSAGE}")
        return value


def _alias(info: ValidationInfo) -> str:
    """The worker property of the field being validated (``offset.storage.replication.factor``)."""
    return (info.field_name or "").replace("_", ".")
