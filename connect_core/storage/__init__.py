"""Kafka-topic-backed config, offset and status stores, in Kafka Connect's exact formats.

Importing this package does not import ``confluent_kafka``; the stores do on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from connect_core.api.lazy_exports import lazy_exports

if TYPE_CHECKING:
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

# Each name's module, imported on first access (PEP 562): importing one submodule, or one name, no longer loads
# every module re-exported here (cold start: a handler pays only for what its first request uses).
_EXPORTS: dict[str, str] = {
    "ConfigState": "connect_core.storage.config_state",
    "ConfigStore": "connect_core.storage.config_store",
    "ConnectorStatus": "connect_core.storage.status_state",
    "OffsetStore": "connect_core.storage.offset_store",
    "RestartRequest": "connect_core.storage.config_state",
    "State": "connect_core.storage.status_state",
    "StatusStore": "connect_core.storage.status_store",
    "StorageConfig": "connect_core.storage.config",
    "TargetState": "connect_core.storage.config_state",
    "TaskStatus": "connect_core.storage.status_state",
    "TopicStatus": "connect_core.storage.status_state",
}


__getattr__ = lazy_exports(__name__, _EXPORTS)
