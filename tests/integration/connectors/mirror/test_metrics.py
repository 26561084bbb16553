"""MirrorMaker 2's per-partition gauges on ``GET /metrics`` once a mirror source task copied records between the two
real clusters and a checkpoint task checkpointed a group: the tasks' figures ride in their run records to the
coordinator."""

from __future__ import annotations

import uuid

import pytest
from confluent_kafka import TopicPartition

from connect_core.runtime.task_invocation import SourceInvocation
from tests.integration.connectors.mirror._mm2 import LambdaWorker, budget, commit, mirror_config, produce_sample
from tests.unit.coordinator.metrics.test_worker_metrics import _samples

pytestmark = pytest.mark.integration
SRC = "kafka_connect_mirror_mirrorsourceconnector_"


def test_per_partition_counts_bytes_age_latency_and_checkpoint_latency_appear_after_a_copy(
    lambda_worker: LambdaWorker, kafka_bootstrap: str, kafka2_bootstrap: str,
) -> None:
    alias = f"m{uuid.uuid4().hex[:6]}"
    topic = f"mm2-{alias}-orders"
    group = f"mm2-{alias}-app"
    produce_sample(kafka2_bootstrap, topic)  # 7 records on partition 0 (6 values of 2 bytes, a tombstone), 3 of 3
    commit(kafka2_bootstrap, group, [TopicPartition(topic, 0, 7), TopicPartition(topic, 1, 3)])
    name = f"{alias}-source"
    lambda_worker.create(name, mirror_config(alias, kafka2_bootstrap, kafka_bootstrap, topic))
    invocation = SourceInvocation(lambda_worker.worker, runner=lambda_worker.runner)  # the function's: it records
    try:
        copied = 0
        for _ in range(10):
            moved = sum(invocation.run(name, task, budget(), 256)["records"]
                        for task in range(lambda_worker.task_count(name)))
            copied += moved
            if not moved:
                break
        assert copied == 10
        checkpoints = f"{alias}-checkpoints"
        lambda_worker.create(checkpoints, {
            **mirror_config(alias, kafka2_bootstrap, kafka_bootstrap, topic),
            "connector.class": "MirrorCheckpointConnector", "groups": group,
            "checkpoints.topic.replication.factor": "1", "sync.group.offsets.enabled": "false"})
        assert invocation.run(checkpoints, 0, budget(), 256)["records"] == 2
    finally:
        invocation.recorder.close()
        invocation.clients.close()

    status, body = lambda_worker.rest("GET", "/metrics")
    assert status == 200
    got = _samples(body.decode() if isinstance(body, bytes) else body)
    remote = f"{alias}.{topic}"
    # the sample's records were written 300 s (partition 0) and 200 s (partition 1) before the copy (produce_sample)
    for partition, records, size, age_s in ((0, 7, 12, 300), (1, 3, 9, 200)):
        labels = frozenset({("target", f"t{alias}"), ("topic", remote), ("partition", str(partition))})
        assert got[(SRC + "record_count", labels)] == records
        assert got[(SRC + "byte_count", labels)] == size
        assert got[(SRC + "record_rate", labels)] > 0 and got[(SRC + "byte_rate", labels)] > 0
        assert got[(SRC + "record_age_ms_min", labels)] >= (age_s - 10) * 1000
        assert got[(SRC + "replication_latency_ms_max", labels)] >= got[(SRC + "record_age_ms_max", labels)]
        assert got[(SRC + "replication_latency_ms_avg", labels)] >= got[(SRC + "record_age_ms_avg", labels)]
    for partition in (0, 1):
        labels = frozenset({("source", alias), ("target", f"t{alias}"), ("group", group), ("topic", remote),
                            ("partition", str(partition))})
        latency = "kafka_connect_mirror_mirrorcheckpointconnector_checkpoint_latency_ms"
        assert got[(latency + "_min", labels)] <= got[(latency, labels)] <= got[(latency + "_max", labels)]
        assert got[(latency + "_avg", labels)] >= 0
