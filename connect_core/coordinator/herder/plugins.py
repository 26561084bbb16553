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
from connect_core.runtime.registry import CONNECTOR_VERSION_CONFIG, PluginType
from connect_core.runtime.version_range import InvalidVersionSpecification, requirement

if TYPE_CHECKING:
    from collections.abc import Mapping

    from connect_core.api.config import ConfigKeyInfo

__all__ = [
    "CONNECTOR_VERSION_CONFIG", "UNKNOWN", "connector_class", "connector_plugin_config", "connector_type",
    "connector_version", "list_plugins", "load_plugin", "new_connector",
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


def load_plugin(name: str, version: str | None = None) -> Any | None:
    """The class of a registered plugin (class name or alias) in the version ``version`` selects; None when it is
    unknown or cannot be imported (a version nothing installed satisfies raises, ``registry.describe``)."""
    try:
        return registry.load(name.strip(), version)
    except (NotFoundError, ImportError, AttributeError, ValueError):
        return None


def connector_class(name: str, version: str | None = None) -> type[Connector]:
    """The connector class named by ``connector.class``, in the version ``connector.plugin.version`` selects;
    checked as a connector before it is imported.

    Raises:
        BadRequestError: nothing of that name implements Connector (Kafka's message; a 400 as Kafka answers it).
        ConfigError: the version errors of ``registry.describe`` (Kafka's messages).
    """
    try:
        registry.check(CONNECTOR_CLASS_CONFIG, name, PluginType.SOURCE, PluginType.SINK)
    except ConfigError:
        cls = None
    else:
        cls = load_plugin(name, version)
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


def connector_version(config: Mapping[str, str | None]) -> str | None:
    """The version of the connector a config runs (``Connector.version()`` of the class its
    ``connector.plugin.version`` selects), as a worker reports it in the connector's status; None when unknown."""
    try:
        cls = connector_class(str(config.get(CONNECTOR_CLASS_CONFIG) or ""), config.get(CONNECTOR_VERSION_CONFIG))
        return str(new_connector(cls).version())
    except Exception:  # a version is informational; the connector's own failure is reported elsewhere
        log.debug("no version for connector class %s", config.get(CONNECTOR_CLASS_CONFIG), exc_info=True)
        return None


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
        # every installed version, oldest first within a class (the registry's order; the sort is stable)
        descs = sorted(_available((kind,)), key=lambda d: d.class_name)
        out.extend(d.info() for d in descs if d.type is kind)
    return list({tuple(info.items()): info for info in out}.values())  # Kafka's set of PluginInfo


def connector_plugin_config(name: str, version: str | None = None) -> list[ConfigKeyInfo]:
    """``GET /connector-plugins/{plugin}/config[?version=]``: the plugin's own keys, then framework keys it does not
    redefine.

    Raises:
        NotFoundError: an unknown plugin.
        BadRequestError: ``version`` is not a range, or no installed version satisfies it (Kafka's messages).
    """
    from connect_core.api.config import config_keys
    from connect_core.coordinator.herder.framework import framework_keys

    try:
        requirement(version)
    except InvalidVersionSpecification:
        raise BadRequestError(f"Invalid version specification: {version}") from None
    plugin_type = _plugin_type(name)
    try:
        cls = load_plugin(name, version)
    except registry.VersionedPluginLoadingError as error:
        raise BadRequestError(str(error)) from None
    if cls is None:
        raise NotFoundError(f"Unknown plugin {name}.")
    model = getattr(cls, "config_model", None)
    own = config_keys(model) if model is not None else []
    if plugin_type not in (PluginType.SOURCE, PluginType.SINK):
        return own
    names = {key["name"] for key in own}
    framework = [key for key in framework_keys(plugin_type.value) if key["name"] not in names]
    for key in framework:  # Kafka's enrichedConfigDef(plugins, name): the newest version, whatever was asked for
        if key["name"] == CONNECTOR_VERSION_CONFIG:
            key["default_value"] = registry.available_versions(name)[-1]
    return own + framework


def _plugin_type(name: str) -> PluginType:
    return registry.describe(name).type
