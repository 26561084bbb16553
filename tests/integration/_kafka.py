"""Kafka look-ups integration tests share."""

from __future__ import annotations

from confluent_kafka import Consumer, TopicPartition


def committed_offset(bootstrap: str, group: str, topic: str, partition: int = 0) -> int:
    """The offset ``group`` has committed on ``topic``'s partition (negative when it has none)."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group})
    try:
        return consumer.committed([TopicPartition(topic, partition)], timeout=10)[0].offset
    finally:
        consumer.close()
