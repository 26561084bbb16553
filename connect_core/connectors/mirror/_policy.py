"""Replication policies (Kafka ``DefaultReplicationPolicy``, ``IdentityReplicationPolicy``): remote topic names.

``DefaultReplicationPolicy`` names a remote topic ``<source alias><separator><topic>`` and the internal topics
``mm2-offset-syncs.<alias>.internal``, ``<alias>.checkpoints.internal`` and ``heartbeats``;
``IdentityReplicationPolicy`` keeps topic names (heartbeats excepted, so cycles stay detectable).
"""

from __future__ import annotations

import re
from typing import Final

from connect_core.api.errors import ConfigError

__all__ = ["DEFAULT_SEPARATOR", "HEARTBEATS_TOPIC", "IdentityReplicationPolicy", "ReplicationPolicy", "policy_for"]

DEFAULT_SEPARATOR: Final = "."
HEARTBEATS_TOPIC: Final = "heartbeats"
DEFAULT_POLICY: Final = "org.apache.kafka.connect.mirror.DefaultReplicationPolicy"
IDENTITY_POLICY: Final = "org.apache.kafka.connect.mirror.IdentityReplicationPolicy"


def _java_split(text: str, separator: str) -> list[str]:
    """Java ``Pattern.quote(separator).split(text)``: trailing empty strings dropped."""
    parts = re.split(re.escape(separator), text)
    while parts and not parts[-1]:
        parts.pop()
    return parts or [""]


class ReplicationPolicy:
    """Kafka's ``DefaultReplicationPolicy``."""

    def __init__(self, separator: str = DEFAULT_SEPARATOR, internal_topic_separator_enabled: bool = True) -> None:
        """``replication.policy.separator`` and ``replication.policy.internal.topic.separator.enabled``."""
        self.separator = separator
        self._internal_separator = separator if internal_topic_separator_enabled else "."

    def format_remote_topic(self, source_alias: str, topic: str) -> str:
        """The name ``topic`` of cluster ``source_alias`` has on the target."""
        return source_alias + self.separator + topic

    def topic_source(self, topic: str) -> str | None:
        """The alias of the cluster a remote topic came from; None for a topic that is not remote."""
        parts = _java_split(topic, self.separator)
        return parts[0] if len(parts) >= 2 else None  # "<source><separator><rest>"

    def upstream_topic(self, topic: str) -> str | None:
        """The remote topic's name on the cluster it came from; None for a topic that is not remote."""
        source = self.topic_source(topic)
        return None if source is None else topic[len(source) + len(self.separator):]

    def original_topic(self, topic: str) -> str:
        """The name at the first cluster, following remote names upstream."""
        upstream = self.upstream_topic(topic)
        return topic if upstream is None or upstream == topic else self.original_topic(upstream)

    def heartbeats_topic(self) -> str:
        """``heartbeats``."""
        return HEARTBEATS_TOPIC

    def offset_syncs_topic(self, alias: str) -> str:
        """``mm2-offset-syncs.<alias>.internal``."""
        return f"mm2-offset-syncs{self._internal_separator}{alias}{self._internal_separator}internal"

    def checkpoints_topic(self, alias: str) -> str:
        """``<alias>.checkpoints.internal``."""
        return f"{alias}{self._internal_separator}checkpoints{self._internal_separator}internal"

    def is_heartbeats_topic(self, topic: str) -> bool:
        """Whether ``topic`` is a heartbeats topic, remote or not."""
        return self.original_topic(topic) == HEARTBEATS_TOPIC

    def is_mm2_internal_topic(self, topic: str) -> bool:
        """Whether ``topic`` ends like MirrorMaker 2's internal topics."""
        return topic.endswith(self._internal_separator + "internal")

    def is_internal_topic(self, topic: str) -> bool:
        """Kafka's, Connect's and MirrorMaker 2's internal topics, never replicated."""
        return (self.is_mm2_internal_topic(topic) or topic.startswith(("__", "."))
                or topic.endswith(("-internal", ".internal")))


class IdentityReplicationPolicy(ReplicationPolicy):
    """Kafka's ``IdentityReplicationPolicy``: remote topics keep their names (heartbeats are still prefixed)."""

    def __init__(self, source_alias: str | None, separator: str = DEFAULT_SEPARATOR,
                 internal_topic_separator_enabled: bool = True) -> None:
        """``source_alias`` answers ``topic_source`` for any topic that is not a heartbeats topic."""
        super().__init__(separator, internal_topic_separator_enabled)
        self.source_alias = source_alias

    def _looks_like_heartbeat(self, topic: str) -> bool:
        return topic.endswith(HEARTBEATS_TOPIC)

    def format_remote_topic(self, source_alias: str, topic: str) -> str:
        """``topic`` itself, except heartbeats."""
        return super().format_remote_topic(source_alias, topic) if self._looks_like_heartbeat(topic) else topic

    def topic_source(self, topic: str) -> str | None:
        """The configured source alias, except for heartbeats."""
        return super().topic_source(topic) if self._looks_like_heartbeat(topic) else self.source_alias

    def upstream_topic(self, topic: str) -> str | None:
        """``topic`` itself, except heartbeats."""
        return super().upstream_topic(topic) if self._looks_like_heartbeat(topic) else topic


def policy_for(class_name: str, separator: str, internal_separator_enabled: bool,
               source_alias: str | None) -> ReplicationPolicy:
    """The policy ``replication.policy.class`` names (Kafka's class name or its simple name).

    Raises:
        ConfigError: any other class; a custom Java policy has no Python counterpart.
    """
    simple = class_name.strip().rsplit(".", 1)[-1]
    if simple == "DefaultReplicationPolicy":
        return ReplicationPolicy(separator, internal_separator_enabled)
    if simple == "IdentityReplicationPolicy":
        return IdentityReplicationPolicy(source_alias, separator, internal_separator_enabled)
    raise ConfigError(f"Invalid value {class_name} for configuration replication.policy.class: Class {class_name} "
                      f"could not be found. Supported: {DEFAULT_POLICY}, {IDENTITY_POLICY}")
