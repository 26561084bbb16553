"""Task splitting: start the connector, ask it for ``task_configs(tasks.max)``, stop it (Kafka
``Worker.connectorTaskConfigs``).

Like the worker, the connector sees its config with placeholders resolved by the worker's config providers; the
task configs it returns get the placeholders back before they are stored (Kafka ``reverseTransform``).

The coordinator never runs a task; it only runs the connector long enough to learn how the work splits. The
generated configs get Kafka's framework additions: ``task.class``, and for sinks ``topics``/``topics.regex``.
A sink behind an event source mapping gets one task whatever ``tasks.max`` says (its function runs task 0 for every
batch; the mapping's concurrency per partition is its parallelism); a pull-mode sink (``runtime/sink_pull.py``) gets
``tasks.max`` tasks, each reading the partitions Kafka Connect's assignor would give it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from connect_core.api.config import parse_config
from connect_core.api.connector import SinkConnector
from connect_core.api.errors import ConnectError
from connect_core.coordinator.herder.plugins import (
    CONNECTOR_CLASS_CONFIG,
    CONNECTOR_VERSION_CONFIG,
    connector_class,
    new_connector,
)
from connect_core.runtime.client_overrides import refuse_client_keys
from connect_core.runtime.config_providers.resolver import ConfigResolver, reverse_transform
from connect_core.runtime.connector_config import ConnectorConfig
from connect_core.runtime.topic_creation import check_source_config
from connect_core.runtime.trigger_config import pulls

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["TASK_CLASS_CONFIG", "TooManyTasksError", "generate_task_configs", "resolve_for_connector"]

log = logging.getLogger(__name__)

TASK_CLASS_CONFIG = "task.class"
TOPICS_CONFIG = "topics"
TOPICS_REGEX_CONFIG = "topics.regex"


class TooManyTasksError(ConnectError):
    """The connector generated more task configs than ``tasks.max`` allows (Kafka ``TooManyTasksException``)."""

    def __init__(self, connector: str, num_tasks: int, max_tasks: int) -> None:
        """Build Kafka's message."""
        super().__init__(
            f"The connector {connector} has generated {num_tasks} tasks, which is greater than {max_tasks}, "
            "the maximum number of tasks it is configured to create. This behaviour should be considered a bug "
            "and is disallowed. If necessary, it can be permitted by reconfiguring the connector with "
            "'tasks.max.enforce' set to false; however, this option will be removed in a future release of "
            "Kafka Connect."
        )


def resolve_for_connector(props: dict[str, str]) -> dict[str, str]:
    """``props`` with the worker's providers applied; as they are when a provider cannot be used here (the
    coordinator's role may lack a secret's permission): the connector then starts as before, and its tasks, whose
    role has it, resolve the placeholders themselves."""
    resolver = ConfigResolver.for_connector(props)  # a connector's own config.providers* is an error, not skipped
    try:
        return resolver.resolve(props)
    except Exception:  # any provider failure
        log.warning("The worker's config providers could not resolve the placeholders to start the connector; "
                    "starting it with the placeholders", exc_info=True)
        return props


def generate_task_configs(connector: str, connector_config: Mapping[str, str | None]) -> list[dict[str, str]]:
    """The task configs the connector asks for, with ``tasks.max`` enforced as Kafka does.

    Raises:
        TooManyTasksError: more configs than ``tasks.max`` while ``tasks.max.enforce`` is true.
        Exception: whatever the connector's ``start``/``task_configs`` raise (the connector then FAILS).
    """
    props = {k: v for k, v in connector_config.items() if v is not None}
    framework = parse_config(ConnectorConfig, props)
    instance = new_connector(connector_class(props[CONNECTOR_CLASS_CONFIG], props.get(CONNECTOR_VERSION_CONFIG)))
    if not isinstance(instance, SinkConnector):
        check_source_config(props)  # KIP-158 groups: a bad one fails the connector at start, as Kafka's worker does
    # As the worker does: the connector starts with placeholders resolved by the worker's providers (a JDBC
    # password from Secrets Manager must work for table discovery); the stored task configs get them back.
    resolved = resolve_for_connector(props)
    refuse_client_keys(resolved, type(instance))  # a config stored before the client-key gate fails the connector
    instance.start(resolved)
    try:
        configs = instance.task_configs(framework.tasks_max)
        task_class = instance.task_class()
    finally:
        instance.stop()
    if len(configs) > framework.tasks_max:
        if framework.tasks_max_enforce:
            raise TooManyTasksError(connector, len(configs), framework.tasks_max)
        log.warning("The connector %s has generated %d tasks, which is greater than %d", connector, len(configs),
                    framework.tasks_max)
    extra = {TASK_CLASS_CONFIG: f"{task_class.__module__}:{task_class.__qualname__}"}
    if isinstance(instance, SinkConnector):
        # Behind an event source mapping one function runs task 0 for every batch (the mapping's concurrency is per
        # partition): a task 1..n would stay UNASSIGNED forever. Pull-mode sinks run every task (runtime/sink_pull.py).
        if not pulls(props):
            configs = configs[:1]
        topics = [t.strip() for t in props.get(TOPICS_CONFIG, "").split(",") if t.strip()]
        if topics:
            extra[TOPICS_CONFIG] = ",".join(topics)
        if props.get(TOPICS_REGEX_CONFIG, "").strip():
            extra[TOPICS_REGEX_CONFIG] = props[TOPICS_REGEX_CONFIG]
    return [reverse_transform(props, {**{k: str(v) for k, v in config.items()}, **extra}) for config in configs]
