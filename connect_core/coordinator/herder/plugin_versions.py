"""Validation of the KIP-891 version keys of a connector config, as Kafka 4.1's ``AbstractHerder`` reports them.

- ``connector.plugin.version``: a malformed range is a 400 with Maven's message (``Unbounded range: [1.0``); a
  range no installed version satisfies puts Kafka's "Plugin X not found that matches the version range R,
  available versions: [...]" on ``connector.class`` and on the version key (2 errors), the installed versions as
  the key's recommended values, and nothing else of the connector, its converters or transforms is validated.
- ``key.converter.plugin.version`` (value, header): checked when the converter's class key is set in the config; a
  malformed range is an error on the version key, an unsatisfied one on both the class key and the version key.
- ``transforms.<alias>.plugin.version``, ``predicates.<alias>.plugin.version``: either error on both the ``type``
  key and the version key.

Each version key's default is the version the worker would load without it (Kafka 4.3's ``enrichedConfigDef``): the
newest installed version of the connector, of the converter in effect (the connector's own, else the worker's, at the
worker's ``*.plugin.version`` when it sets one) or of the alias's class; its value, when the config leaves it out, is
that default, and its recommended values are every installed version of that plugin. A version key of a converter
whose class cannot be loaded is not visible, and has neither.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from connect_core.api.errors import ConfigError, NotFoundError
from connect_core.coordinator.herder.errors import BadRequestError
from connect_core.runtime import registry
from connect_core.runtime.connector_config import (
    DEFAULT_HEADER_CONVERTER,
    DEFAULT_KEY_CONVERTER,
    DEFAULT_VALUE_CONVERTER,
)
from connect_core.runtime.converter_set import VERSION_KEYS, worker_converters
from connect_core.runtime.registry import (
    CONNECTOR_VERSION_CONFIG,
    PLUGIN_VERSION_SUFFIX,
    PluginType,
    VersionedPluginLoadingError,
)
from connect_core.runtime.version_range import InvalidVersionSpecification, requirement

if TYPE_CHECKING:
    from collections.abc import Mapping

    from connect_core.api.config import ConfigKeyInfo, ConfigValueInfo

__all__ = ["connector_version_error", "latest_version", "plugin_version_errors", "recommended_versions",
           "version_key_defaults"]

_CONNECTORS = (PluginType.SOURCE, PluginType.SINK)
_WORKER_DEFAULTS = {"key.converter": DEFAULT_KEY_CONVERTER, "value.converter": DEFAULT_VALUE_CONVERTER,
                    "header.converter": DEFAULT_HEADER_CONVERTER}


def connector_version_error(props: Mapping[str, str | None]) -> VersionedPluginLoadingError | None:
    """The error of a ``connector.plugin.version`` no installed version of ``connector.class`` satisfies.

    Raises:
        BadRequestError: the value is not a version range (Kafka answers Maven's message with a 400).
    """
    version = props.get(CONNECTOR_VERSION_CONFIG)
    try:
        requirement(version)
    except InvalidVersionSpecification as error:
        raise BadRequestError(str(error)) from None
    try:
        registry.describe(str(props.get("connector.class") or ""), version)
    except VersionedPluginLoadingError as error:
        return error
    except NotFoundError:
        return None  # the class itself is reported elsewhere
    return None


def plugin_version_errors(props: Mapping[str, str]) -> dict[str, list[str]]:
    """Errors of the converter, transformation and predicate version keys, by the key they belong on."""
    errors: dict[str, list[str]] = {}
    for class_key, version_key in VERSION_KEYS.items():
        _check(errors, props, (class_key, version_key), malformed_on_class=False)
    for list_key in ("transforms", "predicates"):
        for alias in dict.fromkeys(a.strip() for a in str(props.get(list_key) or "").split(",") if a.strip()):
            prefix = f"{list_key}.{alias}"
            _check(errors, props, (f"{prefix}.type", prefix + PLUGIN_VERSION_SUFFIX), malformed_on_class=True)
    return errors


def _check(errors: dict[str, list[str]], props: Mapping[str, str], keys: tuple[str, str], *,
           malformed_on_class: bool) -> None:
    class_key, version_key = keys
    name, version = props.get(class_key), props.get(version_key)
    if not name or version is None:
        return
    on: tuple[str, ...]
    try:
        registry.describe(name, version)
        return
    except InvalidVersionSpecification as error:
        on, message = ((class_key, version_key) if malformed_on_class else (version_key,)), str(error)
    except VersionedPluginLoadingError as error:
        on, message = (class_key, version_key), str(error)
    except (NotFoundError, ConfigError):
        return  # an unknown class is the class key's own error
    for key in on:
        errors.setdefault(key, []).append(message)


def latest_version(name: str | None, *types: PluginType) -> str | None:
    """The newest installed version of the plugin ``name`` names when it is one of ``types``; None for no name, an
    unknown class or another kind."""
    versions = recommended_versions(name, *types)
    return versions[-1] if versions else None


def recommended_versions(name: str | None, *types: PluginType) -> list[str]:
    """Every installed version of that plugin (a plugin package's included, for a built-in class name too), oldest
    first, once each (Kafka's version recommenders); [] for no name, an unknown class or another kind."""
    if not name or not name.strip():
        return []
    try:
        registry.check("", name, *types)
    except (ConfigError, NotFoundError):
        return []
    return list(dict.fromkeys(registry.available_versions(name.strip())))


def version_key_defaults(props: Mapping[str, str], keys: dict[str, ConfigKeyInfo],
                         values: dict[str, ConfigValueInfo], *, loaded: bool = True) -> None:
    """Set the defaults, absent values, recommended values and visibility of ``connector.plugin.version`` and the
    converters' version keys (module docstring). ``loaded=False``: the connector's version cannot be loaded, and as
    Kafka then validates the plain definitions, only the connector's key gets its default."""
    connector = props.get("connector.class")
    _set(props, keys, values, CONNECTOR_VERSION_CONFIG, default=latest_version(connector, *_CONNECTORS),
         recommended=recommended_versions(connector, *_CONNECTORS) if loaded else None)
    worker = worker_converters() if loaded else {}
    for class_key, version_key in VERSION_KEYS.items():
        kind = PluginType.HEADER_CONVERTER if class_key == "header.converter" else PluginType.CONVERTER
        own = props.get(class_key)
        if not loaded:
            in_effect, default = own, None
        elif own:
            in_effect, default = own, latest_version(own, kind)
        else:
            in_effect = worker.get(class_key) or _WORKER_DEFAULTS[class_key]
            default = worker.get(version_key) or latest_version(in_effect, kind)
        _set(props, keys, values, version_key, default=default,
             recommended=recommended_versions(in_effect, kind) if loaded else [])
        if version_key in values:
            values[version_key]["visible"] = latest_version(in_effect, kind) is not None


def _set(props: Mapping[str, str], keys: dict[str, ConfigKeyInfo], values: dict[str, ConfigValueInfo], name: str, *,
         default: str | None, recommended: list[str] | None) -> None:
    if name in keys:
        keys[name]["default_value"] = default
    if name in values:
        if name not in props:
            values[name]["value"] = default
        if recommended is not None:
            values[name]["recommended_values"] = list(recommended)
