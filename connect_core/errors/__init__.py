"""Error handling for connector pipelines: ``errors.tolerance``, retries with backoff, DLQ and log reporters."""

from __future__ import annotations

from connect_core.errors.config import ErrorHandlingConfig, ToleranceType
from connect_core.errors.dead_letter_queue import DeadLetterQueueReporter
from connect_core.errors.error_handling_metrics import ErrorHandlingMetrics
from connect_core.errors.exceptions import DeadLetterQueueError, ToleranceExceededError, UnhandledError
from connect_core.errors.log_reporter import LogReporter
from connect_core.errors.processing_context import ProcessingContext
from connect_core.errors.reporter import ErrorReporter
from connect_core.errors.retry_with_tolerance import FAILED, RetryWithToleranceOperator
from connect_core.errors.stage import Stage

__all__ = [
    "FAILED",
    "DeadLetterQueueError",
    "DeadLetterQueueReporter",
    "ErrorHandlingConfig",
    "ErrorHandlingMetrics",
    "ErrorReporter",
    "LogReporter",
    "ProcessingContext",
    "RetryWithToleranceOperator",
    "Stage",
    "ToleranceExceededError",
    "ToleranceType",
    "UnhandledError",
]
