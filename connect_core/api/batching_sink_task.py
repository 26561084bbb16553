"""``BatchingSinkTask``: buffering and size-triggered writes live here once, so sinks only write batches.

After Singer's ``BatchSink`` and Quix's ``BatchingSink``. In a Lambda each invocation is ``put`` then ``flush``, so a
batch never outlives an invocation; ``flush`` must not return before every buffered record is durably written.
"""

from __future__ import annotations

import abc
from typing import TYPE_CHECKING

from connect_core.api.task import SinkTask

if TYPE_CHECKING:
    from connect_core.api.record import SinkRecord
    from connect_core.api.task import TopicPartition

__all__ = ["BatchingSinkTask"]


class BatchingSinkTask(SinkTask):
    """A sink task that buffers ``put`` records and hands them to ``write_batch`` in bounded chunks."""

    def __init__(self) -> None:
        """Start with an empty buffer."""
        self._buffer: list[SinkRecord] = []

    def max_batch_size(self) -> int | None:
        """Write as soon as this many records are buffered (None: only on flush). Usually the ``batch.size`` key."""
        return None

    @abc.abstractmethod
    def write_batch(self, records: list[SinkRecord]) -> None:
        """Durably write ``records`` (idempotently: a retried invocation may write them again) or raise."""

    def put(self, records: list[SinkRecord]) -> None:
        """Buffer records, writing full batches as they fill."""
        self._buffer.extend(records)
        limit = self.max_batch_size()
        while limit and len(self._buffer) >= limit:
            batch, self._buffer = self._buffer[:limit], self._buffer[limit:]
            self.write_batch(batch)

    def flush(self, current_offsets: dict[TopicPartition, int]) -> None:
        """Write what is left; on failure the records stay buffered so nothing is lost before the retry."""
        if self._buffer:
            self.write_batch(self._buffer)
            self._buffer = []

    def discard_buffer(self) -> None:
        """Drop buffered records (the runtime calls this when an invocation failed and will be retried)."""
        self._buffer = []
