"""Scheduled source task: poll the task until its budget ends, produce records and offsets in one transaction."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from connect_core.runtime.source_event import parse_source_event
from connect_core.runtime.source_runner import SourceRunner
from connect_core.runtime.time_budget import remaining_ms
from connect_core.runtime.worker import WorkerSettings

logger = Logger(service="lambda-connect-source")
metrics = Metrics(namespace="LambdaConnect", service="source_task")
_runner: SourceRunner | None = None  # reused by warm invocations: clients, stores and the started task


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Run one invocation of the task named by the event."""
    global _runner
    ref = parse_source_event(event)
    _runner = _runner or SourceRunner(WorkerSettings.from_env())
    metrics.add_dimension(name="connector", value=ref.connector)
    try:
        result = _runner.run(ref.connector, ref.task, remaining_ms(context))
    except Exception:
        metrics.add_metric(name="SourceInvocationsFailed", unit=MetricUnit.Count, value=1)
        raise
    metrics.add_metric(name="SourceRecordsProduced", unit=MetricUnit.Count, value=result.records)
    metrics.add_metric(name="SourceRecordsSkipped", unit=MetricUnit.Count, value=result.skipped)
    logger.info("source invocation done", extra=result.as_dict())
    return result.as_dict()
