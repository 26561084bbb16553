"""Errors raised by the error-handling machinery; each one fails the task (the invocation), as in Kafka."""

from __future__ import annotations

from connect_core.api.errors import ConnectError

__all__ = ["DeadLetterQueueError", "ToleranceExceededError", "UnhandledError"]

TOLERANCE_EXCEEDED_MESSAGE = "Tolerance exceeded in error handler"
UNHANDLED_MESSAGE = "Unhandled exception in error handler"


class ToleranceExceededError(ConnectError):
    """A tolerable failure beyond ``errors.tolerance`` (Kafka's "Tolerance exceeded in error handler")."""


class UnhandledError(ConnectError):
    """A failure the stage never tolerates (Kafka's "Unhandled exception in error handler")."""


class DeadLetterQueueError(ConnectError):
    """The dead letter queue could not be set up or a failed record could not be written to it."""
