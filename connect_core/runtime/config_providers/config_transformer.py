"""``ConfigTransformer``: Kafka's placeholder substitution, rule for rule.

Kafka (``org.apache.kafka.common.config.ConfigTransformer``) finds ``${provider:[path:]key}`` with the pattern below,
asks each provider once per path for all keys used under it, then substitutes. A placeholder whose provider is not
configured, or whose key the provider did not return, is left exactly as written; a value is never re-scanned, so
a secret containing ``${...}`` is not expanded again.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping

    from connect_core.runtime.config_providers.config_provider import ConfigProvider

__all__ = ["DEFAULT_PATTERN", "ConfigTransformer", "ConfigTransformerResult"]

# Kafka's ConfigTransformer.DEFAULT_PATTERN, verbatim.
DEFAULT_PATTERN = re.compile(r"\$\{([^}]*?):(([^}]*?):)?([^}]*?)\}")
EMPTY_PATH = ""


@dataclass
class ConfigTransformerResult:
    """Kafka ``ConfigTransformerResult``: the transformed config, TTLs per path, and every value substituted."""

    data: dict[str, str | None]
    ttls: dict[str, int] = field(default_factory=dict)
    substituted: set[str] = field(default_factory=set)


def _variable(match: re.Match[str]) -> tuple[str, str, str]:
    return match.group(1), match.group(3) if match.group(3) is not None else EMPTY_PATH, match.group(4)


class ConfigTransformer:
    """Resolves placeholders against named providers."""

    def __init__(self, providers: Mapping[str, ConfigProvider]) -> None:
        """``providers``: provider name (the ``config.providers`` entry) -> configured provider."""
        self.providers = providers

    def transform(self, configs: Mapping[str, str | None]) -> ConfigTransformerResult:
        """Substitute every placeholder the providers can answer."""
        wanted: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        for value in configs.values():
            if value is None or "${" not in value:
                continue
            for match in DEFAULT_PATTERN.finditer(value):
                provider, path, key = _variable(match)
                wanted[provider][path].add(key)
        lookups: dict[str, dict[str, dict[str, str]]] = {}
        ttls: dict[str, int] = {}
        for provider_name, keys_by_path in wanted.items():
            config_provider = self.providers.get(provider_name)
            if config_provider is None:
                continue
            for path, keys in keys_by_path.items():
                data = config_provider.get(path, set(keys))
                if data.ttl_ms is not None and data.ttl_ms >= 0:
                    ttls[path] = data.ttl_ms
                lookups.setdefault(provider_name, {})[path] = data.data
        substituted: set[str] = set()
        result = {key: _replace(lookups, value, substituted) for key, value in configs.items()}
        return ConfigTransformerResult(result, ttls, substituted)


def _replace(lookups: dict[str, dict[str, dict[str, str]]], value: str | None, substituted: set[str]) -> str | None:
    if value is None or "${" not in value:
        return value
    out: list[str] = []
    last = 0
    for match in DEFAULT_PATTERN.finditer(value):
        provider, path, key = _variable(match)
        by_path = lookups.get(provider)
        if by_path is None:
            continue
        replacement = by_path.get(path, {}).get(key)
        out.append(value[last : match.start()])
        if replacement is None:
            out.append(match.group(0))
        else:
            out.append(replacement)
            substituted.add(replacement)
        last = match.end()
    out.append(value[last:])
    return "".join(out)
