"""``ConfigProvider`` and ``ConfigData``: Kafka's SPI for values that live outside the connector config.

A provider answers ``get(path, keys)`` with the values it found; keys it does not know are simply absent, and the
``ConfigTransformer`` then leaves their placeholders untouched (Kafka's rule). Providers are configured once from
their ``config.providers.<name>.param.*`` options and live as long as the container, so clients and caches are
reused across warm invocations.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["ConfigData", "ConfigProvider"]


@dataclass(frozen=True)
class ConfigData:
    """Kafka ``ConfigData``: the values found for one path, and how long they may be cached (ms, None = forever)."""

    data: dict[str, str] = field(default_factory=dict)
    ttl_ms: int | None = None


class ConfigProvider(ABC):
    """Kafka ``org.apache.kafka.common.config.provider.ConfigProvider``."""

    def configure(self, params: Mapping[str, str]) -> None:  # noqa: B027 - optional hook, as in Kafka
        """Apply the ``config.providers.<name>.param.*`` options (prefix stripped)."""

    @abstractmethod
    def get(self, path: str, keys: set[str]) -> ConfigData:
        """The values of ``keys`` under ``path`` (``""`` when the placeholder has no path); unknown keys omitted."""

    def close(self) -> None:  # noqa: B027 - optional hook, as in Kafka
        """Release clients."""
