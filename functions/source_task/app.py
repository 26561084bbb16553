"""Scheduled source task: poll the task until its budget ends, produce records and offsets in one transaction."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics

from connect_core.runtime.restart_policy import Decision
from connect_core.runtime.run_metrics import add_run_metrics
from connect_core.runtime.source_event import parse_source_event
from connect_core.runtime.task_invocation import SourceInvocation
from connect_core.runtime.time_budget import remaining_ms
from connect_core.runtime.worker import WorkerSettings

logger = Logger(service="lambda-connect-source")
metrics = Metrics(namespace="LambdaConnect", service="source_task")
_invocation: SourceInvocation | None = None  # reused by warm invocations: clients, stores and the started task


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Run one invocation of the task named by the event."""
    global _invocation
    ref = parse_source_event(event)
    _invocation = _invocation or SourceInvocation(WorkerSettings.from_env())
    try:
        result = _invocation.run(ref.connector, ref.task, remaining_ms(context), int(context.memory_limit_in_mb))
    finally:
        add_run_metrics(metrics, _invocation.recorder.last_run, restarted=_invocation.decision is Decision.RESTART)
    logger.info("source invocation done", extra=result)
    return result
