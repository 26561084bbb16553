"""``DirectoryConfigProvider``: ``${directory:/run/secrets:db-password}`` reads a whole file of a directory.

The layout Kubernetes and Docker secrets use (one file per secret); on Lambda, e.g. files shipped in a layer.
"""

from __future__ import annotations

from connect_core.api.errors import ConfigError
from connect_core.runtime.config_providers._allowed_paths import PathConfigProvider
from connect_core.runtime.config_providers.config_provider import ConfigData

__all__ = ["DirectoryConfigProvider"]


class DirectoryConfigProvider(PathConfigProvider):
    """Kafka ``org.apache.kafka.common.config.provider.DirectoryConfigProvider``: key = file name, value = content."""

    def get(self, path: str, keys: set[str]) -> ConfigData:
        """Regular files directly in ``path`` whose names are asked for; anything else is omitted."""
        directory = self._allowed_path(path)
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
