"""The per-connector figures MSK Connect publishes to CloudWatch (dimension ``ConnectorName``), from the same
``WorkerView`` as ``GET /metrics``: the coordinator's heartbeat emits them once a minute (``runtime/run_metrics.py``
``emit_connector_metrics``), as MSK Connect does.

Rates are the sums of the tasks' Kafka rates (records per second over the last minute); ``WorkerCount`` counts the
function containers that ran a task of the connector in the last minute. MSK Connect's rebalance, CPU, memory and
byte metrics have no meaning for functions and are not published.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from connect_core.coordinator.metrics.kafka_stats import SAMPLES, WINDOW_MS, rate
from connect_core.storage.status_state import State

if TYPE_CHECKING:
    from connect_core.coordinator.metrics.worker_view import ConnectorView, WorkerView

__all__ = ["MSK_CONNECT_METRICS", "connector_figures"]

# name -> CloudWatch unit
MSK_CONNECT_METRICS = {
    "SourceRecordPollRate": "Count/Second", "SourceRecordWriteRate": "Count/Second",
    "SinkRecordReadRate": "Count/Second", "SinkRecordSendRate": "Count/Second",
    "ErroredTaskCount": "Count", "RunningTaskCount": "Count", "WorkerCount": "Count",
    "TaskStartupAttemptsTotal": "Count", "TaskStartupSuccessPercentage": "Percent",
}


def connector_figures(view: WorkerView) -> dict[str, dict[str, float]]:
    """Connector name -> MSK Connect metric name -> value, for every connector of a known type."""
    return {c.name: _figures(c, view.now_ms) for c in view.connectors if c.kind in ("source", "sink")}


def _figures(connector: ConnectorView, now_ms: int) -> dict[str, float]:
    done = [r for r in connector.runs if r.ok]
    moved_in = rate(((r.at_ms, r.records + r.skipped) for r in done), now_ms)
    moved_out = rate(((r.at_ms, r.records) for r in done), now_ms)
    attempts = sum(c.start_attempts for c in connector.counters)
    successes = sum(c.start_successes for c in connector.counters)
    live = {c.container for c in connector.counters if now_ms - c.at_ms < SAMPLES * WINDOW_MS}
    names = (("SourceRecordPollRate", "SourceRecordWriteRate") if connector.kind == "source"
             else ("SinkRecordReadRate", "SinkRecordSendRate"))
    figures = {
        names[0]: moved_in, names[1]: moved_out,
        "ErroredTaskCount": sum(1 for t in connector.tasks if t.state is State.FAILED),
        "RunningTaskCount": sum(1 for t in connector.tasks if t.state is State.RUNNING),
        "WorkerCount": len(live),
        "TaskStartupAttemptsTotal": attempts,
    }
    if attempts:  # no start yet: no percentage, rather than a made-up one
        figures["TaskStartupSuccessPercentage"] = 100.0 * successes / attempts
    return figures
