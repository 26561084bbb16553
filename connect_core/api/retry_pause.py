"""Waiting before a task's next retry, cut short when the invocation is superseded (a newer config).

A task's own retry loop (the JDBC sinks' ``max.retries``, the runtime's ``errors.retry.timeout`` and retriable-``put``
loops) may outlive what it retries for: on a worker, a config ``PUT`` restarts the task at once; here it would act
only at the next invocation, after every retry of the old config (30 s for the JDBC sink's defaults). The runtime
scopes a check around the task's calls (:func:`watching`); :func:`pause` sleeps, asks the check at most every
``every_s`` seconds (it reads the caught-up config, one request), and raises :class:`SupersededError` once the check
names a reason: a ``RetriableError``, so the batch comes again, to a task started with the new config. Outside a
scope :func:`pause` is a plain sleep. The scope is a context variable: a thread started inside it does not inherit it.
"""

from __future__ import annotations

import contextvars
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from connect_core.api.errors import RetriableError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

__all__ = ["CHECK_EVERY_S", "SupersededError", "attempt_failed", "pause", "superseded", "watching"]

CHECK_EVERY_S = 3.0  # how often a retrying task's invocation reads the config (a ListOffsets) while it waits


class SupersededError(RetriableError):
    """The invocation ends early: what it runs was superseded (a newer task config, a restart, a pause)."""


@dataclass
class _Scope:
    check: Callable[[], str | None]
    every_s: float
    checked_at: float
    on_attempt: Callable[[BaseException, int], None] | None = None
    attempts: int = 0


_SCOPE: contextvars.ContextVar[_Scope | None] = contextvars.ContextVar("lambda_connect_retry_scope", default=None)


@contextmanager
def watching(check: Callable[[], str | None], every_s: float | None = None, *,
             on_attempt: Callable[[BaseException, int], None] | None = None) -> Iterator[None]:
    """Within the block, :func:`pause` asks ``check`` (a reason to stop, or None) at most every ``every_s``
    (:data:`CHECK_EVERY_S`); the first time ``every_s`` after the block began (the invocation has just read the
    config). ``on_attempt(error, n)`` hears of each failed attempt a task reports (:func:`attempt_failed`)."""
    token = _SCOPE.set(_Scope(check, CHECK_EVERY_S if every_s is None else every_s, time.monotonic(), on_attempt))
    try:
        yield
    finally:
        _SCOPE.reset(token)


def superseded() -> str | None:
    """The scope's reason to stop, asked if ``every_s`` has passed since it was last asked; None otherwise."""
    scope = _SCOPE.get()
    if scope is None or time.monotonic() - scope.checked_at < scope.every_s:
        return None
    scope.checked_at = time.monotonic()
    return scope.check()


def attempt_failed(error: BaseException) -> None:
    """A task's own retry loop says an attempt failed and will be retried: the runtime shows it in the task's status
    trace while the retries go on (a task retrying for 30 s is not silently RUNNING). Nothing outside a scope."""
    scope = _SCOPE.get()
    if scope is not None and scope.on_attempt is not None:
        scope.attempts += 1
        scope.on_attempt(error, scope.attempts)


def pause(seconds: float) -> None:
    """Sleep ``seconds`` before a retry; raise :class:`SupersededError` as soon as the scope's check names a reason
    (asked when due, before and while sleeping)."""
    ends = time.monotonic() + max(seconds, 0.0)
    while True:
        reason = superseded()
        if reason is not None:
            raise SupersededError(f"the retries of this invocation stop: {reason}; the next invocation runs it")
        left = ends - time.monotonic()
        if left <= 0:
            return
        scope = _SCOPE.get()
        time.sleep(left if scope is None else min(left, max(scope.every_s - (time.monotonic() - scope.checked_at),
                                                            0.01)))
