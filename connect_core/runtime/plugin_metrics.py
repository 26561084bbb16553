"""The plugin metrics of one task (KIP-877), published to CloudWatch with the functions' own metrics.

Kafka's worker wraps a task's converters, transformations and predicates with their own ``PluginMetrics``
(``ConnectMetrics.wrap``: tags ``connector``, ``task`` and ``converter``/``transformation``/``predicate``) and
gives the task one tagged ``connector`` and ``task``. ``TaskPluginMetrics`` does the same for a started task, and
``publish`` writes what they measure at the end of each invocation in Powertools' embedded metric format: one
record per plugin whose metrics have values, its tags as dimensions beside ``service``, in the namespace of the
functions' own metrics (README "Metrics"). A task whose plugins register nothing publishes nothing and never imports
Powertools.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from connect_core.api.plugin_metrics import PluginMetrics
from connect_core.runtime import env

if TYPE_CHECKING:
    from connect_core.runtime.converter_set import ConverterSet
    from connect_core.transforms.chain import TransformationChain

__all__ = ["DEFAULT_NAMESPACE", "TaskPluginMetrics"]

log = logging.getLogger(__name__)
DEFAULT_NAMESPACE = "LambdaConnect"  # the functions' Metrics namespace (functions/*/app.py)


class TaskPluginMetrics:
    """The task's own ``PluginMetrics`` and those handed to its plugins, published together."""

    def __init__(self, connector: str, task: int) -> None:
        """The task's metrics, tagged as Kafka's ``ConnectMetrics.taskPluginTags``."""
        self.tags = {"connector": connector, "task": str(task)}
        self.task = PluginMetrics(self.tags)
        self._all = [self.task]
        # the task's own values at the last ``publish``: ``name``, or ``name{tag=value,...}`` with tags of its own
        self.published: dict[str, float] = {}

    def attach(self, plugin: Any, tag: str, value: str) -> None:
        """Hand ``plugin`` its metrics (tagged ``tag=value`` after the task's) if it is ``Monitorable``."""
        with_metrics = getattr(plugin, "with_plugin_metrics", None)
        if with_metrics is None:
            return
        metrics = PluginMetrics({**self.tags, tag: value})
        with_metrics(metrics)
        self._all.append(metrics)

    def attach_pipeline(self, converters: ConverterSet, chain: TransformationChain) -> None:
        """The converters (``converter`` = key/value/header), SMTs and predicates (their aliases) of a task."""
        self.attach(converters.key, "converter", "key")
        self.attach(converters.value, "converter", "value")
        self.attach(converters.header, "converter", "header")
        for alias, transformation in zip(chain.aliases, chain.transformations, strict=True):
            self.attach(transformation, "transformation", alias)
        for alias, predicate in chain.predicates:
            self.attach(predicate, "predicate", alias)

    def publish(self, service: str) -> int:
        """Write every plugin's measurements as EMF (stdout, which Lambda sends to CloudWatch), one record per tag
        set (a plugin's metrics may add tags of their own; a series per partition only reaches the run record, hence
        /metrics: in CloudWatch each would be a custom metric billed monthly); how many values were written."""
        by_tags: dict[tuple[tuple[str, str], ...], list[tuple[str, float]]] = {}
        published: dict[str, float] = {}
        own = len(self.tags)
        for metrics in self._all:
            for metric_name, value in metrics.measurements():
                if metrics is self.task:  # the task's own, those with tags of their own as ``name{tag=value,...}``
                    extra = ",".join(f"{k}={v}" for k, v in metric_name.tags[own:])
                    published[f"{metric_name.name}{{{extra}}}" if extra else metric_name.name] = value
                if not any(tag == "partition" for tag, _ in metric_name.tags):  # per-partition series (MM2's) go
                    by_tags.setdefault(metric_name.tags, []).append((metric_name.name, value))  # to /metrics only
        self.published = published
        if not by_tags:
            return 0
        from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit

        namespace = env.resolve(env.POWERTOOLS_METRICS_NAMESPACE, DEFAULT_NAMESPACE)
        for tags, values in by_tags.items():
            try:
                out = EphemeralMetrics(namespace=namespace, service=service)
                for tag, tag_value in tags:
                    out.add_dimension(name=tag, value=tag_value)
                for name, value in values:
                    out.add_metric(name=name, unit=MetricUnit.NoUnit, value=value)
                out.flush_metrics()
            except Exception:
                log.warning("plugin metrics %s could not be published", dict(tags), exc_info=True)
        return sum(len(values) for values in by_tags.values())

    def close(self) -> None:
        """The task stopped: its plugins' metrics are gone (Kafka closes their ``PluginMetricsImpl``)."""
        for metrics in self._all:
            metrics.close()
