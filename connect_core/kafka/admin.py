"""Topic helpers with Kafka Connect's ``TopicAdmin`` semantics: create if missing, verify compaction.

``confluent_kafka`` is imported inside the functions that use it (cold start).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from connect_core.api.errors import ConfigError, ConnectError
from connect_core.kafka.retry import with_retries

if TYPE_CHECKING:
    from collections.abc import Mapping

    from confluent_kafka import Consumer
    from confluent_kafka.admin import AdminClient

__all__ = [
    "BROKER_DEFAULT",
    "CLEANUP_POLICY",
    "COMPACT",
    "DEFAULT_ADMIN_TIMEOUT_S",
    "ensure_compacted_topic",
    "ensure_topic",
    "existing_partition_count",
    "topic_partition_count",
    "under_min_insync_replicas",
    "verify_compacted",
]

BROKER_DEFAULT = -1  # partitions / replication factor: let the broker decide (KIP-464), like Kafka's -1
CLEANUP_POLICY = "cleanup.policy"
COMPACT = "compact"
MIN_INSYNC_REPLICAS = "min.insync.replicas"
DEFAULT_ADMIN_TIMEOUT_S = 30.0
_READY_POLL_S = 0.05


def ensure_topic(
    admin: AdminClient,
    name: str,
    partitions: int = BROKER_DEFAULT,
    replication_factor: int = BROKER_DEFAULT,
    configs: Mapping[str, str] | None = None,
    *,
    timeout_s: float = DEFAULT_ADMIN_TIMEOUT_S,
) -> bool:
    """Create ``name`` unless it exists; an existing topic is left exactly as it is.

    Kafka Connect never alters existing internal topics, it only creates missing ones, so a team's
    own pre-created topics keep their settings.

    Returns:
        True if this call created the topic, False if it already existed.

    Raises:
        ConnectError: the broker refused the creation for another reason (authorisation, policy...).
    """
    from confluent_kafka import KafkaError, KafkaException
    from confluent_kafka.admin import NewTopic

    new_topic = NewTopic(
        name, num_partitions=partitions, replication_factor=replication_factor, config=dict(configs or {})
    )
    future = admin.create_topics([new_topic], request_timeout=timeout_s, operation_timeout=timeout_s)[name]
    try:
        future.result(timeout=timeout_s)
    except KafkaException as error:
        if error.args and error.args[0].code() == KafkaError.TOPIC_ALREADY_EXISTS:
            return False
        raise ConnectError(f"Unable to create topic '{name}': {error}") from error
    _wait_until_ready(admin, name, timeout_s)
    return True


def _wait_until_ready(admin: AdminClient, name: str, timeout_s: float) -> None:
    """Wait until a new topic's metadata shows every partition with a leader.

    CreateTopics answers before all brokers know the topic; an immediate metadata or ListOffsets
    request can still get UNKNOWN_TOPIC_OR_PART or LEADER_NOT_AVAILABLE.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        topic = admin.list_topics(topic=name, timeout=timeout_s).topics.get(name)
        if topic is not None and topic.error is None and topic.partitions:
            if all(p.leader >= 0 and p.error is None for p in topic.partitions.values()):
                return
        if time.monotonic() >= deadline:
            raise ConnectError(f"Topic '{name}' was created but did not become available within {timeout_s}s")
        time.sleep(_READY_POLL_S)


def ensure_compacted_topic(
    admin: AdminClient,
    name: str,
    partitions: int = BROKER_DEFAULT,
    replication_factor: int = BROKER_DEFAULT,
    configs: Mapping[str, str] | None = None,
    *,
    purpose: str = "internal",
    timeout_s: float = DEFAULT_ADMIN_TIMEOUT_S,
) -> bool:
    """Create a compacted topic if missing, then insist that it is compacted and only compacted.

    Kafka Connect refuses to use an internal topic whose ``cleanup.policy`` is not exactly
    ``compact`` (``TopicAdmin.verifyTopicCleanupPolicyOnlyCompact``): with ``delete`` the configs
    and offsets would silently expire. The same check runs here.

    Args:
        admin: admin client.
        name: topic name.
        partitions: partition count for creation (-1: broker default).
        replication_factor: replication factor for creation (-1: broker default).
        configs: extra topic configs for creation; ``cleanup.policy=compact`` always wins.
        purpose: words for the error message, e.g. "connector configurations".
        timeout_s: admin request timeout.

    Returns:
        True if this call created the topic.

    Raises:
        ConfigError: the existing topic's cleanup policy is not exactly ``compact``.
    """
    created = ensure_topic(
        admin, name, partitions, replication_factor, {**(configs or {}), CLEANUP_POLICY: COMPACT}, timeout_s=timeout_s
    )
    verify_compacted(admin, name, purpose=purpose, timeout_s=timeout_s)
    return created


def verify_compacted(
    admin: AdminClient, name: str, *, purpose: str = "internal", timeout_s: float = DEFAULT_ADMIN_TIMEOUT_S
) -> None:
    """Kafka Connect's ``verifyTopicCleanupPolicyOnlyCompact``: ConfigError unless the policy is exactly compact."""
    policy = _cleanup_policy(admin, name, timeout_s)
    if policy is not None and {p.strip() for p in policy.split(",") if p.strip()} != {COMPACT}:
        raise ConfigError(
            f"Topic '{name}' used for {purpose} is required to have '{CLEANUP_POLICY}={COMPACT}' to guarantee "
            f"consistency and durability, but found the topic currently has '{CLEANUP_POLICY}={policy}'. "
            "Continuing would likely result in eventually losing data. Use a topic with 'cleanup.policy=compact'."
        )


def existing_partition_count(
    client: AdminClient | Consumer, name: str, *, timeout_s: float = DEFAULT_ADMIN_TIMEOUT_S
) -> int | None:
    """The partition count of a topic that exists with a leader for every partition; None otherwise (missing, or
    not ready yet): one metadata request, which never creates the topic (consumers do not auto-create)."""
    topic = client.list_topics(topic=name, timeout=timeout_s).topics.get(name)
    if topic is None or topic.error is not None or not topic.partitions:
        return None
    if any(p.leader < 0 or p.error is not None for p in topic.partitions.values()):
        return None
    return len(topic.partitions)


def topic_partition_count(
    admin: AdminClient | Consumer, name: str, *, timeout_s: float = DEFAULT_ADMIN_TIMEOUT_S
) -> int:
    """Number of partitions of a topic that was just ensured to exist (ConnectError if it never shows up).

    Asked through a consumer, the answer also fills that consumer's metadata cache: a topic assigned to it next is
    fetched at once, instead of after librdkafka's one-second refresh of topics it knows nothing about.
    A broker under load may answer ``UNKNOWN_TOPIC_OR_PART`` for a moment after the topic was created or found, so
    that answer is retried like a leader election until ``timeout_s``.
    """
    from confluent_kafka import KafkaException

    def describe() -> int:
        topic = admin.list_topics(topic=name, timeout=timeout_s).topics.get(name)
        if topic is not None and topic.error is not None:
            raise KafkaException(topic.error)  # retried while it is retriable (metadata lag, leader election)
        if topic is None:
            raise ConnectError(f"Topic '{name}' does not exist: no metadata")
        return len(topic.partitions)

    try:
        return with_retries(describe, what=f"describing '{name}'", timeout_s=timeout_s)
    except KafkaException as error:
        raise ConnectError(f"Topic '{name}' does not exist or cannot be described: {error}") from error


def _cleanup_policy(admin: AdminClient, name: str, timeout_s: float) -> str | None:
    """The topic's cleanup.policy, or None when it may not be described (Kafka then skips the check).

    A topic created a moment ago answers with retriable errors for a while: those are waited out, or the check
    would be skipped exactly when a topic was just created with the wrong policy.
    """
    from confluent_kafka import KafkaException
    from confluent_kafka.admin import ConfigResource, ResourceType

    resource = ConfigResource(ResourceType.TOPIC, name)
    try:
        entries = with_retries(
            lambda: admin.describe_configs([resource], request_timeout=timeout_s)[resource].result(timeout=timeout_s),
            what=f"describing the configs of '{name}'", timeout_s=timeout_s)
    except KafkaException:
        return None  # e.g. no DescribeConfigs ACL: Kafka logs and carries on
    entry = entries.get(CLEANUP_POLICY)
    return None if entry is None else entry.value


def under_min_insync_replicas(admin: AdminClient, topics: list[str], *, timeout_s: float) -> list[str]:
    """Why writes to ``topics`` cannot be acknowledged: one sentence per partition whose in-sync replicas are fewer
    than the topic's ``min.insync.replicas`` (what the broker answers ``NOT_ENOUGH_REPLICAS`` for), naming the topic,
    the required and the available replicas and what to do; empty when none is short or nothing can be read."""
    from confluent_kafka import KafkaException
    from confluent_kafka.admin import ConfigResource, ResourceType

    found: list[str] = []
    try:
        metadata = admin.list_topics(timeout=timeout_s).topics
        resources = {t: ConfigResource(ResourceType.TOPIC, t) for t in dict.fromkeys(topics) if t in metadata}
        described = admin.describe_configs(list(resources.values()), request_timeout=timeout_s) if resources else {}
        for name, resource in resources.items():
            entry = described[resource].result(timeout=timeout_s).get(MIN_INSYNC_REPLICAS)
            required = int(entry.value) if entry is not None and entry.value else 1
            for number, partition in sorted(metadata[name].partitions.items()):
                if len(partition.isrs) < required:
                    found.append(
                        f"Topic '{name}' partition {number}: {len(partition.isrs)} in-sync replica(s) "
                        f"(brokers {sorted(partition.isrs)}) of {len(partition.replicas)} (brokers "
                        f"{sorted(partition.replicas)}), but {MIN_INSYNC_REPLICAS}={required}: the broker rejects "
                        "acks=all writes with NOT_ENOUGH_REPLICAS (Messages are rejected since there are fewer "
                        "in-sync replicas than required). Bring the missing replicas' brokers back, or lower the "
                        f"topic's {MIN_INSYNC_REPLICAS} (at most its replication factor); the task is RUNNING again "
                        "by itself once writes are acknowledged.")
    except (KafkaException, ValueError):
        return found  # no Describe ACL or a broker that does not answer: the generic message stands
    return found
