"""Parse a source-task invocation: EventBridge Scheduler ``Input`` or a classic scheduled-event envelope."""

from __future__ import annotations

import json
from typing import Any, NamedTuple

from connect_core.api.errors import DataError

__all__ = ["SourceTaskRef", "parse_source_event"]


class SourceTaskRef(NamedTuple):
    """Which task an invocation runs."""

    connector: str
    task: int


def parse_source_event(event: Any) -> SourceTaskRef:
    """``{"connector": name, "task": n}``, bare (Scheduler Input) or inside ``detail`` of an EventBridge envelope."""
    if isinstance(event, str):
        event = json.loads(event)
    if isinstance(event, dict) and "connector" not in event and isinstance(event.get("detail"), dict):
        event = event["detail"]
    if not isinstance(event, dict) or not isinstance(event.get("connector"), str) or not event["connector"]:
        raise DataError('a source task event must be {"connector": "<name>", "task": <n>}')
    try:
        task = int(event.get("task", 0))
    except (TypeError, ValueError) as error:
        raise DataError(f"'task' must be an integer, got {event.get('task')!r}") from error
    if task < 0:
        raise DataError(f"'task' must not be negative, got {task}")
    return SourceTaskRef(event["connector"], task)
