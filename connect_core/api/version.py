"""The version every lambda-connect plugin reports (Kafka's connectors report their build's ``AppInfoParser`` one)."""

from __future__ import annotations

import os
import re
import sys
from functools import cache
from importlib.machinery import PathFinder
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["dist_info_version", "metadata_dirs", "package_version"]

DISTRIBUTION = "lambda-connect"
_METADATA_SUFFIXES = (".dist-info", ".egg-info")


@cache
def package_version() -> str:
    """The installed lambda-connect distribution's version, or ``unknown`` when run from an uninstalled tree.

    Read from its ``.dist-info/METADATA`` where that is what ``importlib.metadata`` would find first: importing
    ``importlib.metadata`` (email, zipfile, csv) costs every task's first invocation CPU and memory, for the
    version its RUNNING status carries. Anything else (an egg, a zip, another metadata finder) asks it as before.
    """
    found = dist_info_version(DISTRIBUTION, sys.path)
    if found is not None:
        return found
    from importlib import metadata

    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return "unknown"


def dist_info_version(name: str, path: list[str]) -> str | None:
    """The ``Version`` of the first distribution called ``name`` on ``path`` when it is a ``.dist-info`` or
    ``.egg-info`` directory (as ``importlib.metadata``'s path finder orders them); None when only
    ``importlib.metadata`` can tell (an egg, a zip, another finder, unreadable metadata)."""
    wanted = _normalized(name)
    for info in metadata_dirs(path) or ():
        stem = os.path.basename(info).rpartition(".")[0]
        if _normalized(stem.partition("-")[0]) == wanted:
            return _metadata_version(info)
    return None


def metadata_dirs(path: Iterable[str]) -> list[str] | None:
    """The ``.dist-info`` and ``.egg-info`` entries on ``path``, in the order ``importlib.metadata``'s path finder
    meets them; None when only ``importlib.metadata`` can tell what it would find (another metadata finder, a zip
    or an egg on the path, an unreadable path entry). Shared with ``runtime/pydantic_plugins.py``."""
    if any(hasattr(finder, "find_distributions") and finder is not PathFinder for finder in sys.meta_path):
        return None
    found: list[str] = []
    for entry in path:
        root = entry or "."
        if not os.path.isdir(root):
            if os.path.exists(root):  # a zip on the path
                return None
            continue
        try:
            names = sorted(os.listdir(root))
        except OSError:
            return None
        for child in names:
            if child.endswith(".egg"):
                return None
            if child.endswith(_METADATA_SUFFIXES):
                found.append(os.path.join(root, child))
    return found


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def _metadata_version(info: str) -> str | None:
    """The headers' ``Version`` of a ``.dist-info`` or ``.egg-info`` directory, read from ``METADATA`` or else
    ``PKG-INFO`` (``importlib.metadata``'s order; an editable install leaves an ``.egg-info`` in the source tree)."""
    name = "METADATA" if os.path.isfile(os.path.join(info, "METADATA")) else "PKG-INFO"
    try:
        with open(os.path.join(info, name), encoding="utf-8") as metadata:
            for line in metadata:
                if not line.strip():  # the headers end at the first blank line
                    return None
                key, colon, value = line.partition(":")
                if colon and key.strip().lower() == "version":
                    return value.strip()
    except (OSError, UnicodeDecodeError):
        return None
    return None
