"""The Input a schedule's target receives: EventBridge Scheduler's context attributes filled in, as AWS does.

AWS substitutes four placeholders anywhere in a target's ``Input`` when a schedule fires ("Adding context attributes",
EventBridge Scheduler User Guide): ``<aws.scheduler.schedule-arn>``, ``<aws.scheduler.scheduled-time>`` (the time
the invocation was due, ISO 8601 in UTC, e.g. ``2026-11-22T09:40:00Z``), ``<aws.scheduler.execution-id>`` and
``<aws.scheduler.attempt-number>``. lambda-connect's heartbeats rely on the scheduled time (the window of a task's
delayed ticks, ``connect_core/runtime/source_ticks.py``): without it every task would run once a heartbeat.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

__all__ = ["EMPTY_INPUT", "scheduler_input"]

EMPTY_INPUT = "{}"  # what a Lambda target receives when the schedule has no Input


def scheduler_input(template: str | None, schedule_arn: str, scheduled_time: datetime, *,
                    execution_id: str | None = None, attempt: int = 1) -> str:
    """``template`` (the target's Input) with the context attributes of one firing substituted."""
    if not template:
        return EMPTY_INPUT
    due = scheduled_time.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
    values = {
        "<aws.scheduler.schedule-arn>": schedule_arn,
        "<aws.scheduler.scheduled-time>": due,
        "<aws.scheduler.execution-id>": execution_id or str(uuid.uuid4()),
        "<aws.scheduler.attempt-number>": str(attempt),
    }
    for placeholder, value in values.items():
        template = template.replace(placeholder, value)
    return template
