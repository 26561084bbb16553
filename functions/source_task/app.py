"""Scheduled task: a heartbeat (schedule) or a tick (SQS) runs a source task (poll while it has data, produce records
and offsets in one transaction) or a pull-mode sink task (``"kind": "sink"``: read its partitions, put, commit;
connect_core.runtime.sink_pull), then sends the next delayed tick (connect_core.runtime.source_ticks)."""

from __future__ import annotations

from functools import partial
from typing import Any

from aws_lambda_powertools import Logger, Metrics

from connect_core.runtime.pydantic_plugins import skip_plugin_scan
from connect_core.runtime.restart_policy import Decision
from connect_core.runtime.run_metrics import add_run_metrics
from connect_core.runtime.source_event import SINK, parse_source_events
from connect_core.runtime.source_ticks import SqsTicks, run_source_invocation
from connect_core.runtime.task_invocation import SourceInvocation
from connect_core.runtime.time_budget import remaining_ms
from connect_core.runtime.worker import WorkerSettings

skip_plugin_scan()  # pydantic finds its (no) plugins without importlib.metadata (a cold start's import)

logger = Logger(service="lambda-connect-source")
metrics = Metrics(namespace="LambdaConnect", service="source_task")
_invocation: SourceInvocation | None = None  # reused by warm invocations: clients, stores and the started task
_ticks: SqsTicks | None = None
_sinks: Any = None  # SinkPullInvocations, built on the first sink task (a source-only container never loads it)


def _invocation_for(kind: str) -> Any:
    """The container's SourceInvocation, or its SinkPullInvocations for a pull-mode sink task."""
    global _invocation, _sinks
    if kind == SINK:
        if _sinks is None:
            from connect_core.runtime.sink_pull import SinkPullInvocations

            _sinks = SinkPullInvocations(WorkerSettings.from_env())
        return _sinks
    _invocation = _invocation or SourceInvocation(WorkerSettings.from_env())
    return _invocation


def _run(invocation: Any, name: str, task: int, budget: Any, *, memory_mb: int) -> dict[str, Any]:
    return invocation.run(name, task, budget, memory_mb)


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Run the task named by the event: its summary, or ``{"ticks": [...]}`` for an SQS batch."""
    global _ticks
    refs = parse_source_events(event)
    _ticks = _ticks or SqsTicks.from_env()
    memory_mb = int(context.memory_limit_in_mb)
    summaries = []
    for ref in refs:
        invocation = _invocation_for(ref.kind)
        before = invocation.recorder.last_run
        try:
            summary = run_source_invocation(partial(_run, invocation, memory_mb=memory_mb), ref,
                                            remaining_ms(context), _ticks)
        finally:
            if invocation.recorder.last_run is not before:  # a late tick runs nothing: no metrics of its own
                add_run_metrics(metrics, invocation.recorder.last_run,
                                restarted=invocation.decision is Decision.RESTART)
        logger.info("source invocation done", extra=summary)
        summaries.append(summary)
    return {"ticks": summaries} if "Records" in event else summaries[0]
