"""The CloudWatch metrics (Powertools, embedded metric format) of one task invocation, per connector and task.

Names are documented in README "Metrics"; the coordinator adds ``ConsumerLag`` for sinks when it samples lag, and
MSK Connect's names per ``ConnectorName`` once a minute (``emit_connector_metrics``, figures from
``coordinator/metrics/msk_connect.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from connect_core.storage.run_state import RunRecord

__all__ = ["CONNECTOR_DIMENSION", "METRIC_NAMES", "add_run_metrics", "emit_connector_metrics", "emit_lag_metrics"]

RECORDS = "Records"
RECORDS_SKIPPED = "RecordsSkipped"
ERRORS = "Errors"
DLQ_RECORDS = "DeadLetterQueueRecords"
DURATION = "InvocationDuration"
AUTOMATIC_RESTARTS = "AutomaticRestarts"
CONSUMER_LAG = "ConsumerLag"
CONNECTOR_DIMENSION = "ConnectorName"  # MSK Connect's dimension
METRIC_NAMES = (RECORDS, RECORDS_SKIPPED, ERRORS, DLQ_RECORDS, DURATION, AUTOMATIC_RESTARTS, CONSUMER_LAG)


def add_run_metrics(metrics: Any, run: RunRecord | None, *, restarted: bool = False) -> None:
    """Add the invocation's metrics to a Powertools ``Metrics`` (dimensions ``connector`` and ``task``).

    ``restarted``: the invocation was an automatic restart of a failed task.
    """
    if run is None:
        return
    metrics.add_dimension(name="connector", value=run.connector)
    metrics.add_dimension(name="task", value=str(run.task))
    metrics.add_metric(name=RECORDS, unit="Count", value=run.records)
    metrics.add_metric(name=RECORDS_SKIPPED, unit="Count", value=run.skipped)
    metrics.add_metric(name=ERRORS, unit="Count", value=0 if run.ok else 1)
    metrics.add_metric(name=DLQ_RECORDS, unit="Count", value=run.dlq)
    metrics.add_metric(name=DURATION, unit="Milliseconds", value=run.duration_ms)
    if restarted:
        metrics.add_metric(name=AUTOMATIC_RESTARTS, unit="Count", value=1)


def emit_lag_metrics(totals: dict[str, int], namespace: str = "LambdaConnect") -> None:
    """One ``ConsumerLag`` metric per sink connector (dimension ``connector``), printed in EMF at once."""
    from aws_lambda_powertools.metrics import MetricUnit, single_metric

    for connector, total in sorted(totals.items()):
        with single_metric(name=CONSUMER_LAG, unit=MetricUnit.Count, value=total, namespace=namespace) as metric:
            metric.add_dimension(name="service", value="coordinator")
            metric.add_dimension(name="connector", value=connector)


def emit_connector_metrics(figures: dict[str, dict[str, float]], units: dict[str, str],
                           namespace: str | None = None) -> None:
    """One EMF record per connector (dimension ``ConnectorName`` only, as MSK Connect's), printed at once:
    ``figures`` connector -> metric -> value, ``units`` metric -> CloudWatch unit."""
    if not figures:
        return
    from aws_lambda_powertools.metrics import EphemeralMetrics

    from connect_core.runtime import env
    from connect_core.runtime.plugin_metrics import DEFAULT_NAMESPACE

    namespace = namespace or env.resolve(env.POWERTOOLS_METRICS_NAMESPACE, DEFAULT_NAMESPACE)
    for connector, values in sorted(figures.items()):
        out = EphemeralMetrics(namespace=namespace)
        out.service = ""  # no ``service`` dimension from POWERTOOLS_SERVICE_NAME: ConnectorName alone, as MSK's
        out.add_dimension(name=CONNECTOR_DIMENSION, value=connector)
        for name, value in values.items():
            out.add_metric(name=name, unit=units[name], value=value)
        out.flush_metrics()
