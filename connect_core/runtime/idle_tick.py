"""Idle ticks: a sink behind an event source mapping invoked with no records, so its wall-clock duties get done.

A worker polls its sink task with or without records (``put`` of an empty batch, ``preCommit`` every
``offset.flush.interval.ms``); a mapping invokes the function only when records come. A connector whose task has a
duty of the clock (Iceberg's commit interval, the S3 sink's ``rotate.schedule.interval.ms``) declares its interval
(``SinkConnector.idle_tick_interval_ms``), and the deployer adds a schedule beside the mapping that invokes the same
function with :func:`idle_tick_event` at that interval (``coordinator/aws/schedules.py``; locally
``local/kafka_trigger.py``). The runner acts on a tick only where the task runs warm and its interval has passed
since its last ``put`` (``SinkRunner.tick``); otherwise the tick touches nothing, not even the broker.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from connect_core.runtime import registry
from connect_core.runtime.connector_config import CONNECTOR_CLASS_CONFIG

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["IDLE_TICK_KEY", "MIN_TICK_MS", "declared_interval_ms", "idle_tick_event", "idle_tick_interval_ms",
           "is_idle_tick"]

log = logging.getLogger(__name__)

IDLE_TICK_KEY = "idle_tick"
MIN_TICK_MS = 1_000  # the shortest period ticks come at (locally; a Scheduler rate is a minute at least)


def idle_tick_event(connector: str) -> dict[str, Any]:
    """The Input of a mapping sink's idle-tick schedule (the function's ``CONNECTOR_NAME`` names the connector too)."""
    return {"connector": connector, IDLE_TICK_KEY: True}


def is_idle_tick(event: Any) -> bool:
    """Whether a sink function's event is an idle tick (not a Kafka event)."""
    return isinstance(event, dict) and event.get(IDLE_TICK_KEY) is True


def idle_tick_interval_ms(config: Mapping[str, Any]) -> int | None:
    """The interval the connector's plugin declares for this config (``SinkConnector.idle_tick_interval_ms``); None
    when it declares none, is no sink, or the config does not parse (the task's start reports why)."""
    props = {k: str(v) for k, v in config.items() if v is not None}
    try:
        cls = registry.load_as(CONNECTOR_CLASS_CONFIG, props.get(CONNECTOR_CLASS_CONFIG, ""),
                               registry.PluginType.SINK, version=props.get(registry.CONNECTOR_VERSION_CONFIG))
        connector = cls()
    except Exception as error:
        log.debug("no idle ticks for %s: %s", props.get(CONNECTOR_CLASS_CONFIG), error)
        return None
    return declared_interval_ms(connector, props)


def declared_interval_ms(connector: Any, props: dict[str, str]) -> int | None:
    """``connector.idle_tick_interval_ms(props)`` as a positive number of ms, or None (none declared, or it raised:
    the task runs all the same, only without idle ticks)."""
    hook = getattr(connector, "idle_tick_interval_ms", None)
    if hook is None:
        return None
    try:
        interval = hook(props)
    except Exception as error:
        log.debug("no idle ticks for %s: %s", type(connector).__name__, error)
        return None
    return int(interval) if interval is not None and interval > 0 else None
