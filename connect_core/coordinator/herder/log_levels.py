"""``LogLevels``: the herder's side of ``/admin/loggers`` (Kafka ``Herder.setWorkerLoggerLevel`` /
``setClusterLoggerLevel``, KIP-495 and KIP-976).

Worker scope changes this process's loggers (the coordinator container that answers the request); cluster scope
writes ``logger-cluster-<namespace>`` to the config topic, which every function (source, sink, coordinator) applies
when it next catches up on that topic.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from connect_core.api.errors import NotFoundError
from connect_core.coordinator.herder.errors import BadRequestError
from connect_core.runtime.loggers import is_valid_level, process_loggers

if TYPE_CHECKING:
    from connect_core.runtime.loggers import Loggers
    from connect_core.storage.config_store import ConfigStore

__all__ = ["LogLevels"]

log = logging.getLogger(__name__)


class LogLevels:
    """Read and set log levels for one scope or the whole cluster."""

    def __init__(self, configs: ConfigStore, loggers: Loggers | None = None) -> None:
        """``loggers``: the process's (by default)."""
        self.configs = configs
        self.loggers = loggers or process_loggers()
        configs.on_logger_levels(self.loggers.apply_cluster_levels)

    def apply_cluster_levels(self) -> None:
        """Catch up on the config topic, which applies the cluster-scope levels written since the last catch-up."""
        self.configs.refresh()

    def all_levels(self) -> dict[str, dict[str, Any]]:
        """``{"<logger>": {"level", "last_modified"}}`` with ``root``."""
        self.apply_cluster_levels()
        return self.loggers.all_levels()

    def level(self, name: str) -> dict[str, Any]:
        """One logger's level; Kafka's 404 ``Logger <name> not found.``."""
        self.apply_cluster_levels()
        level = self.loggers.level(name)
        if level is None:
            raise NotFoundError(f"Logger {name} not found.")
        return level

    def set_worker_level(self, namespace: str, level: str | None) -> list[str]:
        """This process's loggers under ``namespace``; the sorted names whose level changed."""
        checked = _checked(level)
        log.info("Setting level of namespace %s and children to %s", namespace, checked)
        return self.loggers.set_level(namespace, checked)

    def set_cluster_level(self, namespace: str, level: str | None) -> None:
        """Write the level to the config topic; this process applies it at once, every other at its next call."""
        checked = _checked(level)
        self.configs.put_logger_level(namespace, checked)  # read back at once: applied here too


def _checked(level: str | None) -> str:
    """Kafka's checks, in its order: 400 without a level, 404 (sic) for a name log4j does not know."""
    if level is None:
        raise BadRequestError("Desired 'level' parameter was not specified in request.")
    if not is_valid_level(level):
        raise NotFoundError(f"invalid log level '{level}'.")
    return level
