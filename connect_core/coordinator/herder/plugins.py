"""Plugins as the REST API sees them: connector class lookup, connector type, listing and config definitions.

Everything goes through the plugin registry (class names and aliases of the manifest and of the worker's extra
plugins), as Kafka's ``Plugins`` does for a worker's plugin path; nothing a REST body names is imported otherwise.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from connect_core.api.connector import Connector, SinkConnector, SourceConnector
from connect_core.api.errors import ConfigError, ConnectError, NotFoundError
from connect_core.coordinator.herder.errors import BadRequestError
from connect_core.runtime import registry
from connect_core.runtime.file_roots import connector_context
from connect_core.runtime.registry import PluginType

if TYPE_CHECKING:
    from collections.abc import Mapping

    from connect_core.api.config import ConfigKeyInfo

__all__ = [
    "UNKNOWN", "connector_class", "connector_plugin_config", "connector_type", "list_plugins", "load_plugin",
    "new_connector",
]

log = logging.getLogger(__name__)

UNKNOWN = "unknown"
# The connector kinds' names (re-exported by framework.py): defined here, free of the framework's config models
# (pydantic), which only the plugin config listing needs
SOURCE = PluginType.SOURCE.value
SINK = PluginType.SINK.value
CONNECTOR_CLASS_CONFIG = "connector.class"
# Kafka's ConnectorPluginsResource lists the plugin kinds in this order.
_LISTING_ORDER = (
    PluginType.SINK,
    PluginType.SOURCE,
    PluginType.TRANSFORMATION,
    PluginType.PREDICATE,
    PluginType.CONVERTER,
    PluginType.HEADER_CONVERTER,
)


def load_plugin(name: str) -> Any | None:
    """The class of a registered plugin (class name or alias); None when it is unknown or cannot be imported."""
    try:
        return registry.load(name.strip())
    except (NotFoundError, ImportError, AttributeError, ValueError):
        return None


def connector_class(name: str) -> type[Connector]:
    """The connector class named by ``connector.class``; checked as a connector before it is imported.

    Raises:
        BadRequestError: nothing of that name implements Connector (Kafka's message; a 400 as Kafka answers it).
    """
    try:
        registry.check(CONNECTOR_CLASS_CONFIG, name, PluginType.SOURCE, PluginType.SINK)
        cls = load_plugin(name)
    except ConfigError:
        cls = None
    if not (isinstance(cls, type) and issubclass(cls, Connector)):
        available = ", ".join(d.class_name for d in _available((PluginType.SOURCE, PluginType.SINK)))
        raise BadRequestError(
            f"Failed to find any class that implements Connector and which name matches {name}, "
            f"available connectors are: {available}"
        )
    return cls


def new_connector(cls: type[Connector]) -> Connector:
    """An instance of ``cls`` initialized with the worker's context (its file roots), as Kafka's worker does."""
    instance = cls()
    instance.initialize(connector_context())
    return instance


def kind_of(cls: type[Connector]) -> str:
    """``source``, ``sink`` or ``unknown`` for a connector class (Kafka ``ConnectorType.from``)."""
    if issubclass(cls, SourceConnector):
        return SOURCE
    if issubclass(cls, SinkConnector):
        return SINK
    return UNKNOWN


def connector_type(config: Mapping[str, str | None] | None) -> str:
    """The ``type`` of ConnectorInfo/ConnectorStateInfo; ``unknown`` when the class cannot be loaded."""
    name = (config or {}).get(CONNECTOR_CLASS_CONFIG)
    if not name:
        return UNKNOWN
    try:
        desc = registry.describe(name)
    except NotFoundError:
        desc = None
    if desc is not None and desc.type in (PluginType.SOURCE, PluginType.SINK):
        return desc.type.value  # no import needed
    try:
        return kind_of(connector_class(name))
    except ConnectError:
        log.warning("Unable to determine the type of connector class %s", name)
        return UNKNOWN


def _available(types: tuple[PluginType, ...]) -> list[registry.PluginDesc]:
    return [d for d in registry.plugins(types) if registry.is_available(d)]


def list_plugins(connectors_only: bool) -> list[dict[str, str]]:
    """``GET /connector-plugins``: PluginInfo of every plugin this function ships, sorted per kind."""
    kinds = _LISTING_ORDER[:2] if connectors_only else _LISTING_ORDER
    out: list[dict[str, str]] = []
    for kind in kinds:
        descs = sorted(_available((kind,)), key=lambda d: d.class_name)
        out.extend(d.info() for d in descs if d.type is kind)
    return out


def connector_plugin_config(name: str) -> list[ConfigKeyInfo]:
    """``GET /connector-plugins/{plugin}/config``: the plugin's own keys, then framework keys it does not redefine."""
    from connect_core.api.config import config_keys
    from connect_core.coordinator.herder.framework import framework_keys

    plugin_type = _plugin_type(name)
    cls = load_plugin(name)
    if cls is None:
        raise NotFoundError(f"Unknown plugin {name}.")
    model = getattr(cls, "config_model", None)
    own = config_keys(model) if model is not None else []
    if plugin_type not in (PluginType.SOURCE, PluginType.SINK):
        return own
    names = {key["name"] for key in own}
    return own + [key for key in framework_keys(plugin_type.value) if key["name"] not in names]


def _plugin_type(name: str) -> PluginType:
    return registry.describe(name).type
