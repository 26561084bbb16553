"""Error handling for connector pipelines: ``errors.tolerance``, retries with backoff, DLQ and log reporters."""

from __future__ import annotations

from typing import TYPE_CHECKING

from connect_core.api.lazy_exports import lazy_exports

if TYPE_CHECKING:
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

# Each name's module, imported on first access (PEP 562): importing one submodule, or one name, no longer loads
# every module re-exported here (cold start: a handler pays only for what its first request uses).
_EXPORTS: dict[str, str] = {
    "DeadLetterQueueError": "connect_core.errors.exceptions",
    "DeadLetterQueueReporter": "connect_core.errors.dead_letter_queue",
    "ErrorHandlingConfig": "connect_core.errors.config",
    "ErrorHandlingMetrics": "connect_core.errors.error_handling_metrics",
    "ErrorReporter": "connect_core.errors.reporter",
    "FAILED": "connect_core.errors.retry_with_tolerance",
    "LogReporter": "connect_core.errors.log_reporter",
    "ProcessingContext": "connect_core.errors.processing_context",
    "RetryWithToleranceOperator": "connect_core.errors.retry_with_tolerance",
    "Stage": "connect_core.errors.stage",
    "ToleranceExceededError": "connect_core.errors.exceptions",
    "ToleranceType": "connect_core.errors.config",
    "UnhandledError": "connect_core.errors.exceptions",
}


__getattr__ = lazy_exports(__name__, _EXPORTS)
