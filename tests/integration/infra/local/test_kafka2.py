"""The second local cluster is a cluster of its own: own cluster id, own topics, and idempotent to start."""

from __future__ import annotations

import uuid

import pytest
from confluent_kafka.admin import AdminClient, NewTopic

from infra.local import kafka2, services

pytestmark = pytest.mark.integration


def test_second_cluster_is_distinct_from_the_shared_broker(kafka_bootstrap: str, kafka2_bootstrap: str) -> None:
    assert kafka2_bootstrap == f"127.0.0.1:{kafka2.PORT}"  # 19092 unless LAMBDA_CONNECT_KAFKA2_PORT moves it
    first = AdminClient({"bootstrap.servers": kafka_bootstrap}).list_topics(timeout=10)
    second = AdminClient({"bootstrap.servers": kafka2_bootstrap}).list_topics(timeout=10)
    assert first.cluster_id and second.cluster_id and first.cluster_id != second.cluster_id

    topic = f"kafka2-only-{uuid.uuid4().hex[:8]}"
    admin = AdminClient({"bootstrap.servers": kafka2_bootstrap})
    admin.create_topics([NewTopic(topic, num_partitions=2, replication_factor=1)])[topic].result(timeout=30)
    assert topic in AdminClient({"bootstrap.servers": kafka2_bootstrap}).list_topics(timeout=10).topics
    assert topic not in AdminClient({"bootstrap.servers": kafka_bootstrap}).list_topics(timeout=10).topics
    admin.delete_topics([topic])[topic].result(timeout=30)


def test_starting_it_again_leaves_the_running_broker_alone(kafka2_bootstrap: str) -> None:
    pid = services.status(kafka2.NAME).pid
    assert services.ensure([kafka2.NAME]) == {kafka2.NAME: {"bootstrap.servers": kafka2_bootstrap}}
    assert services.status(kafka2.NAME).pid == pid
