"""Kafka-topic-backed config, offset and status stores, in Kafka Connect's exact formats.

Importing this package does not import ``confluent_kafka``; the stores do on first use.
"""

from __future__ import annotations

from connect_core.storage.config import StorageConfig
from connect_core.storage.config_state import ConfigState, RestartRequest, TargetState
from connect_core.storage.config_store import ConfigStore
from connect_core.storage.offset_store import OffsetStore
from connect_core.storage.status_state import ConnectorStatus, State, TaskStatus, TopicStatus
from connect_core.storage.status_store import StatusStore

__all__ = [
    "ConfigState",
    "ConfigStore",
    "ConnectorStatus",
    "OffsetStore",
    "RestartRequest",
    "State",
    "StatusStore",
    "StorageConfig",
    "TargetState",
    "TaskStatus",
    "TopicStatus",
]
