"""Per-test internal topic names on the shared broker, deleted afterwards."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import pytest

from connect_core.kafka.clients import admin_client
from connect_core.kafka.settings import KafkaClientSettings
from connect_core.storage.config import StorageConfig

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture
def settings(kafka_bootstrap: str) -> KafkaClientSettings:
    return KafkaClientSettings(bootstrap_servers=kafka_bootstrap)


@pytest.fixture
def storage_config(settings: KafkaClientSettings) -> Iterator[StorageConfig]:
    prefix = f"it-storage-{uuid.uuid4().hex[:10]}"
    config = StorageConfig.model_validate(
        {
            "config.storage.topic": f"{prefix}-configs",
            "offset.storage.topic": f"{prefix}-offsets",
            "status.storage.topic": f"{prefix}-status",
        }
    )
    yield config
    admin = admin_client(settings)
    existing = set(admin.list_topics(timeout=10).topics)
    doomed = [t for t in existing if t.startswith(prefix)]
    if doomed:
        for future in admin.delete_topics(doomed, operation_timeout=10).values():
            future.result()
