"""Kafka client plumbing: settings, client factories, topic admin and read-to-end.

Importing this package does not import ``confluent_kafka``; the functions that need it do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from connect_core.api.lazy_exports import lazy_exports

# Imported at once: the function shares its name with its module, which importing the module would otherwise
# leave here in its place (every store reads to the end, so the module is on each handler's path anyway).
from connect_core.kafka.read_to_end import ReadToEndTimeoutError, read_to_end

if TYPE_CHECKING:
    from connect_core.kafka.admin import ensure_compacted_topic, ensure_topic
    from connect_core.kafka.clients import admin_client, consumer_config, producer_config
    from connect_core.kafka.partitioner import default_partition, murmur2
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

# Each name's module, imported on first access (PEP 562): importing one submodule, or one name, no longer loads
# every module re-exported here (cold start: a handler pays only for what its first request uses).
_EXPORTS: dict[str, str] = {
    "KafkaClientSettings": "connect_core.kafka.settings",
    "admin_client": "connect_core.kafka.clients",
    "consumer_config": "connect_core.kafka.clients",
    "default_partition": "connect_core.kafka.partitioner",
    "ensure_compacted_topic": "connect_core.kafka.admin",
    "ensure_topic": "connect_core.kafka.admin",
    "murmur2": "connect_core.kafka.partitioner",
    "producer_config": "connect_core.kafka.clients",
}


__getattr__ = lazy_exports(__name__, _EXPORTS)
