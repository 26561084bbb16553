"""``source-task-metrics``, ``sink-task-metrics`` and ``connector-task-metrics`` of every task, and the worker's task
startup totals.

Rates, averages and maxima replay the task's last hour of invocations through Kafka's sampled statistics
(``kafka_stats``): an invocation is one poll batch (source) or one put batch (sink) of its records, its duration the
batch time. Totals are the sums of every container's counters (``run_state.TaskCounters``), which only grow.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from connect_core.coordinator.metrics.exposition import Family
from connect_core.coordinator.metrics.kafka_stats import avg, max_, rate

if TYPE_CHECKING:
    from connect_core.coordinator.metrics.worker_view import ConnectorView, WorkerView
    from connect_core.storage.run_state import RunPoint

__all__ = ["startup_families", "task_families"]


class _Families:
    """The families of one MBean type, created on first use, in order."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.made: dict[str, Family] = {}

    def add(self, attribute: str, value: float, help_: str, *, connector: str, task: int) -> None:
        name = f"{self.prefix}_{attribute}"
        family = self.made.get(name)
        if family is None:
            family = self.made[name] = Family(name, "counter" if name.endswith("_total") else "gauge", help_)
        family.add(value, connector=connector, task=str(task))


def _in(run: RunPoint) -> int:
    return run.records + run.skipped


def task_families(view: WorkerView) -> list[Family]:
    """The per-task gauges and counters of every source and sink task."""
    source, sink, task_group = (_Families("kafka_connect_source_task"), _Families("kafka_connect_sink_task"),
                                _Families("kafka_connect_connector_task"))
    for connector in view.connectors:
        for status in connector.tasks:
            if connector.kind == "source":
                _source(source, connector, status.task, view.now_ms)
            elif connector.kind == "sink":
                _sink(sink, connector, status.task, view.now_ms)
            else:
                continue
            _task(task_group, connector, status.task, view.now_ms)
    return [*source.made.values(), *sink.made.values(), *task_group.made.values()]


def _source(out: _Families, connector: ConnectorView, task: int, now_ms: int) -> None:
    runs, counters, name = connector.task_runs(task), connector.task_counters(task), connector.name
    done = [r for r in runs if r.ok]
    out.add("source_record_poll_rate", rate(((r.at_ms, _in(r)) for r in done), now_ms),
            "The average per-second number of records produced/polled (before transformation) by this task.",
            connector=name, task=task)
    out.add("source_record_poll_total", sum(c.records_in for c in counters),
            "The total number of records produced/polled (before transformation) by this task.",
            connector=name, task=task)
    out.add("source_record_write_rate", rate(((r.at_ms, r.records) for r in done), now_ms),
            "The average per-second number of records written to Kafka for this task.", connector=name, task=task)
    out.add("source_record_write_total", sum(c.records_out for c in counters),
            "The number of records output written to Kafka for this task.", connector=name, task=task)
    out.add("poll_batch_avg_time_ms", avg(((r.at_ms, r.duration_ms) for r in done), now_ms),
            "The average time in milliseconds taken by this task to poll for a batch of source records (here: "
            "an invocation).", connector=name, task=task)
    out.add("poll_batch_max_time_ms", max_(((r.at_ms, r.duration_ms) for r in done), now_ms),
            "The maximum time in milliseconds taken by this task to poll for a batch of source records (here: "
            "an invocation).", connector=name, task=task)
    for attribute in ("source_record_active_count", "source_record_active_count_max",
                      "source_record_active_count_avg"):
        out.add(attribute, 0, "Records polled but not yet written: none between invocations (each commits its "
                "records before it ends).", connector=name, task=task)


def _sink(out: _Families, connector: ConnectorView, task: int, now_ms: int) -> None:
    runs, counters, name = connector.task_runs(task), connector.task_counters(task), connector.name
    done = [r for r in runs if r.ok]
    commits = sum(c.invocations - c.failed for c in counters)
    out.add("sink_record_read_rate", rate(((r.at_ms, _in(r)) for r in done), now_ms),
            "The average per-second number of records read from Kafka for this task.", connector=name, task=task)
    out.add("sink_record_read_total", sum(c.records_in for c in counters),
            "The total number of records read from Kafka by this task.", connector=name, task=task)
    out.add("sink_record_send_rate", rate(((r.at_ms, r.records) for r in done), now_ms),
            "The average per-second number of records output from the transformations and sent/put to this task.",
            connector=name, task=task)
    out.add("sink_record_send_total", sum(c.records_out for c in counters),
            "The total number of records output from the transformations and sent/put to this task.",
            connector=name, task=task)
    out.add("put_batch_avg_time_ms", avg(((r.at_ms, r.duration_ms) for r in done), now_ms),
            "The average time taken by this task to put a batch of sink records (here: an invocation).",
            connector=name, task=task)
    out.add("put_batch_max_time_ms", max_(((r.at_ms, r.duration_ms) for r in done), now_ms),
            "The maximum time taken by this task to put a batch of sink records (here: an invocation).",
            connector=name, task=task)
    out.add("offset_commit_completion_rate", rate(((r.at_ms, 1) for r in done), now_ms),
            "The average per-second number of offset commit completions (a batch that went through is "
            "committed).", connector=name, task=task)
    out.add("offset_commit_completion_total", commits, "The total number of offset commit completions.",
            connector=name, task=task)
    out.add("offset_commit_skip_rate", 0.0, "Offset commits skipped: never (each batch is committed once).",
            connector=name, task=task)
    out.add("offset_commit_skip_total", 0, "Offset commits skipped: never.", connector=name, task=task)
    out.add("offset_commit_seq_no", commits, "The current sequence number for offset commits.",
            connector=name, task=task)
    for attribute in ("sink_record_active_count", "sink_record_active_count_max", "sink_record_active_count_avg"):
        out.add(attribute, 0, "Records read but not yet committed: none between invocations.",
                connector=name, task=task)


def _task(out: _Families, connector: ConnectorView, task: int, now_ms: int) -> None:
    runs, name = connector.task_runs(task), connector.name
    sizes = [(r.at_ms, float(_in(r))) for r in runs if r.ok]
    out.add("batch_size_max", max_(sizes, now_ms), "The number of records in the largest batch the task has "
            "processed so far.", connector=name, task=task)
    out.add("batch_size_avg", avg(sizes, now_ms), "The average number of records in the batches the task has "
            "processed so far.", connector=name, task=task)
    outcomes = [(r.at_ms, 1.0 if r.ok else 0.0) for r in runs]
    success = avg(outcomes, now_ms)
    out.add("offset_commit_success_percentage", success,
            "The average fraction of this task's offset commit attempts (invocations) that succeeded.",
            connector=name, task=task)
    out.add("offset_commit_failure_percentage", math.nan if math.isnan(success) else 1.0 - success,
            "The average fraction of this task's offset commit attempts (invocations) that failed.",
            connector=name, task=task)


def startup_families(view: WorkerView) -> list[Family]:
    """``connect-worker-metrics`` ``task-startup-*``: every container's start attempts (its first invocation of a
    task, and the first after a failure, which rebuilds the task) summed."""
    attempts = sum(c.start_attempts for c in view.counters)
    successes = sum(c.start_successes for c in view.counters)
    failures = sum(c.start_failures for c in view.counters)
    out = [
        Family("kafka_connect_worker_task_startup_attempts_total", "counter",
               "The total number of task startups that this worker has attempted."),
        Family("kafka_connect_worker_task_startup_success_total", "counter",
               "The total number of task starts that succeeded."),
        Family("kafka_connect_worker_task_startup_failure_total", "counter",
               "The total number of task starts that failed."),
        Family("kafka_connect_worker_task_startup_success_percentage", "gauge",
               "The fraction of this worker's task starts that succeeded."),
        Family("kafka_connect_worker_task_startup_failure_percentage", "gauge",
               "The fraction of this worker's task starts that failed."),
    ]
    for family, value in zip(out, (attempts, successes, failures,
                                   successes / attempts if attempts else 0.0,
                                   failures / attempts if attempts else 0.0), strict=True):
        family.add(value)
    return out
