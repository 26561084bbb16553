"""``EnvVarConfigProvider`` (KIP-887): ``${env:NAME}`` reads the function's environment variables."""

from __future__ import annotations

import logging
import os
import re
from typing import TYPE_CHECKING

from connect_core.api.errors import ConfigError
from connect_core.runtime.config_providers.config_provider import ConfigData, ConfigProvider

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["ALLOWLIST_PATTERN_CONFIG", "EnvVarConfigProvider"]

log = logging.getLogger(__name__)

ALLOWLIST_PATTERN_CONFIG = "allowlist.pattern"


class EnvVarConfigProvider(ConfigProvider):
    """Kafka ``org.apache.kafka.common.config.provider.EnvVarConfigProvider``: no path, keys are variable names."""

    def __init__(self) -> None:
        """Allow every variable until ``allowlist.pattern`` says otherwise."""
        self._allow: re.Pattern[str] | None = None

    def configure(self, params: Mapping[str, str]) -> None:
        """``allowlist.pattern``: a regex a variable name must fully match to be readable."""
        pattern = params.get(ALLOWLIST_PATTERN_CONFIG)
        if pattern:
            try:
                self._allow = re.compile(pattern)
            except re.error as error:
                raise ConfigError(f"Invalid value {pattern} for configuration {ALLOWLIST_PATTERN_CONFIG}: {error}") \
                    from error

    def get(self, path: str, keys: set[str]) -> ConfigData:
        """Kafka refuses a path here (and logs it); the placeholder then stays unresolved."""
        if path:
            log.error("The path %s is not supported by EnvVarConfigProvider: use ${env:NAME}", path)
            return ConfigData()
        found = {}
        for key in keys:
            if self._allow is not None and not self._allow.fullmatch(key):
                continue
            value = os.environ.get(key)
            if value is not None:
                found[key] = value
        return ConfigData(found)
