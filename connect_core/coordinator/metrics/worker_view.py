"""What one scrape reads, once: every connector's config, statuses (as the REST API shows them), last hour of runs
and per-container counters; the metric modules only compute from it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from connect_core.storage.run_state import RunPoint, TaskCounters
    from connect_core.storage.status_state import TaskStatus

__all__ = ["ConnectorView", "WorkerView"]


@dataclass
class ConnectorView:
    """One connector as a worker's MBeans see it."""

    name: str
    kind: str  # source, sink or unknown
    connector_class: str
    version: str
    state: str  # the connector's status, lower case as Kafka's ``status`` attribute
    config: dict[str, str]
    tasks: list[TaskStatus]  # the honest statuses (coordinator/health/effective_status.py)
    runs: list[RunPoint]  # the last hour's invocations, oldest first
    counters: list[TaskCounters]  # every container's totals for this connector's tasks

    def task_runs(self, task: int) -> list[RunPoint]:
        """The task's invocations."""
        return [r for r in self.runs if r.task == task]

    def task_counters(self, task: int) -> list[TaskCounters]:
        """Every container's totals for the task."""
        return [c for c in self.counters if c.task == task]


@dataclass
class WorkerView:
    """The whole worker at ``now_ms``; ``counters`` holds every container's totals, deleted connectors' too (the
    worker's ``*-total`` sums never go down)."""

    now_ms: int
    connectors: list[ConnectorView] = field(default_factory=list)
    counters: list[TaskCounters] = field(default_factory=list)
