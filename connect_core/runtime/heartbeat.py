"""The coordinator's heartbeat: a scheduled event (EventBridge Scheduler on AWS, a timer in `lambda-connect up`)
on which the coordinator samples every sink's consumer-group lag (for honest statuses and the ``ConsumerLag``
metric) even when nobody looks at the status page."""

from __future__ import annotations

from typing import Any

__all__ = ["HEARTBEAT_EVENT", "HEARTBEAT_INTERVAL_S", "is_heartbeat"]

HEARTBEAT_EVENT = {"lambda-connect": "heartbeat"}
HEARTBEAT_INTERVAL_S = 10.0  # locally; on AWS the schedule in template.yaml fires once a minute


def is_heartbeat(event: Any) -> bool:
    """Whether an event is the heartbeat (and not an HTTP request)."""
    return isinstance(event, dict) and event.get("lambda-connect") == HEARTBEAT_EVENT["lambda-connect"]
