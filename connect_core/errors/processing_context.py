"""What a reporter learns about one failure: the original record, the stage, the class and the error.

Kafka keeps one mutable ``ProcessingContext`` per task; here one immutable context is built per failure only,
so the success path allocates nothing.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, NamedTuple

from connect_core.api.record import CREATE_TIME

if TYPE_CHECKING:
    from collections.abc import Sequence

    from connect_core.errors.stage import Stage

__all__ = ["ConsumedRecord", "ProcessingContext", "class_name"]


class ConsumedRecord(NamedTuple):
    """A record as consumed from Kafka, before any converter (Kafka ``ConsumerRecord<byte[], byte[]>``).

    The dead letter queue writes exactly these bytes back, so nothing here is decoded. ``timestamp_type`` uses
    Kafka's ``TimestampType`` names, as ``SinkRecord.timestamp_type`` does.
    """

    topic: str
    partition: int
    offset: int
    timestamp: int | None = None
    timestamp_type: str = CREATE_TIME
    key: bytes | None = None
    value: bytes | None = None
    headers: Sequence[tuple[str, bytes | None]] = ()


@dataclasses.dataclass(frozen=True, slots=True)
class ProcessingContext:
    """One failed operation, as handed to every ``ErrorReporter``.

    Attributes:
        original: the consumed record (sink), the record being processed (source), or None when unknown.
        stage: where the operation ran.
        executing_class: the fully qualified name of the class that ran it (``class_name``).
        error: the exception the last attempt raised.
        attempt: how many attempts were made (1 = no retry).
    """

    original: object | None
    stage: Stage
    executing_class: str
    error: BaseException | None
    attempt: int = 1

    @property
    def consumed_record(self) -> ConsumedRecord | None:
        """The original record when it was consumed from Kafka (the only kind a DLQ can replay)."""
        return self.original if isinstance(self.original, ConsumedRecord) else None


def class_name(executing_class: type | str | None) -> str:
    """``module.QualName`` of a class (Java's ``Class.getName``); a string is taken verbatim, e.g. a Kafka alias."""
    if executing_class is None:
        return "null"
    if isinstance(executing_class, str):
        return executing_class
    return f"{executing_class.__module__}.{executing_class.__qualname__}"
