"""Starting a task without data: the one invocation that makes an idle task RUNNING (or FAILED) within seconds.

A Connect worker starts a task when it is assigned and reports RUNNING, whether or not data flows; a function runs
only when it is invoked. So whoever changes what runs (the coordinator at create, config update, resume and restart,
through its ``Deployer``; ``lambda-connect up``'s runtime when it (re)starts a trigger) invokes each task once:

- a source or pull-mode sink task gets the scheduled function's event with ``"start": true`` and no heartbeat window:
  it starts the task, runs at most ``START_BUDGET_MS`` (data that is there is not kept waiting for the schedule),
  sends no tick (the schedule's heartbeats carry on as before) and answers a failure instead of raising it (the task
  has reported FAILED with its cause; an asynchronous invocation raised would only be retried by Lambda);
- a sink behind an event source mapping gets :data:`SINK_START_EVENT`, a Kafka event with no records (a mapping
  never sends one): the task starts, ``put`` gets an empty batch as on a worker's idle poll, and it reports RUNNING.
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
