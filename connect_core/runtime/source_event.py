"""Parse a source-task invocation: a heartbeat (EventBridge Scheduler ``Input``, or a classic scheduled-event
envelope) or a tick (an SQS message the previous invocation sent, delivered by the queue's event source mapping).

Both carry ``{"connector": name, "task": n}`` (plus ``"kind": "sink"`` for a pull-mode sink task, which the same
function runs: ``runtime/sink_pull.py``) and, when the task runs in heartbeat windows
(:mod:`connect_core.runtime.source_ticks`), ``window_start`` (epoch ms, or the ISO time Scheduler substitutes for
``<aws.scheduler.scheduled-time>``), ``window_ms`` and ``tick`` (0 for the heartbeat itself). ``"start": true``
marks the start invocation the coordinator sends when a task is created, updated, resumed or restarted
(``runtime/task_start.py``).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, NamedTuple

from connect_core.api.errors import DataError

__all__ = ["SINK", "SOURCE", "SourceTaskRef", "parse_source_event", "parse_source_events"]

SOURCE, SINK = "source", "sink"


class SourceTaskRef(NamedTuple):
    """Which task an invocation runs, and the heartbeat window it belongs to (None: no window, no ticks)."""

    connector: str
    task: int
    window_start_ms: int | None = None
    window_ms: int | None = None
    tick: int = 0
    kind: str = SOURCE  # "sink": a pull-mode sink task (runtime/sink_pull.py), run by the same scheduled function
    start: bool = False  # the task's start invocation (runtime/task_start.py): short, no window, no tick

    def as_event(self) -> dict[str, Any]:
        """The event (Scheduler Input or SQS message body) that names this task and window."""
        event: dict[str, Any] = {"connector": self.connector, "task": self.task}
        if self.kind != SOURCE:
            event["kind"] = self.kind
        if self.start:
            event["start"] = True
        if self.window_start_ms is not None and self.window_ms is not None:
            event |= {"window_start": self.window_start_ms, "window_ms": self.window_ms, "tick": self.tick}
        return event


def parse_source_events(event: Any) -> list[SourceTaskRef]:
    """Every task an event names: one for a heartbeat, one per message of an SQS batch."""
    if isinstance(event, dict) and isinstance(event.get("Records"), list):
        records = event["Records"]
        if not all(isinstance(r, dict) and r.get("eventSource") == "aws:sqs" for r in records):
            raise DataError("a source task event with Records must be an SQS event (eventSource aws:sqs)")
        return [parse_source_event(record.get("body")) for record in records]
    return [parse_source_event(event)]


def parse_source_event(event: Any) -> SourceTaskRef:
    """``{"connector": name, "task": n, ...}``, bare (Scheduler Input, SQS body) or inside ``detail``."""
    if isinstance(event, str):
        event = json.loads(event)
    if isinstance(event, dict) and "connector" not in event and isinstance(event.get("detail"), dict):
        event = event["detail"]
    if not isinstance(event, dict) or not isinstance(event.get("connector"), str) or not event["connector"]:
        raise DataError('a source task event must be {"connector": "<name>", "task": <n>}')
    task = _non_negative(event, "task", 0)
    kind = event.get("kind", SOURCE)
    if kind not in (SOURCE, SINK):
        raise DataError(f"'kind' must be {SOURCE!r} or {SINK!r}, got {kind!r}")
    if event.get("start") is True:  # a start has no window, whatever else the event says
        return SourceTaskRef(event["connector"], task, kind=kind, start=True)
    window_start, window_ms = _epoch_ms(event.get("window_start")), event.get("window_ms")
    if window_start is None or window_ms is None:
        return SourceTaskRef(event["connector"], task, kind=kind)
    return SourceTaskRef(event["connector"], task, window_start, _non_negative(event, "window_ms", 0),
                         _non_negative(event, "tick", 0), kind)


def _non_negative(event: dict[str, Any], key: str, default: int) -> int:
    try:
        value = int(event.get(key, default))
    except (TypeError, ValueError) as error:
        raise DataError(f"'{key}' must be an integer, got {event.get(key)!r}") from error
    if value < 0:
        raise DataError(f"'{key}' must not be negative, got {value}")
    return value


def _epoch_ms(raw: Any) -> int | None:
    """Epoch ms from a number or an ISO-8601 time (Scheduler's ``2026-11-22T09:40:00Z``); None if absent or
    unreadable (a scheduler that does not substitute the placeholder): the invocation then runs without a window."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, (int, float)):
        return int(raw)
    if isinstance(raw, str):
        try:
            parsed = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            return None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=dt.UTC)
        return int(parsed.timestamp() * 1000)
    return None
