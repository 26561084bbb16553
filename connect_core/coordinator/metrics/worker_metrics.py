"""``WorkerMetrics``: one scrape of ``GET /metrics`` (the stores caught up once, every family computed, rendered)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from connect_core.coordinator.health.timeline import WINDOW_MS
from connect_core.coordinator.herder.plugins import (
    CONNECTOR_CLASS_CONFIG,
    CONNECTOR_VERSION_CONFIG,
    connector_type,
    connector_version,
)
from connect_core.coordinator.metrics.error_metrics import error_families
from connect_core.coordinator.metrics.exposition import render
from connect_core.coordinator.metrics.mirror_metrics import mirror_families
from connect_core.coordinator.metrics.status_gauges import status_families
from connect_core.coordinator.metrics.task_rates import startup_families, task_families
from connect_core.coordinator.metrics.worker_view import ConnectorView, WorkerView

if TYPE_CHECKING:
    from connect_core.coordinator.health.overview import StatusOverview

__all__ = ["UNKNOWN_VERSION", "WorkerMetrics"]

UNKNOWN_VERSION = "unknown"  # Kafka's AppInfoParser answer when a version cannot be found


class WorkerMetrics:
    """A worker's metrics, from the overview's stores: every coordinator container answers the same."""

    def __init__(self, overview: StatusOverview) -> None:
        """Read through ``overview`` (its stores, its honest task statuses and its clock)."""
        self.overview = overview
        self._versions: dict[tuple[str, str | None], str] = {}

    def view(self) -> WorkerView:
        """Catch up on the config, status and runs topics once and gather every connector."""
        overview = self.overview
        overview.configs.refresh()
        overview.statuses.refresh()
        overview.refresh_runs()
        runs = overview.runs.state
        now = overview.now_ms()
        view = WorkerView(now, counters=[c for by_task in runs.counters.values() for c in by_task.values()])
        for name in overview.configs.connectors():
            config = {k: v for k, v in (overview.configs.connector_config(name) or {}).items() if v is not None}
            status = overview.statuses.connector_status(name)
            tasks = overview.effective(name, overview.statuses.task_statuses(name), refresh=False)
            view.connectors.append(ConnectorView(
                name=name, kind=connector_type(config), connector_class=config.get(CONNECTOR_CLASS_CONFIG, ""),
                version=self._version(config), state=status.state.value.lower() if status else "unassigned",
                config=config, tasks=tasks, runs=runs.history(name, now - WINDOW_MS)[0],
                counters=list(runs.counters.get(name, {}).values())))
        return view

    def _version(self, config: dict[str, str]) -> str:
        key = (config.get(CONNECTOR_CLASS_CONFIG, ""), config.get(CONNECTOR_VERSION_CONFIG))
        if key not in self._versions:
            self._versions[key] = connector_version(config) or UNKNOWN_VERSION
        return self._versions[key]

    def scrape(self) -> str:
        """The exposition text of every family."""
        view = self.view()
        return render([*status_families(view), *startup_families(view), *task_families(view),
                       *error_families(view), *mirror_families(view)])
