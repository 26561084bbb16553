"""The topics side of ``MirrorSourceConnector``: which source partitions to copy, and the remote topics to match.

Kafka's rules: a topic is replicated when the topic filter accepts it (or it is a heartbeats topic and
``heartbeats.replication.enabled``), it is not internal, and it did not come from the target (no cycle). A new
topic is created on the target with the source's partition count and non-default configs (the property filter's
exclusions, ``min.insync.replicas`` among them, left out); a topic with more partitions at the source gets them at
the target; ``sync.topic.configs`` sets the remote topics' configs again (``SET`` non-defaults, ``DELETE`` defaults).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from connect_core.api.errors import ConnectError, RetriableError
from connect_core.api.task import TopicPartition

if TYPE_CHECKING:
    from connect_core.connectors.mirror._filters import NameFilter
    from connect_core.connectors.mirror._policy import ReplicationPolicy

__all__ = ["RemoteTopics", "create_compacted_topic"]

log = logging.getLogger(__name__)

DEFAULT_ADMIN_TIMEOUT_S = 60.0  # admin.timeout.ms's default


def _result(future: Any, what: str, timeout_s: float) -> Any:
    try:
        return future.result(timeout=timeout_s)
    except Exception as error:
        raise RetriableError(f"Could not {what}: {error}") from error


def _partitions(admin: Any, timeout_s: float) -> dict[str, int]:
    """Topic -> partition count, of every topic."""
    metadata = admin.list_topics(timeout=timeout_s)
    return {name: len(topic.partitions) for name, topic in metadata.topics.items()
            if topic.error is None}


def create_compacted_topic(admin: Any, topic: str, replication_factor: int, cluster: str,
                           timeout_s: float = DEFAULT_ADMIN_TIMEOUT_S) -> None:
    """A single-partition compacted topic (Kafka ``MirrorUtils.createSinglePartitionCompactedTopic``); one that
    exists already is left alone."""
    from confluent_kafka import KafkaError
    from confluent_kafka.admin import NewTopic

    new = NewTopic(topic, num_partitions=1, replication_factor=replication_factor,
                   config={"cleanup.policy": "compact"})
    try:
        admin.create_topics([new])[topic].result(timeout=timeout_s)
        log.info("Created topic '%s' on the %s cluster", topic, cluster)
    except Exception as error:
        code = error.args[0].code() if error.args and hasattr(error.args[0], "code") else None
        if code == KafkaError.TOPIC_ALREADY_EXISTS:
            return
        raise ConnectError(f"Error while attempting to create/find topic '{topic}' on the {cluster} cluster: "
                           f"{error}") from error


class RemoteTopics:
    """The source cluster's replicated topic-partitions and their remote topics on the target."""

    def __init__(self, source_admin: Any, target_admin: Any, *, source_alias: str, target_alias: str,
                 policy: ReplicationPolicy, topic_filter: NameFilter, property_filter: NameFilter,
                 heartbeats_replication: bool, replication_factor: int, use_source_defaults: bool,
                 checkpoints_topic: str, timeout_s: float = DEFAULT_ADMIN_TIMEOUT_S) -> None:
        """Keep the clients and rules; nothing is read yet. ``timeout_s`` bounds each admin call
        (``admin.timeout.ms``)."""
        self.timeout_s = timeout_s
        self.source_admin = source_admin
        self.target_admin = target_admin
        self.source_alias = source_alias
        self.target_alias = target_alias
        self.policy = policy
        self.topic_filter = topic_filter
        self.property_filter = property_filter
        self.heartbeats_replication = heartbeats_replication
        self.replication_factor = replication_factor
        self.use_source_defaults = use_source_defaults
        self.checkpoints_topic = checkpoints_topic

    def should_replicate(self, topic: str) -> bool:
        """Kafka ``MirrorSourceConnector.shouldReplicateTopic``."""
        return ((self.topic_filter.accepts(topic)
                 or (self.heartbeats_replication and self.policy.is_heartbeats_topic(topic)))
                and not self.policy.is_internal_topic(topic) and not self._is_cycle(topic))

    def _is_cycle(self, topic: str) -> bool:
        source = self.policy.topic_source(topic)
        if source is None:
            return False
        if source == self.target_alias:
            return True
        upstream = self.policy.upstream_topic(topic)
        return False if upstream is None or upstream == topic else self._is_cycle(upstream)

    def remote(self, topic: str) -> str:
        """The remote name of a source topic."""
        return self.policy.format_remote_topic(self.source_alias, topic)

    def source_partitions(self) -> list[TopicPartition]:
        """The partitions to replicate, ordered by topic and partition."""
        counts = {t: n for t, n in _partitions(self.source_admin, self.timeout_s).items() if self.should_replicate(t)}
        return [TopicPartition(t, p) for t in sorted(counts) for p in range(counts[t])]

    def target_partition_counts(self) -> dict[str, int]:
        """Remote topics on the target that came from this source, and their partition counts."""
        return {t: n for t, n in _partitions(self.target_admin, self.timeout_s).items()
                if self.policy.topic_source(t) == self.source_alias and t != self.checkpoints_topic}

    def create_missing(self, source_partitions: list[TopicPartition]) -> None:
        """Create remote topics that do not exist, and partitions the source has more of
        (Kafka ``computeAndCreateTopicPartitions``)."""
        from confluent_kafka.admin import NewPartitions, NewTopic

        source_counts: dict[str, int] = {}
        for tp in source_partitions:
            source_counts[tp.topic] = source_counts.get(tp.topic, 0) + 1
        target_counts = self.target_partition_counts()
        new = sorted(t for t in source_counts if self.remote(t) not in target_counts)
        if new:
            configs = self._source_configs(new)
            topics = [NewTopic(self.remote(t), num_partitions=source_counts[t],
                               replication_factor=self.replication_factor,
                               config=self._target_config(configs[t], incremental=False)) for t in new]
            for name, future in self.target_admin.create_topics(topics).items():
                try:
                    future.result(timeout=self.timeout_s)
                    log.info("Created remote topic %s on %s", name, self.target_alias)
                except Exception as error:  # Kafka logs and goes on (created meanwhile, by another instance)
                    log.warning("Could not create topic %s: %s", name, error)
        grown = [NewPartitions(self.remote(t), source_counts[t]) for t in sorted(source_counts)
                 if self.remote(t) in target_counts and source_counts[t] > target_counts[self.remote(t)]]
        if grown:
            for name, future in self.target_admin.create_partitions(grown).items():
                try:
                    future.result(timeout=self.timeout_s)
                    log.info("Increased size of %s on %s", name, self.target_alias)
                except Exception as error:  # InvalidPartitions: grown meanwhile, which is normal
                    log.warning("Could not create topic-partitions for %s: %s", name, error)

    def sync_configs(self, source_partitions: list[TopicPartition]) -> None:
        """Set the remote topics' configs to their source topics' (Kafka ``syncTopicConfigs``)."""
        from confluent_kafka.admin import ConfigResource

        target = self.target_partition_counts()
        topics = sorted({tp.topic for tp in source_partitions if self.remote(tp.topic) in target})
        if not topics:
            return
        configs = self._source_configs(topics)
        resources = []
        for topic in topics:
            entries = self._target_entries(configs[topic], incremental=True)
            resources.append(ConfigResource("TOPIC", self.remote(topic), incremental_configs=entries))
        for resource, future in self.target_admin.incremental_alter_configs(resources).items():
            try:
                future.result(timeout=self.timeout_s)
            except Exception as error:  # Kafka logs and goes on
                log.warning("Could not alter configuration of topic %s: %s", resource.name, error)

    def _source_configs(self, topics: list[str]) -> dict[str, dict[str, Any]]:
        from confluent_kafka.admin import ConfigResource

        futures = self.source_admin.describe_configs([ConfigResource("TOPIC", t) for t in topics])
        return {resource.name: _result(future, f"describe configs of topic {resource.name} on {self.source_alias}",
                                       self.timeout_s)
                for resource, future in futures.items()}

    def _kept(self, entry: Any, incremental: bool) -> bool:
        """Kafka ``targetConfig``'s filters."""
        from confluent_kafka.admin import ConfigSource

        if not (incremental or not entry.is_default or self.use_source_defaults):
            return False
        return (not entry.is_read_only and not entry.is_sensitive
                and entry.source != ConfigSource.STATIC_BROKER_CONFIG.value
                and self.property_filter.accepts(entry.name))

    def _target_config(self, entries: dict[str, Any], *, incremental: bool) -> dict[str, str]:
        return {name: entry.value for name, entry in entries.items()
                if self._kept(entry, incremental) and entry.value is not None}

    def _target_entries(self, entries: dict[str, Any], *, incremental: bool) -> list[Any]:
        from confluent_kafka.admin import AlterConfigOpType, ConfigEntry

        out = []
        for name, entry in entries.items():
            if not self._kept(entry, incremental):
                continue
            if entry.is_default and not self.use_source_defaults:
                out.append(ConfigEntry(name, None, incremental_operation=AlterConfigOpType.DELETE))
            else:
                out.append(ConfigEntry(name, entry.value, incremental_operation=AlterConfigOpType.SET))
        return out
