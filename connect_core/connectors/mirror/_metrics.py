"""Kafka's ``MirrorSourceMetrics`` and ``MirrorCheckpointMetrics``, measured per invocation in plain ints and handed
to the runtime as the task's plugin metrics (tags of their own after ``connector`` and ``task``), which carries them
in the run record to ``GET /metrics`` (``coordinator/metrics/mirror_metrics.py``).

A poll adds each partition's records as a whole (count, bytes, timestamps' sum/min/max/last), never an object per
record. Kafka records the age when a record is polled and the replication latency when its write is acknowledged
(``commitRecord``); here the latency is taken when the task's ``commit`` runs, right after the transaction holding
the records committed. ``record-count`` and ``byte-count`` are this invocation's (the coordinator sums them into
Kafka's totals and rates); the ``-ms`` figures are the invocation's last, min, max and average.
"""

from __future__ import annotations

from functools import partial
from itertools import groupby
from operator import is_not
from typing import TYPE_CHECKING

from connect_core.api.plugin_metrics import Stat

if TYPE_CHECKING:
    from collections.abc import Callable

    from connect_core.api.plugin_metrics import PluginMetrics

__all__ = ["CheckpointMetrics", "SourceMetrics"]

_stamped = partial(is_not, None)  # a record with a timestamp (C-level filter: no Python call per record)
_FIELDS = ("count", "bytes", "age_last", "age_min", "age_max", "age_sum", "age_n",
           "lat_last", "lat_min", "lat_max", "lat_sum", "lat_n",
           "pending_records", "pending_n", "pending_sum", "pending_min", "pending_max", "pending_last")


class _Figures:
    """One partition's figures of this invocation, plus what was polled and not yet committed (``pending_*``); a
    min or max is only read once its ``_n`` says something was measured."""

    __slots__ = _FIELDS

    def __init__(self) -> None:
        self.count = 0
        self.bytes = 0
        self.age_last = 0
        self.age_min = 0
        self.age_max = 0
        self.age_sum = 0
        self.age_n = 0
        self.lat_last = 0
        self.lat_min = 0
        self.lat_max = 0
        self.lat_sum = 0
        self.lat_n = 0
        self.pending_records = 0
        self.pending_n = 0
        self.pending_sum = 0
        self.pending_min = 0
        self.pending_max = 0
        self.pending_last = 0


class _Figure(Stat):
    """A stat read from a partition's figures; its window's end resets only the fields it owns."""

    def __init__(self, figures: _Figures, measure: Callable[[_Figures], float | None], owns: dict[str, int]) -> None:
        self._figures, self._measure, self._owns = figures, measure, owns

    def record(self, value: float) -> None:
        """Nothing: the task adds to the figures itself."""

    def measure(self) -> float | None:
        """The figure now (None: nothing measured)."""
        return self._measure(self._figures)

    def new_window(self) -> None:
        """The next invocation starts its own figures."""
        for name, initial in self._owns.items():
            setattr(self._figures, name, initial)


def _latency_stats(prefix: str, kind: str) -> list[tuple[str, Callable[[_Figures], float | None], dict[str, int]]]:
    """``<prefix>``, ``-min``, ``-max`` and ``-avg`` of a figure (Kafka's Value, Min, Max and Avg), each only for an
    invocation that measured it (``<kind>_n`` counts its measurements, reset with the average's window)."""
    last, low, high, total, n = (f"{kind}_{field}" for field in ("last", "min", "max", "sum", "n"))
    return [(prefix, lambda f: getattr(f, last) if getattr(f, n) else None, {}),
            (f"{prefix}-min", lambda f: getattr(f, low) if getattr(f, n) else None, {}),
            (f"{prefix}-max", lambda f: getattr(f, high) if getattr(f, n) else None, {}),
            (f"{prefix}-avg", lambda f: getattr(f, total) / getattr(f, n) if getattr(f, n) else None,
             {total: 0, n: 0})]


class SourceMetrics:
    """``MirrorSourceMetrics``: per target topic-partition, tagged ``target``, ``topic``, ``partition``."""

    def __init__(self, metrics: PluginMetrics, target: str) -> None:
        """``metrics``: the task's own (``context.plugin_metrics()``); ``target``: the target cluster's alias."""
        self._metrics, self._target = metrics, target
        self._partitions: dict[tuple[str, int], _Figures] = {}

    def _figures(self, key: tuple[str, int], remote: Callable[[str], str]) -> _Figures:
        figures = self._partitions.get(key)
        if figures is None:
            figures = self._partitions[key] = _Figures()
            self._register(figures, remote(key[0]), key[1])
        return figures

    def _register(self, figures: _Figures, topic: str, partition: int) -> None:
        tags = {"target": self._target, "topic": topic, "partition": str(partition)}
        sensor = self._metrics.add_sensor(f"mirror-source-{topic}-{partition}")
        stats: list[tuple[str, Callable[[_Figures], float | None], dict[str, int]]] = [
            ("record-count", lambda f: f.count, {"count": 0}),
            ("byte-count", lambda f: f.bytes, {"bytes": 0}),
            *_latency_stats("record-age-ms", "age"),
            *_latency_stats("replication-latency-ms", "lat"),
        ]
        for name, measure, owns in stats:
            sensor.add(self._metrics.metric_name(name, tags=tags), _Figure(figures, measure, owns))

    def polled(self, where: list[tuple[str, int]], timestamps: list[int | None], values: list[bytes | None],
               now_ms: int, remote: Callable[[str], str] = str) -> None:
        """A poll's records: ``where`` (topic, partition; ``remote`` names a topic's target topic), timestamps and
        values in the same order; each partition's run of records is added at once."""
        start = 0
        for key, run in groupby(where):
            end = start + len(list(run))
            figures = self._figures(key, remote)
            figures.pending_records += end - start
            figures.bytes += sum(map(len, filter(None, values[start:end])))
            stamps: list[int] = list(filter(_stamped, timestamps[start:end]))  # type: ignore[arg-type]
            start = end
            if not stamps:
                continue
            n, total, low, high = len(stamps), sum(stamps), min(stamps), max(stamps)
            first = not figures.age_n
            figures.age_last = now_ms - stamps[-1]
            figures.age_sum += n * now_ms - total
            figures.age_n += n
            figures.age_min = now_ms - high if first else min(figures.age_min, now_ms - high)
            figures.age_max = now_ms - low if first else max(figures.age_max, now_ms - low)
            first = not figures.pending_n
            figures.pending_n += n
            figures.pending_sum += total
            figures.pending_last = stamps[-1]
            figures.pending_min = low if first else min(figures.pending_min, low)
            figures.pending_max = high if first else max(figures.pending_max, high)

    def committed(self, now_ms: int) -> None:
        """Every record polled so far is written and committed: counted, its latency from its timestamp."""
        for figures in self._partitions.values():
            if not figures.pending_records:
                continue
            figures.count += figures.pending_records
            figures.pending_records = 0
            n = figures.pending_n
            if n:
                first = not figures.lat_n
                low, high = now_ms - figures.pending_max, now_ms - figures.pending_min
                figures.lat_last = now_ms - figures.pending_last
                figures.lat_sum += n * now_ms - figures.pending_sum
                figures.lat_n += n
                figures.lat_min = low if first else min(figures.lat_min, low)
                figures.lat_max = high if first else max(figures.lat_max, high)
            figures.pending_n = figures.pending_sum = 0


class CheckpointMetrics:
    """``MirrorCheckpointMetrics``: ``checkpoint-latency-ms`` (+``-min``, ``-max``, ``-avg``) per group and
    topic-partition, tagged ``source``, ``target``, ``group``, ``topic``, ``partition``."""

    def __init__(self, metrics: PluginMetrics, source: str, target: str) -> None:
        """``metrics``: the task's own; ``source``/``target``: the cluster aliases."""
        self._metrics, self._source, self._target = metrics, source, target
        self._partitions: dict[tuple[str, str, int], _Figures] = {}

    def checkpointed(self, group: str, topic: str, partition: int, latency_ms: int) -> None:
        """One checkpoint emitted for ``group`` on ``topic``-``partition``, ``latency_ms`` after its record's time."""
        figures = self._partitions.get((group, topic, partition))
        if figures is None:
            figures = self._partitions[(group, topic, partition)] = _Figures()
            tags = {"source": self._source, "target": self._target, "group": group, "topic": topic,
                    "partition": str(partition)}
            sensor = self._metrics.add_sensor(f"mirror-checkpoint-{group}-{topic}-{partition}")
            for name, measure, owns in _latency_stats("checkpoint-latency-ms", "lat"):
                sensor.add(self._metrics.metric_name(name, tags=tags), _Figure(figures, measure, owns))
        first = not figures.lat_n
        figures.lat_last = latency_ms
        figures.lat_sum += latency_ms
        figures.lat_n += 1
        figures.lat_min = latency_ms if first else min(figures.lat_min, latency_ms)
        figures.lat_max = latency_ms if first else max(figures.lat_max, latency_ms)
