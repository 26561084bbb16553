"""``StatusStore``: connector and task states in the status topic (Kafka ``KafkaStatusBackingStore``).

Writers do not read their own writes back (Kafka doesn't either): a task reports RUNNING and
returns. Readers (the coordinator's status endpoint) call :meth:`StatusStore.refresh` first; a task's invocation
catches up with its config read (``storage/catch_up.py``) and skips a write the topic already holds
(:meth:`StatusStore.is_latest`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from connect_core.storage import status_state as records
from connect_core.storage._topic_log import TopicSpec
from connect_core.storage._topic_store import _TopicBackedStore
from connect_core.storage.status_state import ConnectorStatus, State, StatusState, TaskStatus, TopicStatus

if TYPE_CHECKING:
    from connect_core.storage.config import StorageConfig

__all__ = ["StatusStore"]

STATUS_TOPIC_PURPOSE = "connector and task statuses"


class StatusStore(_TopicBackedStore[StatusState]):
    """Read and write connector, task and active-topic status (Kafka ``KafkaStatusBackingStore``)."""

    state_class = StatusState

    @staticmethod
    def _topic_spec(config: StorageConfig) -> TopicSpec:
        return TopicSpec(
            name=config.status_storage_topic,
            partitions=config.status_storage_partitions,
            replication_factor=config.status_storage_replication_factor,
            purpose=STATUS_TOPIC_PURPOSE,
        )

    def _apply(self, key: bytes | None, value: bytes | None, _offset: int) -> None:
        at_ms = getattr(self.log, "record_timestamp_ms", None)  # a test's in-memory log has none
        self.state.apply(None if key is None else key.decode("utf-8"), value, at_ms)

    # --- reads -------------------------------------------------------------------------------------------

    def connectors(self) -> list[str]:
        """Connectors that have a status, sorted."""
        return sorted(self.start().state.connectors)

    def connector_status(self, connector: str) -> ConnectorStatus | None:
        """The connector's latest status, or None."""
        return self.start().state.connectors.get(connector)

    def task_status(self, connector: str, task: int) -> TaskStatus | None:
        """One task's latest status, or None."""
        return self.start().state.tasks.get(connector, {}).get(task)

    def task_statuses(self, connector: str) -> list[TaskStatus]:
        """All task statuses of the connector, by task id."""
        tasks = self.start().state.tasks.get(connector, {})
        return [tasks[task] for task in sorted(tasks)]

    def is_latest(self, status: TaskStatus) -> bool:
        """Whether the status topic's latest value for the task, as last caught up (no read here: the invocation's
        catch-up, ``storage/catch_up.py``), already says what ``status`` says. A writer compares with this, never with
        what its own container wrote last: another warm container of the function may have written since."""
        current = self.state.tasks.get(status.connector, {}).get(status.task)
        return current is not None and current.same_report(status)

    def topics(self, connector: str) -> list[TopicStatus]:
        """The connector's active topics (KIP-558), by topic name."""
        topics = self.start().state.topics.get(connector, {})
        return [topics[topic] for topic in sorted(topics)]

    # --- writes ------------------------------------------------------------------------------------------

    def put_connector_status(self, status: ConnectorStatus) -> None:
        """Write a connector status (DESTROYED writes a tombstone)."""
        self.log.send([(records.connector_status_key(status.connector), records.status_value(status))])

    def put_task_status(self, status: TaskStatus) -> None:
        """Write a task status (DESTROYED writes a tombstone); the caught-up view holds it until the next catch-up
        reads it back in log order, so a second report of the same invocation compares with it (``is_latest``)."""
        self.log.send([(records.task_status_key(status.connector, status.task), records.status_value(status))])
        if status.state is not State.DESTROYED and self._started:
            self.state.tasks.setdefault(status.connector, {})[status.task] = status

    def put_task_statuses(self, statuses: list[TaskStatus]) -> None:
        """Write several task statuses with a single wait for acknowledgement."""
        self.log.send((records.task_status_key(s.connector, s.task), records.status_value(s)) for s in statuses)

    def put_topic_status(self, status: TopicStatus) -> None:
        """Record that a connector's task used a topic."""
        self.log.send([(records.topic_status_key(status.topic, status.connector), records.topic_status_value(status))])

    def delete_topic_status(self, connector: str, topic: str) -> None:
        """Forget one active topic of a connector (tombstone), as ``PUT /connectors/<n>/topics/reset`` does."""
        self.log.send([(records.topic_status_key(topic, connector), None)])
