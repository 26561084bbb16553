"""A coordinator over the real local broker, with internal topics unique to each test module."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

from connect_core.coordinator import Coordinator, RecordingDeployer, Request, Response, coordinator_from_settings
from connect_core.kafka.settings import KafkaClientSettings
from connect_core.runtime.worker import WorkerSettings
from connect_core.storage.config import StorageConfig
from tests.fixtures.kafka_topics import delete_prefixed

if TYPE_CHECKING:
    from collections.abc import Iterator

WORKER_ID = "it-coordinator:8083"


@pytest.fixture(scope="module")
def prefix() -> str:
    """Prefix of every topic (internal and data) this test module creates."""
    return f"it-coord-{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="module")
def worker(kafka_bootstrap: str, prefix: str) -> Iterator[WorkerSettings]:
    storage = StorageConfig(
        config_storage_topic=f"{prefix}-configs",
        offset_storage_topic=f"{prefix}-offsets",
        status_storage_topic=f"{prefix}-status",
        offset_storage_partitions=5,
        status_storage_partitions=2,
    )
    settings = KafkaClientSettings(bootstrap_servers=kafka_bootstrap)
    yield WorkerSettings(settings, storage, f"{prefix}-group", WORKER_ID)
    delete_prefixed(kafka_bootstrap, prefix)


@dataclass
class Client:
    """Sends requests to one long-lived coordinator, or to a fresh one (what a cold Lambda would be)."""

    worker: WorkerSettings
    deployer: RecordingDeployer
    coordinator: Coordinator

    def call(self, method: str, path: str, body: Any = None, query: str = "", *, fresh: bool = False) -> Response:
        raw = None if body is None else json.dumps(body)
        request = Request.build(method, path, query, {"Content-Type": "application/json", "Host": "127.0.0.1:8083"},
                                raw)
        coordinator = coordinator_from_settings(self.worker, self.deployer) if fresh else self.coordinator
        return coordinator.handle(request)


@pytest.fixture(scope="module")
def client(worker: WorkerSettings) -> Client:
    deployer = RecordingDeployer()
    return Client(worker, deployer, coordinator_from_settings(worker, deployer))
