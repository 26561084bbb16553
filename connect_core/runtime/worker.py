"""``WorkerSettings``: what a Connect worker's properties file holds, read once per container from the environment.

A function has no worker.properties; its environment names the cluster, the internal topics and the group id
(which prefixes transactional ids, as ``<group.id>-<connector>-<task>`` in Kafka Connect's exactly-once sources).
"""

from __future__ import annotations

import json
import os
import socket
from dataclasses import dataclass, field

from connect_core.kafka.auth import KafkaAuth
from connect_core.kafka.settings import DEFAULT_BOOTSTRAP_SERVERS, KafkaClientSettings
from connect_core.runtime import env
from connect_core.storage.config import StorageConfig

__all__ = ["WorkerSettings"]


@dataclass(frozen=True)
class WorkerSettings:
    """Cluster connection, internal topics, group id and this worker's id."""

    kafka: KafkaClientSettings
    storage: StorageConfig = field(default_factory=StorageConfig)
    group_id: str = env.DEFAULT_GROUP_ID
    worker_id: str = field(default_factory=lambda: f"lambda:{socket.gethostname()}:{os.getpid()}")
    topic_tracking: bool = True  # topic.tracking.enable (KIP-558)
    topic_tracking_allow_reset: bool = True  # topic.tracking.allow.reset
    topic_creation: bool = True  # topic.creation.enable (KIP-158)

    @classmethod
    def from_env(cls, bootstrap_servers: str | None = None) -> WorkerSettings:
        """Explicit argument, then ``LAMBDA_CONNECT_*`` variables, then Kafka Connect's defaults."""
        overrides_raw = env.resolve(env.KAFKA_CLIENT_PROPERTIES, "{}")
        try:
            overrides = json.loads(overrides_raw)
        except ValueError as error:
            raise ValueError(f"{env.KAFKA_CLIENT_PROPERTIES} must be a JSON object: {error}") from error
        kafka = KafkaClientSettings(
            bootstrap_servers=env.resolve(env.BOOTSTRAP_SERVERS, DEFAULT_BOOTSTRAP_SERVERS, bootstrap_servers),
            overrides=overrides,
            auth=KafkaAuth(
                mode=env.resolve(env.KAFKA_AUTH, env.DEFAULT_KAFKA_AUTH),
                secret_arn=env.resolve(env.KAFKA_SECRET_ARN, "") or None,
                region=env.resolve(env.KAFKA_REGION, "") or None,
                ssl_ca_location=env.resolve(env.KAFKA_SSL_CA_LOCATION, "") or None,
                server_root_ca_secret_arn=env.resolve(env.KAFKA_SERVER_ROOT_CA_SECRET_ARN, "") or None,
            ),
        )
        replication = env.resolve_int(env.REPLICATION_FACTOR, StorageConfig().config_storage_replication_factor)
        storage = StorageConfig(
            config_storage_topic=env.resolve(env.CONFIG_TOPIC, StorageConfig().config_storage_topic),
            offset_storage_topic=env.resolve(env.OFFSET_TOPIC, StorageConfig().offset_storage_topic),
            status_storage_topic=env.resolve(env.STATUS_TOPIC, StorageConfig().status_storage_topic),
            config_storage_replication_factor=replication,
            offset_storage_replication_factor=replication,
            status_storage_replication_factor=replication,
        )
        worker_id = env.resolve(env.WORKER_ID, "") or f"lambda:{socket.gethostname()}:{os.getpid()}"
        return cls(kafka, storage, env.resolve(env.GROUP_ID, env.DEFAULT_GROUP_ID), worker_id,
                   topic_tracking=env.resolve_bool(env.TOPIC_TRACKING_ENABLE, True),
                   topic_tracking_allow_reset=env.resolve_bool(env.TOPIC_TRACKING_ALLOW_RESET, True),
                   topic_creation=env.resolve_bool(env.TOPIC_CREATION_ENABLE, True))

    def transactional_id(self, connector: str, task: int) -> str:
        """Kafka Connect's exactly-once source id: one per task, so a new invocation fences the previous one."""
        return f"{self.group_id}-{connector}-{task}"
