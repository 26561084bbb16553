"""MirrorMaker 2's ``kafka.connect.mirror`` gauges of the mirror source connectors
(``kafka_connect_mirror_mirrorsourceconnector_*``, Kafka's ``MirrorSourceMetrics``), labelled ``connector``,
``task``, ``source`` and ``target`` as the Connect and MM2 rules give them.

A worker measures them per replicated topic-partition inside the task; here they come from the run records, which
count each invocation's records per task, so they are per task (the MM2 dashboard sums them): ``record_count`` is
every container's total, ``record_rate`` Kafka's rate over the last minute. Record age, bytes, replication latency
and the checkpoint connector's ``checkpoint_latency_ms`` need the tasks' own per-partition measurements, which no
run record holds: they are not emitted (docs/operations.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from connect_core.coordinator.metrics.exposition import Family
from connect_core.coordinator.metrics.kafka_stats import rate

if TYPE_CHECKING:
    from connect_core.coordinator.metrics.worker_view import WorkerView

__all__ = ["mirror_families"]

MIRROR_SOURCE_CLASS = "MirrorSourceConnector"
SOURCE_ALIAS_CONFIG = "source.cluster.alias"
TARGET_ALIAS_CONFIG = "target.cluster.alias"
DEFAULT_TARGET_ALIAS = "target"  # MirrorConnectorConfig's default (the source alias has none)


def mirror_families(view: WorkerView) -> list[Family]:
    """The replication throughput of every MirrorSourceConnector task."""
    count = Family("kafka_connect_mirror_mirrorsourceconnector_record_count", "gauge",
                   "Number of source records replicated to the target cluster.")
    rates = Family("kafka_connect_mirror_mirrorsourceconnector_record_rate", "gauge",
                   "Average number of source records replicated to the target cluster per second.")
    for connector in view.connectors:
        if connector.connector_class.rsplit(".", 1)[-1] != MIRROR_SOURCE_CLASS:
            continue
        aliases = {"source": connector.config.get(SOURCE_ALIAS_CONFIG, ""),
                   "target": connector.config.get(TARGET_ALIAS_CONFIG) or DEFAULT_TARGET_ALIAS}
        for status in connector.tasks:
            labels = {"connector": connector.name, "task": str(status.task), **aliases}
            count.add(sum(c.records_out for c in connector.task_counters(status.task)), **labels)
            rates.add(rate(((r.at_ms, r.records) for r in connector.task_runs(status.task) if r.ok), view.now_ms),
                      **labels)
    return [count, rates]
