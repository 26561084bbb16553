"""MirrorMaker 2's source connector on the three-broker cluster (auto-creation off, min ISR 2), at Kafka's default
replication factors: the remote topic (``replication.factor`` 2) and the offset-syncs topic (3) are created by the
connector itself through the Admin API, and every record is copied."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import pytest
from confluent_kafka import Producer

from tests.e2e.cluster.conftest import create_topics, replication, topic_names
from tests.integration.connectors.mirror._mm2 import LambdaWorker, mirror_config, read_all, record_view

if TYPE_CHECKING:
    from collections.abc import Iterator

pytestmark = pytest.mark.integration


@pytest.fixture
def worker(msk_cluster: dict[str, str]) -> Iterator[LambdaWorker]:
    """A coordinator and source runner on the cluster, internal topics of their own (broker default RF: 3)."""
    started = LambdaWorker.start(msk_cluster["bootstrap.servers"])
    yield started
    started.close()


def test_mirror_source_creates_its_topics_on_a_cluster_without_auto_creation(
    worker: LambdaWorker, msk_cluster: dict[str, str],
) -> None:
    bootstrap = msk_cluster["bootstrap.servers"]
    alias = f"m{uuid.uuid4().hex[:6]}"
    topic = f"mm2-{alias}-orders"
    create_topics(bootstrap, topic, partitions=2)
    producer = Producer({"bootstrap.servers": bootstrap})
    for i in range(20):
        producer.produce(topic, key=f"k{i}".encode(), value=f"v{i}".encode(), partition=i % 2)
    assert producer.flush(30) == 0
    name = f"{alias}-source"
    config = mirror_config(alias, bootstrap, bootstrap, f"mm2-{alias}-.*")
    for key in ("replication.factor", "offset-syncs.topic.replication.factor"):  # Kafka's defaults: 2 and 3
        config.pop(key)
    worker.create(name, config)
    assert worker.run_until_idle(name) == 20
    remote = f"{alias}.{topic}"
    assert [record_view(m) for m in read_all(bootstrap, remote)] == [record_view(m) for m in read_all(bootstrap, topic)]
    offset_syncs = f"mm2-offset-syncs.t{alias}.internal"
    assert {remote, offset_syncs} <= topic_names(bootstrap)
    assert (replication(bootstrap, remote), replication(bootstrap, offset_syncs)) == ({2}, {3})
    from confluent_kafka.admin import AdminClient

    admin = AdminClient({"bootstrap.servers": bootstrap})  # kept alive: a dropped client fails its futures
    for future in admin.delete_topics([offset_syncs, remote, topic]).values():
        future.result(30)
