"""The status a task shows while ``put`` raises ``RetriableError``: what it was, with the retry in its trace.

A Connect worker keeps a task RUNNING through a ``RetriableException`` (it was RUNNING since ``start``). A function
reports RUNNING only once an invocation after the task's (re)start succeeded, so a retry never turns a
RESTARTING or UNASSIGNED task RUNNING; what the retry hit is written in the trace at each attempt, so an operator
sees a failing task as failing while the invocation is still retrying, not ~40 s later.
"""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime

from connect_core.runtime.config_providers import redact
from connect_core.storage.status_state import State, TaskStatus

__all__ = ["retrying_status"]

_KEPT = (State.RUNNING, State.RESTARTING, State.UNASSIGNED)


def retrying_status(current: TaskStatus | None, running: TaskStatus, error: BaseException,
                    attempt: int) -> TaskStatus | None:
    """The status to write after the ``attempt``-th ``RetriableError`` of an invocation (``running``: the RUNNING
    status a success would write), or None: a FAILED task stays as it was, its trace is its failure's. A RUNNING
    of an older task config counts as not yet started."""
    state = current.state if current is not None else State.UNASSIGNED
    if state is State.FAILED:
        return None
    if state not in _KEPT or (state is State.RUNNING and current is not None
                              and current.generation != running.generation):
        state = State.UNASSIGNED
    at = datetime.fromtimestamp(time.time(), UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    message = redact(f"{type(error).__name__}: {error}") or type(error).__name__
    trace = (f"lambda-connect: the task's write failed with {message[:500]} (attempt {attempt} of the invocation at "
             f"{at}); it is retried, and the batch fails back to its trigger if that does not fit the invocation.")
    return replace(running, state=state, trace=trace)
