"""MirrorMaker 2's ``kafka.connect.mirror`` gauges for the mirror source connectors
(``kafka_connect_mirror_mirrorsourceconnector_*``, labelled ``target`` as MM2's MBeans are).

A worker measures them per replicated topic-partition; a function's run record counts an invocation's records, so
here they are per connector and target cluster (the dashboard sums them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from connect_core.coordinator.metrics.exposition import Family
from connect_core.coordinator.metrics.kafka_stats import rate

if TYPE_CHECKING:
    from connect_core.coordinator.metrics.worker_view import WorkerView

__all__ = ["mirror_families"]

MIRROR_SOURCE_CLASS = "MirrorSourceConnector"
TARGET_ALIAS_CONFIG = "target.cluster.alias"
DEFAULT_TARGET_ALIAS = "target"  # MirrorConnectorConfig's default


def mirror_families(view: WorkerView) -> list[Family]:
    """The replication throughput of every MirrorSourceConnector."""
    count = Family("kafka_connect_mirror_mirrorsourceconnector_record_count", "gauge",
                   "Number of records replicated source -> target.")
    rates = Family("kafka_connect_mirror_mirrorsourceconnector_record_rate", "gauge",
                   "Average number of records replicated source -> target per second.")
    for connector in view.connectors:
        if connector.connector_class.rsplit(".", 1)[-1] != MIRROR_SOURCE_CLASS:
            continue
        labels = {"connector": connector.name,
                  "target": connector.config.get(TARGET_ALIAS_CONFIG) or DEFAULT_TARGET_ALIAS}
        count.add(sum(c.records_out for c in connector.counters), **labels)
        rates.add(rate(((r.at_ms, r.records) for r in connector.runs if r.ok), view.now_ms), **labels)
    return [count, rates]
