"""The ``ErrorReporter`` contract (Kafka ``org.apache.kafka.connect.runtime.errors.ErrorReporter``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from connect_core.errors.processing_context import ProcessingContext

__all__ = ["ErrorReporter"]


@runtime_checkable
class ErrorReporter(Protocol):
    """Receives every failed operation; implementations must raise rather than drop a report they cannot make."""

    def report(self, context: ProcessingContext) -> None:
        """Report one failure (may be asynchronous; a reporter that buffers exposes its own ``flush``)."""
        ...
