"""``InFlightWrites``: a sink's network writes run beside its encoding, a bounded number at once.

A sink task submits each write (a bulk request, a PUT, a statement) as soon as it is encoded and goes on encoding
the next; :meth:`InFlightWrites.wait` (from ``flush``/``pre_commit``) returns only once every write has finished and
raises the first failure in submission order, so offsets never move past data not yet written. ``limit`` bounds
memory (a submit waits while that many writes are in flight); writes sharing a key never overlap (the later waits
for the earlier); ``threads=1`` runs them one after another in submission order. ``limit`` 1 writes in the caller.
``isolate``: a failure stops only the later writes sharing a key with it (independent partitions carry on).
"""

from __future__ import annotations

import collections
import contextvars
import time
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Hashable
    from concurrent.futures import Future, ThreadPoolExecutor

__all__ = ["InFlightWrites"]

T = TypeVar("T")


class _Write(Generic[T]):
    """One submitted write: its future, the keys it holds and what the caller's thread does with its result."""

    __slots__ = ("done", "future", "keys")

    def __init__(self, future: Future[T], keys: frozenset[Hashable], done: Callable[[T], None] | None) -> None:
        self.future, self.keys, self.done = future, keys, done


class InFlightWrites:
    """At most ``limit`` writes in flight on ``threads`` worker threads (default ``limit``), results in order."""

    def __init__(self, limit: int, name: str, *, threads: int | None = None, isolate: bool = False) -> None:
        """``name`` names the worker threads; the pool starts with the first write that does not run inline."""
        self.limit = max(1, limit)
        self._threads = max(1, min(threads or self.limit, self.limit))
        self._name = name
        self._pool: ThreadPoolExecutor | None = None
        self._pending: collections.deque[_Write[Any]] = collections.deque()
        self._error: BaseException | None = None
        self._isolate = isolate
        self._failed: set[Hashable] = set()  # isolate: keys of failed writes, whose later writes are not sent
        self.waiting_seconds = 0.0  # the caller's thread blocked on writes (inline ones too): network wait
        self.most_in_flight = 0  # the most writes submitted and not yet collected at once (tests, metrics)

    def submit(self, write: Callable[[], T], *, keys: Collection[Hashable] = (),
               done: Callable[[T], None] | None = None) -> None:
        """Run ``write`` beside the caller; ``done`` gets its result in the caller's thread when it is collected
        (in submission order; an exception from it counts as the write's). Raises a failure already known (after
        waiting for every write still running), so the caller stops encoding what cannot be committed anyway."""
        if self._error is None or self._isolate:
            self._collect(block=False)
        if self._error is not None and not self._isolate:
            self._fail()
        if self.limit == 1:  # synchronous: the caller waits, as a sink without overlap does
            started = time.monotonic()
            try:
                result = write()
            finally:
                self.waiting_seconds += time.monotonic() - started
            self.most_in_flight = max(self.most_in_flight, 1)
            if done is not None:
                done(result)
            return
        held = frozenset(keys)
        if held:  # wait for every earlier write that holds one of these keys
            last = max((i for i, w in enumerate(self._pending) if w.keys & held), default=-1)
            self._collect(block=True, count=last + 1)
        while len(self._pending) >= self.limit:
            self._collect(block=True, count=1)
        if self._error is not None and not self._isolate:
            self._fail()
        if not held.isdisjoint(self._failed):
            return  # an earlier write of these keys failed: this one must not overtake it
        if self._pool is None:
            from concurrent.futures import ThreadPoolExecutor

            self._pool = ThreadPoolExecutor(max_workers=self._threads, thread_name_prefix=self._name)
        context = contextvars.copy_context()  # a deadline scope (api/deadline.py) reaches the write
        self._pending.append(_Write(self._pool.submit(context.run, write), held, done))
        self.most_in_flight = max(self.most_in_flight, len(self._pending))

    def wait(self) -> None:
        """Return once every write has finished; raise the first failure (every write has ended by then)."""
        self._collect(block=True)
        if self._error is not None:
            self._fail()

    def cancel(self) -> None:
        """Drop writes not started, wait for those running, and forget every outcome (the batch comes again)."""
        for w in self._pending:
            w.future.cancel()
        started = time.monotonic()
        for w in self._pending:
            if not w.future.cancelled():
                try:
                    w.future.result()
                except BaseException:  # the batch is redelivered: its outcome does not matter
                    pass
        self.waiting_seconds += time.monotonic() - started
        self._pending.clear()
        self._error = None
        self._failed.clear()

    def close(self) -> None:
        """Cancel what is in flight and stop the worker threads."""
        self.cancel()
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    @property
    def in_flight(self) -> int:
        """Writes submitted and not yet collected."""
        return len(self._pending)

    def _collect(self, *, block: bool, count: int | None = None) -> None:
        """Collect finished writes from the oldest on (``block``: wait for the first ``count``, default all)."""
        collected = 0
        while self._pending and (count is None or collected < count):
            w = self._pending[0]
            if not w.future.done():
                if not block:
                    return
                started = time.monotonic()
                try:
                    w.future.exception()
                finally:
                    self.waiting_seconds += time.monotonic() - started
            self._pending.popleft()
            collected += 1
            if self._error is not None and not self._isolate:
                continue  # after a failure later results are not handed on (nothing of the batch commits)
            try:
                result = w.future.result()
                if w.done is not None:
                    w.done(result)
            except BaseException as error:
                self._error = self._error or error
                self._failed |= w.keys

    def _fail(self) -> None:
        """Stop what was not started, wait for the rest, and raise the first failure."""
        error = self._error
        assert error is not None
        self.cancel()
        raise error
