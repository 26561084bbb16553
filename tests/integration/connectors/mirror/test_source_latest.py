"""MirrorSourceConnector with ``auto.offset.reset=latest`` across cold starts: the first assignment's position is
the task's from then on, so what is written between two invocations is all copied."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import pytest
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic

from connect_core.runtime.source_runner import SourceRunner
from tests.integration.connectors.mirror._mm2 import budget, mirror_config, read_all

if TYPE_CHECKING:
    from tests.integration.connectors.mirror._mm2 import LambdaWorker

pytestmark = pytest.mark.integration


def _cold_run(worker: LambdaWorker, name: str) -> int:
    """One invocation of task 0 in a new container (a new runner: nothing kept from an earlier one)."""
    runner = SourceRunner(worker.worker)
    try:
        copied = 0
        for _ in range(5):
            result = runner.run(name, 0, budget())
            copied += result.records
            if not result.records:
                return copied
        return copied
    finally:
        runner.close()


def _produce(bootstrap: str, topic: str, values: list[tuple[int, bytes]]) -> None:
    producer = Producer({"bootstrap.servers": bootstrap})
    for partition, value in values:
        producer.produce(topic, value=value, partition=partition)
    producer.flush(30)


@pytest.mark.parametrize("key", ["source.consumer.auto.offset.reset", "consumer.auto.offset.reset"])
def test_latest_copies_everything_written_between_cold_starts(
    lambda_worker: LambdaWorker, kafka_bootstrap: str, kafka2_bootstrap: str, key: str,
) -> None:
    alias = f"s{uuid.uuid4().hex[:6]}"
    topic = f"mm2-{alias}-latest"
    admin = AdminClient({"bootstrap.servers": kafka2_bootstrap})
    admin.create_topics([NewTopic(topic, num_partitions=2, replication_factor=1)])[topic].result(30)
    _produce(kafka2_bootstrap, topic, [(0, b"before-0"), (0, b"before-1"), (0, b"before-2")])  # partition 1 empty
    name = f"{alias}-source"
    lambda_worker.create(name, mirror_config(alias, kafka2_bootstrap, kafka_bootstrap, topic,
                                             **{"tasks.max": "1", key: "latest"}))

    assert _cold_run(lambda_worker, name) == 0  # latest: what was there before the first start is not copied
    offsets = lambda_worker.rest("GET", f"/connectors/{name}/offsets")[1]["offsets"]
    assert sorted((o["partition"]["partition"], o["offset"]["offset"]) for o in offsets) == [(0, 2), (1, -1)]

    _produce(kafka2_bootstrap, topic, [(0, b"a-0"), (1, b"a-1"), (0, b"a-2"), (1, b"a-3")])
    assert _cold_run(lambda_worker, name) == 4
    _produce(kafka2_bootstrap, topic, [(1, b"b-0"), (0, b"b-1")])
    assert _cold_run(lambda_worker, name) == 2
    assert _cold_run(lambda_worker, name) == 0

    copies = read_all(kafka_bootstrap, f"{alias}.{topic}")
    assert [(m.partition(), m.value()) for m in copies] == [
        (0, b"a-0"), (0, b"a-2"), (0, b"b-1"), (1, b"a-1"), (1, b"a-3"), (1, b"b-0")]
    offsets = lambda_worker.rest("GET", f"/connectors/{name}/offsets")[1]["offsets"]
    assert sorted((o["partition"]["partition"], o["offset"]["offset"]) for o in offsets) == [(0, 5), (1, 2)]
