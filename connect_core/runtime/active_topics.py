"""KIP-558 active topics: the topics a connector's tasks used, recorded in the status topic as a worker records them.

A worker's task calls ``recordActiveTopic`` for every record (a source once the record is acknowledged, a sink once
it is converted) and writes ``status-topic-<topic>:connector-<name>`` only when its status store does not hold that
record yet, so the first use of a topic keeps its ``discoverTimestamp``. Here each warm container remembers the topics
it knows to be recorded, per connector: the runners hand over the topics of a transaction or batch (a set built per
poll or batch, never a status-topic lookup per record), and only a topic this container does not know yet makes it
catch up on the status topic and write the record if it is still missing. ``PUT /connectors/<name>/topics/reset``
writes tombstones a warm container cannot see without reading: what it knows is checked against the status topic
again at most every ``RECHECK_S``, so a reset topic is recorded again at its next use after that.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from connect_core.storage.status_state import TopicStatus

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from connect_core.storage.status_store import StatusStore

__all__ = ["RECHECK_S", "ActiveTopics"]

RECHECK_S = 60.0


class ActiveTopics:
    """Records the topics a container's tasks use (``topic.tracking.enable``); one per runner, kept warm."""

    def __init__(self, store: StatusStore, *, enabled: bool = True,
                 clock: Callable[[], float] = time.monotonic) -> None:
        """Write through ``store``; ``enabled`` False records nothing (Kafka's ``topic.tracking.enable=false``)."""
        self.store = store
        self.enabled = enabled
        self._clock = clock
        self._known: dict[str, set[str]] = {}  # connector -> topics known to be recorded in the status topic
        self._checked_at = clock()

    def record(self, connector: str, task: int, topics: Iterable[str]) -> None:
        """Note that task ``task`` of ``connector`` used ``topics`` (written only the first time, as a worker does)."""
        if not self.enabled:
            return
        if self._known and self._clock() - self._checked_at >= RECHECK_S:
            self._forget_reset()
        new = set(topics).difference(self._known.get(connector, ()))
        if not new:
            return
        self.store.refresh()
        recorded = {status.topic for status in self.store.topics(connector)}
        now_ms = int(time.time() * 1000)
        for topic in sorted(new - recorded):
            self.store.put_topic_status(TopicStatus(topic, connector, task, now_ms))
        self._known.setdefault(connector, set()).update(new)

    def _forget_reset(self) -> None:
        """Catch up on the status topic and forget what a reset removed, so its next use records it again."""
        self._checked_at = self._clock()
        self.store.refresh()
        for connector, topics in self._known.items():
            topics &= {status.topic for status in self.store.topics(connector)}
