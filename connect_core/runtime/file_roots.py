"""The worker's file roots (``LAMBDA_CONNECT_FILE_ROOTS``): the host directories connector configs may name files in.

Worker configuration only, as Kafka's ``plugin.path``: the template's ``FileStreamRoots`` parameter (empty by default)
or ``lambda-connect up --file-root`` (default ``./data``). Without roots the FileStream connectors are not offered.
"""

from __future__ import annotations

from connect_core.api.connector import ConnectorContext
from connect_core.api.file_roots import FileRoots
from connect_core.runtime import env

__all__ = ["connector_context", "worker_file_roots"]

_cache: tuple[str, FileRoots] = ("", FileRoots())


def worker_file_roots() -> FileRoots:
    """The roots of this worker's environment (a comma list, resolved to real paths once per value)."""
    global _cache
    raw = env.resolve(env.FILE_ROOTS, "")
    if raw != _cache[0]:
        _cache = (raw, FileRoots.of(raw.split(",")))
    return _cache[1]


def connector_context() -> ConnectorContext:
    """The context a connector instance gets before ``validate``/``start`` (Kafka's ``initialize``)."""
    from connect_core.kafka.group_offsets import ClusterGroupOffsets

    return ConnectorContext(file_roots=worker_file_roots(), group_offsets=ClusterGroupOffsets)
