"""A deadline scoped to a piece of work: every blocking call made inside it that asks :func:`bounded` waits at most
until then.

The coordinator's heartbeat runs steps inside a 30 s function (``coordinator/rest/heartbeat.py``); the Kafka reads
under a step (internal topics through ``storage/_topic_log.py``, consumer groups through
``coordinator/cluster/consumer_groups.py``) keep their own timeouts but never wait past the step's deadline, so a
read held by a transaction left open on a topic (a source task killed mid-transaction holds read_committed readers
for up to its transaction timeout, 60 s) ends the step instead of the function. Outside a scope nothing changes.
The scope is a context variable: a thread started inside it does not inherit it.
"""

from __future__ import annotations

import contextvars
import time
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["MIN_WAIT_S", "bounded", "remaining_s", "within"]

# What a call still gets once the deadline has passed: enough to fail at once with the call's own timeout error.
MIN_WAIT_S = 0.05
_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar("lambda_connect_deadline", default=None)


@contextmanager
def within(seconds: float) -> Iterator[None]:
    """Bound the calls made inside the block to ``seconds`` from now (or to an enclosing scope's earlier end)."""
    ends = time.monotonic() + max(seconds, 0.0)
    outer = _DEADLINE.get()
    token = _DEADLINE.set(ends if outer is None else min(outer, ends))
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def remaining_s() -> float | None:
    """Seconds left in the current scope (negative once past it); None outside any scope."""
    ends = _DEADLINE.get()
    return None if ends is None else ends - time.monotonic()


def bounded(timeout_s: float) -> float:
    """``timeout_s``, shortened to what is left of the current scope (at least :data:`MIN_WAIT_S`)."""
    left = remaining_s()
    return timeout_s if left is None else max(min(timeout_s, left), MIN_WAIT_S)
