"""MirrorMaker 2's ``kafka.connect.mirror`` gauges as Strimzi's rules name them: the mirror source connectors'
``kafka_connect_mirror_mirrorsourceconnector_*{target,topic,partition}`` (Kafka's ``MirrorSourceMetrics``) and the
checkpoint connectors' ``kafka_connect_mirror_mirrorcheckpointconnector_*{source,target,group,topic,partition}``
(``MirrorCheckpointMetrics``).

The tasks measure them per partition in each invocation (``connectors/mirror/_metrics.py``) and the run records
carry them (``name{tag=value,...}`` in ``RunRecord.metrics``). ``record_count`` and ``byte_count`` are every
container's totals (``TaskCounters.counts``: monotonic), ``record_rate`` and ``byte_rate`` Kafka's rates over the
last minute of invocations; an ``*_ms`` gauge is the latest invocation's value that measured it, its ``_min``,
``_max`` and ``_avg`` (weighted by the invocations' record counts) those of the invocations in Kafka's two windows
(NaN without any, as Kafka's).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from connect_core.coordinator.metrics.exposition import Family
from connect_core.coordinator.metrics.kafka_stats import max_, rate

if TYPE_CHECKING:
    from connect_core.coordinator.metrics.worker_view import ConnectorView, WorkerView

__all__ = ["mirror_families", "parse_tagged"]

SOURCE_PREFIX = "kafka_connect_mirror_mirrorsourceconnector_"
CHECKPOINT_PREFIX = "kafka_connect_mirror_mirrorcheckpointconnector_"
SOURCE_TAGS = ("target", "topic", "partition")
CHECKPOINT_TAGS = ("source", "target", "group", "topic", "partition")
_CLASSES = {"MirrorSourceConnector": SOURCE_TAGS, "MirrorCheckpointConnector": CHECKPOINT_TAGS}
_COUNTS = {"record-count": "Number of source records replicated to the target cluster.",
           "byte-count": "Number of bytes replicated to the target cluster."}
_RATES = {"record-rate": ("record-count", "Average number of source records replicated to the target cluster per "
                                          "second."),
          "byte-rate": ("byte-count", "Average number of bytes replicated per second.")}
_LATENCIES = {"record-age-ms": "The age of incoming source records when replicated to the target cluster.",
              "replication-latency-ms": "Time it takes records to replicate from source to target cluster.",
              "checkpoint-latency-ms": "Time it takes consumer group offsets to replicate from source to target "
                                       "cluster."}
Labels = tuple[tuple[str, str], ...]


def parse_tagged(key: str, tags: tuple[str, ...]) -> tuple[str, Labels] | None:
    """``name{a=1,b=2}`` with exactly ``tags`` in that order -> (name, labels); None for any other key (the last
    tags are split from the right: a topic or partition holds no ``,`` nor ``=``)."""
    name, brace, rest = key.partition("{")
    if not brace or not rest.endswith("}"):
        return None
    rest, values = rest[:-1], []
    for tag in reversed(tags[1:]):
        rest, sep, value = rest.rpartition(f",{tag}=")
        if not sep:
            return None
        values.append(value)
    if not rest.startswith(f"{tags[0]}="):
        return None
    values.append(rest[len(tags[0]) + 1:])
    return name, tuple(zip(tags, reversed(values), strict=True))


def _family(prefix: str, attribute: str, help_text: str) -> Family:
    return Family(prefix + attribute.replace("-", "_"), "gauge", help_text)


def _connector_figures(connector: ConnectorView, tags: tuple[str, ...], now_ms: int,
                       out: dict[str, dict[Labels, float]]) -> None:
    """Add one mirror connector's series to ``out`` (attribute -> labels -> value)."""
    for counters in connector.counters:
        for key, value in counters.counts.items():
            parsed = parse_tagged(key, tags)
            if parsed is not None and parsed[0] in _COUNTS:
                series = out.setdefault(parsed[0], {})
                series[parsed[1]] = series.get(parsed[1], 0.0) + value
    events: dict[tuple[str, Labels], list[tuple[int, float]]] = {}
    for point in connector.runs:  # oldest first
        for key, value in (point.metrics or {}).items():
            parsed = parse_tagged(key, tags)
            if parsed is not None:
                events.setdefault(parsed, []).append((point.at_ms, value))
    for (name, labels), seen in events.items():
        if name in _COUNTS:
            rate_name = "record-rate" if name == "record-count" else "byte-rate"
            out.setdefault(rate_name, {})[labels] = rate(seen, now_ms)
        elif name in _LATENCIES:
            out.setdefault(name, {})[labels] = max(seen, key=lambda e: e[0])[1]
        elif name.endswith("-max"):
            out.setdefault(name, {})[labels] = max_(seen, now_ms)
        elif name.endswith("-min"):
            out.setdefault(name, {})[labels] = -max_(((at, -v) for at, v in seen), now_ms)
        elif name.endswith("-avg"):
            # weighted by the records each invocation measured (its record-count; one per checkpoint otherwise)
            weights = dict(events.get(("record-count", labels), []))
            weighted = [(at, v * weights.get(at, 1.0)) for at, v in seen]
            total = rate([(at, weights.get(at, 1.0)) for at, _v in seen], now_ms)
            out.setdefault(name, {})[labels] = rate(weighted, now_ms) / total if total else math.nan
    for rate_name, (count_name, _help) in _RATES.items():  # a total with no invocation in the last hour: rate 0
        for labels in out.get(count_name, {}):
            out.setdefault(rate_name, {}).setdefault(labels, 0.0)


def mirror_families(view: WorkerView) -> list[Family]:
    """Every mirror source and checkpoint connector's per-partition gauges, summed over connectors that share a
    series (as one worker's JMX would hold one MBean per name)."""
    by_prefix: dict[str, dict[str, dict[Labels, float]]] = {SOURCE_PREFIX: {}, CHECKPOINT_PREFIX: {}}
    for connector in view.connectors:
        tags = _CLASSES.get(connector.connector_class.rsplit(".", 1)[-1])
        if tags is None:
            continue
        prefix = SOURCE_PREFIX if tags is SOURCE_TAGS else CHECKPOINT_PREFIX
        _connector_figures(connector, tags, view.now_ms, by_prefix[prefix])
    families = []
    helps = {**_COUNTS, **{name: text for name, (_count, text) in _RATES.items()}}
    for latency, text in _LATENCIES.items():
        helps[latency] = text
        for stat, word in (("min", "Minimum"), ("max", "Maximum"), ("avg", "Average")):
            helps[f"{latency}-{stat}"] = f"{word} of {text[0].lower()}{text[1:]}"
    for prefix, figures in by_prefix.items():
        for attribute in sorted(figures):
            family = _family(prefix, attribute, helps.get(attribute, attribute))
            for labels, value in sorted(figures[attribute].items()):
                family.add(value, **dict(labels))
            families.append(family)
    return families
