"""Config of the MirrorMaker 2 connectors (Kafka ``MirrorConnectorConfig``, ``MirrorSourceConfig``,
``MirrorCheckpointConfig``, ``MirrorHeartbeatConfig``): keys and defaults unchanged.

The cluster connections are not fields: ``source.cluster.*``, ``target.cluster.*`` and the client role prefixes are
read from the raw props by ``_clients.py``, as Kafka reads them from the originals.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from pydantic import BaseModel, ConfigDict

from connect_core.api.config import config_error, config_field, in_range, valid_string
from connect_core.connectors.mirror._filters import (
    CONFIG_PROPERTIES_EXCLUDE_DEFAULT,
    GROUPS_EXCLUDE_DEFAULT,
    TOPICS_EXCLUDE_DEFAULT,
    NameFilter,
    compile_pattern_list,
)
from connect_core.connectors.mirror._policy import DEFAULT_POLICY, DEFAULT_SEPARATOR, ReplicationPolicy, policy_for

if TYPE_CHECKING:
    from connect_core.connectors.mirror._clients import Cluster

__all__ = ["MirrorCheckpointConfig", "MirrorConnectorConfig", "MirrorHeartbeatConfig", "MirrorSourceConfig"]

SOURCE: Final = "source"
TARGET: Final = "target"
TASK_TOPIC_PARTITIONS: Final = "task.assigned.partitions"
TASK_CONSUMER_GROUPS: Final = "task.assigned.groups"
TASK_INDEX: Final = "task.index"
_DEFAULT_TOPIC_FILTER: Final = "org.apache.kafka.connect.mirror.DefaultTopicFilter"
_DEFAULT_GROUP_FILTER: Final = "org.apache.kafka.connect.mirror.DefaultGroupFilter"
_DEFAULT_PROPERTY_FILTER: Final = "org.apache.kafka.connect.mirror.DefaultConfigPropertyFilter"


def _key(alias: str, default: Any, description: str, **kwargs: Any) -> Any:
    return config_field(default, alias=alias, description=description, **kwargs)


def _default_class(expected: str) -> Any:
    """Only Kafka's default implementation (a Java plugin class has no Python counterpart)."""

    def check(key: str, value: Any) -> None:
        if str(value).strip().rsplit(".", 1)[-1] != expected.rsplit(".", 1)[-1]:
            raise config_error(key, value, f"only {expected} is supported")

    return check


def _seconds(alias: str, default: int, description: str) -> Any:
    return _key(alias, default, description, type="LONG", importance="LOW")


class MirrorConnectorConfig(BaseModel):
    """Keys every MirrorMaker 2 connector shares (Kafka ``MirrorConnectorConfig.BASE_CONNECTOR_CONFIG_DEF``)."""

    model_config = ConfigDict(defer_build=True, populate_by_name=True, frozen=True)

    name: str | None = _key("name", None, "Globally unique name to use for this connector.", importance="HIGH")
    enabled: bool = _key("enabled", True, "Whether to replicate source->target.", importance="LOW")
    source_cluster_alias: str = _key("source.cluster.alias", ..., "Alias of source cluster", importance="HIGH")
    target_cluster_alias: str = _key("target.cluster.alias", TARGET,
                                     "Alias of target cluster. Used in metrics reporting.", importance="HIGH")
    admin_timeout_ms: int = _key("admin.timeout.ms", 60_000,
                                 "Timeout for administrative tasks, e.g. detecting new topics.", type="LONG",
                                 importance="LOW")
    replication_policy_class: str = _key(
        "replication.policy.class", DEFAULT_POLICY, "Class which defines the remote topic naming convention.",
        type="CLASS", importance="LOW", validator=lambda k, v: policy_for(str(v), ".", True, None) and None)
    replication_policy_separator: str = _key(
        "replication.policy.separator", DEFAULT_SEPARATOR, "Separator used in remote topic naming convention.",
        importance="LOW")
    internal_topic_separator_enabled: bool = _key(
        "replication.policy.internal.topic.separator.enabled", True,
        "Whether to use replication.policy.separator to control the names of topics used for checkpoints and offset "
        "syncs. By default, custom separators are used in these topic names; however, if upgrading MirrorMaker 2 "
        "from older versions that did not allow for these topic names to be customized, it may be necessary to set "
        "this property to 'false' in order to continue using the same names for those topics.", importance="LOW")
    forwarding_admin_class: str = _key(
        "forwarding.admin.class", "org.apache.kafka.clients.admin.ForwardingAdmin",
        "Class which extends ForwardingAdmin to define custom cluster resource management (topics, configs, etc).",
        type="CLASS", importance="LOW", validator=_default_class("org.apache.kafka.clients.admin.ForwardingAdmin"))
    def policy(self) -> ReplicationPolicy:
        """The configured replication policy."""
        return policy_for(self.replication_policy_class, self.replication_policy_separator,
                          self.internal_topic_separator_enabled, self.source_cluster_alias)

    def checkpoints_topic(self) -> str:
        """``<source alias>.checkpoints.internal`` (on the target)."""
        return self.policy().checkpoints_topic(self.source_cluster_alias)

    def entity_label(self) -> str:
        """Kafka's client id stem: ``<source>-><target>|<connector>``."""
        return f"{self.source_cluster_alias}->{self.target_cluster_alias}|{self.name or ''}"


class _ReplicatingConfig(MirrorConnectorConfig):
    """Keys of the connectors that follow topics and offset syncs (source and checkpoint, not heartbeat)."""

    offset_syncs_topic_location: str = _key(
        "offset-syncs.topic.location", SOURCE, "The location (source/target) of the offset-syncs topic.",
        importance="LOW", validator=valid_string(SOURCE, TARGET))
    topics: list[str] = _key("topics", [".*"], "Topics to replicate. Supports comma-separated topic names and regexes.",
                             importance="HIGH")
    topics_exclude: list[str] = _key(
        "topics.exclude", TOPICS_EXCLUDE_DEFAULT.split(", "),
        "Excluded topics. Supports comma-separated topic names and regexes. Excludes take precedence over includes.",
        importance="HIGH")
    topic_filter_class: str = _key("topic.filter.class", _DEFAULT_TOPIC_FILTER,
                                   "TopicFilter to use. Selects topics to replicate.", type="CLASS", importance="LOW",
                                   validator=_default_class(_DEFAULT_TOPIC_FILTER))

    def topic_filter(self) -> NameFilter:
        """``topics`` / ``topics.exclude``."""
        return NameFilter(compile_pattern_list("topics", self.topics),
                          compile_pattern_list("topics.exclude", self.topics_exclude))

    def offset_syncs_cluster(self) -> Cluster:
        """The cluster holding the offset-syncs topic."""
        return "source" if self.offset_syncs_topic_location == SOURCE else "target"

    def offset_syncs_topic(self) -> str:
        """``mm2-offset-syncs.<the other cluster's alias>.internal``."""
        other = self.target_cluster_alias if self.offset_syncs_topic_location == SOURCE else self.source_cluster_alias
        return self.policy().offset_syncs_topic(other)


class MirrorSourceConfig(_ReplicatingConfig):
    """Keys of ``MirrorSourceConnector`` (Kafka ``MirrorSourceConfig``)."""

    config_properties_exclude: list[str] = _key(
        "config.properties.exclude", CONFIG_PROPERTIES_EXCLUDE_DEFAULT.split(", "),
        "Topic config properties that should not be replicated. Supports comma-separated property names and regexes.",
        importance="HIGH")
    use_defaults_from: str = _key(
        "use.defaults.from", TARGET,
        "Which cluster's defaults (source or target) to use when syncing topic configurations that have default "
        "values.", validator=valid_string(SOURCE, TARGET))
    config_property_filter_class: str = _key(
        "config.property.filter.class", _DEFAULT_PROPERTY_FILTER,
        "ConfigPropertyFilter to use. Selects topic config  properties to replicate.", type="CLASS", importance="LOW",
        validator=_default_class(_DEFAULT_PROPERTY_FILTER))
    consumer_poll_timeout_ms: int = _key("consumer.poll.timeout.ms", 1000, "Timeout when polling source cluster.",
                                         type="LONG", importance="LOW", validator=in_range(0))
    refresh_topics_enabled: bool = _key("refresh.topics.enabled", True,
                                        "Whether to periodically check for new topics and partitions.",
                                        importance="LOW")
    refresh_topics_interval_seconds: int = _seconds("refresh.topics.interval.seconds", 600,
                                                    "Frequency of topic refresh.")
    sync_topic_configs_enabled: bool = _key(
        "sync.topic.configs.enabled", True,
        "Whether to periodically configure remote topics to match their corresponding upstream topics.",
        importance="LOW")
    sync_topic_configs_interval_seconds: int = _seconds("sync.topic.configs.interval.seconds", 600,
                                                        "Frequency of topic config sync.")
    sync_topic_acls_enabled: bool = _key(
        "sync.topic.acls.enabled", True,
        "Whether to periodically configure remote topic ACLs to match their corresponding upstream topics.",
        importance="LOW")
    sync_topic_acls_interval_seconds: int = _seconds("sync.topic.acls.interval.seconds", 600,
                                                     "Frequency of topic ACL sync.")
    replication_factor: int = _key("replication.factor", 2, "Replication factor for newly created remote topics.",
                                   importance="LOW")
    offset_syncs_topic_replication_factor: int = _key(
        "offset-syncs.topic.replication.factor", 3, "Replication factor for offset-syncs topic.", type="SHORT",
        importance="LOW")
    offset_lag_max: int = _key("offset.lag.max", 100,
                               "How out-of-sync a remote partition can be before it is resynced.", type="LONG",
                               importance="LOW")
    emit_offset_syncs_enabled: bool = _key(
        "emit.offset-syncs.enabled", True,
        "Whether to store the new offset of the replicated records in offset-syncs topic or not.", importance="LOW")
    heartbeats_replication_enabled: bool = _key(
        "heartbeats.replication.enabled", True,
        "Whether to replicate the heartbeats topics even when the topic filter does not include them.",
        importance="LOW")

    def property_filter(self) -> NameFilter:
        """``config.properties.exclude`` (everything else is replicated)."""
        return NameFilter(compile_pattern_list("", [".*"]),
                          compile_pattern_list("config.properties.exclude", self.config_properties_exclude))


class MirrorCheckpointConfig(_ReplicatingConfig):
    """Keys of ``MirrorCheckpointConnector`` (Kafka ``MirrorCheckpointConfig``)."""

    groups: list[str] = _key("groups", [".*"], "Consumer groups to replicate. Supports comma-separated group IDs and "
                                                "regexes.", importance="HIGH")
    groups_exclude: list[str] = _key(
        "groups.exclude", GROUPS_EXCLUDE_DEFAULT.split(", "),
        "Exclude groups. Supports comma-separated group IDs and regexes. Excludes take precedence over includes.",
        importance="HIGH")
    group_filter_class: str = _key("group.filter.class", _DEFAULT_GROUP_FILTER,
                                   "GroupFilter to use. Selects consumer groups to replicate.", type="CLASS",
                                   importance="LOW", validator=_default_class(_DEFAULT_GROUP_FILTER))
    checkpoints_topic_replication_factor: int = _key(
        "checkpoints.topic.replication.factor", 3, "Replication factor for checkpoints topic.", type="SHORT",
        importance="LOW")
    consumer_poll_timeout_ms: int = _key("consumer.poll.timeout.ms", 1000, "Timeout when polling source cluster.",
                                         type="LONG", importance="LOW", validator=in_range(0))
    refresh_groups_enabled: bool = _key("refresh.groups.enabled", True,
                                        "Whether to periodically check for new consumer groups.", importance="LOW")
    refresh_groups_interval_seconds: int = _seconds("refresh.groups.interval.seconds", 600,
                                                    "Frequency of group refresh.")
    emit_checkpoints_enabled: bool = _key(
        "emit.checkpoints.enabled", True,
        "Whether to replicate consumer offsets to target cluster.", importance="LOW")
    emit_checkpoints_interval_seconds: int = _seconds("emit.checkpoints.interval.seconds", 60,
                                                      "Frequency of checkpoints.")
    sync_group_offsets_enabled: bool = _key(
        "sync.group.offsets.enabled", False,
        "Whether to periodically write the translated offsets to __consumer_offsets topic in target cluster, as long "
        "as no active consumers in that group are connected to the target cluster", importance="LOW")
    sync_group_offsets_interval_seconds: int = _seconds("sync.group.offsets.interval.seconds", 60,
                                                        "Frequency of consumer group offset sync.")
    emit_offset_syncs_enabled: bool = _key(
        "emit.offset-syncs.enabled", True,
        "Whether to store the new offset of the replicated records in offset-syncs topic or not.", importance="LOW")

    def group_filter(self) -> NameFilter:
        """``groups`` / ``groups.exclude``."""
        return NameFilter(compile_pattern_list("groups", self.groups),
                          compile_pattern_list("groups.exclude", self.groups_exclude))


class MirrorHeartbeatConfig(MirrorConnectorConfig):
    """Keys of ``MirrorHeartbeatConnector`` (Kafka ``MirrorHeartbeatConfig``)."""

    heartbeats_topic_replication_factor: int = _key(
        "heartbeats.topic.replication.factor", 3, "Replication factor for heartbeats topic.", type="SHORT",
        importance="LOW")
    emit_heartbeats_enabled: bool = _key("emit.heartbeats.enabled", True,
                                         "Whether to emit heartbeats to target cluster.", importance="LOW")
    emit_heartbeats_interval_seconds: int = _seconds("emit.heartbeats.interval.seconds", 1, "Frequency of heartbeats.")
