"""``FileConfigProvider``: ``${file:/path/creds.properties:key}`` reads a key of a Java properties file."""

from __future__ import annotations

from connect_core.api.errors import ConfigError
from connect_core.runtime.config_providers._allowed_paths import PathConfigProvider
from connect_core.runtime.config_providers._properties import parse_properties
from connect_core.runtime.config_providers.config_provider import ConfigData

__all__ = ["FileConfigProvider"]


class FileConfigProvider(PathConfigProvider):
    """Kafka ``org.apache.kafka.common.config.provider.FileConfigProvider`` (the file is read on every lookup)."""

    def get(self, path: str, keys: set[str]) -> ConfigData:
        """Missing keys are omitted; an unreadable file is a ConfigError (the task fails, as in Kafka)."""
        allowed = self._allowed_path(path)
        if allowed is None:
            return ConfigData()
        try:
            props = parse_properties(allowed.read_text(encoding="utf-8"))
        except OSError as error:
            raise ConfigError(f"Could not read properties from file {path}") from error
        return ConfigData({key: props[key] for key in keys if key in props})
