"""The coordinator's heartbeat: a scheduled event (EventBridge Scheduler on AWS, a timer in `lambda-connect up`)
on which the coordinator samples every sink's consumer-group lag (for honest statuses and the ``ConsumerLag``
metric) even when nobody looks at the status page."""

from __future__ import annotations

from typing import Any

__all__ = ["HEARTBEAT_EVENT", "HEARTBEAT_INTERVAL_S", "HEARTBEAT_MARGIN_S", "budget_s", "is_heartbeat"]

HEARTBEAT_EVENT = {"lambda-connect": "heartbeat"}
HEARTBEAT_INTERVAL_S = 10.0  # locally; on AWS the schedule in template.yaml fires once a minute
# What the handler keeps of the function's time after the heartbeat's steps: its answer and the lag metrics.
HEARTBEAT_MARGIN_S = 2.0


def is_heartbeat(event: Any) -> bool:
    """Whether an event is the heartbeat (and not an HTTP request)."""
    return isinstance(event, dict) and event.get("lambda-connect") == HEARTBEAT_EVENT["lambda-connect"]


def budget_s(context: Any) -> float | None:
    """The seconds the heartbeat's steps may take: the invocation's remaining time less ``HEARTBEAT_MARGIN_S``
    (None without a Lambda context: the coordinator's default)."""
    if context is not None and hasattr(context, "get_remaining_time_in_millis"):
        return max(context.get_remaining_time_in_millis() / 1000 - HEARTBEAT_MARGIN_S, 0.0)
    return None
