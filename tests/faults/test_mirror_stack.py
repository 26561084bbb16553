"""MirrorMaker 2 on the deployed stack: the three connectors, created through the deployed coordinator's Function
URL, replicate the second local cluster (``kafka2``) to the stack's own cluster on their schedules: the records byte
for byte, a consumer group's translated offsets written to the target, and heartbeats.

The stack is this module's own (``make faults`` only: a scheduled source's first run waits for the Scheduler's first
one-minute heartbeat, so the case takes over a minute of waiting besides the deploy, too long for ``make test``; the
stack tests there share one deploy). The connectors' target clients name the stack's cluster (the tasks check it is
the worker's cluster: the same cluster id).
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import pytest
from confluent_kafka import TopicPartition

from connect_core.connectors.mirror._formats import Checkpoint
from tests.faults import test_stack_cdc_kills
from tests.faults.conftest import BIG
from tests.integration.connectors.mirror._mm2 import (
    commit,
    committed,
    heartbeats_of,
    mirror_config,
    produce_sample,
    read_all,
    record_view,
)
from tests.integration.stack.conftest import Deployed, wait_for

if TYPE_CHECKING:
    from collections.abc import Callable

WAIT_S = 300.0  # the first run waits for the Scheduler's first heartbeat, on a machine shared with other suites
READ_S = 30.0

pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(not BIG, reason="make faults only: deploys a stack of its own")]


# the fixture ``faults_stack``: a stack of this module's own (plaintext listener), taken down at the end
faults_stack = test_stack_cdc_kills.faults_stack


def _running(deployed: Deployed, name: str) -> bool:
    status, body = deployed.http("GET", f"/connectors/{name}/status")
    return (status == 200 and body["connector"]["state"] == "RUNNING" and bool(body["tasks"])
            and all(task["state"] == "RUNNING" for task in body["tasks"]))


def test_the_three_mirrormaker2_connectors_replicate_a_topic_and_a_group_on_the_stack(
    faults_stack: Deployed, kafka_bootstrap: str, kafka2_bootstrap: str,
) -> None:
    deployed = faults_stack
    alias = f"st{uuid.uuid4().hex[:6]}"
    topic, group = f"mm2-{alias}-orders", f"mm2-{alias}-app"
    produce_sample(kafka2_bootstrap, topic)  # partition 0: offsets 0-6, partition 1: 0-2
    commit(kafka2_bootstrap, group, [TopicPartition(topic, 0, 7), TopicPartition(topic, 1, 3)])
    base = {**mirror_config(alias, kafka2_bootstrap, kafka_bootstrap, f"mm2-{alias}-.*"),
            "lambda.schedule.interval.ms": "2000"}
    configs = {
        f"{alias}-source": base,
        f"{alias}-checkpoint": {**base, "connector.class": "org.apache.kafka.connect.mirror.MirrorCheckpointConnector",
                                "groups": group, "tasks.max": "1", "checkpoints.topic.replication.factor": "1",
                                "emit.checkpoints.interval.seconds": "1", "sync.group.offsets.enabled": "true",
                                "sync.group.offsets.interval.seconds": "1"},
        f"{alias}-heartbeat": {**base, "connector.class": "org.apache.kafka.connect.mirror.MirrorHeartbeatConnector",
                               "tasks.max": "1", "heartbeats.topic.replication.factor": "1",
                               "emit.heartbeats.interval.seconds": "1"},
    }
    remote = f"{alias}.{topic}"
    try:
        for name, config in configs.items():
            status, body = deployed.http("POST", "/connectors", {"name": name, "config": config})
            assert status == 201, body
        source = [record_view(m) for m in read_all(kafka2_bootstrap, topic, timeout_s=READ_S)]
        assert len(source) == 10

        def copies() -> list[tuple[object, ...]]:
            return [record_view(m) for m in read_all(kafka_bootstrap, remote, timeout_s=READ_S)]

        def statuses() -> str:
            return "; ".join(f"{name}: {deployed.http('GET', f'/connectors/{name}/status')[1]}" for name in configs)

        def wait(check: Callable[[], object], what: str) -> None:
            try:
                wait_for(check, what, WAIT_S)
            except AssertionError as error:
                raise AssertionError(f"{error}; {len(copies())} copies; {statuses()}") from None

        wait(lambda: copies() == source, "the records copied to the stack's cluster")
        def latest_checkpoints() -> list[Checkpoint]:
            """The last checkpoint of each partition, what a reader of the topic translates with (an earlier one may
            stand for a sync that the source's commit had not sent yet: upstream 7 read as downstream 1)."""
            latest = {}
            for message in read_all(kafka_bootstrap, f"{alias}.checkpoints.internal", timeout_s=READ_S):
                checkpoint = Checkpoint.decode(message.key(), message.value())
                latest[checkpoint.group, checkpoint.topic, checkpoint.partition] = checkpoint
            return sorted(latest.values())

        # the group is at the end of both partitions (upstream 7 and 3): translated to just past each partition's
        # last copy on the target, whose offsets count the copies' transaction markers too (one per invocation)
        ends = {m.partition(): m.offset() + 1 for m in read_all(kafka_bootstrap, remote, timeout_s=READ_S)}
        expected = [Checkpoint(group, remote, 0, 7, ends[0], ""), Checkpoint(group, remote, 1, 3, ends[1], "")]
        try:
            wait(lambda: latest_checkpoints() == expected, "the group's checkpoints")
        except AssertionError as error:
            raise AssertionError(f"{error}; the latest checkpoints: {latest_checkpoints()}") from None
        wait(lambda: committed(kafka_bootstrap, group, [TopicPartition(remote, 0), TopicPartition(remote, 1)])
             == [(0, ends[0], None), (1, ends[1], None)], "the group's translated offsets on the target")
        wait(lambda: heartbeats_of(kafka_bootstrap, alias, timeout_s=READ_S), "a heartbeat")
        for name in configs:
            wait(lambda n=name: _running(deployed, n), f"{name} RUNNING")
        # the schedules went on meanwhile: nothing was copied twice
        assert copies() == source
    finally:
        for name in configs:
            deployed.http("DELETE", f"/connectors/{name}")
