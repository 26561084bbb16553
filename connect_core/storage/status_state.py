"""The status topic's record format and the state it folds into (Kafka ``KafkaStatusBackingStore``).

``status-connector-<n>``
    ``{"state":S,"trace":null,"worker_id":"host:port","generation":G,"version":V}``
``status-task-<n>-<i>``
    same shape
``status-topic-<topic>:connector-<n>``
    ``{"topic":{"name":...,"connector":...,"task":0,"discoverTimestamp":ms}}``

``version`` (the connector plugin's version, null when unknown) arrived in Kafka 4.1; older
workers ignore it and older records simply lack it. A connector or task being deleted is a
tombstone; so is resetting a connector's active topics.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass, field
from typing import Any

from connect_core.storage import _json

__all__ = [
    "CONNECTOR_STATUS_PREFIX",
    "TASK_STATUS_PREFIX",
    "TOPIC_STATUS_PREFIX",
    "TOPIC_STATUS_SEPARATOR",
    "ConnectorStatus",
    "State",
    "StatusState",
    "TaskStatus",
    "TopicStatus",
    "connector_status_key",
    "status_value",
    "task_status_key",
    "topic_status_key",
    "topic_status_value",
]

_log = logging.getLogger(__name__)

CONNECTOR_STATUS_PREFIX = "status-connector-"
TASK_STATUS_PREFIX = "status-task-"
TOPIC_STATUS_PREFIX = "status-topic-"
TOPIC_STATUS_SEPARATOR = ":connector-"


class State(enum.Enum):
    """Connector and task states (Kafka ``AbstractStatus.State``); DESTROYED is written as a tombstone."""

    UNASSIGNED = "UNASSIGNED"
    RUNNING = "RUNNING"
    PAUSED = "PAUSED"
    FAILED = "FAILED"
    DESTROYED = "DESTROYED"
    RESTARTING = "RESTARTING"
    STOPPED = "STOPPED"


@dataclass(frozen=True, slots=True)
class ConnectorStatus:
    """A connector's reported state (Kafka ``ConnectorStatus``)."""

    connector: str
    state: State
    worker_id: str
    generation: int
    trace: str | None = None
    version: str | None = None


@dataclass(frozen=True, slots=True)
class TaskStatus:
    """A task's reported state (Kafka ``TaskStatus``); ``at_ms``: when it was written (the record's timestamp, not
    part of the value), known for a status read from the topic."""

    connector: str
    task: int
    state: State
    worker_id: str
    generation: int
    trace: str | None = None
    version: str | None = None
    at_ms: int | None = field(default=None, compare=False)

    def same_report(self, other: TaskStatus) -> bool:
        """Whether ``other`` says what this says (state, generation, trace, version): writing it again adds nothing."""
        return (self.state, self.generation, self.trace, self.version) == (
            other.state, other.generation, other.trace, other.version)


@dataclass(frozen=True, slots=True)
class TopicStatus:
    """A topic a connector's task used, and when that was first seen (Kafka ``TopicStatus``, KIP-558)."""

    topic: str
    connector: str
    task: int
    discover_timestamp: int


def connector_status_key(connector: str) -> str:
    """``status-connector-<name>``."""
    return CONNECTOR_STATUS_PREFIX + connector


def task_status_key(connector: str, task: int) -> str:
    """``status-task-<name>-<task>``."""
    return f"{TASK_STATUS_PREFIX}{connector}-{task}"


def topic_status_key(topic: str, connector: str) -> str:
    """``status-topic-<topic>:connector-<name>``."""
    return f"{TOPIC_STATUS_PREFIX}{topic}{TOPIC_STATUS_SEPARATOR}{connector}"


def status_value(status: ConnectorStatus | TaskStatus) -> bytes | None:
    """The status JSON in Kafka's field order, or None (tombstone) for DESTROYED."""
    if status.state is State.DESTROYED:
        return None
    return _json.dumps(
        {
            "state": status.state.value,
            "trace": status.trace,
            "worker_id": status.worker_id,
            "generation": status.generation,
            "version": status.version,
        }
    )


def topic_status_value(status: TopicStatus) -> bytes:
    """``{"topic":{"name":...,"connector":...,"task":...,"discoverTimestamp":...}}``."""
    return _json.dumps(
        {
            "topic": {
                "name": status.topic,
                "connector": status.connector,
                "task": status.task,
                "discoverTimestamp": status.discover_timestamp,
            }
        }
    )


def _parse_status(data: bytes) -> tuple[State, str | None, str, int, str | None] | None:
    try:
        value = _json.loads(data)
        trace, worker_id, version = value.get("trace"), value["worker_id"], value.get("version")
        generation = value["generation"]
        if not isinstance(generation, int) or not all(isinstance(v, str | None) for v in (trace, worker_id, version)):
            raise TypeError("wrong field types")
        return State(value["state"]), trace, worker_id, generation, version
    except (ValueError, TypeError, KeyError, AttributeError):
        _log.error("Failed to deserialize status record %r", data[:200])
        return None


def _parse_task_key(key: str) -> tuple[str, int] | None:
    parts = key.split("-")
    while parts and parts[-1] == "":  # Java's split drops trailing empty strings
        parts.pop()
    if len(parts) < 4 or not parts[-1].lstrip("+").isdigit():
        return None
    return "-".join(parts[2:-1]), int(parts[-1])


class StatusState:
    """Latest connector, task and topic statuses folded from the status topic."""

    def __init__(self) -> None:
        """Start empty."""
        self.connectors: dict[str, ConnectorStatus] = {}
        self.tasks: dict[str, dict[int, TaskStatus]] = {}
        self.topics: dict[str, dict[str, TopicStatus]] = {}

    def apply(self, key: str | None, value: bytes | None, at_ms: int | None = None) -> None:
        """Fold one status-topic record in (log order within each key); ``at_ms``: the record's timestamp."""
        if key is None:
            return
        if key.startswith(CONNECTOR_STATUS_PREFIX):
            self._connector_record(key[len(CONNECTOR_STATUS_PREFIX) :], value)
        elif key.startswith(TASK_STATUS_PREFIX):
            self._task_record(key, value, at_ms)
        elif key.startswith(TOPIC_STATUS_PREFIX):
            self._topic_record(key, value)
        else:
            _log.warning("Discarding record with invalid key %s", key)

    def _connector_record(self, connector: str, value: bytes | None) -> None:
        if not connector:
            return
        if value is None:  # the connector and all its tasks are gone
            self.connectors.pop(connector, None)
            self.tasks.pop(connector, None)
            return
        parsed = _parse_status(value)
        if parsed is not None:
            state, trace, worker_id, generation, version = parsed
            self.connectors[connector] = ConnectorStatus(connector, state, worker_id, generation, trace, version)

    def _task_record(self, key: str, value: bytes | None, at_ms: int | None = None) -> None:
        task_id = _parse_task_key(key)
        if task_id is None:
            _log.warning("Discarding record with invalid task status key %s", key)
            return
        connector, task = task_id
        if value is None:
            self.tasks.get(connector, {}).pop(task, None)
            return
        parsed = _parse_status(value)
        if parsed is None:
            return
        state, trace, worker_id, generation, version = parsed
        current = self.tasks.get(connector, {}).get(task)
        if (
            state is State.UNASSIGNED
            and current is not None
            and current.state is State.RUNNING
            and current.generation >= generation
        ):
            return  # a stale UNASSIGNED from a rebalance race: Kafka keeps the RUNNING status
        status = TaskStatus(connector, task, state, worker_id, generation, trace, version, at_ms)
        self.tasks.setdefault(connector, {})[task] = status

    def _topic_record(self, key: str, value: bytes | None) -> None:
        delimiter = key.find(":")
        topic = key[len(TOPIC_STATUS_PREFIX) : delimiter] if delimiter >= len(TOPIC_STATUS_PREFIX) else ""
        connector = key[delimiter + len(TOPIC_STATUS_SEPARATOR) :] if topic else ""
        if not topic or not connector:
            _log.warning("Discarding record with invalid topic status key %s", key)
            return
        if value is None:
            self.topics.get(connector, {}).pop(topic, None)
            return
        try:
            inner: dict[str, Any] = _json.loads(value)["topic"]
            status = TopicStatus(inner["name"], inner["connector"], int(inner["task"]), int(inner["discoverTimestamp"]))
        except (ValueError, TypeError, KeyError):
            _log.error("Failed to deserialize topic status %r", value[:200])
            return
        self.topics.setdefault(connector, {})[topic] = status
