"""The config topic's record format and the state it folds into (Kafka ``KafkaConfigBackingStore``).

Keys are UTF-8 strings; values are internal-converter JSON. Every write Kafka Connect makes:

============================  ===========================================================
``connector-<n>``             ``{"properties":{...}}``; tombstone on delete
``task-<n>-<i>``              ``{"properties":{...}}``; applied only by the next commit record
``commit-<n>``                ``{"tasks":N}``
``target-state-<n>``          ``{"state":"PAUSED","state.v2":"STOPPED"}``; tombstone on delete
``restart-connector-<n>``     ``{"include-tasks":false,"only-failed":false}``
``tasks-fencing-<n>``         ``{"task-count":N}`` (exactly-once source zombie fencing)
``session-key``               ``{"key":"<base64>","algorithm":"HmacSHA256","creation-timestamp":ms}``
``logger-cluster-<ns>``       ``{"level":"DEBUG"}``
============================  ===========================================================

:class:`ConfigState` is a pure reducer over ``(key, value)`` pairs, so its behaviour (deferred
task configs, inconsistent connectors after compaction, target-state defaults) is tested without a
broker, and a warm Lambda keeps folding new records into the same instance.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from connect_core.storage import _json

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "COMMIT_TASKS_PREFIX",
    "CONNECTOR_PREFIX",
    "LOGGER_CLUSTER_PREFIX",
    "RESTART_PREFIX",
    "SESSION_KEY_KEY",
    "TARGET_STATE_PREFIX",
    "TASK_COUNT_RECORD_PREFIX",
    "TASK_PREFIX",
    "ConfigState",
    "RestartRequest",
    "TargetState",
    "commit_value",
    "connector_config_value",
    "logger_cluster_key",
    "logger_level_value",
    "restart_request_value",
    "target_state_value",
    "task_count_value",
]

_log = logging.getLogger(__name__)

TARGET_STATE_PREFIX = "target-state-"
CONNECTOR_PREFIX = "connector-"
TASK_PREFIX = "task-"
COMMIT_TASKS_PREFIX = "commit-"
RESTART_PREFIX = "restart-connector-"
TASK_COUNT_RECORD_PREFIX = "tasks-fencing-"
SESSION_KEY_KEY = "session-key"
LOGGER_CLUSTER_PREFIX = "logger-cluster-"


class TargetState(enum.Enum):
    """What the user asked a connector to be (Kafka ``TargetState``)."""

    STARTED = "STARTED"
    PAUSED = "PAUSED"
    STOPPED = "STOPPED"


@dataclass(frozen=True, slots=True)
class RestartRequest:
    """A restart asked through the REST API (Kafka ``RestartRequest``, KIP-745)."""

    connector: str
    only_failed: bool = False
    include_tasks: bool = False


# --- keys and values, byte for byte as Kafka writes them -------------------------------------------------


def connector_key(connector: str) -> str:
    """``connector-<name>``."""
    return CONNECTOR_PREFIX + connector


def task_key(connector: str, task: int) -> str:
    """``task-<name>-<task>``."""
    return f"{TASK_PREFIX}{connector}-{task}"


def commit_key(connector: str) -> str:
    """``commit-<name>``."""
    return COMMIT_TASKS_PREFIX + connector


def target_state_key(connector: str) -> str:
    """``target-state-<name>``."""
    return TARGET_STATE_PREFIX + connector


def restart_key(connector: str) -> str:
    """``restart-connector-<name>``."""
    return RESTART_PREFIX + connector


def task_count_key(connector: str) -> str:
    """``tasks-fencing-<name>``."""
    return TASK_COUNT_RECORD_PREFIX + connector


def connector_config_value(properties: Mapping[str, str | None]) -> bytes:
    """``{"properties":{...}}``, the value of both connector and task config records."""
    return _json.dumps({"properties": dict(properties)})


def commit_value(task_count: int) -> bytes:
    """``{"tasks":N}``."""
    return _json.dumps({"tasks": task_count})


def target_state_value(state: TargetState) -> bytes:
    """``{"state":...,"state.v2":...}``; ``state`` says PAUSED for STOPPED, for workers older than 3.5."""
    legacy = TargetState.PAUSED if state is TargetState.STOPPED else state
    return _json.dumps({"state": legacy.value, "state.v2": state.value})


def restart_request_value(request: RestartRequest) -> bytes:
    """``{"include-tasks":...,"only-failed":...}``."""
    return _json.dumps({"include-tasks": request.include_tasks, "only-failed": request.only_failed})


def task_count_value(task_count: int) -> bytes:
    """``{"task-count":N}``."""
    return _json.dumps({"task-count": task_count})


def logger_cluster_key(namespace: str) -> str:
    """``logger-cluster-<namespace>`` (KIP-976)."""
    return LOGGER_CLUSTER_PREFIX + namespace


def logger_level_value(level: str) -> bytes:
    """``{"level":...}``, Kafka's ``LOGGER_LEVEL_V0`` struct."""
    return _json.dumps({"level": level})


def parse_task_key(key: str) -> tuple[str, int] | None:
    """``task-a-b-3`` -> ``("a-b", 3)``, like Java's ``key.split("-")`` (None when malformed)."""
    parts = key.split("-")
    while parts and parts[-1] == "":  # Java's split drops trailing empty strings
        parts.pop()
    if len(parts) < 3 or not parts[-1].lstrip("+").isdigit():
        return None
    return "-".join(parts[1:-1]), int(parts[-1])


# --- the reducer ------------------------------------------------------------------------------------------


class ConfigState:
    """Connector configs, committed task configs and target states folded from the config topic.

    The counterpart of Kafka's ``ClusterConfigState`` plus the consume callback that builds it.
    ``offset`` is the next config-topic offset to read, which Kafka Connect uses as the cluster's
    config version.
    """

    def __init__(self) -> None:
        """Start empty, as before the first record of the topic."""
        self.offset = 0
        self._connector_configs: dict[str, dict[str, str | None]] = {}
        self._target_states: dict[str, TargetState] = {}
        self._task_configs: dict[tuple[str, int], dict[str, str | None]] = {}
        self._deferred: dict[str, dict[int, dict[str, str | None]]] = {}
        self._task_counts: dict[str, int] = {}
        self._generations: dict[str, int] = {}
        self._inconsistent: set[str] = set()
        self._task_count_records: dict[str, int] = {}
        self.restart_requests: dict[str, RestartRequest] = {}
        self._task_restarts: dict[str, int] = {}
        self.session_key: dict[str, Any] | None = None
        self.logger_levels: dict[str, str] = {}  # cluster-scope log levels (KIP-976), in the order last written
        self.logger_level_version = 0  # counts logger-cluster records folded so far
        self._logger_level_versions: dict[str, int] = {}

    # snapshot API

    def connectors(self) -> list[str]:
        """Names of all connectors with a config, sorted."""
        return sorted(self._connector_configs)

    def contains(self, connector: str) -> bool:
        """Whether the connector has a config."""
        return connector in self._connector_configs

    def connector_config(self, connector: str) -> dict[str, str | None] | None:
        """The raw connector config (``${provider:...}`` placeholders unresolved), or None."""
        config = self._connector_configs.get(connector)
        return None if config is None else dict(config)

    def target_state(self, connector: str) -> TargetState | None:
        """The target state; STARTED when a config exists without a target-state record."""
        return self._target_states.get(connector)

    def task_count(self, connector: str) -> int:
        """Tasks in the last applied commit (0 if none)."""
        return self._task_counts.get(connector, 0)

    def task_configs(self, connector: str) -> list[dict[str, str | None]]:
        """Committed task configs in task order; empty while the connector is inconsistent."""
        if connector in self._inconsistent or connector not in self._task_counts:
            return []
        return [dict(self._task_configs.get((connector, task)) or {}) for task in range(self._task_counts[connector])]

    def task_config(self, connector: str, task: int) -> dict[str, str | None] | None:
        """One committed task config, or None."""
        config = self._task_configs.get((connector, task))
        return None if config is None else dict(config)

    def inconsistent_connectors(self) -> set[str]:
        """Connectors whose last commit did not find all its task configs (compaction); they need new tasks."""
        return set(self._inconsistent)

    def task_config_generation(self, connector: str) -> int | None:
        """Counts applied task-config commits of the connector (0 for the first), as Kafka does."""
        return self._generations.get(connector)

    def task_epoch(self, connector: str) -> tuple[int | None, int]:
        """Changes whenever the connector's running tasks must restart: a new task-config commit, or a restart
        request for every task (``includeTasks=true&onlyFailed=false``; failed tasks restart on their own)."""
        return self._generations.get(connector), self._task_restarts.get(connector, 0)

    def configured_task_span(self, connector: str) -> int:
        """One past the highest task id that ever had a committed config (a stop commits no tasks but leaves the
        ``task-<name>-<n>`` records): the task producers that may exist, for zombie fencing."""
        return max((task + 1 for name, task in self._task_configs if name == connector), default=0)

    def task_count_record(self, connector: str) -> int | None:
        """The last ``tasks-fencing-`` count, used by exactly-once zombie fencing."""
        return self._task_count_records.get(connector)

    def logger_levels_since(self, version: int) -> list[tuple[str, str]]:
        """``(namespace, level)`` of the cluster-scope log levels written after ``logger_level_version`` was
        ``version``, in the order they must be applied (a parent set after its child overrides it)."""
        return [(namespace, level) for namespace, level in self.logger_levels.items()
                if self._logger_level_versions[namespace] > version]

    # the reducer

    def apply(self, key: str | None, value: bytes | None, offset: int | None = None) -> None:
        """Fold one config-topic record in (records must come in log order).

        Malformed records are logged and skipped, exactly where Kafka skips them, so one bad record
        written by some other tool cannot stop lambda-connect from reading the rest.
        """
        if offset is not None:
            self.offset = offset + 1
        if key is None:
            _log.error("Discarding config record without a key")
            return
        try:
            data = None if value is None else _json.loads(value)
        except ValueError:
            _log.error("Failed to parse config record %s as JSON", key)
            return
        self._dispatch(key, data)

    def _dispatch(self, key: str, data: Any) -> None:  # one branch per record type
        if key.startswith(TARGET_STATE_PREFIX):
            self._target_state_record(key[len(TARGET_STATE_PREFIX) :], data)
        elif key.startswith(CONNECTOR_PREFIX):
            self._connector_record(key[len(CONNECTOR_PREFIX) :], data)
        elif key.startswith(TASK_PREFIX):
            task_id = parse_task_key(key)
            if task_id is None:
                _log.error("Ignoring task configuration because %s couldn't be parsed as a task config key", key)
            else:
                self._task_record(task_id, data)
        elif key.startswith(COMMIT_TASKS_PREFIX):
            self._commit_record(key[len(COMMIT_TASKS_PREFIX) :], data)
        elif key.startswith(RESTART_PREFIX):
            self._restart_record(key[len(RESTART_PREFIX) :], data)
        elif key.startswith(TASK_COUNT_RECORD_PREFIX):
            if isinstance(data, dict) and isinstance(data.get("task-count"), int):
                self._task_count_records[key[len(TASK_COUNT_RECORD_PREFIX) :]] = data["task-count"]
        elif key == SESSION_KEY_KEY:
            if isinstance(data, dict):
                self.session_key = data
        elif key.startswith(LOGGER_CLUSTER_PREFIX):
            self._logger_level_record(key[len(LOGGER_CLUSTER_PREFIX) :], data)
        else:
            _log.error("Discarding config update record with invalid key: %s", key)

    def _target_state_record(self, connector: str, data: Any) -> None:
        if data is None:
            self._target_states.pop(connector, None)
            if connector in self._connector_configs:  # a connector always has a target state
                self._target_states[connector] = TargetState.STARTED
            return
        if not isinstance(data, dict):
            _log.error("Ignoring target state for connector '%s' because it is in the wrong format", connector)
            return
        state = data.get("state.v2")
        if not isinstance(state, str):
            state = data.get("state")  # written by a worker older than 3.5
            if not isinstance(state, str):
                _log.error("Invalid data for target state for connector '%s'", connector)
                return
        try:
            self._target_states[connector] = TargetState(state)
        except ValueError:
            _log.error("Invalid target state for connector '%s': %s", connector, state)

    def _connector_record(self, connector: str, data: Any) -> None:
        if data is None:
            self._remove_connector(connector)
            return
        properties = data.get("properties") if isinstance(data, dict) else None
        if not isinstance(properties, dict):
            _log.error("Ignoring configuration for connector '%s' because it is in the wrong format", connector)
            return
        self._connector_configs[connector] = properties
        self._target_states.setdefault(connector, TargetState.STARTED)

    def _task_record(self, task_id: tuple[str, int], data: Any) -> None:
        properties = data.get("properties") if isinstance(data, dict) else None
        if not isinstance(properties, dict):
            _log.error("Ignoring task configuration for task %s-%s: not a config map", *task_id)
            return
        connector, task = task_id
        self._deferred.setdefault(connector, {})[task] = properties

    def _commit_record(self, connector: str, data: Any) -> None:
        if connector not in self._connector_configs:
            # Deleted connector whose config and tombstone were compacted away: ignore its tasks.
            self._remove_connector(connector)
            return
        if not isinstance(data, dict) or not isinstance(data.get("tasks"), int) or isinstance(data["tasks"], bool):
            _log.error("Ignoring tasks commit for connector '%s' because it is in the wrong format", connector)
            return
        task_count: int = data["tasks"]
        deferred = self._deferred.get(connector, {})
        if not all(task in deferred for task in range(task_count)):
            # Some task records were compacted away: keep the old configs, flag for regeneration.
            self._inconsistent.add(connector)
        else:
            if connector in self._deferred:
                for task, properties in deferred.items():
                    self._task_configs[(connector, task)] = properties
                self._generations[connector] = self._generations.get(connector, -1) + 1
            self._inconsistent.discard(connector)
        deferred.clear()
        self._task_counts[connector] = task_count

    def _restart_record(self, connector: str, data: Any) -> None:
        if not isinstance(data, dict):
            _log.error("Ignoring restart request because the value is not a map")
            return
        only_failed = data.get("only-failed")
        include_tasks = data.get("include-tasks")
        request = RestartRequest(
            connector,
            only_failed=only_failed if isinstance(only_failed, bool) else False,
            include_tasks=include_tasks if isinstance(include_tasks, bool) else False,
        )
        self.restart_requests[connector] = request
        if request.include_tasks and not request.only_failed:
            self._task_restarts[connector] = self._task_restarts.get(connector, 0) + 1

    def _logger_level_record(self, namespace: str, data: Any) -> None:
        level = data.get("level") if isinstance(data, dict) else None
        if not isinstance(level, str):
            _log.error("Ignoring logging level for namespace %s: the value is not {\"level\": <string>}", namespace)
            return
        self.logger_levels.pop(namespace, None)  # re-inserted: the dict keeps the order of the latest writes
        self.logger_levels[namespace] = level
        self.logger_level_version += 1
        self._logger_level_versions[namespace] = self.logger_level_version

    def _remove_connector(self, connector: str) -> None:
        self._connector_configs.pop(connector, None)
        self._task_counts.pop(connector, None)
        self._deferred.pop(connector, None)
        for task_id in [t for t in self._task_configs if t[0] == connector]:
            del self._task_configs[task_id]
