"""Connector SPIs: ``Connector``, ``SourceConnector``, ``SinkConnector`` (Kafka ``connect.connector``).

A connector validates its config and splits the work into task configs; it never copies data itself.
"""

from __future__ import annotations

import abc
import enum
from typing import TYPE_CHECKING, Any, ClassVar

from connect_core.api.file_roots import NO_FILE_ROOTS, FileRoots
from connect_core.api.group_offsets import no_group_offsets
from connect_core.api.plugin_metrics import PluginMetrics
from connect_core.api.version import package_version

if TYPE_CHECKING:
    from collections.abc import Mapping

    from pydantic import BaseModel

    from connect_core.api.config import ConfigValueInfo
    from connect_core.api.group_offsets import GroupOffsets, GroupOffsetsFactory
    from connect_core.api.task import Task

__all__ = ["Connector", "ConnectorContext", "ExactlyOnceSupport", "SinkConnector", "SourceConnector"]


class ExactlyOnceSupport(enum.Enum):
    """Whether a source connector can run with exactly-once delivery (Kafka ``ExactlyOnceSupport``)."""

    SUPPORTED = "SUPPORTED"
    UNSUPPORTED = "UNSUPPORTED"


class ConnectorContext:
    """What the worker gives a connector (Kafka ``ConnectorContext``): here, the host directories it may use."""

    __slots__ = ("_group_offsets", "_plugin_metrics", "file_roots")

    def __init__(self, file_roots: FileRoots = NO_FILE_ROOTS, plugin_metrics: PluginMetrics | None = None,
                 group_offsets: GroupOffsetsFactory = no_group_offsets) -> None:
        """Create the context; without ``file_roots`` no file path in a config is accepted."""
        self.file_roots = file_roots
        self._plugin_metrics = plugin_metrics
        self._group_offsets = group_offsets

    def group_offsets(self, consumer_config: Mapping[str, Any]) -> GroupOffsets:
        """Consumer group offsets on the cluster ``consumer_config`` (librdkafka settings) names (ours: the
        runtime's one home for them, ``api/group_offsets.py``); the caller closes it."""
        return self._group_offsets(consumer_config)

    def plugin_metrics(self) -> PluginMetrics:
        """The connector's metrics (Kafka 4.1's ``pluginMetrics()``, KIP-877). A connector runs only briefly inside
        the coordinator (validate, task configs), so what it registers is not published: tasks' metrics are."""
        if self._plugin_metrics is None:
            self._plugin_metrics = PluginMetrics({})
        return self._plugin_metrics


_NO_CONTEXT = ConnectorContext()


class Connector(abc.ABC):
    """Base of every connector; ``config_model`` is the single source of its config definition."""

    config_model: ClassVar[type[BaseModel]]
    context: ConnectorContext = _NO_CONTEXT  # until the runtime calls ``initialize``

    def initialize(self, context: ConnectorContext) -> None:
        """Receive the runtime's connector context before ``start``."""
        self.context = context

    def version(self) -> str:
        """The connector's version string: lambda-connect's own, unless a plugin ships separately and overrides it."""
        return package_version()

    @abc.abstractmethod
    def start(self, props: dict[str, str]) -> None:
        """Start with the connector's config."""

    @abc.abstractmethod
    def stop(self) -> None:
        """Release everything acquired in ``start``."""

    @abc.abstractmethod
    def task_class(self) -> type[Task]:
        """The task class this connector runs."""

    @abc.abstractmethod
    def task_configs(self, max_tasks: int) -> list[dict[str, str]]:
        """At most ``max_tasks`` task configs; one task is started per entry."""

    def validate(self, props: dict[str, str]) -> list[ConfigValueInfo]:
        """Per-key validation results; by default derived from ``config_model``. A connector that declares none has
        no keys of its own (Kafka's empty ``ConfigDef``): nothing to report, whatever the props hold."""
        model = getattr(self, "config_model", None)
        if model is None:
            return []
        from connect_core.api.config import validate_config  # lazy: importing a connector class needs no pydantic

        return validate_config(model, props)

    def decommission(self, props: dict[str, str]) -> bool | None:
        """The connector was stopped (``PUT /connectors/<name>/stop``) or deleted: release what its tasks keep
        outside Kafka for the next run (a replication slot). Not Kafka's: a Kafka task's ``stop`` runs at every
        rebalance and a function's task at every container recycle, so neither says the connector is gone; the
        coordinator calls this on a new, unstarted instance, with the stored config (placeholders resolved), at
        most 15 s long; what it raises is logged and never fails the request. Returns True when what the source
        offsets resume from went with it (a dropped slot): a deleted connector's offsets are then cleared, so one
        re-created under the same name starts afresh instead of failing on offsets nothing can resume. Default:
        nothing released."""
        return None

    def reconfiguration_interval_ms(self, props: dict[str, str]) -> int | None:
        """How often the coordinator runs this connector again to see whether its task configs changed (new tables
        in the database); ``None``: never. A Kafka connector watches from its own thread and calls
        ``context.requestTaskReconfiguration()``; a function has no thread between invocations, so the coordinator's
        heartbeat asks instead, at most this often."""
        return None


class SourceConnector(Connector):
    """A connector whose tasks read from an external system into Kafka."""

    def exactly_once_support(self, connector_config: dict[str, str] | None = None) -> ExactlyOnceSupport | None:
        """Whether exactly-once is supported for this config; None means unknown (Kafka's default)."""
        return None


class SinkConnector(Connector):
    """A connector whose tasks write Kafka records to an external system."""

    TOPICS_CONFIG: ClassVar[str] = "topics"
    TOPICS_REGEX_CONFIG: ClassVar[str] = "topics.regex"

    def idle_tick_interval_ms(self, props: dict[str, str]) -> int | None:  # optional hook (ours, not Kafka's)
        """How often a task behind an event source mapping must be called with no records for a duty of the wall clock
        (a commit interval, a scheduled file rotation); ``None`` (the default): never. A worker's task is polled with
        or without records; a mapping invokes the function only with records, so the coordinator adds a schedule of
        idle ticks at this interval, and each tick calls ``put([])`` and ``pre_commit`` once the interval has passed
        since the task's last ``put``. Called on a new, unstarted instance with the stored config."""
        return None
