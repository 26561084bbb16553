"""Source task: a heartbeat (schedule) or a tick (SQS) polls the task while it has data, produces records and offsets
in one transaction, and sends the next delayed tick (connect_core.runtime.source_ticks)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from connect_core.runtime.source_event import parse_source_events
from connect_core.runtime.source_runner import SourceRunner
from connect_core.runtime.source_ticks import SqsTicks, run_source_invocation
from connect_core.runtime.time_budget import remaining_ms
from connect_core.runtime.worker import WorkerSettings

logger = Logger(service="lambda-connect-source")
metrics = Metrics(namespace="LambdaConnect", service="source_task")
_runner: SourceRunner | None = None  # reused by warm invocations: clients, stores and the started task
_ticks: SqsTicks | None = None


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Run the task(s) named by the event: one summary, or ``{"ticks": [...]}`` for an SQS batch."""
    global _runner, _ticks
    refs = parse_source_events(event)
    _runner = _runner or SourceRunner(WorkerSettings.from_env())
    _ticks = _ticks or SqsTicks.from_env()
    metrics.add_dimension(name="connector", value=refs[0].connector if refs else "")
    summaries = []
    for ref in refs:
        try:
            summary = run_source_invocation(_runner, ref, remaining_ms(context), _ticks)
        except Exception:
            metrics.add_metric(name="SourceInvocationsFailed", unit=MetricUnit.Count, value=1)
            raise
        metrics.add_metric(name="SourceRecordsProduced", unit=MetricUnit.Count, value=summary.get("records", 0))
        metrics.add_metric(name="SourceRecordsSkipped", unit=MetricUnit.Count, value=summary.get("skipped", 0))
        logger.info("source invocation done", extra=summary)
        summaries.append(summary)
    return summaries[0] if "Records" not in event else {"ticks": summaries}
