"""Where Kafka Connect's three internal topics are and how they are created.

Names and creation settings follow a Connect distributed worker (``DistributedConfig``); the names
default to the ones in Kafka's sample ``connect-distributed.properties``, so pointing lambda-connect
at an existing cluster usually needs no configuration at all.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "DEFAULT_CONFIG_TOPIC",
    "DEFAULT_OFFSET_PARTITIONS",
    "DEFAULT_OFFSET_TOPIC",
    "DEFAULT_REPLICATION_FACTOR",
    "DEFAULT_STATUS_PARTITIONS",
    "DEFAULT_STATUS_TOPIC",
    "StorageConfig",
]

DEFAULT_CONFIG_TOPIC = "connect-configs"
DEFAULT_OFFSET_TOPIC = "connect-offsets"
DEFAULT_STATUS_TOPIC = "connect-status"
CONFIG_PARTITIONS = 1  # not configurable: task configs are applied by their order in the log
DEFAULT_OFFSET_PARTITIONS = 25
DEFAULT_STATUS_PARTITIONS = 5
# Kafka's code default is 3; -1 (broker default, KIP-464) suits both one local broker and MSK.
DEFAULT_REPLICATION_FACTOR = -1


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
