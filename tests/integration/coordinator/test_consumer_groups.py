"""``KafkaConsumerGroups.has_members`` against the broker: what a pause or stop waits for before it says STOPPED."""

from __future__ import annotations

import time
import uuid

import pytest
from confluent_kafka import Consumer
from confluent_kafka.admin import AdminClient, NewTopic

from connect_core.coordinator.cluster.consumer_groups import GroupNotEmptyError, KafkaConsumerGroups
from connect_core.kafka.settings import KafkaClientSettings

pytestmark = pytest.mark.integration


def test_a_group_has_members_while_a_consumer_is_in_it_and_none_once_it_left(kafka_bootstrap: str) -> None:
    topic, group = f"members-{uuid.uuid4().hex[:8]}", f"connect-members-{uuid.uuid4().hex[:8]}"
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    admin.create_topics([NewTopic(topic, 1, 1)])[topic].result(30)
    groups = KafkaConsumerGroups(KafkaClientSettings(bootstrap_servers=kafka_bootstrap), timeout_s=10)
    assert groups.has_members(group) is False  # no such group
    consumer = Consumer({"bootstrap.servers": kafka_bootstrap, "group.id": group, "session.timeout.ms": 10_000})
    try:
        consumer.subscribe([topic])
        deadline = time.monotonic() + 30
        while not consumer.assignment() and time.monotonic() < deadline:
            consumer.poll(0.2)
        assert groups.has_members(group) is True
        with pytest.raises(GroupNotEmptyError):
            groups.delete_group(group)
    finally:
        consumer.close()
    assert groups.has_members(group) is False
    groups.delete_group(group)
    admin.delete_topics([topic])[topic].result(30)
