from __future__ import annotations

from connect_core.errors.error_handling_metrics import ErrorHandlingMetrics


def test_as_dict_uses_kafka_task_error_metric_names() -> None:
    metrics = ErrorHandlingMetrics(total_retries=2, deadletterqueue_produce_requests=1)

    assert metrics.as_dict() == {
        "total-record-failures": 0,
        "total-record-errors": 0,
        "total-records-skipped": 0,
        "total-retries": 2,
        "total-errors-logged": 0,
        "deadletterqueue-produce-requests": 1,
        "deadletterqueue-produce-failures": 0,
        "last-error-timestamp": 0,
    }
