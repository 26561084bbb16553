"""Starting a task without data: the one invocation that makes an idle task RUNNING (or FAILED) within seconds.

A worker reports a task RUNNING when it is assigned, data or not; a function runs only when invoked. So whoever
changes what runs (the coordinator's ``Deployer``, ``lambda-connect up``) invokes each task once: a source or
pull-mode sink task gets its schedule's event with ``"start": true`` and no window (runs at most
``START_BUDGET_MS``, sends no tick, answers a failure instead of raising it, which Lambda would only retry); a
sink behind a mapping gets :data:`SINK_START_EVENT`, a Kafka event with no records, so ``put`` sees an empty batch.
"""

from __future__ import annotations

from typing import Any

__all__ = ["SINK_START_EVENT", "START_BUDGET_MS", "is_sink_start", "source_start_event"]

START_BUDGET_MS = 5_000.0  # short of any heartbeat, so a start invocation does not run into the schedule's
SINK_START_EVENT: dict[str, Any] = {"eventSource": "aws:kafka", "records": {}}


def source_start_event(connector: str, task: int, kind: str) -> dict[str, Any]:
    """The scheduled function's start event of task ``task`` (``kind``: ``source`` or ``sink`` for pull mode)."""
    event: dict[str, Any] = {"connector": connector, "task": task, "start": True}
    if kind != "source":
        event["kind"] = kind
    return event


def is_sink_start(event: Any) -> bool:
    """Whether a sink function's event is :data:`SINK_START_EVENT` (a Kafka event without a record)."""
    return isinstance(event, dict) and isinstance(event.get("records"), dict) and not event["records"]
