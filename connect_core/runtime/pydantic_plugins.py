"""pydantic's plugin look-up without ``importlib.metadata`` when no installed distribution declares a plugin.

The first validator pydantic builds asks ``pydantic.plugin._loader.get_plugins()``, a module that imports
``importlib.metadata`` (with ``email``, ``zipfile``, ``csv``: CPU and memory in a handler's first invocation) to read
every installed distribution's entry points. Plugins are the ``pydantic`` entry-point group, so when no
``entry_points.txt`` on ``sys.path`` declares that group the answer is known: no plugins. ``skip_plugin_scan`` then
gives pydantic a loader that answers exactly that; with a plugin installed, or metadata it cannot read as
``importlib.metadata`` would, pydantic's own loader runs.

"""

from __future__ import annotations

import os
import sys
import types
from typing import TYPE_CHECKING, Any

from connect_core.api.version import metadata_dirs

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["declares_plugins", "skip_plugin_scan"]

LOADER = "pydantic.plugin._loader"
GROUP = "[pydantic]"


def skip_plugin_scan() -> bool:
    """Install the no-plugin loader when nothing can declare a plugin; True when installed (once per process)."""
    if LOADER in sys.modules or declares_plugins(sys.path):
        return False
    loader = types.ModuleType(LOADER, "pydantic's plugin loader where no installed distribution declares a plugin.")

    def get_plugins() -> Iterable[Any]:
        """No plugins: none of the installed distributions declares the ``pydantic`` entry-point group."""
        return ()

    loader.get_plugins = get_plugins  # type: ignore[attr-defined]
    sys.modules[LOADER] = loader
    return True


def declares_plugins(path: Iterable[str]) -> bool:
    """True unless every distribution ``importlib.metadata`` would find on ``path`` is known to declare no pydantic
    plugin: any metadata finder besides the path finder, a zip or egg on the path, or an unreadable entry counts."""
    found = metadata_dirs(path)
    return found is None or any(map(_declares, found))


def _declares(metadata_dir: str) -> bool:
    try:
        with open(os.path.join(metadata_dir, "entry_points.txt"), encoding="utf-8") as entry_points:
            return any(line.strip() == GROUP for line in entry_points)
    except FileNotFoundError:
        return False
    except (OSError, UnicodeDecodeError):
        return True
