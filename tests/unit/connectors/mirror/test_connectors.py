"""The MirrorMaker 2 connectors' config rules that need no cluster: validation, intervals, offsets, filters."""

from __future__ import annotations

from typing import Any

import pytest

from connect_core.api.config import parse_config
from connect_core.api.connector import ExactlyOnceSupport
from connect_core.api.errors import ConnectError
from connect_core.connectors.mirror._topics import RemoteTopics
from connect_core.connectors.mirror.checkpoint_connector import MirrorCheckpointConnector, group_partitions
from connect_core.connectors.mirror.config import MirrorCheckpointConfig, MirrorSourceConfig
from connect_core.connectors.mirror.heartbeat_connector import MirrorHeartbeatConnector
from connect_core.connectors.mirror.source_connector import MirrorSourceConnector, encode_partitions
from connect_core.connectors.mirror.source_task import decode_partitions

BASE = {"source.cluster.alias": "a", "target.cluster.alias": "b"}


def test_default_topic_and_group_filters_are_kafkas() -> None:
    config = parse_config(MirrorSourceConfig, BASE)
    source = config.topic_filter()
    assert source.accepts("orders") and not source.accepts("mm2-offset-syncs.b.internal")
    assert not source.accepts("__consumer_offsets") and not source.accepts("x.replica")
    # Kafka 4.1's default exclusions no longer name other internal topics: the replication policy leaves them out
    assert source.accepts("connect-offsets-internal")
    topics = RemoteTopics(None, None, source_alias="a", target_alias="b", policy=config.policy(),
                          topic_filter=source, property_filter=config.property_filter(), heartbeats_replication=True,
                          replication_factor=1, use_source_defaults=False, checkpoints_topic="a.checkpoints.internal")
    assert topics.should_replicate("orders")
    assert not any(topics.should_replicate(t) for t in ("connect-offsets-internal", "x.internal", "__x", ".x"))
    only = parse_config(MirrorSourceConfig, {**BASE, "topics": "orders.*, pay", "topics.exclude": "orders-tmp"})
    assert [only.topic_filter().accepts(t) for t in ("orders-1", "pay", "payment", "orders-tmp")] == \
        [True, True, False, False]
    groups = parse_config(MirrorCheckpointConfig, {**BASE, "groups.exclude": "test-.*"}).group_filter()
    assert groups.accepts("app") and not groups.accepts("test-1")
    default_groups = parse_config(MirrorCheckpointConfig, BASE).group_filter()
    assert not default_groups.accepts("connect-sink") and not default_groups.accepts("console-consumer-1")


def test_topic_config_filter_and_defaults_from_either_cluster() -> None:
    class Entry:
        def __init__(self, name: str, default: bool) -> None:
            self.name, self.value, self.is_default = name, "1", default
            self.is_read_only = self.is_sensitive = False
            self.source = 5 if default else 1

    def kept(**extra: str) -> list[str]:
        config = parse_config(MirrorSourceConfig, {**BASE, **extra})
        topics = RemoteTopics(None, None, source_alias="a", target_alias="b", policy=config.policy(),
                              topic_filter=config.topic_filter(), property_filter=config.property_filter(),
                              heartbeats_replication=True, replication_factor=1,
                              use_source_defaults=config.use_defaults_from == "source", checkpoints_topic="x")
        entries = {n: Entry(n, d) for n, d in (("retention.ms", False), ("min.insync.replicas", False),
                                                ("segment.bytes", True))}
        return sorted(topics._target_config(entries, incremental=False))

    assert kept() == ["retention.ms"]
    assert kept(**{"use.defaults.from": "source"}) == ["retention.ms", "segment.bytes"]
    assert kept(**{"config.properties.exclude": "retention\\..*"}) == ["min.insync.replicas"]


def test_intervals_the_coordinator_refreshes_at() -> None:
    source, checkpoint = MirrorSourceConnector(), MirrorCheckpointConnector()
    assert source.reconfiguration_interval_ms(BASE) == 600_000
    assert source.reconfiguration_interval_ms({**BASE, "refresh.topics.interval.seconds": "2",
                                               "sync.topic.configs.interval.seconds": "30"}) == 2_000
    assert source.reconfiguration_interval_ms({**BASE, "sync.topic.acls.interval.seconds": "7"}) == 7_000
    assert source.reconfiguration_interval_ms({**BASE, "refresh.topics.enabled": "false",
                                               "sync.topic.configs.enabled": "false"}) == 600_000  # ACL sync
    assert source.reconfiguration_interval_ms({**BASE, "refresh.topics.enabled": "false",
                                               "sync.topic.configs.enabled": "false",
                                               "sync.topic.acls.enabled": "false"}) is None
    assert checkpoint.reconfiguration_interval_ms({**BASE, "refresh.groups.interval.seconds": "5"}) == 5_000
    assert checkpoint.reconfiguration_interval_ms({**BASE, "refresh.groups.enabled": "false"}) is None


def test_offset_syncs_topic_location() -> None:
    on_source = parse_config(MirrorSourceConfig, BASE)
    assert (on_source.offset_syncs_cluster(), on_source.offset_syncs_topic()) == \
        ("source", "mm2-offset-syncs.b.internal")
    on_target = parse_config(MirrorSourceConfig, {**BASE, "offset-syncs.topic.location": "target"})
    assert (on_target.offset_syncs_cluster(), on_target.offset_syncs_topic()) == \
        ("target", "mm2-offset-syncs.a.internal")


def test_checkpoints_need_offset_syncs_and_checkpoints_enabled() -> None:
    def errors(**extra: str) -> dict[str, list[str]]:
        results = MirrorCheckpointConnector().validate({
            "connector.class": "x", "source.cluster.bootstrap.servers": "s:1",
            "target.cluster.bootstrap.servers": "t:1", **BASE, **extra})
        return {r["name"]: r["errors"] for r in results if r["errors"]}

    assert errors() == {}
    assert "emit.checkpoints.enabled" in errors(**{"emit.checkpoints.enabled": "false"})
    assert "emit.offset-syncs.enabled" in errors(**{"emit.offset-syncs.enabled": "false"})
    assert errors(**{"enabled": "false", "emit.offset-syncs.enabled": "false"}) == {}


def test_exactly_once_support_follows_the_source_consumers_isolation() -> None:
    connector = MirrorSourceConnector()
    assert connector.exactly_once_support(BASE) is ExactlyOnceSupport.UNSUPPORTED
    assert connector.exactly_once_support({**BASE, "source.consumer.isolation.level": "read_committed"}) is \
        ExactlyOnceSupport.SUPPORTED


def test_task_splitting_helpers() -> None:
    from connect_core.api.task import TopicPartition

    partitions = [TopicPartition("a-b", 0), TopicPartition("c", 12)]
    assert decode_partitions(encode_partitions(partitions)) == partitions
    assert group_partitions(["g1", "g2", "g3", "g4", "g5"], 2) == [["g1", "g2", "g3"], ["g4", "g5"]]


def test_alter_offsets_checks_kafkas_shapes() -> None:
    ok: dict[Any, Any] = {(("cluster", "a"), ("partition", 0), ("topic", "t")): {"offset": 5}}
    assert MirrorSourceConnector().alter_offsets(BASE, ok)
    with pytest.raises(ConnectError, match="which cannot be negative"):
        MirrorSourceConnector().alter_offsets(BASE, {(("cluster", "a"), ("partition", 0), ("topic", "t")):
                                                     {"offset": -1}})
    with pytest.raises(ConnectError, match="missing the 'cluster' key"):
        MirrorSourceConnector().alter_offsets(BASE, {(("partition", 0), ("topic", "t")): {"offset": 1}})
    with pytest.raises(ConnectError, match="the only accepted value is 0"):
        MirrorHeartbeatConnector().alter_offsets(BASE, {(("sourceClusterAlias", "a"), ("targetClusterAlias", "b")):
                                                        {"offset": 3}})
    assert MirrorCheckpointConnector().alter_offsets(BASE, {(("group", "g"), ("partition", 0), ("topic", "t")):
                                                            {"offset": 0}})


class _FakeAdmin:
    """Records the admin calls' timeouts; every topic exists already, no group exists."""

    timeouts: list[float] = []

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config

    def create_topics(self, topics: list[Any]) -> dict[str, Any]:
        admin = self

        class Future:
            def result(self, timeout: float) -> None:
                admin.timeouts.append(timeout)

        return {t.topic: Future() for t in topics}

    def list_consumer_groups(self, request_timeout: float) -> Any:
        self.timeouts.append(request_timeout)

        class Listing:
            valid: list[Any] = []

        class Future:
            def result(self, timeout: float) -> Any:
                return Listing()

        return Future()


def test_admin_timeout_bounds_every_admin_call_and_heartbeats_can_be_disabled(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import confluent_kafka.admin

    from connect_core.connectors.mirror.source_connector import remote_topics

    monkeypatch.setattr(confluent_kafka.admin, "AdminClient", _FakeAdmin)
    props = {**BASE, "source.cluster.bootstrap.servers": "s:1", "target.cluster.bootstrap.servers": "t:1",
             "admin.timeout.ms": "12500"}
    assert remote_topics(parse_config(MirrorSourceConfig, props), props).timeout_s == 12.5
    _FakeAdmin.timeouts = []
    heartbeat = MirrorHeartbeatConnector()
    heartbeat.start(props)
    assert _FakeAdmin.timeouts == [12.5] and len(heartbeat.task_configs(3)) == 1
    heartbeat.start({**props, "emit.heartbeats.enabled": "false"})
    assert heartbeat.task_configs(3) == []
    checkpoint = MirrorCheckpointConnector()
    checkpoint.start(props)
    assert _FakeAdmin.timeouts[-2:] == [12.5, 12.5] and checkpoint.task_configs(3) == []  # no group yet


def test_which_topics_are_replicated() -> None:
    """Kafka's shouldReplicateTopic: the filter, heartbeats whatever the filter says (unless disabled), never an
    internal topic, never a topic that came from the target (a cycle)."""

    def replicated(topic: str, **extra: str) -> bool:
        config = parse_config(MirrorSourceConfig, {**BASE, "topics": "orders.*", **extra})
        return RemoteTopics(None, None, source_alias="a", target_alias="b", policy=config.policy(),
                            topic_filter=config.topic_filter(), property_filter=config.property_filter(),
                            heartbeats_replication=config.heartbeats_replication_enabled, replication_factor=1,
                            use_source_defaults=False, checkpoints_topic="x").should_replicate(topic)

    assert replicated("orders-1") and not replicated("payments")
    assert replicated("heartbeats") and replicated("c.heartbeats")
    assert not replicated("heartbeats", **{"heartbeats.replication.enabled": "false"})
    assert not replicated("orders.internal") and not replicated("__orders")
    assert not replicated("b.orders", topics="b.orders")  # came from the target: a cycle
    assert replicated("c.orders", topics="c.orders")


def test_a_missing_cluster_bootstrap_is_refused_at_validate() -> None:
    def errors(connector: Any, **extra: str) -> dict[str, list[str]]:
        results = connector.validate({"connector.class": "x", **BASE, **extra})
        return {r["name"]: r["errors"] for r in results if r["errors"]}

    both = {"source.cluster.bootstrap.servers": "s:1", "target.cluster.bootstrap.servers": "t:1"}
    assert errors(MirrorSourceConnector(), **both) == {}
    assert list(errors(MirrorSourceConnector())) == ["source.cluster.bootstrap.servers",
                                                     "target.cluster.bootstrap.servers"]
    assert list(errors(MirrorCheckpointConnector(), **{"target.cluster.bootstrap.servers": "t:1"})) == \
        ["source.cluster.bootstrap.servers"]
    assert errors(MirrorHeartbeatConnector(), **{"target.cluster.bootstrap.servers": "t:1"}) == {}
    assert "Missing required configuration" in errors(MirrorHeartbeatConnector())[
        "target.cluster.bootstrap.servers"][0]
