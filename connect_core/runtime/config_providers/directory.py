"""``DirectoryConfigProvider``: ``${directory:/run/secrets:db-password}`` reads a whole file of a directory.

The layout Kubernetes and Docker secrets use (one file per secret); on Lambda, e.g. files shipped in a layer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from connect_core.api.errors import ConfigError
from connect_core.runtime.config_providers._allowed_paths import ALLOWED_PATHS_CONFIG, AllowedPaths
from connect_core.runtime.config_providers.config_provider import ConfigData, ConfigProvider

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["DirectoryConfigProvider"]


class DirectoryConfigProvider(ConfigProvider):
    """Kafka ``org.apache.kafka.common.config.provider.DirectoryConfigProvider``: key = file name, value = content."""

    def __init__(self) -> None:
        """Every directory is readable until ``allowed.paths`` restricts it."""
        self._allowed = AllowedPaths(None)

    def configure(self, params: Mapping[str, str]) -> None:
        """``allowed.paths`` as for ``FileConfigProvider``."""
        self._allowed = AllowedPaths(params.get(ALLOWED_PATHS_CONFIG))

    def get(self, path: str, keys: set[str]) -> ConfigData:
        """Regular files directly in ``path`` whose names are asked for; anything else is omitted."""
        if not path:
            return ConfigData()
        directory = self._allowed.parse_untrusted_path(path)
        if directory is None or not directory.is_dir():
            return ConfigData()
        found = {}
        for key in keys:
            candidate = directory / key
            if candidate.parent != directory or not candidate.is_file():
                continue
            try:
                found[key] = candidate.read_text(encoding="utf-8")
            except OSError as error:
                raise ConfigError(f"Could not read file {candidate}") from error
        return ConfigData(found)
