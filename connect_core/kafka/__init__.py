"""Kafka client plumbing: settings, client factories, topic admin and read-to-end.

Importing this package does not import ``confluent_kafka``; the functions that need it do.
"""

from __future__ import annotations

from connect_core.kafka.admin import ensure_compacted_topic, ensure_topic
from connect_core.kafka.clients import admin_client, consumer_config, producer_config
from connect_core.kafka.partitioner import default_partition, murmur2
from connect_core.kafka.read_to_end import ReadToEndTimeoutError, read_to_end
from connect_core.kafka.settings import KafkaClientSettings

__all__ = [
    "KafkaClientSettings",
    "ReadToEndTimeoutError",
    "admin_client",
    "consumer_config",
    "default_partition",
    "ensure_compacted_topic",
    "ensure_topic",
    "murmur2",
    "producer_config",
    "read_to_end",
]
