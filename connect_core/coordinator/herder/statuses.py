"""Status records the coordinator writes where Kafka's herder would, and the REST shapes statuses render to.

Task functions report their own RUNNING/FAILED; the coordinator reports what only it knows: the connector
instance's state after create/restart/pause/resume/stop, new tasks UNASSIGNED until their function first reports
(running tasks given new configs stay RUNNING), tasks PAUSED while paused, and tombstones when tasks or connectors
go away.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from connect_core.storage.status_state import ConnectorStatus, State, TaskStatus

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from connect_core.storage.status_store import StatusStore

__all__ = ["NOT_RUN_YET", "StatusReporter", "connector_state_info", "task_state"]

NOT_RUN_YET = ("lambda-connect: given a new config (generation {generation}); no invocation has run it yet. The "
               "task's function replaces this status with RUNNING or FAILED once it has.")


class StatusReporter:
    """Writes connector and task statuses as this coordinator (Kafka ``AbstractHerder``'s status listener)."""

    def __init__(self, store: StatusStore, worker_id: str, generation: Callable[[str], int]) -> None:
        """Write to ``store`` as ``worker_id``; ``generation(connector)`` is the task-config generation."""
        self.store = store
        self.worker_id = worker_id
        self._generation = generation

    def connector(self, connector: str, state: State, trace: str | None = None, version: str | None = None) -> None:
        """Report the connector instance's state (DESTROYED writes a tombstone)."""
        status = ConnectorStatus(connector, state, self.worker_id, self._generation(connector), trace, version)
        self.store.put_connector_status(status)

    def tasks(self, connector: str, tasks: Iterable[int], state: State) -> None:
        """Report several tasks in one state (DESTROYED writes tombstones)."""
        generation = self._generation(connector)
        statuses = [TaskStatus(connector, task, state, self.worker_id, generation) for task in tasks]
        if statuses:
            self.store.put_task_statuses(statuses)

    def still_running(self, statuses: Iterable[TaskStatus]) -> None:
        """Running tasks given new configs still show RUNNING (a worker restarts them in milliseconds: its
        UNASSIGNED from ``onShutdown`` is followed at once by ``onStartup``'s RUNNING), but at the generation they
        ran, with a trace saying no invocation has run the new config: only the function's report at the new
        generation proves it, and an attempt with it that fails or retries shows FAILED or UNASSIGNED at once
        (``runtime/retrying_status.py`` counts a RUNNING of an older generation as not yet started)."""
        kept = [TaskStatus(s.connector, s.task, State.RUNNING, self.worker_id, s.generation,
                           NOT_RUN_YET.format(generation=self._generation(s.connector)), s.version)
                for s in statuses]
        if kept:
            self.store.put_task_statuses(kept)

    def restarting(self, statuses: Iterable[TaskStatus]) -> None:
        """Mark tasks RESTARTING, keeping who ran them (Kafka ``onRestart``)."""
        marked = [TaskStatus(s.connector, s.task, State.RESTARTING, s.worker_id, s.generation) for s in statuses]
        if marked:
            self.store.put_task_statuses(marked)


def task_state(status: TaskStatus, state: State | None = None) -> dict[str, Any]:
    """Kafka ``ConnectorStateInfo.TaskState``; ``trace`` only when there is one."""
    out: dict[str, Any] = {"id": status.task, "state": (state or status.state).value, "worker_id": status.worker_id}
    if status.version is not None:  # KIP-891: the plugin version the task runs
        out["version"] = status.version
    if status.trace:
        out["trace"] = status.trace
    return out


def connector_state_info(
    name: str,
    connector: ConnectorStatus,
    tasks: Iterable[TaskStatus],
    connector_type: str,
    *,
    connector_state: State | None = None,
    task_states: dict[int, State] | None = None,
) -> dict[str, Any]:
    """Kafka ``ConnectorStateInfo``, tasks by id; the overrides render a restart plan's RESTARTING states."""
    connector_info: dict[str, Any] = {
        "state": (connector_state or connector.state).value,
        "worker_id": connector.worker_id,
    }
    if connector.version is not None:  # KIP-891: the connector plugin version in use
        connector_info["version"] = connector.version
    if connector.trace:
        connector_info["trace"] = connector.trace
    overrides = task_states or {}
    return {
        "name": name,
        "connector": connector_info,
        "tasks": [task_state(t, overrides.get(t.task)) for t in sorted(tasks, key=lambda t: t.task)],
        "type": connector_type,
    }
