"""Replication policies: Kafka's DefaultReplicationPolicy / IdentityReplicationPolicy names."""

from __future__ import annotations

import pytest

from connect_core.api.config import parse_config
from connect_core.api.errors import ConfigError
from connect_core.connectors.mirror._policy import IdentityReplicationPolicy, ReplicationPolicy, policy_for
from connect_core.connectors.mirror.config import MirrorCheckpointConfig, MirrorSourceConfig


def test_default_policy_names_remote_and_internal_topics() -> None:
    policy = ReplicationPolicy()
    assert policy.format_remote_topic("us-west", "orders") == "us-west.orders"
    assert policy.topic_source("us-west.orders") == "us-west"
    assert policy.upstream_topic("us-west.orders") == "orders"
    assert policy.original_topic("eu.us-west.orders") == "orders"
    assert policy.topic_source("orders") is None and policy.upstream_topic("orders") is None
    assert policy.topic_source("orders.") is None  # Java's split drops the trailing empty part
    assert policy.offset_syncs_topic("b") == "mm2-offset-syncs.b.internal"
    assert policy.checkpoints_topic("a") == "a.checkpoints.internal"
    assert policy.is_heartbeats_topic("heartbeats") and policy.is_heartbeats_topic("a.b.heartbeats")
    assert policy.is_internal_topic("__consumer_offsets") and policy.is_internal_topic("connect-offsets-internal")
    assert policy.is_internal_topic("a.checkpoints.internal") and not policy.is_internal_topic("orders")


def test_the_separator_names_remote_and_internal_topics_unless_disabled_for_internal_ones() -> None:
    config = parse_config(MirrorSourceConfig, {"source.cluster.alias": "a", "target.cluster.alias": "b",
                                               "replication.policy.separator": "_"})
    assert config.policy().format_remote_topic("a", "t") == "a_t"
    assert config.offset_syncs_topic() == "mm2-offset-syncs_b_internal"
    assert config.checkpoints_topic() == "a_checkpoints_internal"
    legacy = parse_config(MirrorSourceConfig, {"source.cluster.alias": "a", "replication.policy.separator": "_",
                                               "replication.policy.internal.topic.separator.enabled": "false"})
    assert legacy.policy().format_remote_topic("a", "t") == "a_t"
    assert legacy.checkpoints_topic() == "a.checkpoints.internal"


def test_identity_policy_keeps_names_except_heartbeats() -> None:
    config = parse_config(MirrorCheckpointConfig, {
        "source.cluster.alias": "a",
        "replication.policy.class": "org.apache.kafka.connect.mirror.IdentityReplicationPolicy"})
    policy = config.policy()
    assert isinstance(policy, IdentityReplicationPolicy)
    assert policy.format_remote_topic("a", "orders") == "orders"
    assert policy.topic_source("orders") == "a" and policy.upstream_topic("orders") == "orders"
    assert policy.format_remote_topic("a", "heartbeats") == "a.heartbeats"


def test_an_unknown_policy_class_is_refused_naming_the_key() -> None:
    assert isinstance(policy_for("DefaultReplicationPolicy", ".", True, None), ReplicationPolicy)
    with pytest.raises(ConfigError, match="replication.policy.class"):
        parse_config(MirrorSourceConfig, {"source.cluster.alias": "a", "replication.policy.class": "com.x.Mine"})
