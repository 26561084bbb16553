"""Each side's MirrorMaker 2 reads what the other wrote: Kafka's MirrorCheckpointConnector (connect-mirror 4.1.1 on
the 4.1.1 worker) translates consumer groups from the offset syncs our MirrorSourceConnector wrote, ours translates
from the offset syncs Kafka's wrote (kept on the target: ``offset-syncs.topic.location=target``), and a consumer
that fails over to the target at offsets Kafka's translation wrote reads the same records as one at ours.

Four checkpoint connectors over two copies of one topic, each with groups of its own at the same upstream offsets:
Kafka's and ours on our offset syncs (alias ``xp<id>``), ours and Kafka's on Kafka's (alias ``xj<id>``). Ours are
deterministic; Kafka's worker commits offsets on its own clock and may add a sync mid-batch, so translations over
Kafka's syncs are compared reader with reader.
"""

from __future__ import annotations

import time
import uuid
from typing import TYPE_CHECKING, Any

import pytest
from confluent_kafka import Consumer, TopicPartition

from connect_core.connectors.mirror._formats import Checkpoint, OffsetSync
from tests.compat.mirror._jvm import JVM_TIMEOUT_S, configs, latest
from tests.integration.connectors.mirror._mm2 import (
    LambdaWorker,
    commit,
    committed,
    produce_sample,
    read_all,
)

if TYPE_CHECKING:
    from tests.compat.connect_worker.conftest import ConnectWorker

pytestmark = pytest.mark.integration

# upstream positions of each reader's groups: (partition, offset, metadata); partition 0 holds offsets 0-6,
# partition 1 offsets 0-2, so "mid" stops between two syncs and "end" at the last records
POSITIONS = {"mid": [(0, 3, "stopped at 3"), (1, 3, "")], "end": [(0, 7, ""), (1, 1, "")]}
# (partition, upstream, downstream, metadata) Kafka's rule gives from syncs (0->0), (6->6) and (0->0), (2->2)
TRANSLATED = {"mid": [(0, 3, 1, "stopped at 3"), (1, 3, 3, "")], "end": [(0, 7, 7, ""), (1, 1, 1, "")]}
READERS = ("jvm-on-ours", "ours-on-ours", "ours-on-jvm", "jvm-on-jvm")


def _groups(run: str, reader: str) -> list[str]:
    return [f"mm2x-{run}-{reader}-{case}" for case in POSITIONS]


def _failover_reads(bootstrap: str, group: str, topic: str) -> list[tuple[int, int]]:
    """(partition, offset) of every record a consumer of ``group`` reads on ``topic`` from the group's committed
    offsets to the end: what a client failing over to the target sees."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False,
                         "auto.offset.reset": "latest"})
    try:
        partitions = [TopicPartition(topic, 0), TopicPartition(topic, 1)]
        ends = {p.partition: consumer.get_watermark_offsets(p, timeout=10)[1] for p in partitions}
        starts = {p.partition: p.offset for p in consumer.committed(partitions, timeout=10)}
        pending = {p for p, end in ends.items() if 0 <= starts[p] < end}  # partitions with records left to read
        consumer.assign(partitions)  # no offset given: each partition starts at the group's committed offset
        seen: list[tuple[int, int]] = []
        deadline = time.monotonic() + 30
        while pending and time.monotonic() < deadline:
            message = consumer.poll(0.2)
            if message is not None and message.error() is None:
                seen.append((message.partition(), message.offset()))
            # the position, not the last record's offset: a transactional copy ends with a commit marker
            pending = {p.partition for p in consumer.position([TopicPartition(topic, p) for p in pending])
                       if p.offset < ends[p.partition]}
        assert not pending, f"{group} did not read {topic} to its end"
        return sorted(seen)
    finally:
        consumer.close()


def test_kafkas_checkpoints_from_our_offset_syncs_and_ours_from_kafkas(
    mirror_worker: ConnectWorker, lambda_worker: LambdaWorker, kafka_bootstrap: str, kafka2_bootstrap: str,
) -> None:
    run = uuid.uuid4().hex[:6]
    topic = f"mm2x-{run}-orders"
    produce_sample(kafka2_bootstrap, topic)
    for reader in READERS:
        for group, positions in zip(_groups(run, reader), POSITIONS.values(), strict=True):
            commit(kafka2_bootstrap, group, [TopicPartition(topic, p, o, metadata=m) if m
                                             else TopicPartition(topic, p, o) for p, o, m in positions])
    ours, jvm = f"xp{run}", f"xj{run}"
    pattern = f"mm2x-{run}-.*"
    our_side = configs(ours, kafka2_bootstrap, kafka_bootstrap, pattern, "")
    jvm_side = configs(jvm, kafka2_bootstrap, kafka_bootstrap, pattern, "", **{"offset-syncs.topic.location": "target"})

    # the copies: ours writes its offset syncs to the source cluster, Kafka's to the target
    lambda_worker.create(f"{ours}-source", our_side["source"])
    assert lambda_worker.run_until_idle(f"{ours}-source") == 10
    status, body = mirror_worker.rest("PUT", f"/connectors/{jvm}-source/config", jvm_side["source"])
    assert status == 201, body
    expected_syncs = {OffsetSync(topic, 0, 0, 0), OffsetSync(topic, 0, 6, 6), OffsetSync(topic, 1, 0, 0),
                      OffsetSync(topic, 1, 2, 2)}

    def syncs(bootstrap: str, name: str) -> set[OffsetSync]:
        return {OffsetSync.decode(m.key(), m.value()) for m in read_all(bootstrap, name)}

    # the JVM's worker commits offsets on its own clock, and a commit between two records promotes a delayed sync:
    # its syncs include these, maybe more (so its translations are compared with ours over the same syncs)
    mirror_worker.wait_for("the JVM's offset syncs on the target",
                           lambda: expected_syncs <= syncs(kafka_bootstrap, f"mm2-offset-syncs.{jvm}.internal"),
                           JVM_TIMEOUT_S)
    assert syncs(kafka2_bootstrap, f"mm2-offset-syncs.t{ours}.internal") == expected_syncs

    # the checkpoint connectors: each reader checkpoints only its own groups
    checkpoint_connectors: dict[str, tuple[str, dict[str, str]]] = {
        "jvm-on-ours": (f"{ours}-jvm-checkpoint", our_side["checkpoint"]),
        "jvm-on-jvm": (f"{jvm}-jvm-checkpoint", jvm_side["checkpoint"]),
        "ours-on-ours": (f"{ours}-checkpoint", our_side["checkpoint"]),
        "ours-on-jvm": (f"{jvm}-checkpoint", jvm_side["checkpoint"]),
    }
    for reader, (name, base) in checkpoint_connectors.items():
        config = {**base, "groups": f"mm2x-{run}-{reader}-.*"}
        if reader.startswith("jvm"):
            status, body = mirror_worker.rest("PUT", f"/connectors/{name}/config", config)
            assert status == 201, body
        else:
            lambda_worker.create(name, config)
            assert lambda_worker.run_tasks(name)[0].records == 4, reader  # 2 groups x 2 partitions

    def remote(reader: str) -> str:
        return f"{ours if reader.endswith('ours') else jvm}.{topic}"

    def checkpoints(reader: str) -> dict[str, list[tuple[int, int, int, str]]]:
        """Case -> (partition, upstream, downstream, metadata up to its first NUL) of the reader's groups."""
        alias = ours if reader.endswith("ours") else jvm
        found = latest([Checkpoint.decode(m.key(), m.value())
                        for m in read_all(kafka_bootstrap, f"{alias}.checkpoints.internal")])
        out: dict[str, list[tuple[int, int, int, str]]] = {}
        for case, group in zip(POSITIONS, _groups(run, reader), strict=True):
            mine = sorted(c for c in found.values() if c.group == group)
            assert all(c.topic == remote(reader) for c in mine), mine
            out[case] = [(c.partition, c.upstream_offset, c.downstream_offset, c.metadata.split("\x00", 1)[0])
                         for c in mine]
        return out

    def target_offsets(reader: str) -> list[list[tuple[int, int, str | None]]]:
        partitions = [TopicPartition(remote(reader), 0), TopicPartition(remote(reader), 1)]
        return [committed(kafka_bootstrap, group, partitions) for group in _groups(run, reader)]

    # Kafka's checkpoints and group offsets from our syncs are what ours wrote from them, and what the rule gives
    synced = [[(0, 1, "stopped at 3"), (1, 3, None)], [(0, 7, None), (1, 1, None)]]
    assert checkpoints("ours-on-ours") == TRANSLATED and target_offsets("ours-on-ours") == synced
    mirror_worker.wait_for("the JVM's checkpoints from our offset syncs",
                           lambda: checkpoints("jvm-on-ours") == TRANSLATED, JVM_TIMEOUT_S)
    mirror_worker.wait_for("the JVM's group offsets from our offset syncs",
                           lambda: target_offsets("jvm-on-ours") == synced, JVM_TIMEOUT_S)
    # ours from Kafka's syncs are what Kafka's own checkpoint connector makes of them
    from_jvm = checkpoints("ours-on-jvm")
    assert all(len(translated) == 2 for translated in from_jvm.values()), from_jvm
    mirror_worker.wait_for("the JVM's checkpoints from its own offset syncs",
                           lambda: checkpoints("jvm-on-jvm") == from_jvm, JVM_TIMEOUT_S)
    mirror_worker.wait_for("the JVM's group offsets from its own offset syncs",
                           lambda: target_offsets("jvm-on-jvm") == target_offsets("ours-on-jvm"), JVM_TIMEOUT_S)

    # consumers failing over to the target at each reader's offsets: over the same syncs they read the same
    # records, and nothing they had not read upstream is skipped (over our syncs only partition 0's offsets 1-2
    # of "mid" are read again)
    reads: dict[str, Any] = {reader: [_failover_reads(kafka_bootstrap, group, remote(reader))
                                      for group in _groups(run, reader)] for reader in READERS}
    assert reads["ours-on-ours"] == [[(0, 1), (0, 2), (0, 3), (0, 4), (0, 5), (0, 6)], [(1, 1), (1, 2)]]
    assert reads["jvm-on-ours"] == reads["ours-on-ours"]
    assert reads["ours-on-jvm"] == reads["jvm-on-jvm"]
    mid, end = reads["ours-on-jvm"]
    assert set(mid) >= {(0, 3), (0, 4), (0, 5), (0, 6)} and end == [(1, 1), (1, 2)]

    for name in (f"{jvm}-source", f"{ours}-jvm-checkpoint", f"{jvm}-jvm-checkpoint"):
        mirror_worker.rest("DELETE", f"/connectors/{name}")
