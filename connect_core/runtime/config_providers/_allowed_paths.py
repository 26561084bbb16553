"""Kafka's ``AllowedPaths`` (KIP-993): the ``allowed.paths`` option of the file and directory providers."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from connect_core.api.errors import ConfigError
from connect_core.runtime.config_providers.config_provider import ConfigProvider

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["ALLOWED_PATHS_CONFIG", "AllowedPaths", "PathConfigProvider"]

ALLOWED_PATHS_CONFIG = "allowed.paths"


class AllowedPaths:
    """Restricts reads to a comma-separated list of absolute directories; no option means every path."""

    def __init__(self, raw: str | None) -> None:
        """Parse ``allowed.paths``; relative entries are a ConfigError, as in Kafka."""
        self._roots: list[Path] | None = None
        if raw is None or not raw.strip():
            return
        roots = []
        for entry in (part.strip() for part in raw.split(",")):
            path = Path(entry)
            if not path.is_absolute():
                raise ConfigError(f"Path {entry} is not absolute")
            roots.append(Path(_normalise(path)))
        self._roots = roots

    def parse_untrusted_path(self, path: str) -> Path | None:
        """The normalised path when allowed, else None (the provider then answers with no data)."""
        normalised = Path(_normalise(Path(path)))
        if self._roots is None:
            return normalised
        if any(normalised == root or root in normalised.parents for root in self._roots):
            return normalised
        return None


class PathConfigProvider(ConfigProvider):
    """A provider whose lookup path names a file or directory, restricted by ``allowed.paths``."""

    def __init__(self) -> None:
        """Every path is readable until ``allowed.paths`` restricts it."""
        self._allowed = AllowedPaths(None)

    def configure(self, params: Mapping[str, str]) -> None:
        """``allowed.paths``: comma-separated directories the placeholders may read from (KIP-993)."""
        self._allowed = AllowedPaths(params.get(ALLOWED_PATHS_CONFIG))

    def _allowed_path(self, path: str) -> Path | None:
        """The normalised ``path`` when it is non-empty and allowed, else None (the lookup then finds nothing)."""
        return self._allowed.parse_untrusted_path(path) if path else None


def _normalise(path: Path) -> str:
    import os.path

    return os.path.normpath(str(path))
