"""The key, value and header converters a connector uses, built from its config (Kafka ``Worker`` plugin set-up).

``key.converter`` / ``value.converter`` / ``header.converter`` in the connector config override the worker's
defaults, and each converter is configured with the keys under its prefix (``value.converter.schemas.enable``). As
on a Kafka worker, a connector that names its own converter class gets none of the worker's keys for it; one that
does not gets the worker's class and keys (``LAMBDA_CONNECT_WORKER_CONVERTERS``, from a worker file). Without a worker
file the built-in defaults take the connector's prefixed keys (``value.converter.schemas.enable`` alone).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from connect_core.runtime import env, registry
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

__all__ = ["VERSION_KEYS", "ConverterSet", "with_worker_defaults", "worker_converters"]

KEY_CONVERTER = "key.converter"
VALUE_CONVERTER = "value.converter"
HEADER_CONVERTER = "header.converter"
# KIP-891: each converter's version range (runtime/version_range.py)
VERSION_KEYS = {KEY_CONVERTER: "key.converter.plugin.version", VALUE_CONVERTER: "value.converter.plugin.version",
                HEADER_CONVERTER: "header.converter.plugin.version"}


def _prefixed(props: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    start = len(prefix) + 1
    return {key[start:]: value for key, value in props.items() if key.startswith(prefix + ".")}


def _instantiate(props: Mapping[str, Any], key: str, default: str, plugin_type: PluginType) -> tuple[Any, str]:
    """A registered converter of the right type in the version its ``VERSION_KEYS`` key selects (KIP-891), checked
    before it is created (ConfigError with Kafka's text)."""
    name = str(props.get(key) or default).strip()
    version = props.get(VERSION_KEYS[key])
    return registry.load_as(key, name, plugin_type, version=None if version is None else str(version))(), name


def worker_converters() -> dict[str, str]:
    """The worker's converter keys (``LAMBDA_CONNECT_WORKER_CONVERTERS``); {} when unset.

    Raises:
        ValueError: the variable is not a JSON object of strings (naming it).
    """
    raw = env.resolve(env.WORKER_CONVERTERS, "")
    if not raw.strip():
        return {}
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as error:
        raise ValueError(f"environment variable {env.WORKER_CONVERTERS} is not JSON: {error}") from error
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise ValueError(f"environment variable {env.WORKER_CONVERTERS} must be a JSON object of strings")
    return value


def with_worker_defaults(props: Mapping[str, Any], worker: Mapping[str, Any]) -> dict[str, Any]:
    """``props`` with the worker's converter for each converter the connector does not name: the worker's class and
    keys replace the connector's own keys under that prefix, as Kafka's ``Worker`` configures the worker config's
    converter with the worker's keys only."""
    merged = dict(props)
    for prefix in (KEY_CONVERTER, VALUE_CONVERTER, HEADER_CONVERTER):
        if props.get(prefix) or not worker.get(prefix):
            continue
        for key in [k for k in merged if k.startswith(prefix + ".")]:
            del merged[key]
        merged.update({key: value for key, value in worker.items()
                       if key == prefix or key.startswith(prefix + ".")})
    return merged


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
        """Connector keys first, then the worker's (``worker_defaults``: worker-level converter keys; None: the
        environment's, :func:`worker_converters`)."""
        merged = with_worker_defaults(props, worker_converters() if worker_defaults is None else worker_defaults)
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
