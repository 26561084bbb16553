"""StatusStore against the real broker: statuses and topic records round-trip in Kafka's format."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from connect_core.storage.status_state import ConnectorStatus, State, TaskStatus, TopicStatus
from connect_core.storage.status_store import StatusStore

if TYPE_CHECKING:
    from connect_core.kafka.settings import KafkaClientSettings
    from connect_core.storage.config import StorageConfig

pytestmark = pytest.mark.integration


def test_round_trip(settings: KafkaClientSettings, storage_config: StorageConfig) -> None:
    writer = StatusStore(settings, storage_config)
    writer.put_connector_status(ConnectorStatus("src", State.RUNNING, "lambda:src", 1))
    writer.put_task_statuses([TaskStatus("src", 0, State.RUNNING, "lambda:src-0", 1),
                              TaskStatus("src", 1, State.FAILED, "lambda:src-1", 1, trace="Traceback...")])
    writer.put_topic_status(TopicStatus("orders", "src", 0, 1_700_000_000_000))

    reader = StatusStore(settings, storage_config)
    assert reader.connector_status("src") == ConnectorStatus("src", State.RUNNING, "lambda:src", 1)
    assert [t.state for t in reader.task_statuses("src")] == [State.RUNNING, State.FAILED]
    assert reader.task_status("src", 1) == TaskStatus("src", 1, State.FAILED, "lambda:src-1", 1, "Traceback...")
    assert reader.topics("src") == [TopicStatus("orders", "src", 0, 1_700_000_000_000)]

    writer.put_task_status(TaskStatus("src", 1, State.RUNNING, "lambda:src-1", 2))
    writer.delete_topic_status("src", "orders")
    writer.put_connector_status(ConnectorStatus("gone", State.DESTROYED, "w", 1))
    assert reader.refresh() == 3
    assert reader.task_status("src", 1).state is State.RUNNING  # type: ignore[union-attr]
    assert reader.topics("src") == []
    assert reader.connectors() == ["src"]
