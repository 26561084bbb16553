"""Plugin metrics (Kafka's ``PluginMetrics`` and ``Monitorable``, KIP-877, Kafka 4.1).

A task gets its ``PluginMetrics`` from ``context.plugin_metrics()``, a connector from its ``ConnectorContext``; a
converter, header converter, transformation or predicate that defines ``with_plugin_metrics(metrics)`` is handed
one after ``configure``, as Kafka's worker does. Each carries Kafka's tags: ``connector``, then ``task``, then
``converter`` (``key``/``value``/``header``), ``transformation`` or ``predicate`` (the alias). A plugin adds a
gauge (``add_metric`` with a function returning the current value) or a ``Sensor`` whose ``record(value)`` feeds
the stats added to it.

The runtime publishes them where the functions' own metrics go: CloudWatch, through Powertools' embedded metric
format, with the tags as dimensions, once per invocation (``runtime/plugin_metrics.py``). An invocation is a
sensor's window: ``Avg``, ``Max``, ``Min``, ``WindowedSum`` and ``WindowedCount`` measure what was recorded during
it, ``CumulativeSum`` and ``CumulativeCount`` everything since the plugin started, ``Value`` the last recorded
value; a stat with nothing to measure is left out rather than published as NaN.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

__all__ = [
    "GROUP",
    "Avg",
    "CumulativeCount",
    "CumulativeSum",
    "Max",
    "MetricName",
    "Min",
    "Monitorable",
    "PluginMetrics",
    "Sensor",
    "Stat",
    "Value",
    "WindowedCount",
    "WindowedSum",
]

GROUP = "plugins"


@dataclass(frozen=True)
class MetricName:
    """Kafka's ``MetricName``: name, group (always ``plugins``), description and tags in order."""

    name: str
    group: str
    description: str
    tags: tuple[tuple[str, str], ...]

    def __str__(self) -> str:
        """Kafka's ``MetricName.toString``."""
        tags = "{" + ", ".join(f"{k}={v}" for k, v in self.tags) + "}"
        return f"MetricName [name={self.name}, group={self.group}, description={self.description}, tags={tags}]"


class Stat:
    """A measurable statistic of a ``Sensor`` (Kafka's ``MeasurableStat``)."""

    def record(self, value: float) -> None:
        """Take one recorded value."""
        raise NotImplementedError

    def measure(self) -> float | None:
        """The statistic now (None: nothing to measure)."""
        raise NotImplementedError

    def new_window(self) -> None:
        """Start the next window (an invocation); cumulative stats keep their totals."""


class _Windowed(Stat):
    def __init__(self) -> None:
        self.values: list[float] = []

    def record(self, value: float) -> None:
        self.values.append(value)

    def new_window(self) -> None:
        self.values = []


class Avg(_Windowed):
    """The mean of the window's values."""

    def measure(self) -> float | None:
        """None for an empty window."""
        return sum(self.values) / len(self.values) if self.values else None


class Max(_Windowed):
    """The largest of the window's values."""

    def measure(self) -> float | None:
        """None for an empty window."""
        return max(self.values) if self.values else None


class Min(_Windowed):
    """The smallest of the window's values."""

    def measure(self) -> float | None:
        """None for an empty window."""
        return min(self.values) if self.values else None


class WindowedSum(_Windowed):
    """The sum of the window's values (0 for an empty window)."""

    def measure(self) -> float | None:
        """The sum."""
        return float(sum(self.values))


class WindowedCount(_Windowed):
    """How many values the window recorded."""

    def measure(self) -> float | None:
        """The count."""
        return float(len(self.values))


class CumulativeSum(Stat):
    """The sum of every value since the plugin started."""

    def __init__(self) -> None:
        """Start at 0."""
        self.total = 0.0

    def record(self, value: float) -> None:
        """Add ``value``."""
        self.total += value

    def measure(self) -> float | None:
        """The total."""
        return self.total


class CumulativeCount(CumulativeSum):
    """How many values were recorded since the plugin started."""

    def record(self, value: float) -> None:
        """Count one."""
        self.total += 1


class Value(Stat):
    """The last recorded value."""

    def __init__(self) -> None:
        """Nothing recorded yet."""
        self.last: float | None = None

    def record(self, value: float) -> None:
        """Keep ``value``."""
        self.last = value

    def measure(self) -> float | None:
        """The last value, None before the first."""
        return self.last


class Sensor:
    """Kafka's ``Sensor``: ``record`` feeds every stat added to it."""

    def __init__(self, name: str) -> None:
        """A sensor without stats."""
        self.name = name
        self.stats: dict[MetricName, Stat] = {}

    def add(self, metric_name: MetricName, stat: Stat) -> bool:
        """Publish ``stat`` as ``metric_name``; False (and nothing added) when the sensor has that name already."""
        if metric_name in self.stats:
            return False
        self.stats[metric_name] = stat
        return True

    def record(self, value: float = 1.0) -> None:
        """Record one value (Kafka's default is 1.0, a count)."""
        for stat in self.stats.values():
            stat.record(value)


class Monitorable(Protocol):
    """A converter, header converter, transformation or predicate that registers metrics (Kafka's ``Monitorable``)."""

    def with_plugin_metrics(self, metrics: PluginMetrics) -> None:
        """Called once, after ``configure``, with the plugin's own ``PluginMetrics``."""


class PluginMetrics:
    """One plugin's metrics, tagged as Kafka tags them (``ConnectMetrics.*PluginTags``)."""

    def __init__(self, tags: Mapping[str, str]) -> None:
        """``tags``: the plugin's own tags, e.g. ``{"connector": "c", "task": "0"}``."""
        self.tags = dict(tags)
        self._gauges: dict[MetricName, Callable[[], float]] = {}
        self._sensors: dict[str, Sensor] = {}
        self._closed = False

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("This PluginMetrics instance is closed")

    def metric_name(self, name: str, description: str = "", tags: Mapping[str, str] | None = None) -> MetricName:
        """A name in group ``plugins`` with the plugin's tags then ``tags``; a plugin tag name is refused."""
        self._check_open()
        extra = dict(tags or {})
        for tag in extra:
            if tag in self.tags:
                raise ValueError(f"Cannot use {tag} as a tag name")
        return MetricName(name, GROUP, description, tuple({**self.tags, **extra}.items()))

    def add_metric(self, metric_name: MetricName, value_provider: Callable[[], float]) -> None:
        """A gauge: ``value_provider()`` is published at each invocation's end."""
        self._check_open()
        if metric_name in self._gauges:
            raise ValueError(f"Metric {metric_name} already exists")
        self._gauges[metric_name] = value_provider

    def remove_metric(self, metric_name: MetricName) -> None:
        """Stop publishing a gauge."""
        self._check_open()
        if self._gauges.pop(metric_name, None) is None:
            raise ValueError(f"Unknown metric {metric_name}")

    def add_sensor(self, name: str) -> Sensor:
        """A new sensor; its name is unique within this plugin."""
        self._check_open()
        if name in self._sensors:
            raise ValueError(f"Sensor {name} already exists")
        sensor = self._sensors[name] = Sensor(name)
        return sensor

    def remove_sensor(self, name: str) -> None:
        """Stop publishing a sensor and its stats."""
        self._check_open()
        if self._sensors.pop(name, None) is None:
            raise ValueError(f"Unknown sensor {name}")

    def measurements(self) -> list[tuple[MetricName, float]]:
        """Every metric's value now, then a new window for the sensors' stats (the runtime's, at an invocation's
        end); a gauge that raises or answers no finite number, and a stat with nothing to measure, are left out."""
        out: list[tuple[MetricName, float]] = []
        for name, provider in list(self._gauges.items()):
            try:
                value = float(provider())
            except Exception:
                continue
            if math.isfinite(value):
                out.append((name, value))
        for sensor in list(self._sensors.values()):
            for name, stat in sensor.stats.items():
                measured = stat.measure()
                if measured is not None and math.isfinite(measured):
                    out.append((name, measured))
                stat.new_window()
        return out

    def close(self) -> None:
        """Remove every metric and sensor (the plugin stopped); later calls raise."""
        self._closed = True
        self._gauges.clear()
        self._sensors.clear()
