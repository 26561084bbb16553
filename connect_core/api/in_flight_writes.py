"""``InFlightWrites``: a sink's network writes run beside its encoding, a bounded number at once.

A sink task submits each write (a bulk request, a PUT, a statement) as soon as it is encoded and goes on encoding
the next; :meth:`InFlightWrites.wait` (from ``flush``/``pre_commit``) returns only once every write has finished and
raises the first failure in submission order, so offsets never move past data not yet written. ``limit`` bounds
memory (a submit waits while that many writes are submitted and not yet collected); a write sharing a key with an
earlier one starts only once that one succeeded (the caller does not wait for it; after a failure it is not sent);
``threads=1`` runs writes one after another in submission order. ``limit`` 1 writes in the caller's thread. A write
that answers with a failure the caller handles (a status, not an exception) raises :class:`StopKeys` with it: its
keys' later writes are not sent, ``done`` still gets the answer, and the writes fail with what ``done`` raises.
"""

from __future__ import annotations

import collections
import contextvars
import threading
import time
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Hashable
    from concurrent.futures import ThreadPoolExecutor

__all__ = ["InFlightWrites", "StopKeys"]


class StopKeys(Exception):
    """Raised by a write whose later writes of its keys must not be sent; ``done`` still gets ``result``."""

    def __init__(self, result: Any) -> None:
        """``result``: what the write got (handed to ``done`` in the caller's thread)."""
        super().__init__("a write stopped the later writes of its keys")
        self.result = result


class _Skipped(Exception):
    """A write not sent: an earlier write of its key failed, or the writes were cancelled."""


class _Write:
    """One submitted write: its outcome, the keys it holds, what the caller does with its result, and the writes
    of its keys waiting for it."""

    __slots__ = ("blockers", "cancelled", "context", "done", "failed", "future", "keys", "successors", "write")

    def __init__(self, write: Callable[[], Any], keys: frozenset[Hashable], done: Callable[[Any], None] | None
                 ) -> None:
        self.write, self.keys, self.done = write, keys, done
        self.future: Future[Any] = Future()
        self.context = contextvars.copy_context()  # a deadline scope (api/deadline.py) reaches the write
        self.blockers = 0  # earlier writes of its keys not finished yet
        self.successors: list[_Write] = []
        self.cancelled = False
        self.failed = False


class InFlightWrites:
    """At most ``limit`` writes in flight on ``threads`` worker threads (default ``limit``), results in order."""

    def __init__(self, limit: int, name: str, *, threads: int | None = None, isolate: bool = False) -> None:
        """``name`` names the worker threads (started with the first write not run inline); ``isolate``: a failure
        does not stop the caller's next submits (writes of other keys carry on), only ``wait`` raises it."""
        self.limit = max(1, limit)
        self._threads = max(1, min(threads or self.limit, self.limit))
        self._name = name
        self._isolate = isolate
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self._pending: collections.deque[_Write] = collections.deque()
        self._tails: dict[Hashable, _Write] = {}  # the last unfinished write holding each key
        self._failed: set[Hashable] = set()  # keys of failed writes: their later writes are not sent
        self._error: BaseException | None = None
        self.waiting_seconds = 0.0  # the caller's thread blocked on writes (inline ones too): network wait
        self.most_in_flight = 0  # the most writes submitted and not yet collected at once (tests, metrics)

    def submit(self, write: Callable[[], Any], *, keys: Collection[Hashable] = (),
               done: Callable[[Any], None] | None = None) -> None:
        """Run ``write`` beside the caller; ``done`` gets its result in the caller's thread when it is collected
        (in submission order; an exception from it counts as the write's). Unless ``isolate``, raises a failure
        already known (after every write still running ended): the caller stops encoding what cannot commit."""
        self._collect(block=False)
        if self._error is not None and not self._isolate:
            self._fail()
        if self.limit == 1:  # synchronous: the caller waits, as a sink without overlap does
            started = time.monotonic()
            try:
                result = write()
            except StopKeys as stop:
                if done is not None:
                    done(stop.result)  # what the caller makes of the answer is the failure
                raise
            finally:
                self.waiting_seconds += time.monotonic() - started
            self.most_in_flight = max(self.most_in_flight, 1)
            if done is not None:
                done(result)
            return
        while len(self._pending) >= self.limit:
            self._collect(block=True, count=1)
        if self._error is not None and not self._isolate:
            self._fail()
        if self._pool is None:
            from concurrent.futures import ThreadPoolExecutor

            self._pool = ThreadPoolExecutor(max_workers=self._threads, thread_name_prefix=self._name)
        w = _Write(write, frozenset(keys), done)
        with self._lock:
            w.failed = not w.keys.isdisjoint(self._failed)
            for key in w.keys:
                before = self._tails.get(key)
                if before is not None and w not in before.successors:
                    before.successors.append(w)
                    w.blockers += 1
                self._tails[key] = w
            ready = w.blockers == 0  # else the last blocker to end starts it
        self._pending.append(w)
        self.most_in_flight = max(self.most_in_flight, len(self._pending))
        if ready:
            self._start(w)

    def wait(self) -> None:
        """Return once every write has finished; raise the first failure (every write has ended by then)."""
        self._collect(block=True)
        if self._error is not None:
            self._fail()

    def cancel(self) -> None:
        """Drop writes not started, wait for those running, and forget every outcome (the batch comes again)."""
        with self._lock:
            for w in self._pending:
                w.cancelled = True
        started = time.monotonic()
        for w in self._pending:
            w.future.exception()  # every write ends: run, skipped once its blockers end, or dropped
        self.waiting_seconds += time.monotonic() - started
        self._pending.clear()
        self._tails.clear()
        self._failed.clear()
        self._error = None

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

    def _start(self, w: _Write) -> None:
        assert self._pool is not None
        self._pool.submit(self._run, w)

    def _run(self, w: _Write) -> None:
        """In a worker: the write (unless cancelled or an earlier write of its keys failed), then its successors."""
        if w.cancelled or w.failed:
            w.future.set_exception(_Skipped())
        else:
            try:
                w.future.set_result(w.context.run(w.write))
            except BaseException as error:
                w.failed = True
                w.future.set_exception(error)
        ready = []
        with self._lock:
            if w.failed:
                self._failed |= w.keys
            for key in w.keys:
                if self._tails.get(key) is w:
                    del self._tails[key]
            for successor in w.successors:
                successor.failed = successor.failed or w.failed  # not sent after an earlier write of its key failed
                successor.blockers -= 1
                if successor.blockers == 0:
                    ready.append(successor)
        for successor in ready:
            self._start(successor)

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
            except _Skipped:
                pass  # the failure of the earlier write of its key is the one reported
            except StopKeys as stop:  # the answer handed on; the writes fail (with what done raises, if it does)
                try:
                    if w.done is not None:
                        w.done(stop.result)
                except BaseException as error:
                    self._error = self._error or error
                else:
                    self._error = self._error or stop
            except BaseException as error:
                self._error = self._error or error

    def _fail(self) -> None:
        """Stop what was not started, wait for the rest, and raise the first failure."""
        error = self._error
        assert error is not None
        self.cancel()
        raise error
