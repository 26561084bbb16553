"""The version every lambda-connect plugin reports (Kafka's connectors report their build's ``AppInfoParser`` one)."""

from __future__ import annotations

from functools import cache

__all__ = ["package_version"]


@cache
def package_version() -> str:
    """The installed lambda-connect distribution's version, or ``unknown`` when run from an uninstalled tree."""
    from importlib import metadata  # lazy: ~15 ms of every handler's cold start

    try:
        return metadata.version("lambda-connect")
    except metadata.PackageNotFoundError:
        return "unknown"
