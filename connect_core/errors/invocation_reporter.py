"""Send a batch's failed records to the dead letter queue once, and only when the batch goes through.

A sink batch that fails is delivered again (the event source mapping retries it, whole or bisected), and every
retry converts and writes the same records: reporting each failure to the DLQ at once would send a bad record again
on every retry. ``InvocationReporter`` holds an invocation's reports (one per consumed record, the first failure
wins) and hands them to the DLQ only when the runner ``commit``s the invocation; a failed invocation ``discard``s
them. Records already sent are remembered (a bounded set, kept across task restarts of one execution
environment), so a batch that fails after its DLQ records were flushed does not send them again when it is retried
in the same container. Kafka Connect has no such layer: its worker never redelivers a batch to itself.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from connect_core.errors.dead_letter_queue import DeadLetterQueueReporter
    from connect_core.errors.processing_context import ProcessingContext

__all__ = ["InvocationReporter", "SentRecords"]

DEFAULT_REMEMBERED: Final = 100_000

Coordinates = tuple[str, int, int]


class SentRecords:
    """The coordinates of the records sent to the DLQ most recently (oldest forgotten first)."""

    def __init__(self, capacity: int = DEFAULT_REMEMBERED) -> None:
        """Remember at most ``capacity`` records."""
        self.capacity = capacity
        self._sent: OrderedDict[Coordinates, None] = OrderedDict()

    def __contains__(self, coordinates: object) -> bool:
        return coordinates in self._sent

    def add(self, coordinates: Coordinates) -> None:
        """Remember one more record."""
        self._sent[coordinates] = None
        self._sent.move_to_end(coordinates)
        while len(self._sent) > self.capacity:
            self._sent.popitem(last=False)


class InvocationReporter:
    """An ``ErrorReporter`` in front of a ``DeadLetterQueueReporter``: reports wait for ``commit``."""

    def __init__(self, dlq: DeadLetterQueueReporter, sent: SentRecords | None = None) -> None:
        """Wrap ``dlq``; ``sent`` may be shared across the reporters of one execution environment."""
        self.dlq = dlq
        self.sent = sent if sent is not None else SentRecords()
        self._pending: dict[Coordinates, ProcessingContext] = {}

    def report(self, context: ProcessingContext) -> None:
        """Hold the failure until the invocation commits (a context without a consumed record fails at once)."""
        record = context.consumed_record
        if record is None:
            self.dlq.report(context)  # raises: only consumed records can be written to a DLQ
            return
        self._pending.setdefault((record.topic, record.partition, record.offset), context)

    @property
    def pending(self) -> int:
        """How many failures wait for ``commit``."""
        return len(self._pending)

    def commit(self) -> None:
        """Send the held failures not sent before and wait until the DLQ acknowledged them."""
        pending, self._pending = self._pending, {}
        sending = [(key, context) for key, context in pending.items() if key not in self.sent]
        for _key, context in sending:
            self.dlq.report(context)
        self.dlq.flush()
        for key, _context in sending:
            self.sent.add(key)

    def discard(self) -> None:
        """Forget the held failures: the batch failed and will be delivered again."""
        self._pending = {}

    def close(self) -> None:
        """Discard what is held, then flush and release the DLQ producer."""
        self.discard()
        self.dlq.close()
