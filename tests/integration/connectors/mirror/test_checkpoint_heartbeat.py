"""MirrorCheckpointConnector and MirrorHeartbeatConnector on the runtime: checkpoints in Kafka's format, a consumer
failing over to the target with translated offsets, active target groups left alone, heartbeats."""

from __future__ import annotations

import base64
import json
import uuid

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition

from connect_core.connectors.mirror._formats import Checkpoint, Heartbeat, OffsetSync
from tests.integration.connectors.mirror._mm2 import (
    CONVERTERS,
    LambdaWorker,
    commit,
    committed,
    heartbeats_of,
    mirror_config,
    produce_sample,
    read_all,
)

pytestmark = pytest.mark.integration



def test_a_group_fails_over_to_the_target_at_its_translated_offsets(
    lambda_worker: LambdaWorker, kafka_bootstrap: str, kafka2_bootstrap: str,
) -> None:
    alias = f"c{uuid.uuid4().hex[:6]}"
    topic, group = f"mm2-{alias}-orders", f"mm2-{alias}-app"
    produce_sample(kafka2_bootstrap, topic)  # partition 0: offsets 0-6, partition 1: 0-2
    commit(kafka2_bootstrap, group, [TopicPartition(topic, 0, 3, metadata="stopped at 3"), TopicPartition(topic, 1, 3)])
    source = f"{alias}-source"
    lambda_worker.create(source, mirror_config(alias, kafka2_bootstrap, kafka_bootstrap, f"mm2-{alias}-.*"))
    assert lambda_worker.run_until_idle(source) == 10
    checkpoints = f"{alias}-checkpoints"
    lambda_worker.create(checkpoints, {
        **mirror_config(alias, kafka2_bootstrap, kafka_bootstrap, f"mm2-{alias}-.*"),
        "connector.class": "MirrorCheckpointConnector", "groups": f"mm2-{alias}-.*",
        "checkpoints.topic.replication.factor": "1", "emit.checkpoints.interval.seconds": "1",
        "sync.group.offsets.enabled": "true", "sync.group.offsets.interval.seconds": "1"})
    assert lambda_worker.task_count(checkpoints) == 1
    assert lambda_worker.run_tasks(checkpoints)[0].records == 2

    remote = f"{alias}.{topic}"
    decoded = sorted(Checkpoint.decode(m.key(), m.value())
                     for m in read_all(kafka_bootstrap, f"{alias}.checkpoints.internal"))
    # syncs (0->0), (6->6) and (0->0), (2->2): a group mid-partition re-reads from the sync below it, one at the end
    # of the copied records gets the exact end
    assert decoded == [Checkpoint(group, remote, 0, 3, 1, "stopped at 3"), Checkpoint(group, remote, 1, 3, 3, "")]
    assert committed(kafka_bootstrap, group, [TopicPartition(remote, 0), TopicPartition(remote, 1)]) == \
        [(0, 1, "stopped at 3"), (1, 3, None)]

    # the consumer fails over: it skips nothing it had not read upstream, and re-reads only offsets 1-2
    consumer = Consumer({"bootstrap.servers": kafka_bootstrap, "group.id": group, "enable.auto.commit": False,
                         "auto.offset.reset": "earliest"})
    consumer.subscribe([remote])
    seen = []
    try:
        for _ in range(60):
            message = consumer.poll(0.5)
            if message is not None and message.error() is None:
                seen.append((message.partition(), message.offset()))
            if len(seen) >= 6:
                break
    finally:
        consumer.close()
    assert sorted(seen) == [(0, 1), (0, 2), (0, 3), (0, 4), (0, 5), (0, 6)]

    # unchanged upstream: the next invocation emits nothing new
    assert lambda_worker.run_tasks(checkpoints)[0].records == 0


def test_a_group_active_on_the_target_is_never_moved(
    lambda_worker: LambdaWorker, kafka_bootstrap: str, kafka2_bootstrap: str,
) -> None:
    alias = f"c{uuid.uuid4().hex[:6]}"
    topic, group = f"mm2-{alias}-orders", f"mm2-{alias}-live"
    produce_sample(kafka2_bootstrap, topic, partitions=1)
    commit(kafka2_bootstrap, group, [TopicPartition(topic, 0, 7)])
    source = f"{alias}-source"
    lambda_worker.create(source, mirror_config(alias, kafka2_bootstrap, kafka_bootstrap, f"mm2-{alias}-.*"))
    assert lambda_worker.run_until_idle(source) == 7
    remote = f"{alias}.{topic}"
    active = Consumer({"bootstrap.servers": kafka_bootstrap, "group.id": group, "enable.auto.commit": False,
                       "auto.offset.reset": "earliest"})
    active.subscribe([remote])
    try:
        for _ in range(40):  # joined and reading: the group is STABLE on the target
            active.poll(0.5)
            if active.assignment():
                break
        checkpoints = f"{alias}-checkpoints"
        lambda_worker.create(checkpoints, {
            **mirror_config(alias, kafka2_bootstrap, kafka_bootstrap, f"mm2-{alias}-.*"),
            "connector.class": "org.apache.kafka.connect.mirror.MirrorCheckpointConnector", "groups": group,
            "checkpoints.topic.replication.factor": "1", "sync.group.offsets.enabled": "true"})
        assert lambda_worker.run_tasks(checkpoints)[0].records == 1
        assert committed(kafka_bootstrap, group, [TopicPartition(remote, 0)])[0][1] < 0  # nothing written
    finally:
        active.close()


def test_heartbeats_in_kafkas_format(lambda_worker: LambdaWorker, kafka_bootstrap: str,
                                     kafka2_bootstrap: str) -> None:
    alias = f"h{uuid.uuid4().hex[:6]}"
    name = f"{alias}-heartbeats"
    lambda_worker.create(name, {
        "connector.class": "MirrorHeartbeat", "source.cluster.alias": alias, "target.cluster.alias": f"t{alias}",
        "source.cluster.bootstrap.servers": kafka2_bootstrap, "target.cluster.bootstrap.servers": kafka_bootstrap,
        "heartbeats.topic.replication.factor": "1", "emit.heartbeats.interval.seconds": "1", **CONVERTERS})
    assert lambda_worker.run_tasks(name)[0].records == 1
    assert lambda_worker.run_tasks(name)[0].records == 0  # not due yet
    _json_heartbeat_of_another_run(kafka_bootstrap)
    ((heartbeat, message),) = heartbeats_of(kafka_bootstrap, alias)
    assert heartbeat.target_cluster_alias == f"t{alias}" and heartbeat.timestamp == message.timestamp()[1]
    assert message.value()[:2] == b"\x00\x00"
    offsets = lambda_worker.rest("GET", f"/connectors/{name}/offsets")[1]["offsets"]
    assert offsets == [{"partition": {"sourceClusterAlias": alias, "targetClusterAlias": f"t{alias}"},
                        "offset": {"offset": 0}}]


@pytest.mark.parametrize("case", [("IdentityReplicationPolicy", ".", "source"),
                                  ("DefaultReplicationPolicy", "_", "source"),
                                  ("DefaultReplicationPolicy", ".", "target")])
def test_replication_policy_separator_and_offset_syncs_location(
    lambda_worker: LambdaWorker, kafka_bootstrap: str, kafka2_bootstrap: str, case: tuple[str, str, str],
) -> None:
    policy, separator, location = case
    alias = f"p{uuid.uuid4().hex[:6]}"
    topic, group = f"mm2-{alias}-orders", f"mm2-{alias}-app"
    produce_sample(kafka2_bootstrap, topic, partitions=1)
    commit(kafka2_bootstrap, group, [TopicPartition(topic, 0, 7)])
    config = {**mirror_config(alias, kafka2_bootstrap, kafka_bootstrap, f"mm2-{alias}-.*"),
              "replication.policy.class": f"org.apache.kafka.connect.mirror.{policy}",
              "replication.policy.separator": separator, "offset-syncs.topic.location": location}
    lambda_worker.create(f"{alias}-source", config)
    assert lambda_worker.run_until_idle(f"{alias}-source") == 7
    # Identity keeps the name; Default puts the alias and the separator before it (the internal topics too)
    remote = topic if policy.startswith("Identity") else f"{alias}{separator}{topic}"
    assert len(read_all(kafka_bootstrap, remote)) == 7
    # the offset syncs: on the source named after the target, or on the target named after the source
    syncs_cluster, other = (kafka2_bootstrap, f"t{alias}") if location == "source" else (kafka_bootstrap, alias)
    syncs_topic = f"mm2-offset-syncs{separator}{other}{separator}internal"
    assert {(s.topic, s.upstream_offset) for s in (OffsetSync.decode(m.key(), m.value())
                                                   for m in read_all(syncs_cluster, syncs_topic))} == \
        {(topic, 0), (topic, 6)}

    lambda_worker.create(f"{alias}-checkpoints", {
        **config, "connector.class": "MirrorCheckpointConnector", "groups": group,
        "checkpoints.topic.replication.factor": "1", "sync.group.offsets.enabled": "true"})
    assert lambda_worker.run_tasks(f"{alias}-checkpoints")[0].records == 1
    checkpoints_topic = f"{alias}{separator}checkpoints{separator}internal"
    assert [Checkpoint.decode(m.key(), m.value()) for m in read_all(kafka_bootstrap, checkpoints_topic)] == \
        [Checkpoint(group, remote, 0, 7, 7, "")]
    assert committed(kafka_bootstrap, group, [TopicPartition(remote, 0)]) == [(0, 7, None)]


def _json_heartbeat_of_another_run(bootstrap: str) -> None:
    """What a heartbeat connector on a worker's JsonConverter default writes to the shared ``heartbeats`` topic: its
    BYTES key and value as JSON text (base64 payloads), which MM2's binary format cannot decode."""
    other = Heartbeat(f"j{uuid.uuid4().hex[:6]}", "target", 0)
    producer = Producer({"bootstrap.servers": bootstrap})
    schema = {"type": "bytes", "optional": False}
    key, value = (json.dumps({"schema": schema, "payload": base64.b64encode(raw).decode()}).encode()
                  for raw in (other.key(), other.value()))
    producer.produce("heartbeats", key=key, value=value)
    assert producer.flush(30) == 0
