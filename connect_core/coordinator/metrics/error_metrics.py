"""``task-error-metrics`` of every task (``kafka_connect_task_error_*``): gauges, as Strimzi's rules make them, of
every container's totals (a failed invocation is a failed batch; a record sent to the dead letter queue a tolerated
failure)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from connect_core.coordinator.metrics.exposition import Family

if TYPE_CHECKING:
    from connect_core.coordinator.metrics.worker_view import WorkerView

__all__ = ["error_families"]


def error_families(view: WorkerView) -> list[Family]:
    """The error handling gauges of every task."""
    failures = Family("kafka_connect_task_error_total_record_failures", "gauge",
                      "The number of record processing failures in this task (failed batches and records sent to "
                      "the dead letter queue).")
    errors = Family("kafka_connect_task_error_total_record_errors", "gauge",
                    "The number of record processing errors in this task.")
    skipped = Family("kafka_connect_task_error_total_records_skipped", "gauge",
                     "The number of records skipped (tolerated errors, and records an SMT filtered out).")
    dlq = Family("kafka_connect_task_error_deadletterqueue_produce_requests", "gauge",
                 "The number of attempted writes to the dead letter queue.")
    last = Family("kafka_connect_task_error_last_error_timestamp", "gauge",
                  "The epoch timestamp when this task last encountered an error (in the last hour's runs; 0: none).")
    for connector in view.connectors:
        for status in connector.tasks:
            task, labels = status.task, {"connector": connector.name, "task": str(status.task)}
            counters = connector.task_counters(task)
            failed = sum(c.failed + c.dlq for c in counters)
            failures.add(failed, **labels)
            errors.add(failed, **labels)
            skipped.add(sum(c.skipped for c in counters), **labels)
            dlq.add(sum(c.dlq for c in counters), **labels)
            last.add(max((r.at_ms for r in connector.task_runs(task) if not r.ok), default=0), **labels)
    return [failures, errors, skipped, dlq, last]
