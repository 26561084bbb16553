"""``task-error-metrics`` of every task (``kafka_connect_task_error_*``): gauges, as Strimzi's rules make them (the
attributes do not end in ``-total``), of every container's error handling counters summed (Kafka's
``ErrorHandlingMetrics``, filled by ``connect_core/errors``' retry operator, log and dead letter queue reporters)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from connect_core.coordinator.metrics.exposition import Family

if TYPE_CHECKING:
    from connect_core.coordinator.metrics.worker_view import WorkerView

__all__ = ["ERROR_METRICS", "error_families"]

# Kafka's attribute -> its description (ConnectMetricsRegistry)
ERROR_METRICS = {
    "total-record-failures": "The number of record processing failures in this task.",
    "total-record-errors": "The number of record processing errors in this task.",
    "total-records-skipped": "The number of records skipped due to errors.",
    "total-retries": "The number of operations retried.",
    "total-errors-logged": "The number of errors that were logged.",
    "deadletterqueue-produce-requests": "The number of attempted writes to the dead letter queue.",
    "deadletterqueue-produce-failures": "The number of failed writes to the dead letter queue.",
}
LAST_ERROR = "last-error-timestamp"


def error_families(view: WorkerView) -> list[Family]:
    """The error handling gauges of every task: counts summed over containers, the last error the latest."""
    families = {attribute: Family(f"kafka_connect_task_error_{attribute.replace('-', '_')}", "gauge", help_)
                for attribute, help_ in ERROR_METRICS.items()}
    last = Family("kafka_connect_task_error_last_error_timestamp", "gauge",
                  "The epoch timestamp when this task last encountered an error.")
    for connector in view.connectors:
        for status in connector.tasks:
            labels = {"connector": connector.name, "task": str(status.task)}
            counters = connector.task_counters(status.task)
            for attribute, family in families.items():
                family.add(sum(c.errors.get(attribute, 0) for c in counters), **labels)
            last.add(max((c.errors.get(LAST_ERROR, 0) for c in counters), default=0), **labels)
    return [*families.values(), last]
