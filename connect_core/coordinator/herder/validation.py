"""Connector config validation: the ``ConfigInfos`` of ``PUT /connector-plugins/{p}/config/validate`` and of every
create/update (Kafka ``AbstractHerder.validateConnectorConfig``).

The result merges the framework keys (common + source/sink variant + ``errors.*``), the keys the config's
transforms, predicates and converters bring, and the connector's own ``validate()``. Create/update refuse a config
whose ``error_count`` is not zero with Kafka's multi-line 400 message.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from connect_core.api.connector import ExactlyOnceSupport
from connect_core.coordinator.herder.enrichment import enrich
from connect_core.coordinator.herder.errors import BadRequestError
from connect_core.coordinator.herder.framework import NULL_VALUE_ERROR, SOURCE, framework_keys, framework_values
from connect_core.coordinator.herder.plugin_versions import (
    connector_version_error,
    plugin_version_errors,
    version_key_defaults,
)
from connect_core.coordinator.herder.plugins import (
    CONNECTOR_CLASS_CONFIG,
    CONNECTOR_VERSION_CONFIG,
    UNKNOWN,
    connector_class,
    kind_of,
    new_connector,
)
from connect_core.runtime.client_overrides import OverridePolicy, client_key_refusals, override_errors
from connect_core.runtime.config_providers.redaction import redact
from connect_core.runtime.config_providers.resolver import ConfigResolver, provider_key_errors

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from connect_core.api.config import ConfigKeyInfo, ConfigValueInfo
    from connect_core.runtime.registry import VersionedPluginLoadingError

log = logging.getLogger(__name__)
EXACTLY_ONCE_SUPPORT_CONFIG = "exactly.once.support"

VALIDATE_HINT = (
    "You can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`"
)

__all__ = ["VALIDATE_HINT", "ensure_valid", "invalid_config_message", "java_map", "log_ignored_keys",
           "validate_connector_config"]


def java_map(props: Mapping[str, Any]) -> str:
    """Java's ``Map.toString``: ``{a=1, b=null}`` (used in Kafka's "contains no connector type" message)."""
    return "{" + ", ".join(f"{k}={'null' if v is None else v}" for k, v in props.items()) + "}"


def validate_connector_config(props: Mapping[str, str | None]) -> dict[str, Any]:
    """Validate a connector config; 200-style ConfigInfos even when it has errors.

    Raises:
        BadRequestError: when ``connector.class`` is missing.
        ConnectError: 500 when no connector of that class exists.
    """
    connector_type = props.get(CONNECTOR_CLASS_CONFIG)
    if connector_type is None:
        raise BadRequestError(f"Connector config {java_map(props)} contains no connector type")
    cls = connector_class(connector_type)
    kind = kind_of(cls)
    if kind == UNKNOWN:
        raise BadRequestError(f"Connector {connector_type} is neither a source nor a sink connector")
    raw = {k: v for k, v in props.items() if v is not None}
    present = _resolved(raw)  # as the worker validates: placeholders resolved, never shown (see _restore)

    keys: dict[str, ConfigKeyInfo] = {key["name"]: key for key in framework_keys(kind)}
    values: dict[str, ConfigValueInfo] = framework_values(kind, present)
    groups = _groups(keys.values())
    version_error = connector_version_error(present)
    if version_error is not None:  # Kafka validates nothing of a connector version it cannot load
        return _unloadable_version(connector_type, props, raw, (keys, values, groups), version_error)
    cls = connector_class(connector_type, present.get(CONNECTOR_VERSION_CONFIG))
    extra = enrich(present)
    for key_name, errors in extra.class_errors.items():
        values[key_name]["errors"].extend(errors)
    keys.update((key["name"], key) for key in extra.keys)
    values.update(extra.values)
    for key_name, errors in plugin_version_errors(present).items():
        values.setdefault(key_name, _bare_value(key_name))["errors"].extend(errors)
    version_key_defaults(present, keys, values)
    groups += [g for g in extra.groups if g not in groups]

    _null_errors(values, props)
    for key_name, messages in override_errors(present, source=kind == SOURCE, policy=OverridePolicy.from_env()).items():
        value = values.setdefault(key_name, {**_bare_value(key_name), "value": present[key_name]})
        value["errors"].extend(messages)
    for key_name, messages in client_key_refusals(present, cls).items():  # the client-key gate, before any policy
        value = values.setdefault(key_name, {**_bare_value(key_name), "value": raw[key_name]})
        value["errors"].extend(messages)
    for key_name, message in provider_key_errors(props).items():  # providers come from the worker only
        value = values.setdefault(key_name, _bare_value(key_name))
        value["errors"].append(message)

    connector = new_connector(cls)
    own_keys = _own_keys(cls)
    own_values = connector.validate(present)
    eos_error = _exactly_once_error(connector, present) if kind == SOURCE else None
    if eos_error and EXACTLY_ONCE_SUPPORT_CONFIG in values:
        values[EXACTLY_ONCE_SUPPORT_CONFIG]["errors"].append(eos_error)
    for key in own_keys:
        keys[key["name"]] = key  # the connector's definition wins, in the framework key's position
    groups += [g for g in _groups(own_keys) if g not in groups]
    for value in own_values:
        _merge(values, value)
    _restore(values, raw)
    return _result(connector_type, keys, values, groups)


def _null_errors(values: dict[str, ConfigValueInfo], props: Mapping[str, str | None]) -> None:
    for key_name in (k for k, v in props.items() if v is None):
        value = values.setdefault(key_name, _bare_value(key_name))
        value["errors"].append(NULL_VALUE_ERROR)


def _unloadable_version(
    connector_type: str, props: Mapping[str, str | None], raw: Mapping[str, str],
    framework: tuple[dict[str, ConfigKeyInfo], dict[str, ConfigValueInfo], list[str]],
    error: VersionedPluginLoadingError,
) -> dict[str, Any]:
    """Kafka's ``invalidVersionedConnectorValidation``: the framework keys, the error on ``connector.class`` and on
    ``connector.plugin.version``, and the installed versions as the latter's recommended values."""
    keys, values, groups = framework
    version_key_defaults(raw, keys, values, loaded=False)
    values[CONNECTOR_CLASS_CONFIG]["errors"].append(str(error))
    version = values.setdefault(CONNECTOR_VERSION_CONFIG, _bare_value(CONNECTOR_VERSION_CONFIG))
    version["errors"].append(str(error))
    version["recommended_values"] = list(error.available)
    _null_errors(values, props)
    _restore(values, raw)
    return _result(connector_type, keys, values, groups)


def _exactly_once_error(connector: Any, props: Mapping[str, str]) -> str | None:
    """Kafka's preflight for ``exactly.once.support=required`` (``validateSourceConnectorConfig``)."""
    if str(props.get(EXACTLY_ONCE_SUPPORT_CONFIG, "")).strip().lower() != "required":
        return None
    support = connector.exactly_once_support(dict(props))
    if support is None:
        return ("The connector does not implement the API required for preflight validation of exactly-once source "
                "support. Please consult the documentation for the connector to determine whether it supports "
                "exactly-once semantics, and then consider reconfiguring the connector to use the value "
                "\"requested\" for this property (which will disable this preflight check and allow the connector "
                "to be created).")
    if support is not ExactlyOnceSupport.SUPPORTED:
        return "The connector does not support exactly-once semantics with the provided configuration."
    return None


def _resolved(raw: dict[str, str]) -> dict[str, str]:
    """``raw`` with the worker's providers applied; unchanged when they cannot resolve (the task reports that)."""
    if not any("${" in v for v in raw.values()) or provider_key_errors(raw):
        return raw
    try:
        return ConfigResolver.for_worker().resolve(raw)
    except Exception:  # a provider that cannot be reached must not turn validation into a 500
        log.warning("Config providers could not resolve the placeholders for validation", exc_info=True)
        return raw


def _restore(values: dict[str, ConfigValueInfo], raw: Mapping[str, str]) -> None:
    """No resolved value leaves validation: placeholders back in values, secrets masked in error messages."""
    for name, value in values.items():
        if name in raw and value["value"] is not None and "${" in raw[name]:
            value["value"] = raw[name]
        value["errors"] = [redact(error) or "" for error in value["errors"]]


def ensure_valid(props: Mapping[str, str | None]) -> dict[str, Any]:
    """Validate, and raise Kafka's 400 when there is any error; returns the ConfigInfos otherwise."""
    infos = validate_connector_config(props)
    if infos["error_count"] > 0:
        raise BadRequestError(invalid_config_message(infos))
    return infos


def log_ignored_keys(name: str, infos: Mapping[str, Any]) -> list[str]:
    """Log every validate warning of a config being deployed (keys accepted with no effect here, ``no_effect``), once:
    at the deploy, where a task would repeat them at every start (docs/differences.md lists them); the warnings."""
    warnings = [warning for config in infos["configs"] if config.get("value") is not None
                for warning in config["value"].get("warnings", ())]
    for warning in warnings:
        log.warning("Connector %s: %s", name, warning)
    return warnings


def invalid_config_message(infos: Mapping[str, Any]) -> str:
    """Kafka's ``maybeAddConfigErrors`` message, one error per line."""
    lines = [f"Connector configuration is invalid and contains the following {infos['error_count']} error(s):"]
    for config in infos["configs"]:
        if config["value"] is not None:
            lines.extend(config["value"]["errors"])
    lines.append(VALIDATE_HINT)
    return "\n".join(lines)


def _own_keys(cls: Any) -> list[ConfigKeyInfo]:
    from connect_core.api.config import config_keys

    model = getattr(cls, "config_model", None)
    return config_keys(model) if model is not None else []


def _groups(keys: Iterable[ConfigKeyInfo]) -> list[str]:
    groups: list[str] = []
    for key in keys:
        if key["group"] and key["group"] not in groups:
            groups.append(key["group"])
    return groups


def _bare_value(name: str) -> ConfigValueInfo:
    return {"name": name, "value": None, "recommended_values": [], "errors": [], "visible": True}


def _merge(values: dict[str, ConfigValueInfo], value: ConfigValueInfo) -> None:
    """The connector's value replaces the framework's (as in Kafka) but keeps the framework's errors too."""
    previous = values.get(value["name"])
    if previous is not None:
        value = {**value, "errors": list(dict.fromkeys([*previous["errors"], *value["errors"]]))}
    values[value["name"]] = value


def _result(
    connector_type: str, keys: dict[str, ConfigKeyInfo], values: dict[str, ConfigValueInfo], groups: list[str]
) -> dict[str, Any]:
    """Kafka's ``generateResult``: values without a definition first, then every defined key in order."""
    configs: list[dict[str, Any]] = [
        {"definition": None, "value": value} for name, value in values.items() if name not in keys
    ]
    configs += [{"definition": key, "value": values.get(name)} for name, key in keys.items()]
    error_count = sum(len(c["value"]["errors"]) for c in configs if c["value"] is not None)
    return {"name": connector_type, "error_count": error_count, "groups": groups, "configs": configs}
