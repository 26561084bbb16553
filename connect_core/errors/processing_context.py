"""What a reporter learns about one failure: the original record, the stage, the class and the error.

Kafka keeps one mutable ``ProcessingContext`` per task; here one immutable context is built per failure only,
so the success path allocates nothing.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from connect_core.api.consumed_record import ConsumedRecord

if TYPE_CHECKING:
    from connect_core.errors.stage import Stage

__all__ = ["ProcessingContext", "class_name"]


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
