"""Per-test internal topics and stores on the real broker, so runner tests never see each other's state."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest

from connect_core.kafka.settings import KafkaClientSettings
from connect_core.runtime.worker import WorkerSettings
from connect_core.storage.config import StorageConfig
from connect_core.storage.config_store import ConfigStore
from connect_core.storage.offset_store import OffsetStore
from connect_core.storage.status_store import StatusStore
from tests.fixtures.kafka_topics import delete_prefixed
from tests.integration.functions._sink_harness import KafkaTopics

if TYPE_CHECKING:
    from collections.abc import Iterator


@dataclass
class Cluster:
    """A worker's settings plus fresh stores over its own internal topics."""

    worker: WorkerSettings
    configs: ConfigStore
    offsets: OffsetStore
    statuses: StatusStore

    def deploy(self, name: str, config: dict[str, str], task_configs: list[dict[str, str]]) -> None:
        """Write a connector the way the coordinator does: config, task configs + commit, target state."""
        from connect_core.storage.config_state import TargetState

        self.configs.put_connector_config(name, {"name": name, **config})
        self.configs.put_task_configs(name, task_configs)
        self.configs.put_target_state(name, TargetState.STARTED)


@pytest.fixture
def cluster(kafka_bootstrap: str) -> Iterator[Cluster]:
    prefix = f"it-{uuid.uuid4().hex[:8]}"
    storage = StorageConfig(
        config_storage_topic=f"{prefix}-configs", offset_storage_topic=f"{prefix}-offsets",
        status_storage_topic=f"{prefix}-status", offset_storage_partitions=5, status_storage_partitions=2,
    )
    worker = WorkerSettings(KafkaClientSettings(bootstrap_servers=kafka_bootstrap), storage, group_id=prefix)
    stores = Cluster(
        worker, ConfigStore(worker.kafka, storage), OffsetStore(worker.kafka, storage),
        StatusStore(worker.kafka, storage),
    )
    yield stores
    for store in (stores.configs, stores.offsets, stores.statuses):
        store.close()
    delete_prefixed(kafka_bootstrap, f"{prefix}-")


def consume_committed(
    bootstrap: str, topic: str, expected: int, timeout_s: float = 60.0, *, timestamps: bool = False
) -> list[tuple]:
    """(key, value, headers) of every committed record in ``topic`` (read_committed), waiting for ``expected``;
    with ``timestamps``, (key, value, headers, (timestamp type, timestamp)). Done once ``expected`` are read and
    every partition is read to its last stable offset (no group join, no idle polls)."""
    import time

    from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, TopicPartition

    consumer = Consumer({
        "bootstrap.servers": bootstrap, "group.id": f"check-{uuid.uuid4().hex}", "isolation.level": "read_committed",
        "enable.auto.commit": False, "enable.partition.eof": True,
    })
    out: list[tuple] = []
    deadline = time.monotonic() + timeout_s
    assigned: set[int] = set()
    at_end: set[int] = set()  # partitions read to their last stable offset since their last record
    try:
        while time.monotonic() < deadline:
            if not assigned:
                known = consumer.list_topics(topic, timeout=5).topics.get(topic)
                if known is None or known.error is not None or not known.partitions:
                    time.sleep(0.1)  # not created yet
                    continue
                assigned = set(known.partitions)
                consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in sorted(assigned)])
            message = consumer.poll(0.2)
            if message is None:
                continue
            if message.error():
                if message.error().code() == KafkaError._PARTITION_EOF:
                    at_end.add(message.partition())
                    if at_end == assigned and len(out) >= expected:
                        break
                continue
            at_end.discard(message.partition())
            out.append((message.key(), message.value(), message.headers(),
                        *((message.timestamp(),) if timestamps else ())))
    finally:
        consumer.close()
    return out


@pytest.fixture
def topics(kafka_bootstrap: str) -> Iterator[KafkaTopics]:
    """Data topics a test creates on the broker, deleted after it."""
    created = KafkaTopics(kafka_bootstrap)
    yield created
    created.delete_all()
