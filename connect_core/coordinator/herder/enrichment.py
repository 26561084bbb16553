"""Config keys a connector config adds for its plugins (Kafka ``ConnectorConfig.enrich`` + converter validation).

``transforms=a`` brings ``transforms.a.type``, ``transforms.a.plugin.version`` (KIP-891), ``transforms.a.predicate``,
``transforms.a.negate`` and the SMT's own keys under ``transforms.a.``, grouped as ``Transforms: a``; ``predicates=p``
likewise. A set converter brings its own keys under ``key.converter.``/``value.converter.``/``header.converter.``.
Each section is validated against the props under its prefix, so ``config/validate`` reports SMT and converter
mistakes as a Connect worker does.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from connect_core.api.config import (
    ConfigKeyInfo,
    ConfigValueInfo,
    config_error,
    config_keys,
    parse_type,
    validate_config,
)
from connect_core.api.errors import ConfigError
from connect_core.coordinator.herder.plugin_versions import latest_version, recommended_versions
from connect_core.coordinator.herder.plugins import load_plugin
from connect_core.runtime import registry
from connect_core.runtime.file_roots import worker_file_roots
from connect_core.runtime.registry import PLUGIN_VERSION_SUFFIX, PluginType

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["Enrichment", "enrich"]

_KINDS = (
    # props key, Kafka's kind name, group prefix, plugin type
    ("transforms", "Transformation", "Transforms", PluginType.TRANSFORMATION),
    ("predicates", "Predicate", "Predicates", PluginType.PREDICATE),
)
PLUGIN_VERSION_CONFIG = PLUGIN_VERSION_SUFFIX.lstrip(".")
_CONVERTERS = (
    ("key.converter", "key"),
    ("value.converter", "value"),
    ("header.converter", "header"),
)


@dataclass
class Enrichment:
    """Extra key definitions, their values and their groups, in Kafka's order."""

    keys: list[ConfigKeyInfo] = field(default_factory=list)
    values: dict[str, ConfigValueInfo] = field(default_factory=dict)
    groups: list[str] = field(default_factory=list)
    class_errors: dict[str, list[str]] = field(default_factory=dict)  # errors for framework keys (converters)


def enrich(props: Mapping[str, str]) -> Enrichment:
    """All plugin-derived keys and values for the connector config ``props`` (null values already removed)."""
    out = Enrichment()
    for key, kind, group, plugin_type in _KINDS:
        try:
            aliases = parse_type(key, props.get(key, ""), "LIST") or []
        except ConfigError:
            continue  # reported on the framework key itself
        for alias in dict.fromkeys(aliases):
            _alias_section(out, props, str(alias), (key, kind, group, plugin_type))
    for key, converter_type in _CONVERTERS:
        _converter_section(out, props, key, converter_type)
    return out


def _key(name: str, config_type: str, *, default: str | None, importance: str, doc: str, group: str | None,
         order: int, width: str = "NONE", display_name: str | None = None) -> ConfigKeyInfo:
    return ConfigKeyInfo(
        name=name, type=config_type, required=default is None and config_type == "CLASS", default_value=default,
        importance=importance, documentation=doc, group=group, order_in_group=order, width=width,
        display_name=display_name or name, dependents=[],
    )


def _value(name: str, value: Any, errors: list[str], recommended: list[str] | None = None) -> ConfigValueInfo:
    return ConfigValueInfo(
        name=name, value=None if value is None else str(value), recommended_values=recommended or [],
        errors=errors, visible=True,
    )


def _alias_section(
    out: Enrichment, props: Mapping[str, str], alias: str, spec: tuple[str, str, str, PluginType]
) -> None:
    key, kind, group_prefix, plugin_type = spec
    prefix = f"{key}.{alias}."
    group = f"{group_prefix}: {alias}"
    type_key = prefix + "type"
    out.groups.append(group)
    out.keys.append(_key(type_key, "CLASS", default=None, importance="HIGH", group=group, order=0, width="LONG",
                         doc=f"Class for the '{alias}' {kind.lower()}.", display_name=f"{kind} type for {alias}"))
    recommended = sorted(d.class_name for d in registry.plugins((plugin_type,)))
    errors: list[str] = []
    type_name = props.get(type_key)
    cls = None
    if plugin_type is PluginType.TRANSFORMATION and prefix + "negate" in props and prefix + "predicate" not in props:
        errors.append(f"Config '{prefix}negate' was provided but there is no config '{prefix}predicate' "
                      "defining a predicate to be negated.")
    if type_name is None:
        errors.append(f'Missing required configuration "{type_key}" which has no default value.')
    else:
        cls = _checked(type_key, type_name, plugin_type, errors)
        if cls is not None and inspect.isabstract(cls):
            variants = [f"{type_name.strip()}${v}" for v in ("Key", "Value") if hasattr(cls, v)]
            hint = f" Did you mean {', '.join(variants)}?" if variants else ""
            errors.append(str(config_error(type_key, type_name.strip(), f"{kind} is abstract and cannot be created."
                                           + hint)))
            cls = None
    out.values[type_key] = _value(type_key, type_name, errors, recommended)
    _version_key(out, props, prefix, group, (kind, plugin_type, type_name if cls is not None else None))
    if cls is None:
        return  # as Kafka does without the class: only the type and version keys
    order = 2
    sub_props = {k[len(prefix):]: v for k, v in props.items() if k.startswith(prefix)}
    if plugin_type is PluginType.TRANSFORMATION:
        order = _predicate_keys(out, sub_props, prefix, group, _listed(props, "predicates"))
    model = getattr(cls, "config_model", None)
    if model is not None:
        _embed(out, model, sub_props, prefix, group=group, order=order)


def _version_key(out: Enrichment, props: Mapping[str, str], prefix: str, group: str,
                 spec: tuple[str, PluginType, str | None]) -> None:
    """``<prefix>plugin.version`` (KIP-891), after the type key: by default the newest version of the alias's class
    (none when it cannot be loaded), which are all its installed versions recommended."""
    kind, plugin_type, type_name = spec
    alias = prefix.split(".")[1]
    name = prefix + PLUGIN_VERSION_CONFIG
    default = latest_version(type_name, plugin_type)
    out.keys.append(_key(name, "STRING", default=default, importance="HIGH", group=group, order=1, width="LONG",
                         doc=f"Version of the '{alias}' {kind.lower()}.", display_name=f"{kind} version for {alias}"))
    out.values[name] = _value(name, props.get(name, default), [], recommended_versions(type_name, plugin_type))


def _checked(key: str, name: str, plugin_type: PluginType, errors: list[str]) -> Any:
    """The plugin class when ``name`` is a registered plugin of ``plugin_type``; else None and Kafka's error added."""
    try:
        registry.check(key, name, plugin_type)
    except ConfigError as error:
        errors.append(str(error))
        return None
    cls = load_plugin(name)
    if cls is None:
        errors.append(str(config_error(key, name.strip(), f"Class {name.strip()} could not be found.")))
    return cls


def _listed(props: Mapping[str, str], key: str) -> list[str]:
    try:
        return [str(alias) for alias in parse_type(key, props.get(key, ""), "LIST") or []]
    except ConfigError:
        return []


def _predicate_keys(out: Enrichment, sub_props: Mapping[str, str], prefix: str, group: str,
                    predicates: list[str]) -> int:
    """``predicate`` and ``negate``, which every transformation accepts implicitly.

    Stricter than Kafka's validation (which lets the task fail later): a predicate alias not listed in
    ``predicates`` is an error here, so the connector is refused at POST instead of never starting.
    """
    out.keys.append(_key(prefix + "predicate", "STRING", default=None, importance="MEDIUM", group=group, order=2,
                         doc="The alias of a predicate used to determine whether to apply this transformation."))
    out.keys.append(_key(prefix + "negate", "BOOLEAN", default="false", importance="MEDIUM", group=group, order=3,
                         doc="Whether the configured predicate should be negated."))
    predicate = sub_props.get("predicate")
    predicate_errors = []
    if predicate and predicate not in predicates:
        predicate_errors.append(str(config_error(prefix + "predicate", predicate,
                                                 f"Predicate {predicate} is not listed in 'predicates'")))
    out.values[prefix + "predicate"] = _value(prefix + "predicate", predicate, predicate_errors)
    negate_errors: list[str] = []
    negate = sub_props.get("negate", "false")
    try:
        parsed = parse_type(prefix + "negate", negate, "BOOLEAN")
        negate = "true" if parsed else "false"
    except ConfigError as error:
        negate_errors.append(str(error))
    out.values[prefix + "negate"] = _value(prefix + "negate", negate, negate_errors)
    return 4


def _embed(out: Enrichment, model: Any, sub_props: Mapping[str, str], prefix: str, *, group: str | None = None,
           order: int = 0) -> None:
    """Kafka's ``ConfigDef.embed``: the plugin's keys under ``prefix``; ``group`` (if given) replaces theirs."""
    for info in config_keys(model):
        info["name"] = prefix + info["name"]
        if group is not None:
            info["group"] = group
            info["order_in_group"] = order
            order += 1
        out.keys.append(info)
    for value in validate_config(model, sub_props):
        value["name"] = prefix + value["name"]
        out.values[value["name"]] = value


def _converter_section(out: Enrichment, props: Mapping[str, str], key: str, converter_type: str) -> None:
    name = props.get(key)
    if name is None or not name.strip():
        return
    plugin_type = PluginType.HEADER_CONVERTER if converter_type == "header" else PluginType.CONVERTER
    cls = _checked(key, name, plugin_type, out.class_errors.setdefault(key, []))
    if cls is None:
        return
    model = getattr(cls, "config_model", None)
    if model is None:
        return
    prefix = key + "."
    sub_props = {k[len(prefix):]: v for k, v in props.items() if k.startswith(prefix)}
    sub_props.setdefault("converter.type", converter_type)
    for info in config_keys(model):
        if info["group"] and info["group"] not in out.groups:
            out.groups.append(info["group"])
    _embed(out, model, sub_props, prefix)
    roots = worker_file_roots()
    for name in getattr(cls, "file_keys", ()):
        if (value := out.values.get(prefix + name)) is not None:
            roots.check_value([value], prefix + name, props.get(prefix + name))
