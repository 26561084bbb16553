"""The plugin manifest: every Kafka class name and alias -> a lazily imported ``"module:Class"``.

Nothing is imported until a plugin is first used (an S3 sink function never imports SQLAlchemy); a new plugin is its
module plus one line here (converters, SMTs and predicates are listed beside their packages, which cannot import
the runtime). Trust boundary: a REST body may only *name* a plugin of this manifest or one the worker configuration
adds (``runtime/plugin_path.py``); a ``"module:attr"`` string from it is never imported. ``check``/``load_as``
verify the plugin type before anything is imported, with Kafka's messages. Versions (KIP-891): a lookup takes the
``*.plugin.version`` value (none or ``latest``: the newest; a range, ``runtime/version_range.py``: the newest inside
it, else ``VersionedPluginLoadingError`` with Kafka's message; docs/architecture.md, "Plugin versions").
"""

from __future__ import annotations

import enum
import functools
import importlib
import importlib.util
import logging
import os
import sys
from dataclasses import dataclass
from typing import Any

from connect_core.api.config import config_error
from connect_core.api.errors import ConfigError, NotFoundError
from connect_core.api.version import package_version
from connect_core.converters import CONVERTERS, HEADER_CONVERTERS
from connect_core.runtime import env, plugin_isolation, plugin_path
from connect_core.runtime.file_roots import worker_file_roots
from connect_core.runtime.version_range import ArtifactVersion, requirement
from connect_core.transforms._registry import DEBEZIUM_VERSION, PREDICATES, TRANSFORMATIONS, VERSIONS
from connect_core.transforms._registry import load as import_target

__all__ = [
    "CONNECTOR_VERSION_CONFIG", "PLUGIN_VERSION_SUFFIX", "PluginDesc", "PluginType", "VersionedPluginLoadingError",
    "available_versions", "check", "describe", "find", "load", "load_as", "plugin_modules", "plugins",
]


class PluginType(enum.Enum):
    """Kafka's ``PluginType`` names as the REST API prints them (lower case)."""

    SOURCE = "source"
    SINK = "sink"
    CONVERTER = "converter"
    HEADER_CONVERTER = "header_converter"
    TRANSFORMATION = "transformation"
    PREDICATE = "predicate"


log = logging.getLogger(__name__)

PLUGIN_VERSION_SUFFIX = ".plugin.version"  # Kafka's WorkerConfig.PLUGIN_VERSION_SUFFIX, after the class key's prefix
CONNECTOR_VERSION_CONFIG = "connector.plugin.version"

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
    "io.debezium.connector.jdbc.JdbcSinkConnector":
        (PluginType.SINK, _CONNECTORS + "debezium_jdbc.sink_connector:DebeziumJdbcSinkConnector"),
    "org.apache.iceberg.connect.IcebergSinkConnector":
        (PluginType.SINK, _CONNECTORS + "iceberg.sink_connector:IcebergSinkConnector"),
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
    location: str = ""  # an isolated location (runtime/plugin_isolation.py); empty: importable from sys.path

    @property
    def plugin_version(self) -> str:
        """The version this plugin is listed, selected and reported with."""
        return self.version or package_version()

    def info(self) -> dict[str, str]:
        """Kafka REST ``PluginInfo``."""
        return {"class": self.class_name, "type": self.type.value, "version": self.plugin_version}


class VersionedPluginLoadingError(ConfigError):
    """Kafka's ``VersionedPluginLoadingException``: no installed version of the plugin satisfies the range."""

    def __init__(self, message: str, available: list[str]) -> None:
        """``available`` lists the installed versions (the validation's recommended values)."""
        super().__init__(message)
        self.available = available


def _kafka_order(left: PluginDesc, right: PluginDesc) -> int:
    """Kafka's ``PluginDesc.compareTo`` within one class: by version, a shared plugin before an isolated one of the
    same version, then by location."""
    result = ArtifactVersion(left.plugin_version).compare(ArtifactVersion(right.plugin_version))
    if result:
        return result
    if bool(left.location) != bool(right.location):
        return 1 if left.location else -1
    return (left.location > right.location) - (left.location < right.location)


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
        # an alias another class already holds stays that class's (Debezium's JdbcSinkConnector: Confluent's)
        aliases = tuple(a for a in _aliases(class_name, plugin_type) if a not in by_name)
        desc = PluginDesc(class_name, plugin_type, target, aliases, (versions or {}).get(class_name, ""))
        by_class[class_name] = desc
        by_name[class_name] = desc
        for alias in desc.aliases:
            by_name.setdefault(alias, desc)
    return by_class, by_name


# other projects' SMTs carry their jar's version, and so does Debezium's JDBC sink (its Versioned.version())
_BY_CLASS, _BY_NAME = _build(_MANIFEST, {**VERSIONS,
                                        "io.debezium.connector.jdbc.JdbcSinkConnector": DEBEZIUM_VERSION})

# The API base class each plugin type must subclass: (module, class, Kafka's interface name).
_BASES: dict[PluginType, tuple[str, str, str]] = {
    PluginType.SOURCE: ("connect_core.api.connector", "SourceConnector", "Connector"),
    PluginType.SINK: ("connect_core.api.connector", "SinkConnector", "Connector"),
    PluginType.CONVERTER: ("connect_core.api.converter", "Converter", "Converter"),
    PluginType.HEADER_CONVERTER: ("connect_core.api.converter", "HeaderConverter", "HeaderConverter"),
    PluginType.TRANSFORMATION: ("connect_core.api.transformation", "Transformation", "Transformation"),
    PluginType.PREDICATE: ("connect_core.api.transformation", "Predicate", "Predicate"),
}
_worker_cache: tuple[tuple[str, ...], dict[str, list[PluginDesc]], dict[str, PluginDesc]] = ((), {}, {})


def _base(plugin_type: PluginType) -> type:
    module_name, class_name, _ = _BASES[plugin_type]
    return getattr(importlib.import_module(module_name), class_name)


def _plugin_path_listing() -> tuple[str, ...]:
    """What the plugin path directories hold now: a new isolated location changes the registry's cache key."""
    listing: list[str] = []
    for root in plugin_path.plugin_path_dirs():
        try:
            listing += sorted(os.listdir(root))
        except OSError:
            continue
    return tuple(listing)


def _worker_plugins() -> tuple[dict[str, list[PluginDesc]], dict[str, PluginDesc]]:
    """Plugins the worker configuration adds (trusted: imported here to learn their type): every version of each
    class, oldest first, and the newest by class name and alias."""
    global _worker_cache
    plugin_path.extend_sys_path()  # first: the key is the path the plugins are read from
    key = (env.resolve(env.PLUGINS, ""), env.resolve(env.PLUGIN_PATH, ""), *sys.path, "\0", *_plugin_path_listing())
    if key == _worker_cache[0]:
        return _worker_cache[1], _worker_cache[2]
    by_class: dict[str, list[PluginDesc]] = {}
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
        desc = PluginDesc(plugin.class_name, plugin_type, plugin.target, _aliases(plugin.class_name, plugin_type),
                          plugin.version, plugin.location)
        by_class.setdefault(plugin.class_name, []).append(desc)
    by_name: dict[str, PluginDesc] = {}
    for class_name, descs in by_class.items():
        descs.sort(key=functools.cmp_to_key(_kafka_order))
        by_name[class_name] = descs[-1]
        for alias in descs[-1].aliases:
            by_name.setdefault(alias, descs[-1])
    _worker_cache = (key, by_class, by_name)
    return by_class, by_name


def _plugin_type(plugin: plugin_path.WorkerPlugin) -> PluginType:
    """Import a worker plugin's class (trusted: the worker's own configuration) to learn which kind it is."""
    where = f"entry point {plugin.class_name} of {plugin.distribution}" if plugin.distribution else env.PLUGINS
    if ":" not in plugin.target:
        raise ConfigError(f"{where}: {plugin.target} is not a 'module:Class' reference")
    cls = plugin_isolation.load(plugin.location, plugin.target) if plugin.location else import_target(plugin.target)
    plugin_type = next((t for t in PluginType if isinstance(cls, type) and issubclass(cls, _base(t))), None)
    if plugin_type is None:
        raise ConfigError(f"{where}: {plugin.target} is not a connector, converter, transformation or predicate")
    return plugin_type


def _offered(desc: PluginDesc) -> bool:
    """False for the FileStream connectors on a worker without file roots."""
    if desc.class_name not in _HOST_FILE_PLUGINS:
        return True
    return bool(worker_file_roots())


def _versions(name: str, *, every: bool = True) -> list[PluginDesc]:
    """Every installed version of the class ``name`` (class name or alias) names, oldest first.

    ``every=False`` answers a built-in name from the manifest alone, without reading the worker's plugins (a cold
    start's lookups): a plugin package that installs a class of the same name is then only seen when a version is
    asked for or plugins are listed.
    """
    key = name.strip()
    builtin = _BY_NAME.get(key)
    if builtin is not None and not every:
        return [builtin] if _offered(builtin) else []
    by_class, by_name = _worker_plugins()
    named = builtin or by_name.get(key)
    if named is None:
        return []
    builtin = _BY_CLASS.get(named.class_name)
    descs = [d for d in [*([builtin] if builtin else []), *by_class.get(named.class_name, [])] if _offered(d)]
    return sorted(descs, key=functools.cmp_to_key(_kafka_order))


def available_versions(name: str) -> list[str]:
    """The installed versions of a plugin, oldest first, as Kafka lists them (a converter that is also a header
    converter once per kind); empty for an unknown plugin."""
    listed: list[str] = []
    for desc in _versions(name):
        listed += [desc.plugin_version] * (2 if _is_both_converters(desc) else 1)
    return listed


def describe(name: str, version: str | None = None) -> PluginDesc:
    """The plugin for a Kafka class name or alias, in the newest installed version inside ``version`` (a
    ``*.plugin.version`` value; None or ``latest``: the newest).

    Raises:
        NotFoundError: Kafka's "Unknown plugin X." for a name nothing installs.
        InvalidVersionSpecification: ``version`` is not a version range.
        VersionedPluginLoadingError: no installed version is inside the range.
    """
    wanted = requirement(version)
    descs = _versions(name, every=wanted is not None)
    if not descs:
        raise NotFoundError(f"Unknown plugin {name}.")
    if wanted is None:
        return descs[-1]
    inside = [desc for desc in descs if wanted.contains(desc.plugin_version)]
    if not inside:
        available = available_versions(name)
        raise VersionedPluginLoadingError(
            f"Plugin {descs[-1].class_name} not found that matches the version range {wanted}, available versions: "
            f"[{', '.join(available)}]", available)
    return inside[-1]


def _import(desc: PluginDesc) -> Any:
    return plugin_isolation.load(desc.location, desc.target) if desc.location else import_target(desc.target)


def load(name: str, version: str | None = None) -> Any:
    """Import and return the class of a registered plugin (class name or alias) in the version ``version``
    selects (``describe``); NotFoundError for an unknown plugin."""
    return _import(describe(name, version))


def find(kind: str, name: str, version: str | None = None) -> Any:
    """A registered plugin's class or None (``build_chain``'s resolver; ``kind`` is checked by the chain); a version
    nothing installed satisfies raises ``VersionedPluginLoadingError``."""
    try:
        return load(name, version)
    except NotFoundError:
        return None


def _is_both_converters(desc: PluginDesc) -> bool:
    """A converter that also implements HeaderConverter (JsonConverter, StringConverter, a worker plugin's)."""
    if desc.type is not PluginType.CONVERTER:
        return False
    if desc.class_name in _ALSO_HEADER_CONVERTERS and not desc.location:
        return True
    # A worker plugin (trusted, already imported to learn its type) may implement both converter interfaces.
    if desc.class_name not in _worker_plugins()[0]:
        return False
    return issubclass(_import(desc), _base(PluginType.HEADER_CONVERTER))


def _implements(desc: PluginDesc, types: tuple[PluginType, ...]) -> bool:
    if desc.type in types:
        return True
    return PluginType.HEADER_CONVERTER in types and _is_both_converters(desc)


def check(key: str, name: str, *types: PluginType, version: str | None = None) -> PluginDesc:
    """The registered plugin ``name`` for config ``key`` when it is one of ``types``, in the version ``version``
    selects (``describe``); nothing but worker plugins (already imported to learn their type) is imported.

    Raises:
        ConfigError: Kafka's "Class X could not be found." or "Class X does not implement the Y interface"; the
            version errors of ``describe``.
    """
    value = name.strip()
    try:
        desc = describe(value)
    except NotFoundError:
        raise config_error(key, value, f"Class {value} could not be found.") from None
    if not _implements(desc, types):
        interface = _BASES[types[0]][2]
        raise config_error(key, value, f"Class {desc.class_name} does not implement the {interface} interface")
    return desc if version is None else describe(value, version)


def load_as(key: str, name: str, *types: PluginType, version: str | None = None) -> Any:
    """``check``, then import the class and verify it subclasses the type's API base class; not instantiated."""
    desc = check(key, name, *types, version=version)
    cls = _import(desc)
    if not (isinstance(cls, type) and any(issubclass(cls, _base(t)) for t in types)):
        raise config_error(key, name.strip(),
                           f"Class {desc.class_name} does not implement the {_BASES[types[0]][2]} interface")
    return cls


def plugins(types: tuple[PluginType, ...] | None = None) -> list[PluginDesc]:
    """Every plugin of the given types; a converter that is also a header converter is listed under both."""
    listed: list[PluginDesc] = []
    worker = _worker_plugins()[0]
    for class_name in dict.fromkeys([*_BY_CLASS, *worker]):
        if _is_abstract(class_name):
            continue
        for desc in _versions(class_name):
            if types is None or desc.type in types:
                listed.append(desc)
            if _is_both_converters(desc) and (types is None or PluginType.HEADER_CONVERTER in types):
                listed.append(PluginDesc(desc.class_name, PluginType.HEADER_CONVERTER, desc.target, desc.aliases,
                                         desc.version, desc.location))
    return listed


def plugin_modules(name: str) -> list[str]:
    """The Python modules of the plugin class ``name`` or of every plugin in the Java package ``name``, sorted
    (how ``/admin/loggers`` finds the Python logger of a Kafka logger name)."""
    descs = [*_BY_CLASS.values(), *(d for versions in _worker_plugins()[0].values() for d in versions)]
    return sorted({desc.target.split(":", 1)[0] for desc in descs
                   if desc.class_name == name or desc.class_name.startswith((name + ".", name + "$"))})


def _is_abstract(class_name: str) -> bool:
    """SMTs with ``$Key``/``$Value`` variants are abstract in Kafka and not listed (but resolve, for its error)."""
    return f"{class_name}$Key" in _BY_CLASS or f"{class_name}$Value" in _BY_CLASS


def is_available(desc: PluginDesc) -> bool:
    """Whether the plugin's module is present in this build (a function may ship a subset)."""
    if desc.location:  # imported already, to learn its type
        return True
    module_name = desc.target.partition(":")[0]
    return importlib.util.find_spec(module_name) is not None
