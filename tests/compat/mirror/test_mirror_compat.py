"""Apache Kafka's MirrorMaker 2 (connect-mirror 4.3.1 on a Kafka Connect 4.3.1 worker) and ours, over the same two
clusters: the same records in the remote topics, the same remote topic configs, and the same decoded contents of
the offset-syncs, checkpoints and heartbeats topics, the same Connect offsets (byte for byte, modulo names) and the
same translated offsets written to the target's consumer group.

The source is the second local cluster, the target the shared broker (both workers' cluster). Each side has its own
aliases, so its remote and internal topics are its own: ``jvm<id>.<topic>`` and ``py<id>.<topic>``.
"""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any

import pytest
from confluent_kafka import TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource, ConfigSource

from connect_core.connectors.mirror._formats import Checkpoint, Heartbeat, OffsetSync
from tests.compat.mirror._jvm import JVM_TIMEOUT_S, comparable, configs, latest, translate_with_kafka
from tests.integration.connectors.mirror._mm2 import (
    LambdaWorker,
    commit,
    committed,
    heartbeats_of,
    produce_sample,
    read_all,
    record_view,
)

if TYPE_CHECKING:
    from tests.compat.connect_worker.conftest import ConnectWorker

pytestmark = pytest.mark.integration


def _committed(bootstrap: str, group: str, topic: str) -> list[tuple[int, int, str | None]]:
    return committed(bootstrap, group, [TopicPartition(topic, 0), TopicPartition(topic, 1)])


def _topic_configs(bootstrap: str, topic: str) -> dict[str, str]:
    admin = AdminClient({"bootstrap.servers": bootstrap})
    entries = next(iter(admin.describe_configs([ConfigResource("TOPIC", topic)]).values())).result(30)
    return {name: entry.value for name, entry in entries.items()
            if entry.source == ConfigSource.DYNAMIC_TOPIC_CONFIG.value}


def _offset_keys(bootstrap: str, topic: str, connector: str) -> list[tuple[bytes, bytes]]:
    out = []
    for message in read_all(bootstrap, topic):
        key = message.key() or b""
        if json.loads(key)[0] == connector and message.value() is not None:
            out.append((key, message.value()))
    return out


def test_ours_mirror_the_same_as_kafkas_mirrormaker2(
    mirror_worker: ConnectWorker, lambda_worker: LambdaWorker, kafka_bootstrap: str, kafka2_bootstrap: str,
) -> None:
    run = uuid.uuid4().hex[:6]
    topic, group = f"mm2c-{run}-orders", f"mm2c-{run}-app"
    produce_sample(kafka2_bootstrap, topic)
    commit(kafka2_bootstrap, group, [TopicPartition(topic, 0, 3, metadata="stopped at 3"),
                                      TopicPartition(topic, 1, 3)])
    jvm, ours = f"jvm{run}", f"py{run}"

    # Kafka's MirrorMaker 2 on the Connect worker
    jvm_configs = configs(jvm, kafka2_bootstrap, kafka_bootstrap, f"mm2c-{run}-.*", group)
    for kind, config in jvm_configs.items():
        status, body = mirror_worker.rest("PUT", f"/connectors/{jvm}-{kind}/config", config)
        assert status == 201, body
    jvm_remote = f"{jvm}.{topic}"
    mirror_worker.wait_for("the JVM's copies", lambda: len(read_all(kafka_bootstrap, jvm_remote)) == 10,
                           JVM_TIMEOUT_S)
    expected_syncs = {(topic, 0, 0, 0), (topic, 0, 6, 6), (topic, 1, 0, 0), (topic, 1, 2, 2)}

    def jvm_syncs() -> set[OffsetSync]:
        return {OffsetSync.decode(m.key(), m.value())
                for m in read_all(kafka2_bootstrap, f"mm2-offset-syncs.t{jvm}.internal")}

    mirror_worker.wait_for("the JVM's offset syncs", lambda: jvm_syncs() == expected_syncs, JVM_TIMEOUT_S)

    def checkpoints(alias: str) -> dict[tuple[Any, ...], Checkpoint]:
        return latest([Checkpoint.decode(m.key(), m.value())
                        for m in read_all(kafka_bootstrap, f"{alias}.checkpoints.internal")])

    mirror_worker.wait_for(
        "the JVM's checkpoints",
        lambda: sorted((c.partition, c.downstream_offset) for c in checkpoints(jvm).values()) == [(0, 1), (1, 3)],
        JVM_TIMEOUT_S)
    mirror_worker.wait_for("the JVM's group offsets",
                           lambda: _committed(kafka_bootstrap, group, jvm_remote)[1][1] == 3, JVM_TIMEOUT_S)

    def heartbeats(alias: str) -> list[tuple[Heartbeat, Any]]:
        return heartbeats_of(kafka_bootstrap, alias)

    mirror_worker.wait_for("the JVM's heartbeats", lambda: heartbeats(jvm), JVM_TIMEOUT_S)

    # ours, as functions
    for kind, config in configs(ours, kafka2_bootstrap, kafka_bootstrap, f"mm2c-{run}-.*", group).items():
        lambda_worker.create(f"{ours}-{kind}", config)
    assert lambda_worker.run_until_idle(f"{ours}-source") == 10
    assert lambda_worker.run_tasks(f"{ours}-checkpoint")[0].records == 2
    assert lambda_worker.run_tasks(f"{ours}-heartbeat")[0].records == 1
    our_remote = f"{ours}.{topic}"

    # the remote topics: record for record, the same partitions and topic configs
    source_records = [record_view(m) for m in read_all(kafka2_bootstrap, topic)]
    assert [record_view(m) for m in read_all(kafka_bootstrap, jvm_remote)] == source_records
    assert [record_view(m) for m in read_all(kafka_bootstrap, our_remote)] == source_records
    assert _topic_configs(kafka_bootstrap, our_remote) == _topic_configs(kafka_bootstrap, jvm_remote)
    assert "retention.ms" in _topic_configs(kafka_bootstrap, our_remote)

    # the internal topics, decoded
    our_syncs = {OffsetSync.decode(m.key(), m.value())
                 for m in read_all(kafka2_bootstrap, f"mm2-offset-syncs.t{ours}.internal")}
    assert our_syncs == jvm_syncs() == expected_syncs
    assert comparable(checkpoints(ours)) == comparable(checkpoints(jvm))
    assert all(c.topic == our_remote for c in checkpoints(ours).values())
    ((our_heartbeat, our_message),) = heartbeats(ours)
    jvm_heartbeat, jvm_message = heartbeats(jvm)[0]
    assert our_heartbeat.target_cluster_alias == f"t{ours}" and jvm_heartbeat.target_cluster_alias == f"t{jvm}"
    for heartbeat, message in ((our_heartbeat, our_message), (jvm_heartbeat, jvm_message)):
        assert heartbeat.timestamp == message.timestamp()[1] and message.partition() == 0
        assert len(message.value()) == 10 and message.value()[:2] == b"\x00\x00"

    # Kafka's own client API translates from our checkpoints as from the JVM's
    jvm_translated = translate_with_kafka(kafka_bootstrap, jvm, group)
    assert jvm_translated == [(jvm_remote, 0, 1, "stopped at 3"), (jvm_remote, 1, 3, "")]
    assert translate_with_kafka(kafka_bootstrap, ours, group) == \
        [(our_remote, p, o, m) for _, p, o, m in jvm_translated]

    # translated offsets on the target's group, metadata carried
    assert [(p, o, m) for p, o, m in _committed(kafka_bootstrap, group, our_remote)] == \
        _committed(kafka_bootstrap, group, jvm_remote) == [(0, 1, "stopped at 3"), (1, 3, None)]

    _same_connect_offsets(mirror_worker, lambda_worker, kafka_bootstrap, jvm, ours)

    for kind in jvm_configs:
        mirror_worker.rest("DELETE", f"/connectors/{jvm}-{kind}")


def _same_connect_offsets(mirror_worker: ConnectWorker, lambda_worker: LambdaWorker, bootstrap: str, jvm: str,
                          ours: str) -> None:
    """Connect's offsets of the three connectors: the same keys and values, byte for byte, once names are swapped."""

    def normalised(pairs: list[tuple[bytes, bytes]], alias: str) -> dict[bytes, bytes]:
        return {key.replace(alias.encode(), b"ALIAS"): value for key, value in dict(pairs).items()}

    for kind, count in (("source", 2), ("checkpoint", 2), ("heartbeat", 1)):
        jvm_kind = _offset_keys(bootstrap, mirror_worker.storage.offset_storage_topic, f"{jvm}-{kind}")
        our_kind = _offset_keys(bootstrap, lambda_worker.worker.storage.offset_storage_topic, f"{ours}-{kind}")
        assert normalised(our_kind, ours) == normalised(jvm_kind, jvm), kind
        assert len(normalised(our_kind, ours)) == count, kind
