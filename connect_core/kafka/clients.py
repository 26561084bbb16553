"""Client factories: librdkafka property dicts with Kafka Connect's defaults, and an admin client.

The property builders return plain dicts (no client is created) so the runners can add their own
keys, e.g. a ``transactional.id`` per task, and so they are testable without a broker.
``confluent_kafka`` is imported only inside :func:`admin_client` (cold start).
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from confluent_kafka.admin import AdminClient

    from connect_core.kafka.settings import KafkaClientSettings

__all__ = [
    "JAVA_COMPATIBLE_PARTITIONER",
    "READ_COMMITTED",
    "READ_UNCOMMITTED",
    "admin_client",
    "consumer_config",
    "producer_config",
]

# librdkafka's name for the partitioner that hashes non-null keys exactly like Java's default
# partitioner (murmur2, positive, modulo partition count). Its own default (consistent_random,
# crc32) would scatter the offsets topic differently from a Java worker.
JAVA_COMPATIBLE_PARTITIONER = "murmur2_random"
READ_COMMITTED = "read_committed"
READ_UNCOMMITTED = "read_uncommitted"
_READER_GROUP_PREFIX = "lambda-connect-reader-"


BUFFER_MEMORY_KB = 32 * 1024  # Kafka's buffer.memory default; a full queue makes produce wait for deliveries


def producer_config(
    settings: KafkaClientSettings,
    *,
    transactional_id: str | None = None,
    client_id: str | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """Producer properties in Kafka Connect's spirit: ``acks=all``, Java-compatible partitioning, and the Java
    producer's ``buffer.memory`` (32 MiB) as the bound of records queued and not yet sent: librdkafka's own default
    is 1 GiB, so with a slow broker a big source transaction held its records in memory past a function's size.

    Args:
        settings: cluster connection settings.
        transactional_id: set for exactly-once source tasks; also turns idempotence on, as Kafka's
            transactional producers require.
        client_id: optional client id shown in broker logs and quotas.
        **overrides: extra librdkafka keys, applied last (dots are not valid in keyword names, so
            pass them as ``**{"linger.ms": 5}``).
    """
    config: dict[str, Any] = {
        **settings.client_config(),
        "acks": "all",
        "partitioner": JAVA_COMPATIBLE_PARTITIONER,
        "queue.buffering.max.kbytes": BUFFER_MEMORY_KB,
    }
    if transactional_id is not None:
        config["transactional.id"] = transactional_id
        config["enable.idempotence"] = True
    if client_id is not None:
        config["client.id"] = client_id
    config.update(overrides)
    return config


def consumer_config(
    settings: KafkaClientSettings,
    *,
    group_id: str | None = None,
    isolation_level: str = READ_COMMITTED,
    client_id: str | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """Consumer properties for reading Connect topics by explicit assignment.

    Args:
        settings: cluster connection settings.
        group_id: the consumer group. Readers of internal topics never join or commit (Kafka's
            KafkaBasedLog uses no group at all), but librdkafka insists on a ``group.id``, so a
            unique, never-committed one is generated when none is given.
        isolation_level: ``read_committed`` (default) hides aborted and open transactions, which
            exactly-once source tasks write to the offsets topic.
        client_id: optional client id.
        **overrides: extra librdkafka keys, applied last.
    """
    config: dict[str, Any] = {
        **settings.client_config(),
        "group.id": group_id or f"{_READER_GROUP_PREFIX}{uuid.uuid4().hex}",
        "enable.auto.commit": False,
        "enable.auto.offset.store": False,
        "auto.offset.reset": "earliest",
        "isolation.level": isolation_level,
        "enable.partition.eof": True,
        # Fetches at the end of a partition return after this long rather than librdkafka's 500 ms:
        # read-to-end needs the (empty) answer that carries the end-of-partition event.
        "fetch.wait.max.ms": 50,
    }
    if client_id is not None:
        config["client.id"] = client_id
    config.update(overrides)
    return config


def admin_client(settings: KafkaClientSettings, **overrides: Any) -> AdminClient:
    """An ``AdminClient`` for topic management (creation, config checks)."""
    from confluent_kafka.admin import AdminClient

    return AdminClient({**settings.client_config(), **overrides})
