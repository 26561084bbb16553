"""The plugin manifest: every Kafka class name and alias -> a lazily imported ``"module:Class"``.

An S3 sink function never imports SQLAlchemy because nothing is imported until a plugin is first used. A new
plugin is its module plus one line here (converters, SMTs and predicates are listed beside their packages, in
``connect_core.converters`` and ``connect_core.transforms._registry``, which cannot import the runtime).

Trust boundary: a connector config (a REST body) may only *name* a plugin of this manifest or one the worker
configuration adds (``runtime/plugin_path.py``: ``LAMBDA_CONNECT_PLUGINS`` and the ``lambda_connect.plugins``
entry points of installed plugin packages, Kafka's ``plugin.path``); a ``"module:attr"`` string in a REST body is
never imported. ``check``/``load_as`` verify the plugin type a key expects before anything is imported or
instantiated, with Kafka's messages ("Class X could not be found." / "... does not implement the Y interface").
"""

from __future__ import annotations

import enum
import importlib
import importlib.util
import logging
import sys
from dataclasses import dataclass
from typing import Any

from connect_core.api.config import config_error
from connect_core.api.errors import ConfigError, NotFoundError
from connect_core.api.version import package_version
from connect_core.converters import CONVERTERS, HEADER_CONVERTERS
from connect_core.runtime import env, plugin_path
from connect_core.runtime.file_roots import worker_file_roots
from connect_core.transforms._registry import PREDICATES, TRANSFORMATIONS
from connect_core.transforms._registry import load as import_target

__all__ = ["PluginDesc", "PluginType", "check", "describe", "find", "load", "load_as", "plugin_modules", "plugins"]


class PluginType(enum.Enum):
    """Kafka's ``PluginType`` names as the REST API prints them (lower case)."""

    SOURCE = "source"
    SINK = "sink"
    CONVERTER = "converter"
    HEADER_CONVERTER = "header_converter"
    TRANSFORMATION = "transformation"
    PREDICATE = "predicate"


log = logging.getLogger(__name__)

_CONNECTORS = "connect_core.connectors."

# class name -> (type, "module:Class")
_MANIFEST: dict[str, tuple[PluginType, str]] = {
    "io.confluent.connect.jdbc.JdbcSourceConnector":
        (PluginType.SOURCE, _CONNECTORS + "jdbc.source_connector:JdbcSourceConnector"),
    "io.confluent.connect.jdbc.JdbcSinkConnector":
        (PluginType.SINK, _CONNECTORS + "jdbc.sink_connector:JdbcSinkConnector"),
    "io.confluent.connect.s3.S3SinkConnector":
        (PluginType.SINK, _CONNECTORS + "s3.sink_connector:S3SinkConnector"),
    "io.confluent.connect.s3.source.S3SourceConnector":
        (PluginType.SOURCE, _CONNECTORS + "s3_source.source_connector:S3SourceConnector"),
    "io.confluent.connect.elasticsearch.ElasticsearchSinkConnector":
        (PluginType.SINK, _CONNECTORS + "elasticsearch.sink_connector:ElasticsearchSinkConnector"),
    "io.confluent.connect.http.HttpSinkConnector":
        (PluginType.SINK, _CONNECTORS + "http.sink_connector:HttpSinkConnector"),
    "io.confluent.kafka.connect.datagen.DatagenConnector":
        (PluginType.SOURCE, _CONNECTORS + "datagen.source_connector:DatagenConnector"),
    "io.debezium.connector.mysql.MySqlConnector":
        (PluginType.SOURCE, _CONNECTORS + "binlog.source_connector:MySqlConnector"),
    "io.debezium.connector.mariadb.MariaDbConnector":
        (PluginType.SOURCE, _CONNECTORS + "binlog.source_connector:MariaDbConnector"),
    "org.apache.kafka.connect.mirror.MirrorSourceConnector":
        (PluginType.SOURCE, _CONNECTORS + "mirror.source_connector:MirrorSourceConnector"),
    "org.apache.kafka.connect.mirror.MirrorCheckpointConnector":
        (PluginType.SOURCE, _CONNECTORS + "mirror.checkpoint_connector:MirrorCheckpointConnector"),
    "org.apache.kafka.connect.mirror.MirrorHeartbeatConnector":
        (PluginType.SOURCE, _CONNECTORS + "mirror.heartbeat_connector:MirrorHeartbeatConnector"),
    "io.debezium.connector.postgresql.PostgresConnector":
        (PluginType.SOURCE, _CONNECTORS + "postgres.source_connector:PostgresConnector"),
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
# Plugins that read or write host files: offered only when the worker has file roots (runtime/file_roots.py), as
# Kafka 3.2+ leaves connect-file off the default plugin path.
_HOST_FILE_PLUGINS = frozenset({"org.apache.kafka.connect.file.FileStreamSourceConnector",
                                "org.apache.kafka.connect.file.FileStreamSinkConnector"})
# Converters that implement HeaderConverter too, as in Kafka (JsonConverter, StringConverter, ...).
_ALSO_HEADER_CONVERTERS = frozenset(name for name in CONVERTERS if name in HEADER_CONVERTERS and "." in name)


@dataclass(frozen=True, slots=True)
class PluginDesc:
    """One plugin: Kafka's ``PluginInfo`` plus where its Python class lives."""

    class_name: str
    type: PluginType
    target: str
    aliases: tuple[str, ...]
    version: str = ""  # empty: the package's version, looked up when first shown (importlib.metadata is slow)

    def info(self) -> dict[str, str]:
        """Kafka REST ``PluginInfo``."""
        return {"class": self.class_name, "type": self.type.value, "version": self.version or package_version()}


def _aliases(class_name: str, plugin_type: PluginType) -> tuple[str, ...]:
    """Kafka's rule: the simple class name, and for connectors also without the ``Connector`` suffix."""
    simple = class_name.rsplit(":", 1)[-1].rsplit(".", 1)[-1]  # a worker plugin's "module:Class" too
    names = [simple]
    if plugin_type in (PluginType.SOURCE, PluginType.SINK) and simple.endswith("Connector"):
        names.append(simple[: -len("Connector")])
    return tuple(names)


def _build(manifest: dict[str, tuple[PluginType, str]], versions: dict[str, str] | None = None,
           ) -> tuple[dict[str, PluginDesc], dict[str, PluginDesc]]:
    by_class: dict[str, PluginDesc] = {}
    by_name: dict[str, PluginDesc] = {}
    for class_name, (plugin_type, target) in manifest.items():
        desc = PluginDesc(class_name, plugin_type, target, _aliases(class_name, plugin_type),
                          (versions or {}).get(class_name, ""))
        by_class[class_name] = desc
        by_name[class_name] = desc
        for alias in desc.aliases:
            by_name.setdefault(alias, desc)
    return by_class, by_name


_BY_CLASS, _BY_NAME = _build(_MANIFEST)

# The API base class each plugin type must subclass: (module, class, Kafka's interface name).
_BASES: dict[PluginType, tuple[str, str, str]] = {
    PluginType.SOURCE: ("connect_core.api.connector", "SourceConnector", "Connector"),
    PluginType.SINK: ("connect_core.api.connector", "SinkConnector", "Connector"),
    PluginType.CONVERTER: ("connect_core.api.converter", "Converter", "Converter"),
    PluginType.HEADER_CONVERTER: ("connect_core.api.converter", "HeaderConverter", "HeaderConverter"),
    PluginType.TRANSFORMATION: ("connect_core.api.transformation", "Transformation", "Transformation"),
    PluginType.PREDICATE: ("connect_core.api.transformation", "Predicate", "Predicate"),
}
_worker_cache: tuple[tuple[str, ...], dict[str, PluginDesc], dict[str, PluginDesc]] = ((), {}, {})


def _base(plugin_type: PluginType) -> type:
    module_name, class_name, _ = _BASES[plugin_type]
    return getattr(importlib.import_module(module_name), class_name)


def _worker_plugins() -> tuple[dict[str, PluginDesc], dict[str, PluginDesc]]:
    """Plugins the worker configuration adds (trusted: imported here to learn their type), by class and by name."""
    global _worker_cache
    plugin_path.extend_sys_path()  # first: the key is the path the plugins are read from
    key = (env.resolve(env.PLUGINS, ""), env.resolve(env.PLUGIN_PATH, ""), *sys.path)
    if key == _worker_cache[0]:
        return _worker_cache[1], _worker_cache[2]
    manifest: dict[str, tuple[PluginType, str]] = {}
    versions: dict[str, str] = {}
    for plugin in plugin_path.worker_plugins():
        try:
            plugin_type = _plugin_type(plugin)
        except Exception:
            if not plugin.distribution:  # the worker named it: its configuration is wrong
                raise
            # an installed package's broken entry point must not take the other plugins down (Kafka logs a plugin
            # it cannot load and goes on scanning)
            log.error("plugin %s of the installed package %s cannot be loaded; it is not offered", plugin.class_name,
                      plugin.distribution, exc_info=True)
            continue
        manifest[plugin.class_name] = (plugin_type, plugin.target)
        versions[plugin.class_name] = plugin.version
    by_class, by_name = _build(manifest, versions)
    _worker_cache = (key, by_class, by_name)
    return by_class, by_name


def _plugin_type(plugin: plugin_path.WorkerPlugin) -> PluginType:
    """Import a worker plugin's class (trusted: the worker's own configuration) to learn which kind it is."""
    where = f"entry point {plugin.class_name} of {plugin.distribution}" if plugin.distribution else env.PLUGINS
    if ":" not in plugin.target:
        raise ConfigError(f"{where}: {plugin.target} is not a 'module:Class' reference")
    cls = import_target(plugin.target)
    plugin_type = next((t for t in PluginType if isinstance(cls, type) and issubclass(cls, _base(t))), None)
    if plugin_type is None:
        raise ConfigError(f"{where}: {plugin.target} is not a connector, converter, transformation or predicate")
    return plugin_type


def _offered(desc: PluginDesc) -> bool:
    """False for the FileStream connectors on a worker without file roots."""
    if desc.class_name not in _HOST_FILE_PLUGINS:
        return True
    return bool(worker_file_roots())


def describe(name: str) -> PluginDesc:
    """The plugin for a Kafka class name or alias; NotFoundError with Kafka's message otherwise."""
    key = name.strip()
    desc = _BY_NAME.get(key) or _worker_plugins()[1].get(key)
    if desc is None or not _offered(desc):
        raise NotFoundError(f"Unknown plugin {name}.")
    return desc


def load(name: str) -> Any:
    """Import and return the class of a registered plugin (class name or alias); NotFoundError otherwise."""
    return import_target(describe(name).target)


def find(kind: str, name: str) -> Any:
    """A registered plugin's class or None (``build_chain``'s resolver; ``kind`` is checked by the chain)."""
    try:
        return load(name)
    except NotFoundError:
        return None


def _implements(desc: PluginDesc, types: tuple[PluginType, ...]) -> bool:
    if desc.type in types:
        return True
    if PluginType.HEADER_CONVERTER not in types or desc.type is not PluginType.CONVERTER:
        return False
    if desc.class_name in _ALSO_HEADER_CONVERTERS:
        return True
    # A worker plugin (trusted, already imported to learn its type) may implement both converter interfaces.
    header_converter = _base(PluginType.HEADER_CONVERTER)
    return desc.class_name in _worker_plugins()[0] and issubclass(import_target(desc.target), header_converter)


def check(key: str, name: str, *types: PluginType) -> PluginDesc:
    """The registered plugin ``name`` for config ``key`` when it is one of ``types``; nothing is imported.

    Raises:
        ConfigError: Kafka's "Class X could not be found." or "Class X does not implement the Y interface".
    """
    value = name.strip()
    try:
        desc = describe(value)
    except NotFoundError:
        raise config_error(key, value, f"Class {value} could not be found.") from None
    if not _implements(desc, types):
        interface = _BASES[types[0]][2]
        raise config_error(key, value, f"Class {desc.class_name} does not implement the {interface} interface")
    return desc


def load_as(key: str, name: str, *types: PluginType) -> Any:
    """``check``, then import the class and verify it subclasses the type's API base class; not instantiated."""
    desc = check(key, name, *types)
    cls = import_target(desc.target)
    if not (isinstance(cls, type) and any(issubclass(cls, _base(t)) for t in types)):
        raise config_error(key, name.strip(),
                           f"Class {desc.class_name} does not implement the {_BASES[types[0]][2]} interface")
    return cls


def plugins(types: tuple[PluginType, ...] | None = None) -> list[PluginDesc]:
    """Every plugin of the given types; a converter that is also a header converter is listed under both."""
    listed: list[PluginDesc] = []
    for desc in [*_BY_CLASS.values(), *_worker_plugins()[0].values()]:
        if _is_abstract(desc.class_name) or not _offered(desc):
            continue
        if types is None or desc.type in types:
            listed.append(desc)
        if desc.class_name in _ALSO_HEADER_CONVERTERS and (types is None or PluginType.HEADER_CONVERTER in types):
            listed.append(PluginDesc(desc.class_name, PluginType.HEADER_CONVERTER, desc.target, desc.aliases))
    return listed


def plugin_modules(name: str) -> list[str]:
    """The Python modules of the plugin class ``name`` or of every plugin in the Java package ``name``, sorted
    (how ``/admin/loggers`` finds the Python logger of a Kafka logger name)."""
    descs = [*_BY_CLASS.values(), *_worker_plugins()[0].values()]
    return sorted({desc.target.split(":", 1)[0] for desc in descs
                   if desc.class_name == name or desc.class_name.startswith((name + ".", name + "$"))})


def _is_abstract(class_name: str) -> bool:
    """SMTs with ``$Key``/``$Value`` variants are abstract in Kafka and not listed (but resolve, for its error)."""
    return f"{class_name}$Key" in _BY_CLASS or f"{class_name}$Value" in _BY_CLASS


def is_available(desc: PluginDesc) -> bool:
    """Whether the plugin's module is present in this build (a function may ship a subset)."""
    module_name = desc.target.partition(":")[0]
    return importlib.util.find_spec(module_name) is not None
