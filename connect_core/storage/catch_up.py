"""Catching up on several internal topics at once: one ListOffsets for the invocation's config and status reads.

A warm invocation reads the config topic's new records first thing (its task may have a new config). Its status
writes compare with the status topic's latest value (``StatusStore.is_latest``), which another warm container of
the same function may have changed: that view is caught up in the same request, so a warm container whose topics
did not move pays no more than the config read alone.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from connect_core.kafka.clients import READ_UNCOMMITTED
from connect_core.kafka.read_to_end import end_offsets_of

if TYPE_CHECKING:
    from connect_core.storage._topic_store import _TopicBackedStore

__all__ = ["refresh_together"]

log = logging.getLogger(__name__)


def refresh_together(first: _TopicBackedStore[Any], *others: _TopicBackedStore[Any]) -> int:
    """``first.refresh()`` (its errors raised), and ``others`` caught up too (an error there is logged: their view
    stays as it was). When every log is warm and they share their clients, one ListOffsets asks all their ends."""
    logs = [first.log, *(store.log for store in others)]
    clients = getattr(first.log, "clients", None)
    if clients is not None and others and all(_warm(store, clients) for store in (first, *others)):
        ends = end_offsets_of(clients.consumer(READ_UNCOMMITTED),
                              {log.spec.name: log.partitions for log in logs}, timeout_s=first.log.timeout_s)
        for log_ in logs:
            log_.known_ends = ends.get(log_.spec.name)
    try:
        count = first.refresh()
    except BaseException:
        for log_ in logs:
            log_.known_ends = None
        raise
    for store in others:
        try:
            store.refresh()
        except Exception:
            store.log.known_ends = None
            log.warning("could not catch up on '%s'; its view stays as read before", store.topic, exc_info=True)
    return count


def _warm(store: _TopicBackedStore[Any], clients: object) -> bool:
    """Read before, every partition's position known, on the shared clients: its ends can be asked with the others'."""
    log_ = store.log
    positions: dict[int, int] = getattr(log_, "positions", None) or {}
    return (store._started and getattr(log_, "clients", None) is clients and bool(positions)
            and all(p in positions for p in log_.partitions))
