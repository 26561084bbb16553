"""``FileConfigProvider``: ``${file:/path/creds.properties:key}`` reads a key of a Java properties file."""

from __future__ import annotations

from typing import TYPE_CHECKING

from connect_core.api.errors import ConfigError
from connect_core.runtime.config_providers._allowed_paths import ALLOWED_PATHS_CONFIG, AllowedPaths
from connect_core.runtime.config_providers._properties import parse_properties
from connect_core.runtime.config_providers.config_provider import ConfigData, ConfigProvider

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["FileConfigProvider"]


class FileConfigProvider(ConfigProvider):
    """Kafka ``org.apache.kafka.common.config.provider.FileConfigProvider`` (the file is read on every lookup)."""

    def __init__(self) -> None:
        """Every path is readable until ``allowed.paths`` restricts it."""
        self._allowed = AllowedPaths(None)

    def configure(self, params: Mapping[str, str]) -> None:
        """``allowed.paths``: comma-separated directories the placeholders may read from (KIP-993)."""
        self._allowed = AllowedPaths(params.get(ALLOWED_PATHS_CONFIG))

    def get(self, path: str, keys: set[str]) -> ConfigData:
        """Missing keys are omitted; an unreadable file is a ConfigError (the task fails, as in Kafka)."""
        if not path:
            return ConfigData()
        allowed = self._allowed.parse_untrusted_path(path)
        if allowed is None:
            return ConfigData()
        try:
            props = parse_properties(allowed.read_text(encoding="utf-8"))
        except OSError as error:
            raise ConfigError(f"Could not read properties from file {path}") from error
        return ConfigData({key: props[key] for key in keys if key in props})
