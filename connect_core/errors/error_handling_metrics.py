"""Counters of the error handler (Kafka ``ErrorHandlingMetrics``, JMX group ``task-error-metrics``)."""

from __future__ import annotations

import dataclasses

__all__ = ["ErrorHandlingMetrics", "task_error_metrics"]


@dataclasses.dataclass(slots=True)
class ErrorHandlingMetrics:
    """Plain counters one invocation fills; ``as_dict`` names them as Kafka's metrics so dashboards carry over."""

    total_record_failures: int = 0
    """Every failed attempt, retried or not (``total-record-failures``)."""
    total_record_errors: int = 0
    """Records whose processing ended in an error (``total-record-errors``)."""
    total_records_skipped: int = 0
    """Records skipped because their error was tolerated (``total-records-skipped``)."""
    total_retries: int = 0
    """Retries of a RetriableError (``total-retries``)."""
    total_errors_logged: int = 0
    """Errors written to the log by the LogReporter (``total-errors-logged``)."""
    deadletterqueue_produce_requests: int = 0
    """Records sent to the dead letter queue (``deadletterqueue-produce-requests``)."""
    deadletterqueue_produce_failures: int = 0
    """Dead letter queue writes that failed (``deadletterqueue-produce-failures``)."""
    last_error_timestamp: int = 0
    """Epoch ms of the last error (``last-error-timestamp``)."""

    def as_dict(self) -> dict[str, int]:
        """The counters under Kafka's metric names."""
        return {f.name.replace("_", "-"): getattr(self, f.name) for f in dataclasses.fields(self)}


_TASKS: dict[tuple[str, int], ErrorHandlingMetrics] = {}


def task_error_metrics(connector: str, task: int) -> ErrorHandlingMetrics:
    """This process's counters of one task, kept across the task's rebuilds so a warm container's totals only grow
    (the run recorder copies them into its per-container counters, which ``GET /metrics`` sums)."""
    return _TASKS.setdefault((connector, task), ErrorHandlingMetrics())
