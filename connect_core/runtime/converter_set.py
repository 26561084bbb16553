"""The key, value and header converters a connector uses, built from its config (Kafka ``Worker`` plugin set-up).

``key.converter`` / ``value.converter`` / ``header.converter`` in the connector config override the worker's
defaults, and each converter is configured with the keys under its prefix (``value.converter.schemas.enable``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from connect_core.runtime import registry
from connect_core.runtime.connector_config import (
    DEFAULT_HEADER_CONVERTER,
    DEFAULT_KEY_CONVERTER,
    DEFAULT_VALUE_CONVERTER,
)
from connect_core.runtime.file_roots import worker_file_roots
from connect_core.runtime.registry import PluginType

if TYPE_CHECKING:
    from collections.abc import Mapping

    from connect_core.api.converter import Converter, HeaderConverter

__all__ = ["ConverterSet"]

KEY_CONVERTER = "key.converter"
VALUE_CONVERTER = "value.converter"
HEADER_CONVERTER = "header.converter"


def _prefixed(props: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    start = len(prefix) + 1
    return {key[start:]: value for key, value in props.items() if key.startswith(prefix + ".")}


def _instantiate(props: Mapping[str, Any], key: str, default: str, plugin_type: PluginType) -> tuple[Any, str]:
    """A registered converter of the right type, checked before it is created (ConfigError with Kafka's text)."""
    name = str(props.get(key) or default).strip()
    return registry.load_as(key, name, plugin_type)(), name


def _confine_files(converter: object, prefix: str, props: Mapping[str, Any]) -> None:
    """A connector config's file paths for its converter lie under the worker's file roots.

    Raises:
        ConfigError: naming the prefixed key, where the path resolves to and the allowed roots.
    """
    for name in getattr(converter, "file_keys", ()):
        path = props.get(f"{prefix}.{name}")
        if path:
            worker_file_roots().resolve(f"{prefix}.{name}", str(path))


@dataclass(frozen=True, slots=True)
class ConverterSet:
    """Configured converters plus the class names error reports and the DLQ use."""

    key: Converter
    value: Converter
    header: HeaderConverter
    key_class: str
    value_class: str
    header_class: str

    @classmethod
    def from_config(cls, props: Mapping[str, Any], worker_defaults: Mapping[str, Any] | None = None) -> ConverterSet:
        """Connector keys first, then the worker's (``worker_defaults`` holds worker-level converter keys)."""
        merged = {**(worker_defaults or {}), **props}
        key, key_class = _instantiate(merged, KEY_CONVERTER, DEFAULT_KEY_CONVERTER, PluginType.CONVERTER)
        value, value_class = _instantiate(merged, VALUE_CONVERTER, DEFAULT_VALUE_CONVERTER, PluginType.CONVERTER)
        header, header_class = _instantiate(merged, HEADER_CONVERTER, DEFAULT_HEADER_CONVERTER,
                                            PluginType.HEADER_CONVERTER)
        for converter, prefix in ((key, KEY_CONVERTER), (value, VALUE_CONVERTER), (header, HEADER_CONVERTER)):
            _confine_files(converter, prefix, props)
        key.configure(_prefixed(merged, KEY_CONVERTER), True)
        value.configure(_prefixed(merged, VALUE_CONVERTER), False)
        header.configure(_prefixed(merged, HEADER_CONVERTER))
        return cls(key, value, header, key_class, value_class, header_class)

    def close(self) -> None:
        """Release converter resources."""
        for converter in (self.key, self.value, self.header):
            converter.close()
