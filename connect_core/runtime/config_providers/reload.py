"""Kafka's ``config.action.reload`` for tasks that stay started across warm invocations.

A Kafka worker restarts a connector when a config provider's TTL for one of its values ends (``restart``, the
default) or never (``none``). A task here lives as long as its warm container, so the runners ask ``changed()`` at
each invocation: once the shortest TTL has passed it resolves the stored configs again and restarts the task only
when a value actually differs (Kafka restarts either way), so an unrotated secret costs a provider call, not a
restart.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from connect_core.runtime.config_providers.resolver import resolve_configs_with_ttl

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

__all__ = ["RELOAD_CONFIG", "ResolvedConfigs"]

RELOAD_CONFIG = "config.action.reload"
log = logging.getLogger(__name__)


@dataclass
class ResolvedConfigs:
    """A task's configs as stored (placeholders) and as resolved, and when to look at the providers again."""

    raw: tuple[dict[str, str | None], ...]
    resolved: tuple[dict[str, str], ...]
    ttl_ms: int | None  # the shortest TTL a provider gave; None: no reload (no TTL, or config.action.reload=none)
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)
    reload_at: float | None = None

    def __post_init__(self) -> None:
        """Arm the first reload."""
        self._arm()

    @classmethod
    def resolve(cls, connector_config: Mapping[str, str | None], *configs: Mapping[str, str | None],
                clock: Callable[[], float] = time.monotonic) -> ResolvedConfigs:
        """Resolve the connector config and ``configs`` (a task config) with the worker's providers."""
        raw = (dict(connector_config), *(dict(c) for c in configs))
        resolved, ttl_ms = resolve_configs_with_ttl(*raw)
        if str(resolved[0].get(RELOAD_CONFIG, "restart")).lower() == "none":
            ttl_ms = None
        return cls(raw, resolved, ttl_ms, clock)

    def changed(self) -> bool:
        """True once a TTL has ended and a value resolves differently now: the task must restart with them."""
        if self.reload_at is None or self.clock() < self.reload_at:
            return False
        try:
            fresh, ttl_ms = resolve_configs_with_ttl(*self.raw)
        except Exception as error:  # a provider that cannot answer now: keep the running task, ask again later
            log.warning("Reloading the configs of a running task failed; it keeps its values: %s", error)
            self._arm()
            return False
        if fresh != self.resolved:
            return True
        self.ttl_ms = ttl_ms if ttl_ms is not None else self.ttl_ms
        self._arm()
        return False

    def _arm(self) -> None:
        self.reload_at = None if self.ttl_ms is None else self.clock() + self.ttl_ms / 1000.0
