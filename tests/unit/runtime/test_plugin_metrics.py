"""``TaskPluginMetrics``: the tags Kafka's ``ConnectMetrics.wrap`` gives a task's converters, SMTs and predicates,
and the EMF records ``publish`` prints (KIP-877)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from connect_core.converters.string import StringConverter
from connect_core.runtime.converter_set import ConverterSet
from connect_core.runtime.plugin_metrics import TaskPluginMetrics
from connect_core.transforms.chain import build_chain

if TYPE_CHECKING:
    import pytest

    from connect_core.api.plugin_metrics import PluginMetrics


class MeteredStringConverter(StringConverter):
    """A converter that registers a gauge once it has its metrics."""

    def with_plugin_metrics(self, metrics: PluginMetrics) -> None:
        self.metrics = metrics
        metrics.add_metric(metrics.metric_name("configured"), lambda: 1)


def test_converters_and_transformations_get_kafka_tags_and_publish_as_emf(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "Custom")
    plain = ConverterSet.from_config({})
    converters = ConverterSet(MeteredStringConverter(), MeteredStringConverter(), plain.header, "k", "v", "h")
    chain = build_chain({"transforms": "a", "transforms.a.type": "InsertField$Value",
                         "transforms.a.static.field": "f", "transforms.a.static.value": "v"})
    metrics = TaskPluginMetrics("conn", 2)
    metrics.attach_pipeline(converters, chain)  # built-in SMTs are not Monitorable: nothing attached to them
    assert converters.key.metrics.tags == {"connector": "conn", "task": "2", "converter": "key"}
    assert converters.value.metrics.tags == {"connector": "conn", "task": "2", "converter": "value"}
    gauge = metrics.task.metric_name("task-gauge")
    metrics.task.add_metric(gauge, lambda: 7)

    assert metrics.publish("source_task") == 3
    records: list[dict[str, Any]] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["_aws"]["CloudWatchMetrics"][0]["Namespace"], r.get("converter"), r.get("configured"),
             r.get("task-gauge"), r["service"]) for r in records] == [
        ("Custom", None, None, [7.0], "source_task"), ("Custom", "key", [1.0], None, "source_task"),
        ("Custom", "value", [1.0], None, "source_task")]
    assert records[1]["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["connector", "task", "converter", "service"]]
    assert metrics.published == {"task-gauge": 7.0}  # the task's own, for its run record: not its plugins'
    metrics.close()
    assert metrics.publish("source_task") == 0 and capsys.readouterr().out == ""


def test_the_tasks_own_tagged_metrics_reach_its_run_record_keyed_by_their_extra_tags_per_partition_not_cloudwatch(
    capsys: pytest.CaptureFixture[str]
) -> None:
    """Per-partition series (MM2's) are scraped from /metrics; in CloudWatch each would be a custom metric billed
    monthly, so only the others are written as EMF."""
    metrics = TaskPluginMetrics("mm2", 0)
    tagged = metrics.task.metric_name("record-count", tags={"target": "west", "topic": "east.t", "partition": "3"})
    metrics.task.add_metric(tagged, lambda: 5)
    metrics.task.add_metric(metrics.task.metric_name("task-gauge", tags={"kind": "values"}), lambda: 2)
    assert metrics.publish("source_task") == 1
    assert metrics.published == {"record-count{target=west,topic=east.t,partition=3}": 5.0,
                                 "task-gauge{kind=values}": 2.0}
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r.get("kind"), r.get("task-gauge"), "record-count" in r) for r in records] == [("values", [2.0], False)]
