"""Kafka's ``PluginClassLoader`` for Python: import a plugin package from its isolated location
(``runtime/plugin_path.py``) so that several versions of one package live in one process.

Each location's top-level modules are imported under a namespace of its own, ``_lambda_connect_plugins.<key>``, so
``sys.modules`` holds every version at once. Its modules' ``__builtins__`` carry an ``__import__`` that maps an
absolute import of the location's own top-level names to that namespace (its own classes first, as a plugin class
loader); every other name, ``connect_core`` included, is the runtime's. Not mapped: ``importlib.import_module``
called by the plugin itself and imports made by C extensions.
"""

from __future__ import annotations

import builtins
import importlib
import importlib.machinery
import importlib.util
import os
import re
import sys
import threading
from dataclasses import dataclass, field
from importlib._abc import Loader  # importlib.abc.Loader itself (importlib.abc re-exports it), without its imports
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import types
    from collections.abc import Mapping, Sequence

# hashlib (OpenSSL's libcrypto, a few MiB resident) and importlib.abc (importlib.resources, tempfile, shutil) load
# only when a plugin location is isolated: every handler imports this module on its cold path.

__all__ = ["NAMESPACE", "load"]

NAMESPACE = "_lambda_connect_plugins"
_SHARED = frozenset({"connect_core", "__pycache__"})
_lock = threading.RLock()


@dataclass(slots=True)
class _Location:
    path: str
    prefix: str  # "<NAMESPACE>.<key>."
    top_level: frozenset[str]
    builtins: dict[str, Any] = field(default_factory=dict)


_locations: dict[str, _Location] = {}  # key -> location


def _top_level(path: str) -> frozenset[str]:
    """The importable top-level names of a directory: packages and modules, not metadata or the shared api."""
    names: set[str] = set()
    suffixes = tuple(importlib.machinery.all_suffixes())
    for child in os.listdir(path):
        full = os.path.join(path, child)
        if os.path.isdir(full):
            if child.isidentifier():
                names.add(child)
        elif child.endswith(suffixes):
            stem = child.split(".", 1)[0]
            if stem.isidentifier():
                names.add(stem)
    return frozenset(names - _SHARED)


def _key(path: str) -> str:
    import hashlib

    digest = hashlib.sha256(os.path.realpath(path).encode()).hexdigest()[:8]
    return re.sub(r"\W", "_", os.path.basename(os.path.normpath(path))) + "_" + digest


def _location(path: str) -> _Location:
    key = _key(path)
    with _lock:
        location = _locations.get(key)
        if location is None:
            location = _Location(path, f"{NAMESPACE}.{key}.", _top_level(path))
            location.builtins = {**builtins.__dict__, "__import__": _importer(location)}
            _locations[key] = location
            _install_finder()
        return location


def _importer(location: _Location) -> Any:
    def isolated_import(name: str, globals: Mapping[str, Any] | None = None, locals: Mapping[str, Any] | None = None,
                        fromlist: Sequence[str] | None = (), level: int = 0) -> types.ModuleType:
        if level == 0 and name.partition(".")[0] in location.top_level:
            module = builtins.__import__(location.prefix + name, globals, locals, fromlist, 0)
            if fromlist:
                return module
            return sys.modules[location.prefix + name.partition(".")[0]]  # `import a.b` binds `a`
        return builtins.__import__(name, globals, locals, fromlist, level)

    return isolated_import


class _IsolatingLoader(Loader):
    """Runs the file's own loader with the location's ``__builtins__`` in place (its imports then map)."""

    def __init__(self, inner: Loader, location: _Location) -> None:
        self.inner = inner
        self.location = location

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType | None:
        return self.inner.create_module(spec)

    def exec_module(self, module: types.ModuleType) -> None:
        module.__dict__["__builtins__"] = self.location.builtins
        self.inner.exec_module(module)

    def __getattr__(self, name: str) -> Any:  # get_resource_reader, get_data, is_package, ...
        return getattr(self.inner, name)


class _NamespaceLoader(Loader):
    """The empty parent packages ``_lambda_connect_plugins`` and ``_lambda_connect_plugins.<key>``."""

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType | None:
        return None

    def exec_module(self, module: types.ModuleType) -> None:
        return None


class _IsolatedFinder:
    """Finds the namespaced modules of the isolated locations (nothing else); a meta path finder by its
    ``find_spec``."""

    def invalidate_caches(self) -> None:
        """Nothing cached here (``importlib.invalidate_caches`` calls it on every finder, as the ABC's no-op)."""

    def find_spec(self, fullname: str, path: Sequence[str] | None,
                  target: types.ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        if fullname != NAMESPACE and not fullname.startswith(NAMESPACE + "."):
            return None
        parts = fullname.split(".")
        if len(parts) <= 2:
            if len(parts) == 2 and parts[1] not in _locations:
                return None
            spec = importlib.machinery.ModuleSpec(fullname, _NamespaceLoader(), is_package=True)
            spec.submodule_search_locations = []
            return spec
        location = _locations.get(parts[1])
        if location is None or parts[2] not in location.top_level:
            return None
        search = [location.path] if len(parts) == 3 else list(path or ())
        found = importlib.machinery.PathFinder.find_spec(parts[-1], search)
        if found is None or found.origin is None or found.loader is None:
            return None
        isolated = importlib.util.spec_from_file_location(
            fullname, found.origin, submodule_search_locations=found.submodule_search_locations)
        if isolated is None or isolated.loader is None:
            return None
        isolated.loader = _IsolatingLoader(isolated.loader, location)
        return isolated


_finder = _IsolatedFinder()


def _install_finder() -> None:
    """First on the meta path: ``PathFinder`` would otherwise find a submodule through its package's ``__path__``
    and load it without the location's imports."""
    if _finder not in sys.meta_path:
        sys.meta_path.insert(0, _finder)


def load(location: str, target: str) -> Any:
    """The object a ``"module:attr"`` target names, imported from the isolated ``location``."""
    module_name, _, attr = target.partition(":")
    isolated = _location(location)
    if module_name.partition(".")[0] not in isolated.top_level:
        raise ImportError(f"{module_name} is not in the plugin location {location}")
    with _lock:
        module = importlib.import_module(isolated.prefix + module_name)
    value: Any = module
    for part in attr.split(".") if attr else ():
        value = getattr(value, part)
    return value
