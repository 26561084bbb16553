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


def consume_committed(
    bootstrap: str, topic: str, expected: int, timeout_s: float = 20.0, *, timestamps: bool = False
) -> list[tuple]:
    """(key, value, headers) of every committed record in ``topic`` (read_committed), waiting for ``expected``;
    with ``timestamps``, (key, value, headers, (timestamp type, timestamp))."""
    import time

    from confluent_kafka import Consumer

    consumer = Consumer({
        "bootstrap.servers": bootstrap, "group.id": f"check-{uuid.uuid4().hex}", "auto.offset.reset": "earliest",
        "isolation.level": "read_committed", "enable.auto.commit": False,
    })
    consumer.subscribe([topic])
    out: list[tuple] = []
    deadline = time.monotonic() + timeout_s
    idle_after_expected = 0
    try:
        while time.monotonic() < deadline:
            message = consumer.poll(0.5)
            if message is None:
                if len(out) >= expected:
                    idle_after_expected += 1
                    if idle_after_expected >= 3:
                        break
                continue
            if message.error():
                continue
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
