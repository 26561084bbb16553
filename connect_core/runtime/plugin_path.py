"""Where the worker's own plugins come from (Kafka's ``plugin.path``): classes a deployment adds to the built-in
manifest of ``runtime/registry.py``. All three sources are worker configuration, never a REST body:

- ``LAMBDA_CONNECT_PLUGINS``: a comma list of ``"module:Class"`` (template parameter ``PluginClasses``);
- the ``lambda_connect.plugins`` entry points of installed distributions, under the class name configs use, read
  from ``.dist-info/entry_points.txt`` (``importlib.metadata`` costs a cold start) where that suffices;
- ``LAMBDA_CONNECT_PLUGIN_PATH``: directories appended to ``sys.path`` (after the function's own, so a plugin's copy
  of a library never shadows the runtime's). A subdirectory holding one installed package is an *isolated location*
  (KIP-891), never on ``sys.path`` and imported by ``runtime/plugin_isolation.py``; so is the installation's own
  ``lambda-connect-plugins`` directory beside ``connect_core`` (docs/architecture.md, "Plugin versions").
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

from connect_core.api.version import metadata_dirs
from connect_core.runtime import env

__all__ = ["ENTRY_POINT_GROUP", "INSTALLATION_PLUGIN_DIR", "WorkerPlugin", "extend_sys_path", "installation_plugin_dir",
           "isolated_locations", "plugin_path_dirs", "worker_plugins"]

ENTRY_POINT_GROUP = "lambda_connect.plugins"
# Not an identifier: never importable as a package from the sys.path entry it sits in.
INSTALLATION_PLUGIN_DIR = "lambda-connect-plugins"


@dataclass(frozen=True, slots=True)
class WorkerPlugin:
    """One plugin the worker adds: the class name configs use, its ``"module:Class"``, the version of the
    distribution that installed it and that distribution's name (both empty when it came from
    ``LAMBDA_CONNECT_PLUGINS`` alone), and its isolated location (empty: on ``sys.path``)."""

    class_name: str
    target: str
    version: str = ""
    distribution: str = ""
    location: str = ""


def extend_sys_path() -> None:
    """Append ``LAMBDA_CONNECT_PLUGIN_PATH``'s directories to ``sys.path`` (once each)."""
    for entry in (part.strip() for part in env.resolve(env.PLUGIN_PATH, "").split(",")):
        if entry and entry not in sys.path:
            sys.path.append(entry)


def installation_plugin_dir() -> str:
    """The ``lambda-connect-plugins`` directory beside this installation's ``connect_core`` package."""
    return os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                        INSTALLATION_PLUGIN_DIR)


def plugin_path_dirs() -> list[str]:
    """``LAMBDA_CONNECT_PLUGIN_PATH``'s directories, then the installation's own (module docstring)."""
    given = [entry for entry in (part.strip() for part in env.resolve(env.PLUGIN_PATH, "").split(",")) if entry]
    return list(dict.fromkeys([*given, installation_plugin_dir()]))


def isolated_locations() -> list[str]:
    """The isolated locations under the plugin path's directories, sorted per directory."""
    found: list[str] = []
    for root in plugin_path_dirs():
        try:
            children = sorted(os.listdir(root))
        except OSError:
            continue
        for child in children:
            location = os.path.join(root, child)
            if os.path.isdir(location) and _entry_points_in([location]):
                found.append(location)
    return found


def worker_plugins() -> list[WorkerPlugin]:
    """The classes of ``LAMBDA_CONNECT_PLUGINS``, then the entry points on ``sys.path`` (a class named in both is
    listed once), then every isolated location's (one class may come in several versions)."""
    extend_sys_path()
    found: dict[str, WorkerPlugin] = {}
    for target in (part.strip() for part in env.resolve(env.PLUGINS, "").split(",")):
        if target:
            found[target] = WorkerPlugin(target, target)
    for plugin in _entry_points():
        found.setdefault(plugin.class_name, plugin)
    isolated = [plugin for location in isolated_locations() for plugin in _entry_points_in([location], location)]
    return [*found.values(), *isolated]


def _entry_points() -> list[WorkerPlugin]:
    dirs = metadata_dirs(sys.path)
    if dirs is None:
        return _entry_points_from_importlib()
    return _entry_points_in(sys.path)


def _entry_points_in(path: list[str], location: str = "") -> list[WorkerPlugin]:
    """The ``lambda_connect.plugins`` entry points of the ``.dist-info`` directories directly on ``path``."""
    dirs = metadata_dirs(path) or []
    plugins: list[WorkerPlugin] = []
    seen: set[str] = set()
    for info in dirs:
        distribution, _, version = os.path.basename(info).rpartition(".")[0].partition("-")
        if distribution in seen:  # the first on the path wins, as importlib.metadata finds it
            continue
        seen.add(distribution)
        import configparser  # only with a plugin.path: not on a handler's cold path

        parser = configparser.ConfigParser(delimiters=("=",), interpolation=None)
        parser.optionxform = str  # type: ignore[assignment,method-assign]  # class names are case-sensitive
        try:
            parser.read(os.path.join(info, "entry_points.txt"), encoding="utf-8")
        except (OSError, configparser.Error):
            continue
        if parser.has_section(ENTRY_POINT_GROUP):
            version = version.split("-")[0] if info.endswith(".dist-info") else ""
            plugins += [WorkerPlugin(name.strip(), value.strip(), version, distribution, location)
                        for name, value in parser.items(ENTRY_POINT_GROUP)]
    return plugins


def _entry_points_from_importlib() -> list[WorkerPlugin]:
    from importlib import metadata

    return [WorkerPlugin(point.name, point.value, point.dist.version if point.dist else "",
                         point.dist.name if point.dist else "?")
            for point in metadata.entry_points(group=ENTRY_POINT_GROUP)]
