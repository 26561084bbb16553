"""Kafka-triggered sink task: convert, transform, put and flush the batch; raise so a failed batch is retried."""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from connect_core.runtime import env
from connect_core.runtime.sink_runner import SinkRunner
from connect_core.runtime.worker import WorkerSettings

logger = Logger(service="lambda-connect-sink")
metrics = Metrics(namespace="LambdaConnect", service="sink_task")
_runner: SinkRunner | None = None  # reused by warm invocations: clients, stores and the started task


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Deliver one event source mapping batch to the connector named by ``CONNECTOR_NAME``."""
    global _runner
    if _runner is None:
        connector = os.environ.get(env.CONNECTOR_NAME)
        if not connector:
            raise RuntimeError(f"environment variable {env.CONNECTOR_NAME} must name the sink connector")
        _runner = SinkRunner(WorkerSettings.from_env(), connector)
    metrics.add_dimension(name="connector", value=_runner.connector)
    try:
        result = _runner.handle(event)
    except Exception:
        metrics.add_metric(name="SinkBatchesFailed", unit=MetricUnit.Count, value=1)
        raise
    metrics.add_metric(name="SinkRecordsPut", unit=MetricUnit.Count, value=result.put)
    metrics.add_metric(name="SinkRecordsSkipped", unit=MetricUnit.Count, value=result.skipped)
    logger.info("sink batch done", extra={"records": result.records, "put": result.put, "offsets": result.offsets})
    return result.response()
