"""MirrorSourceConnector: replicate topics, their partitions and configs from a source cluster (Kafka's).

On a Connect cluster MirrorMaker 2 runs on the target cluster's workers: the records a task copies are written by the
worker to its own cluster, which must be the cluster ``target.cluster.bootstrap.servers`` names (the task checks).
``start`` (the coordinator: at create, and again every ``refresh.topics.interval.seconds``, bounded below by the
coordinator's heartbeat) creates the offset-syncs topic, the remote topics and new partitions, and syncs topic
configs and topic ACLs; ``task_configs`` deals the source partitions round robin over the tasks, as Kafka does.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, ClassVar

from connect_core.api.config import parse_config
from connect_core.api.connector import ExactlyOnceSupport, SourceConnector
from connect_core.api.errors import ConnectError
from connect_core.api.kafka_client_keys import MIRROR_PREFIXES
from connect_core.connectors.mirror._clients import check_bootstrap, client_config, raw_settings
from connect_core.connectors.mirror._offsets import validate_offsets
from connect_core.connectors.mirror.config import (
    SOURCE,
    TASK_INDEX,
    TASK_TOPIC_PARTITIONS,
    MirrorSourceConfig,
)

if TYPE_CHECKING:
    from pydantic import BaseModel

    from connect_core.api.config import ConfigValueInfo
    from connect_core.api.task import Task, TopicPartition
    from connect_core.connectors.mirror._topics import RemoteTopics

__all__ = ["MirrorSourceConnector", "encode_partitions", "remote_topics"]

log = logging.getLogger(__name__)


def encode_partitions(partitions: list[TopicPartition]) -> str:
    """Kafka's ``task.assigned.partitions``: ``topic-partition`` joined by commas."""
    return ",".join(f"{tp.topic}-{tp.partition}" for tp in partitions)


def remote_topics(config: MirrorSourceConfig, props: dict[str, str]) -> RemoteTopics:
    """The source and target admin clients and replication rules of ``config``."""
    from confluent_kafka.admin import AdminClient

    from connect_core.connectors.mirror._topics import RemoteTopics

    label = config.entity_label()
    return RemoteTopics(
        AdminClient(client_config(props, "source", "admin", f"{label}|replication-source-admin")),
        AdminClient(client_config(props, "target", "admin", f"{label}|replication-target-admin")),
        source_alias=config.source_cluster_alias, target_alias=config.target_cluster_alias, policy=config.policy(),
        topic_filter=config.topic_filter(), property_filter=config.property_filter(),
        heartbeats_replication=config.heartbeats_replication_enabled, replication_factor=config.replication_factor,
        use_source_defaults=config.use_defaults_from == SOURCE, checkpoints_topic=config.checkpoints_topic(),
        timeout_s=config.admin_timeout_ms / 1000.0)


class MirrorSourceConnector(SourceConnector):
    """Kafka ``org.apache.kafka.connect.mirror.MirrorSourceConnector``."""

    config_model: ClassVar[type[BaseModel]] = MirrorSourceConfig
    kafka_client_prefixes: ClassVar[tuple[str, ...]] = MIRROR_PREFIXES  # gated: api/kafka_client_keys.py

    def __init__(self) -> None:
        """Create a stopped connector."""
        self._props: dict[str, str] = {}
        self._config: MirrorSourceConfig | None = None
        self._partitions: list[TopicPartition] = []

    def validate(self, props: dict[str, str]) -> list[ConfigValueInfo]:
        """The model's results, plus the cluster connections it needs (``*.cluster.bootstrap.servers``)."""
        return check_bootstrap(super().validate(props), props, ("source", "target"))

    def start(self, props: dict[str, str]) -> None:
        """Find the partitions to replicate and make the target match: offset-syncs topic, remote topics, new
        partitions, topic configs.

        Raises:
            ConfigError: a bad key, named.
            ConnectError: a cluster could not be reached or refused a call.
        """
        config = parse_config(MirrorSourceConfig, props)
        self._props, self._config = dict(props), config
        if not config.enabled:
            return
        from connect_core.connectors.mirror._topics import create_compacted_topic

        topics = remote_topics(config, self._props)
        if config.emit_offset_syncs_enabled:
            from confluent_kafka.admin import AdminClient

            cluster = config.offset_syncs_cluster()
            admin = AdminClient(client_config(self._props, cluster, "admin",
                                              f"{config.entity_label()}|offset-syncs-{cluster}-admin"))
            create_compacted_topic(admin, config.offset_syncs_topic(), config.offset_syncs_topic_replication_factor,
                                   cluster, config.admin_timeout_ms / 1000.0)
        try:
            self._partitions = topics.source_partitions()
            topics.create_missing(self._partitions)
            if config.sync_topic_configs_enabled:
                topics.sync_configs(self._partitions)
        except ConnectError:
            raise
        except Exception as error:
            raise ConnectError(f"{config.name}: could not list or create topics "
                               f"({config.source_cluster_alias}->{config.target_cluster_alias}): {error}") from error
        if config.sync_topic_acls_enabled:
            self._sync_acls(topics, config)

    @staticmethod
    def _sync_acls(topics: RemoteTopics, config: MirrorSourceConfig) -> None:
        """Topic ACLs to the target; a failure is logged and tried again at the next refresh, as Kafka's scheduler
        does, and never stops replication."""
        from connect_core.connectors.mirror._acls import sync_topic_acls

        try:
            sync_topic_acls(topics.source_admin, topics.target_admin, topics.should_replicate, topics.remote,
                            source_alias=config.source_cluster_alias, timeout_s=config.admin_timeout_ms / 1000.0)
        except Exception:
            log.exception("%s: syncing topic ACLs failed", config.name)

    def task_class(self) -> type[Task]:
        """``MirrorSourceTask``."""
        from connect_core.connectors.mirror.source_task import MirrorSourceTask

        return MirrorSourceTask

    def task_configs(self, max_tasks: int) -> list[dict[str, str]]:
        """The partitions round robin over ``min(tasks.max, partitions)`` tasks; none when disabled or empty."""
        if self._config is None or not self._config.enabled or not self._partitions:
            return []
        count = min(max_tasks, len(self._partitions))
        return [{**self._props, TASK_TOPIC_PARTITIONS: encode_partitions(self._partitions[index::count]),
                 TASK_INDEX: str(index)} for index in range(count)]

    def stop(self) -> None:
        """Nothing runs between calls."""

    def reconfiguration_interval_ms(self, props: dict[str, str]) -> int | None:
        """The shortest of ``refresh.topics.interval.seconds``, ``sync.topic.configs.interval.seconds`` and
        ``sync.topic.acls.interval.seconds`` that is enabled: new topics and partitions are found, and configs and ACLs
        synced, when the coordinator starts the connector again."""
        try:
            config = parse_config(MirrorSourceConfig, props)
        except Exception:  # a bad config is reported by validate, not here
            return None
        intervals = [config.refresh_topics_interval_seconds * 1000 if config.refresh_topics_enabled else None,
                     config.sync_topic_configs_interval_seconds * 1000 if config.sync_topic_configs_enabled else None,
                     config.sync_topic_acls_interval_seconds * 1000 if config.sync_topic_acls_enabled else None]
        enabled = [interval for interval in intervals if interval is not None and interval >= 0]
        return min(enabled) if enabled else None

    def exactly_once_support(self, connector_config: dict[str, str] | None = None) -> ExactlyOnceSupport | None:
        """Kafka's rule: supported when the source consumer reads ``read_committed``."""
        isolation = raw_settings(connector_config or {}, "source", "consumer").get("isolation.level")
        return ExactlyOnceSupport.SUPPORTED if isolation == "read_committed" else ExactlyOnceSupport.UNSUPPORTED

    def alter_offsets(self, connector_config: dict[str, str], offsets: dict[Any, Any]) -> bool:
        """Kafka's checks: partitions ``{cluster, topic, partition}``, offsets ``{offset}`` non-negative."""
        validate_offsets(offsets, ("cluster", "topic"), partition_key=True, only_zero=False)
        return True
