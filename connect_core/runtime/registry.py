"""The plugin manifest: every Kafka class name and alias -> a lazily imported ``"module:Class"``.

An S3 sink function never imports SQLAlchemy because nothing is imported until a plugin is first used. A new
plugin is its module plus one line here (converters, SMTs and predicates are listed beside their packages, in
``connect_core.converters`` and ``connect_core.transforms._registry``, which cannot import the runtime).
"""

from __future__ import annotations

import enum
import importlib
import importlib.util
from dataclasses import dataclass, field
from typing import Any

from connect_core.api.errors import NotFoundError
from connect_core.api.version import package_version
from connect_core.converters import CONVERTERS, HEADER_CONVERTERS
from connect_core.transforms._registry import PREDICATES, TRANSFORMATIONS

__all__ = ["PluginDesc", "PluginType", "describe", "load", "plugins"]



class PluginType(enum.Enum):
    """Kafka's ``PluginType`` names as the REST API prints them (lower case)."""

    SOURCE = "source"
    SINK = "sink"
    CONVERTER = "converter"
    HEADER_CONVERTER = "header_converter"
    TRANSFORMATION = "transformation"
    PREDICATE = "predicate"


_CONNECTORS = "connect_core.connectors."

# class name -> (type, "module:Class")
_MANIFEST: dict[str, tuple[PluginType, str]] = {
    "io.confluent.connect.jdbc.JdbcSourceConnector":
        (PluginType.SOURCE, _CONNECTORS + "jdbc.source_connector:JdbcSourceConnector"),
    "io.confluent.connect.jdbc.JdbcSinkConnector":
        (PluginType.SINK, _CONNECTORS + "jdbc.sink_connector:JdbcSinkConnector"),
    "io.confluent.connect.s3.S3SinkConnector":
        (PluginType.SINK, _CONNECTORS + "s3.sink_connector:S3SinkConnector"),
    "io.confluent.connect.elasticsearch.ElasticsearchSinkConnector":
        (PluginType.SINK, _CONNECTORS + "elasticsearch.sink_connector:ElasticsearchSinkConnector"),
    "org.apache.kafka.connect.file.FileStreamSourceConnector":
        (PluginType.SOURCE, _CONNECTORS + "file.source_connector:FileStreamSourceConnector"),
    "org.apache.kafka.connect.file.FileStreamSinkConnector":
        (PluginType.SINK, _CONNECTORS + "file.sink_connector:FileStreamSinkConnector"),
    **{name: (PluginType.CONVERTER, target) for name, target in CONVERTERS.items() if "." in name},
    **{name: (PluginType.HEADER_CONVERTER, target) for name, target in HEADER_CONVERTERS.items()
       if "." in name and name not in CONVERTERS},
    **{name: (PluginType.TRANSFORMATION, target) for name, target in TRANSFORMATIONS.items()},
    **{name: (PluginType.PREDICATE, target) for name, target in PREDICATES.items()},
}
# Converters that implement HeaderConverter too, as in Kafka (JsonConverter, StringConverter, ...).
_ALSO_HEADER_CONVERTERS = frozenset(name for name in CONVERTERS if name in HEADER_CONVERTERS and "." in name)


@dataclass(frozen=True, slots=True)
class PluginDesc:
    """One plugin: Kafka's ``PluginInfo`` plus where its Python class lives."""

    class_name: str
    type: PluginType
    target: str
    aliases: tuple[str, ...]
    version: str = field(default_factory=package_version)

    def info(self) -> dict[str, str]:
        """Kafka REST ``PluginInfo``."""
        return {"class": self.class_name, "type": self.type.value, "version": self.version}


def _aliases(class_name: str, plugin_type: PluginType) -> tuple[str, ...]:
    """Kafka's rule: the simple class name, and for connectors also without the ``Connector`` suffix."""
    simple = class_name.rsplit(".", 1)[-1]
    names = [simple]
    if plugin_type in (PluginType.SOURCE, PluginType.SINK) and simple.endswith("Connector"):
        names.append(simple[: -len("Connector")])
    return tuple(names)


def _build() -> tuple[dict[str, PluginDesc], dict[str, PluginDesc]]:
    by_class: dict[str, PluginDesc] = {}
    by_name: dict[str, PluginDesc] = {}
    for class_name, (plugin_type, target) in _MANIFEST.items():
        desc = PluginDesc(class_name, plugin_type, target, _aliases(class_name, plugin_type))
        by_class[class_name] = desc
        by_name[class_name] = desc
        for alias in desc.aliases:
            by_name.setdefault(alias, desc)
    return by_class, by_name


_BY_CLASS, _BY_NAME = _build()


def describe(name: str) -> PluginDesc:
    """The plugin for a Kafka class name or alias; NotFoundError with Kafka's message otherwise."""
    desc = _BY_NAME.get(name.strip())
    if desc is None:
        raise NotFoundError(f"Unknown plugin {name}.")
    return desc


def load(name: str) -> Any:
    """Import and return the plugin class for a class name, alias, or a ``"module:Class"`` string."""
    target = name if ":" in name and name not in _BY_NAME else describe(name).target
    module_name, _, attr_path = target.partition(":")
    obj: Any = importlib.import_module(module_name)
    for part in attr_path.split("."):
        obj = getattr(obj, part)
    return obj


def plugins(types: tuple[PluginType, ...] | None = None) -> list[PluginDesc]:
    """Every plugin of the given types; a converter that is also a header converter is listed under both."""
    listed: list[PluginDesc] = []
    for desc in _BY_CLASS.values():
        if _is_abstract(desc.class_name):
            continue
        if types is None or desc.type in types:
            listed.append(desc)
        if desc.class_name in _ALSO_HEADER_CONVERTERS and (types is None or PluginType.HEADER_CONVERTER in types):
            listed.append(PluginDesc(desc.class_name, PluginType.HEADER_CONVERTER, desc.target, desc.aliases))
    return listed


def _is_abstract(class_name: str) -> bool:
    """SMTs with ``$Key``/``$Value`` variants are abstract in Kafka and not listed (but resolve, for its error)."""
    return f"{class_name}$Key" in _BY_CLASS or f"{class_name}$Value" in _BY_CLASS


def is_available(desc: PluginDesc) -> bool:
    """Whether the plugin's module is present in this build (a function may ship a subset)."""
    module_name = desc.target.partition(":")[0]
    return importlib.util.find_spec(module_name) is not None
