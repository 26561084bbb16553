"""MirrorHeartbeatConnector: heartbeats to the target's ``heartbeats`` topic (Kafka's); ``start`` creates it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from connect_core.api.config import parse_config
from connect_core.api.connector import SourceConnector
from connect_core.api.kafka_client_keys import MIRROR_PREFIXES
from connect_core.connectors.mirror._clients import check_bootstrap, client_config
from connect_core.connectors.mirror._offsets import validate_offsets
from connect_core.connectors.mirror.config import MirrorHeartbeatConfig

if TYPE_CHECKING:
    from pydantic import BaseModel

    from connect_core.api.config import ConfigValueInfo
    from connect_core.api.task import Task

__all__ = ["MirrorHeartbeatConnector"]


class MirrorHeartbeatConnector(SourceConnector):
    """Kafka ``org.apache.kafka.connect.mirror.MirrorHeartbeatConnector``: one task."""

    config_model: ClassVar[type[BaseModel]] = MirrorHeartbeatConfig
    kafka_client_prefixes: ClassVar[tuple[str, ...]] = MIRROR_PREFIXES  # gated: api/kafka_client_keys.py

    def __init__(self) -> None:
        """Create a stopped connector."""
        self._props: dict[str, str] = {}
        self._config: MirrorHeartbeatConfig | None = None

    def validate(self, props: dict[str, str]) -> list[ConfigValueInfo]:
        """The model's results, plus the cluster connections it needs (``*.cluster.bootstrap.servers``)."""
        return check_bootstrap(super().validate(props), props, ("target",))

    def start(self, props: dict[str, str]) -> None:
        """Create the heartbeats topic on the target (compacted, one partition)."""
        from confluent_kafka.admin import AdminClient

        from connect_core.connectors.mirror._topics import create_compacted_topic

        config = self._config = parse_config(MirrorHeartbeatConfig, props)
        self._props = dict(props)
        admin = AdminClient(client_config(props, "target", "admin",
                                          f"{config.entity_label()}|heartbeats-target-admin"))
        create_compacted_topic(admin, config.policy().heartbeats_topic(), config.heartbeats_topic_replication_factor,
                               "target", config.admin_timeout_ms / 1000.0)

    def task_class(self) -> type[Task]:
        """``MirrorHeartbeatTask``."""
        from connect_core.connectors.mirror.heartbeat_task import MirrorHeartbeatTask

        return MirrorHeartbeatTask

    def task_configs(self, max_tasks: int) -> list[dict[str, str]]:
        """One task, unless heartbeats are disabled."""
        config = self._config
        if config is None or not config.emit_heartbeats_enabled or config.emit_heartbeats_interval_seconds < 0:
            return []
        return [dict(self._props)]

    def stop(self) -> None:
        """Nothing runs between calls."""

    def alter_offsets(self, connector_config: dict[str, str], offsets: dict[Any, Any]) -> bool:
        """Kafka's checks: partitions ``{sourceClusterAlias, targetClusterAlias}``, offsets ``{offset: 0}``."""
        validate_offsets(offsets, ("sourceClusterAlias", "targetClusterAlias"), partition_key=False, only_zero=True)
        return True
