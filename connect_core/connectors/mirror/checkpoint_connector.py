"""MirrorCheckpointConnector: checkpoints of the source cluster's consumer groups on the target (Kafka's).

``start`` (the coordinator: at create and every ``refresh.groups.interval.seconds``, bounded below by its heartbeat)
creates ``<source>.checkpoints.internal`` on the target and finds the groups to checkpoint: those the group filter
accepts that have offsets for topics the topic filter accepts; ``task_configs`` splits them into contiguous runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from connect_core.api.config import config_error, parse_config
from connect_core.api.connector import ConnectorContext, SourceConnector
from connect_core.api.errors import ConnectError
from connect_core.api.kafka_client_keys import MIRROR_PREFIXES
from connect_core.connectors.mirror._clients import check_bootstrap, client_config
from connect_core.connectors.mirror._offsets import validate_offsets
from connect_core.connectors.mirror.config import TASK_CONSUMER_GROUPS, TASK_INDEX, MirrorCheckpointConfig

if TYPE_CHECKING:
    from pydantic import BaseModel

    from connect_core.api.config import ConfigValueInfo
    from connect_core.api.task import Task

__all__ = ["MirrorCheckpointConnector", "group_partitions"]

def group_partitions(items: list[str], groups: int) -> list[list[str]]:
    """Kafka ``ConnectorUtils.groupPartitions``: contiguous runs, the first ``len % groups`` one longer."""
    per, extra = divmod(len(items), groups)
    out, start = [], 0
    for index in range(groups):
        size = per + (1 if index < extra else 0)
        out.append(items[start:start + size])
        start += size
    return out


def find_groups(config: MirrorCheckpointConfig, props: dict[str, str], context: ConnectorContext) -> list[str]:
    """The source groups to checkpoint, sorted (Kafka ``MirrorCheckpointConnector.findConsumerGroups``); their
    offsets read through the context's group offsets."""
    from confluent_kafka.admin import AdminClient

    admin = AdminClient(client_config(props, "source", "admin", f"{config.entity_label()}|checkpoint-source-admin"))
    group_filter, topic_filter = config.group_filter(), config.topic_filter()
    timeout_s = config.admin_timeout_ms / 1000.0
    listing = admin.list_consumer_groups(request_timeout=timeout_s).result(timeout_s)
    candidates = sorted(g.group_id for g in listing.valid if group_filter.accepts(g.group_id))
    if not candidates:
        return []
    offsets = context.group_offsets(
        client_config(props, "source", "consumer", f"{config.entity_label()}|checkpoint-source-offsets"))
    try:
        return [group for group in candidates if offsets.committed(group, timeout_s, topics=topic_filter.accepts)]
    finally:
        offsets.close()


class MirrorCheckpointConnector(SourceConnector):
    """Kafka ``org.apache.kafka.connect.mirror.MirrorCheckpointConnector``."""

    config_model: ClassVar[type[BaseModel]] = MirrorCheckpointConfig
    kafka_client_prefixes: ClassVar[tuple[str, ...]] = MIRROR_PREFIXES  # gated: api/kafka_client_keys.py

    def __init__(self) -> None:
        """Create a stopped connector."""
        self._props: dict[str, str] = {}
        self._config: MirrorCheckpointConfig | None = None
        self._groups: list[str] = []

    def validate(self, props: dict[str, str]) -> list[ConfigValueInfo]:
        """The model's results plus Kafka's ``MirrorCheckpointConfig.validate``: checkpoints need offset syncs."""
        results = check_bootstrap(super().validate(props), props, ("source", "target"))
        if props.get("enabled", "true") == "false":
            return results
        refusals = {
            "emit.checkpoints.enabled": "MirrorCheckpointConnector can't run with emit.checkpoints.enabled set to "
                                        "false",
            "emit.offset-syncs.enabled": "MirrorCheckpointConnector can't run without offset syncs",
        }
        for key, message in refusals.items():
            if props.get(key) == "false":
                entry = next((r for r in results if r["name"] == key), None)
                if entry is not None:
                    entry["errors"].append(message)
        return results

    def start(self, props: dict[str, str]) -> None:
        """Create the checkpoints topic on the target and find the groups to checkpoint.

        Raises:
            ConfigError: a bad key, named.
            ConnectError: a cluster could not be reached or refused a call.
        """
        config = parse_config(MirrorCheckpointConfig, props)
        for key, enabled in (("emit.checkpoints.enabled", config.emit_checkpoints_enabled),
                             ("emit.offset-syncs.enabled", config.emit_offset_syncs_enabled)):
            if config.enabled and not enabled:
                raise config_error(key, "false", "MirrorCheckpointConnector needs it")
        self._props, self._config = dict(props), config
        if not config.enabled:
            return
        from confluent_kafka.admin import AdminClient

        from connect_core.connectors.mirror._topics import create_compacted_topic

        try:
            target = AdminClient(client_config(props, "target", "admin",
                                               f"{config.entity_label()}|checkpoint-target-admin"))
            create_compacted_topic(target, config.checkpoints_topic(), config.checkpoints_topic_replication_factor,
                                   "target", config.admin_timeout_ms / 1000.0)
            self._groups = find_groups(config, self._props, self.context)
        except ConnectError:
            raise
        except Exception as error:
            raise ConnectError(f"{config.name}: could not list consumer groups on {config.source_cluster_alias}: "
                               f"{error}") from error

    def task_class(self) -> type[Task]:
        """``MirrorCheckpointTask``."""
        from connect_core.connectors.mirror.checkpoint_task import MirrorCheckpointTask

        return MirrorCheckpointTask

    def task_configs(self, max_tasks: int) -> list[dict[str, str]]:
        """The groups in contiguous runs over ``min(tasks.max, groups)`` tasks; none when disabled or no group."""
        config = self._config
        if config is None or not config.enabled or not self._groups or config.emit_checkpoints_interval_seconds < 0:
            return []
        count = min(max_tasks, len(self._groups))
        return [{**self._props, TASK_CONSUMER_GROUPS: ",".join(groups), TASK_INDEX: str(index)}
                for index, groups in enumerate(group_partitions(self._groups, count))]

    def stop(self) -> None:
        """Nothing runs between calls."""

    def reconfiguration_interval_ms(self, props: dict[str, str]) -> int | None:
        """``refresh.groups.interval.seconds`` when enabled: new groups get checkpoints after the next refresh."""
        try:
            config = parse_config(MirrorCheckpointConfig, props)
        except Exception:  # a bad config is reported by validate
            return None
        return config.refresh_groups_interval_seconds * 1000 if config.refresh_groups_enabled else None

    def alter_offsets(self, connector_config: dict[str, str], offsets: dict[Any, Any]) -> bool:
        """Kafka's checks: partitions ``{group, topic, partition}``, offsets ``{offset: 0}``."""
        validate_offsets(offsets, ("group", "topic"), partition_key=True, only_zero=True)
        return True
