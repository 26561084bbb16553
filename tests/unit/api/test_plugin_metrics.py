"""``PluginMetrics`` as Kafka's ``PluginMetricsImpl`` behaves (KIP-877): tags, names, errors, sensors' windows."""

from __future__ import annotations

import pytest

from connect_core.api.plugin_metrics import (
    Avg,
    CumulativeCount,
    CumulativeSum,
    Max,
    MetricName,
    Min,
    PluginMetrics,
    Value,
    WindowedCount,
    WindowedSum,
)

TAGS = {"connector": "c", "task": "0"}


def test_names_carry_the_plugin_tags_first_and_may_not_reuse_them() -> None:
    metrics = PluginMetrics(TAGS)
    name = metrics.metric_name("m", "doc", {"kind": "x"})
    assert name == MetricName("m", "plugins", "doc", (("connector", "c"), ("task", "0"), ("kind", "x")))
    assert str(name) == "MetricName [name=m, group=plugins, description=doc, tags={connector=c, task=0, kind=x}]"
    with pytest.raises(ValueError, match="Cannot use task as a tag name"):
        metrics.metric_name("m", "doc", {"task": "1"})


def test_duplicates_unknown_names_and_a_closed_instance_are_refused() -> None:
    metrics = PluginMetrics(TAGS)
    name = metrics.metric_name("m")
    metrics.add_metric(name, lambda: 1)
    with pytest.raises(ValueError, match="already exists"):
        metrics.add_metric(name, lambda: 2)
    metrics.add_sensor("s")
    with pytest.raises(ValueError, match="Sensor s already exists"):
        metrics.add_sensor("s")
    metrics.remove_metric(name)
    with pytest.raises(ValueError, match="Unknown metric"):
        metrics.remove_metric(name)
    with pytest.raises(ValueError, match="Unknown sensor x"):
        metrics.remove_sensor("x")
    metrics.close()
    with pytest.raises(RuntimeError, match="closed"):
        metrics.add_sensor("t")


def test_sensor_stats_measure_a_window_and_cumulative_ones_go_on() -> None:
    metrics = PluginMetrics(TAGS)
    sensor = metrics.add_sensor("s")
    stats = {"avg": Avg(), "max": Max(), "min": Min(), "sum": WindowedSum(), "count": WindowedCount(),
             "total": CumulativeSum(), "seen": CumulativeCount(), "last": Value()}
    for name, stat in stats.items():
        assert sensor.add(metrics.metric_name(name), stat)
    assert not sensor.add(metrics.metric_name("avg"), Avg())  # the sensor has that name already
    for value in (2.0, 6.0, 4.0):
        sensor.record(value)
    assert {n.name: v for n, v in metrics.measurements()} == {
        "avg": 4.0, "max": 6.0, "min": 2.0, "sum": 12.0, "count": 3.0, "total": 12.0, "seen": 3.0, "last": 4.0}
    # an empty window: no avg/max/min (never NaN), zero sum and count, the cumulative stats and the last value kept
    assert {n.name: v for n, v in metrics.measurements()} == {
        "sum": 0.0, "count": 0.0, "total": 12.0, "seen": 3.0, "last": 4.0}


def test_a_broken_or_non_finite_gauge_is_left_out() -> None:
    metrics = PluginMetrics(TAGS)
    metrics.add_metric(metrics.metric_name("ok"), lambda: 3)
    metrics.add_metric(metrics.metric_name("nan"), lambda: float("nan"))
    metrics.add_metric(metrics.metric_name("boom"), lambda: 1 / 0)
    assert [(n.name, v) for n, v in metrics.measurements()] == [("ok", 3.0)]
