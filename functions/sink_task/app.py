"""Kafka-triggered sink task: convert, transform, put and flush the batch; raise so a failed batch is retried. An event
without records is the coordinator's start invocation (connect_core.runtime.task_start): the task starts and reports;
an idle tick (connect_core.runtime.idle_tick) does the warm task's duties of the clock when they are due."""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools import Logger, Metrics

from connect_core.runtime import env
from connect_core.runtime.idle_tick import is_idle_tick
from connect_core.runtime.pydantic_plugins import skip_plugin_scan
from connect_core.runtime.restart_policy import Decision
from connect_core.runtime.run_metrics import add_run_metrics
from connect_core.runtime.task_invocation import SinkInvocation
from connect_core.runtime.task_start import is_sink_start
from connect_core.runtime.time_budget import remaining_ms
from connect_core.runtime.worker import WorkerSettings

skip_plugin_scan()  # pydantic finds its (no) plugins without importlib.metadata (a cold start's import)

logger = Logger(service="lambda-connect-sink")
metrics = Metrics(namespace="LambdaConnect", service="sink_task")
_invocation: SinkInvocation | None = None  # reused by warm invocations: clients, stores and the started task


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Deliver one event source mapping batch to the connector named by ``CONNECTOR_NAME``."""
    global _invocation
    if _invocation is None:
        connector = os.environ.get(env.CONNECTOR_NAME)
        if not connector:
            raise RuntimeError(f"environment variable {env.CONNECTOR_NAME} must name the sink connector")
        _invocation = SinkInvocation(WorkerSettings.from_env(), connector)
    try:
        if is_idle_tick(event):  # the schedule beside the mapping: put([]) and pre_commit when due
            response = _invocation.tick(int(context.memory_limit_in_mb), remaining_ms(context))
        elif is_sink_start(event):  # the coordinator's start invocation: no records (runtime/task_start.py)
            response = _invocation.start(int(context.memory_limit_in_mb), remaining_ms(context))
        else:
            response = _invocation.handle(event, int(context.memory_limit_in_mb), remaining_ms(context))
    finally:
        add_run_metrics(metrics, _invocation.recorder.last_run, restarted=_invocation.decision is Decision.RESTART)
    run = _invocation.recorder.last_run
    logger.info("sink batch done", extra={"records": run.records, "offsets": run.offsets} if run else {})
    return response
