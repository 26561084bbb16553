"""Worker, connector and task states: ``connect-worker-metrics`` counts and the value-1 gauges carrying a label
(``connector-metrics`` ``status``/``connector-class``/``-type``/``-version``, the task ``status``), as Strimzi's
rules name them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from connect_core.coordinator.metrics.exposition import Family
from connect_core.storage.status_state import State

if TYPE_CHECKING:
    from connect_core.coordinator.metrics.worker_view import WorkerView

__all__ = ["COORDINATOR_CLIENT_ID", "status_families"]

COORDINATOR_CLIENT_ID = "lambda-connect"  # the clientid label of the coordinator's assignment gauges
# connect-worker-metrics,connector=<name>: connector-<state>-task-count (Kafka's ConnectorStatusListener states)
_TASK_COUNT_STATES = ("running", "paused", "failed", "unassigned", "restarting", "destroyed")


def status_families(view: WorkerView) -> list[Family]:
    """The state gauges of every connector and task."""
    connector_count = Family("kafka_connect_worker_connector_count", "gauge",
                             "The number of connectors run in this worker.")
    task_count = Family("kafka_connect_worker_task_count", "gauge", "The number of tasks run in this worker.")
    status = Family("kafka_connect_connector_status", "gauge", "The status of the connector.")
    klass = Family("kafka_connect_connector_connector_class", "gauge", "The name of the connector class.")
    kind = Family("kafka_connect_connector_connector_type", "gauge", "The type of the connector: source or sink.")
    version = Family("kafka_connect_connector_connector_version", "gauge", "The version of the connector class.")
    task_status = Family("kafka_connect_connector_task_status", "gauge", "The status of the connector task.")
    running = Family("kafka_connect_connector_task_running_ratio", "gauge",
                     "The fraction of time the task spent running.")
    paused = Family("kafka_connect_connector_task_pause_ratio", "gauge", "The fraction of time the task spent paused.")
    totals = Family("kafka_connect_worker_connector_total_task_count", "gauge", "The number of tasks of the connector.")
    by_state = {state: Family(f"kafka_connect_worker_connector_{state}_task_count", "gauge",
                              f"The number of {state} tasks of the connector on the worker.")
                for state in _TASK_COUNT_STATES}
    assigned_connectors = Family("kafka_connect_coordinator_assigned_connectors", "gauge",
                                 "The number of connector instances currently assigned to this consumer.")
    assigned_tasks = Family("kafka_connect_coordinator_assigned_tasks", "gauge",
                            "The number of tasks currently assigned to this consumer.")
    rebalancing = Family("kafka_connect_worker_rebalance_rebalancing", "gauge",
                         "Whether this worker is currently rebalancing (functions never are).")
    tasks = 0
    for connector in view.connectors:
        name = connector.name
        status.add(1, connector=name, status=connector.state)
        klass.add(1, connector=name, connector_class=connector.connector_class)
        kind.add(1, connector=name, connector_type=connector.kind)
        version.add(1, connector=name, connector_version=connector.version)
        counts = dict.fromkeys(_TASK_COUNT_STATES, 0)
        for task in connector.tasks:
            state = task.state.value.lower()
            task_status.add(1, connector=name, task=str(task.task), status=state)
            running.add(1.0 if task.state is State.RUNNING else 0.0, connector=name, task=str(task.task))
            paused.add(1.0 if task.state is State.PAUSED else 0.0, connector=name, task=str(task.task))
            if state in counts:
                counts[state] += 1
        totals.add(len(connector.tasks), connector=name)
        for state, family in by_state.items():
            family.add(counts[state], connector=name)
        tasks += len(connector.tasks)
    connector_count.add(len(view.connectors))
    task_count.add(tasks)
    assigned_connectors.add(len(view.connectors), clientid=COORDINATOR_CLIENT_ID)
    assigned_tasks.add(tasks, clientid=COORDINATOR_CLIENT_ID)
    rebalancing.add(0)
    return [connector_count, task_count, status, klass, kind, version, task_status, running, paused, totals,
            *by_state.values(), assigned_connectors, assigned_tasks, rebalancing]
