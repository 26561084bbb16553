"""``ConfigStore``: connector configs, task configs and target states in the config topic.

The counterpart of Kafka's ``KafkaConfigBackingStore``, byte-compatible with it: a Kafka Connect
cluster and lambda-connect can read each other's config topic. Reads are a snapshot of what was
last caught up to; call :meth:`ConfigStore.refresh` at the start of a warm invocation to read only
the records written since.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from connect_core.storage import config_state as records
from connect_core.storage._topic_log import TopicSpec
from connect_core.storage._topic_store import _TopicBackedStore
from connect_core.storage.config import CONFIG_PARTITIONS, StorageConfig
from connect_core.storage.config_state import ConfigState, RestartRequest, TargetState

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence


__all__ = ["ConfigStore"]

CONFIG_TOPIC_PURPOSE = "connector configurations"


class ConfigStore(_TopicBackedStore[ConfigState]):
    """Read and write the config topic (Kafka ``KafkaConfigBackingStore``).

    ``read_committed`` (the default) also hides config records of aborted transactions, which exactly-once
    Connect leaders write; harmless otherwise.
    """

    state_class = ConfigState

    @staticmethod
    def _topic_spec(config: StorageConfig) -> TopicSpec:
        return TopicSpec(
            name=config.config_storage_topic,
            partitions=CONFIG_PARTITIONS,
            replication_factor=config.config_storage_replication_factor,
            purpose=CONFIG_TOPIC_PURPOSE,
            required_partitions=CONFIG_PARTITIONS,
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """As every topic-backed store; no logger listener yet."""
        super().__init__(*args, **kwargs)
        self._logger_listeners: list[Callable[[ConfigState], None]] = []
        self._logger_version_seen = 0

    def _apply(self, key: bytes | None, value: bytes | None, offset: int) -> None:
        self.state.apply(None if key is None else key.decode("utf-8"), value, offset)

    def on_logger_levels(self, listener: Callable[[ConfigState], None]) -> None:
        """Call ``listener(state)`` after every catch-up that read cluster-scope log levels (KIP-976), as Kafka's
        ``UpdateListener.onLoggingLevelUpdate``: a function applies them when its next invocation catches up."""
        self._logger_listeners.append(listener)

    def refresh(self) -> int:
        """Read the records written since the last read; tell the logger listeners about new log levels."""
        count = super().refresh()
        if self.state.logger_level_version != self._logger_version_seen:
            self._logger_version_seen = self.state.logger_level_version
            for listener in self._logger_listeners:
                listener(self.state)
        return count

    # --- snapshot ----------------------------------------------------------------------------------------

    @property
    def offset(self) -> int:
        """The next config-topic offset to read: Kafka Connect's config version."""
        self.start()
        return self.state.offset

    def connectors(self) -> list[str]:
        """All connector names, sorted."""
        return self.start().state.connectors()

    def connector_config(self, connector: str) -> dict[str, str | None] | None:
        """The raw connector config, or None if there is no such connector."""
        return self.start().state.connector_config(connector)

    def task_configs(self, connector: str) -> list[dict[str, str | None]]:
        """The committed task configs in task order (empty when none or inconsistent)."""
        return self.start().state.task_configs(connector)

    def task_count(self, connector: str) -> int:
        """Number of tasks in the connector's last commit record."""
        return self.start().state.task_count(connector)

    def target_state(self, connector: str) -> TargetState | None:
        """STARTED, PAUSED or STOPPED; None if the connector is unknown."""
        return self.start().state.target_state(connector)

    # --- writes (each one is read back, as Kafka does, so the snapshot includes it) ---------------------

    def put_connector_config(
        self, connector: str, properties: Mapping[str, str | None], target_state: TargetState | None = None
    ) -> None:
        """Write a connector config, preceded by its target state when one is given (create with ``initial_state``)."""
        batch: list[tuple[str, bytes | None]] = []
        if target_state is not None:
            batch.append((records.target_state_key(connector), records.target_state_value(target_state)))
        batch.append((records.connector_key(connector), records.connector_config_value(properties)))
        self._write(batch)

    def put_task_configs(self, connector: str, configs: Sequence[Mapping[str, str | None]]) -> None:
        """Write ``task-<n>-<i>`` for every config, wait for them, then the ``commit-<n>`` record that applies them."""
        self.refresh()
        self.log.send(
            (records.task_key(connector, index), records.connector_config_value(config))
            for index, config in enumerate(configs)
        )
        self._write([(records.commit_key(connector), records.commit_value(len(configs)))])

    def put_target_state(self, connector: str, state: TargetState) -> None:
        """Pause, resume or stop a connector."""
        self._write([(records.target_state_key(connector), records.target_state_value(state))])

    def remove_connector(self, connector: str) -> None:
        """Tombstone the connector config and its target state (task records stay, as in Kafka)."""
        self._write([(records.connector_key(connector), None), (records.target_state_key(connector), None)])

    def put_restart_request(self, connector: str, *, only_failed: bool = False, include_tasks: bool = False) -> None:
        """Ask for a restart (KIP-745); whoever runs the tasks acts on it."""
        request = RestartRequest(connector, only_failed=only_failed, include_tasks=include_tasks)
        self._write([(records.restart_key(connector), records.restart_request_value(request))])

    def put_task_count_record(self, connector: str, task_count: int) -> None:
        """Write the ``tasks-fencing-`` record of exactly-once source support (KIP-618)."""
        self._write([(records.task_count_key(connector), records.task_count_value(task_count))])

    def put_logger_level(self, namespace: str, level: str) -> None:
        """A cluster-scope log level (KIP-976): every function applies it when it next catches up."""
        self._write([(records.logger_cluster_key(namespace), records.logger_level_value(level))])

    def _write(self, batch: list[tuple[str, bytes | None]]) -> None:
        self.start()
        self.log.send(batch)
        self.refresh()
