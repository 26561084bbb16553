"""``Loggers``: the process's log levels behind ``/admin/loggers`` (Kafka ``org.apache.kafka.connect.runtime.Loggers``).

The same calls adjust Python ``logging`` loggers instead of log4j's. Kafka names map to the modules doing the same
work: ``org.apache.kafka.connect`` is ``connect_core``, a plugin class is its module, a plugin package the Python
package of its plugins; any other name is a Python logger name as is. The caller's name is listed beside the logger
it set, so ``GET /admin/loggers/<that name>`` finds it. Cluster scope (KIP-976): levels written to the config topic
are applied in order by every function when its config store catches up (:meth:`Loggers.apply_cluster_levels`).
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from typing import TYPE_CHECKING, Any

from connect_core.runtime import registry
from connect_core.runtime.config_providers.redaction import RedactingFilter

if TYPE_CHECKING:
    from connect_core.storage.config_state import ConfigState

__all__ = ["ROOT_LOGGER_NAME", "Loggers", "ensure_root_handler", "is_valid_level", "process_loggers"]

ROOT_LOGGER_NAME = "root"
TRACE = 5
OFF = logging.CRITICAL + 10
ALL = 1
# Log4j's levels, most severe first, as Python levels; a Python level between two is shown as the next one above it.
LEVELS: dict[str, int] = {"OFF": OFF, "FATAL": logging.CRITICAL, "ERROR": logging.ERROR, "WARN": logging.WARNING,
                          "INFO": logging.INFO, "DEBUG": logging.DEBUG, "TRACE": TRACE, "ALL": ALL}
# Kafka packages whose Python counterpart no plugin names (plugins map through the manifest; longest prefix wins).
_KAFKA_PACKAGES = {
    "org.apache.kafka.connect": "connect_core",
    "org.apache.kafka.connect.runtime": "connect_core.runtime",
    "org.apache.kafka.connect.runtime.rest": "connect_core.coordinator.rest",
    "org.apache.kafka.connect.storage": "connect_core.storage",
    "org.apache.kafka.connect.runtime.errors": "connect_core.errors",
    "org.apache.kafka.clients": "connect_core.kafka",
}

logging.addLevelName(TRACE, "TRACE")
logging.addLevelName(OFF, "OFF")


def is_valid_level(level: str) -> bool:
    """A log4j level name, in any case (Kafka: ``Level.toLevel(level.toUpperCase())``)."""
    return level.upper() in LEVELS


def kafka_level(level: int) -> str:
    """The log4j name of a Python level (``WARNING`` is ``WARN``, ``CRITICAL`` is ``FATAL``)."""
    for name, value in LEVELS.items():
        if level >= value:
            return name
    return "ALL"


def python_logger_name(name: str) -> str:
    """The Python logger a Kafka logger name stands for ("" is the root logger)."""
    if name.lower() in (ROOT_LOGGER_NAME, ""):
        return ""
    if name in _KAFKA_PACKAGES:
        return _KAFKA_PACKAGES[name]
    modules = registry.plugin_modules(name)
    if not modules:
        return name
    if not any(desc.class_name == name or desc.class_name.startswith(name + "$") for desc in registry.plugins()):
        # a package: the Python packages of its plugins' modules, so a plugin's task and helper modules are in it
        # too (with one plugin, the common prefix of its modules alone would be its connector's module)
        modules = [module.rpartition(".")[0] or module for module in modules]
    common = modules[0].split(".")
    for module in modules[1:]:
        parts = module.split(".")
        while common != parts[: len(common)]:
            common.pop()
    return ".".join(common) or name


class Loggers:
    """Get and set the levels of this process's loggers, remembering when each was last changed."""

    def __init__(self, clock: Any = time.time) -> None:
        """``clock`` returns seconds since the epoch (``last_modified`` is in milliseconds, as Kafka's)."""
        self._clock = clock
        self._lock = threading.Lock()
        self._last_modified: dict[str, int] = {}
        self._aliases: dict[str, str] = {}  # a Kafka name a caller set -> the Python logger it stands for
        self._applied_version = 0

    def level(self, name: str) -> dict[str, Any] | None:
        """``{"level", "last_modified"}`` of one logger (its effective level), None when there is no such logger."""
        python_name = self._aliases.get(name) or python_logger_name(name)
        if python_name and python_name not in logging.root.manager.loggerDict:
            return None
        return self._entry(name, python_name)

    def all_levels(self) -> dict[str, dict[str, Any]]:
        """Every logger of the process, ``root`` included, sorted by name; loggers that are OFF are left out."""
        names = {name: name for name in logging.root.manager.loggerDict}
        names.update(self._aliases)
        names[ROOT_LOGGER_NAME] = ""
        entries = {name: self._entry(name, python_name) for name, python_name in sorted(names.items())}
        return {name: entry for name, entry in entries.items() if entry["level"] != "OFF"}

    def set_level(self, namespace: str, level: str) -> list[str]:
        """Set ``namespace`` and every logger whose name starts with it (Kafka's rule, no dot needed); the sorted
        names of the loggers whose level changed, with ``namespace`` itself when it is a Kafka name for one."""
        python_name = python_logger_name(namespace)
        value = LEVELS[level.upper()]
        ensure_root_handler()
        with self._lock:
            if python_name:
                logging.getLogger(python_name)  # the namespace's own logger, created as log4j creates it
            before = {name: _logger(name).getEffectiveLevel() for name in _every_name()}
            for name in before:
                if name.startswith(python_name):
                    _logger(name).setLevel(value)
            changed = [name for name, old in before.items() if _logger(name).getEffectiveLevel() != old]
            now = round(self._clock() * 1000)
            shown = {name or ROOT_LOGGER_NAME for name in changed}
            if namespace != (python_name or ROOT_LOGGER_NAME):
                self._aliases[namespace] = python_name
                if python_name in changed:
                    shown.add(namespace)
            for name in shown:
                self._last_modified[name] = now
        return sorted(shown)

    def apply_cluster_levels(self, state: ConfigState) -> None:
        """Apply the cluster-scope levels written since the last call, in the order they were written."""
        for namespace, level in state.logger_levels_since(self._applied_version):
            if is_valid_level(level):
                self.set_level(namespace, level)
            else:
                logging.getLogger(__name__).error("Ignoring invalid cluster log level %r for %s", level, namespace)
        self._applied_version = state.logger_level_version

    def _entry(self, name: str, python_name: str) -> dict[str, Any]:
        logger = _logger(python_name)
        modified = self._last_modified.get(name, self._last_modified.get(python_name or ROOT_LOGGER_NAME))
        return {"level": kafka_level(logger.getEffectiveLevel()), "last_modified": modified}


def ensure_root_handler() -> None:
    """A level set here must show: Lambda's runtime gives the root logger a handler, a process without one (the
    local function host, LocalStack's runtime) gets one on stderr, its log, instead of logging's WARNING-only last
    resort."""
    if not logging.root.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handler.addFilter(RedactingFilter())  # resolved secrets stay masked at every level
        logging.root.addHandler(handler)


def _logger(python_name: str) -> logging.Logger:
    return logging.getLogger(python_name) if python_name else logging.root


def _every_name() -> list[str]:
    """The root logger ("") and every logger created so far (placeholders of unused parents become loggers)."""
    return ["", *list(logging.root.manager.loggerDict)]


_PROCESS = Loggers()


def process_loggers() -> Loggers:
    """The one ``Loggers`` of this process (logging's state is process-wide, as log4j's is per worker)."""
    return _PROCESS
