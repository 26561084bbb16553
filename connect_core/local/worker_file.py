"""A Kafka Connect worker's ``.properties`` file (``connect-standalone.properties``, ``connect-distributed.properties``)
read into what ``lambda-connect up`` takes: its arguments and ``LAMBDA_CONNECT_*`` environment variables.

Each key a Kafka 4.x worker knows is either mapped, accepted without effect (it tunes a JVM worker's internals, such as
rebalancing or the offset flush interval, that have no counterpart here), or refused by name when honouring it is not
possible (a JKS truststore, a Kerberos login). Keys a Kafka worker does not know are logged as Kafka's
``AbstractConfig`` logs them, and ignored.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final
from urllib.parse import urlsplit

from connect_core.api.config import parse_type
from connect_core.api.errors import ConfigError
from connect_core.local.basic_auth import read_java_properties
from connect_core.runtime import env
from connect_core.runtime.client_overrides import ALLOWLIST_CONFIG, POLICY_CONFIG, OverridePolicy
from connect_core.runtime.connector_config import (
    DEFAULT_HEADER_CONVERTER,
    DEFAULT_KEY_CONVERTER,
    DEFAULT_VALUE_CONVERTER,
)
from connect_core.storage.config import DEFAULT_OFFSET_PARTITIONS, DEFAULT_STATUS_PARTITIONS

__all__ = ["BASIC_AUTH_EXTENSION", "WorkerFile", "WorkerFileError", "read_worker_file"]

log = logging.getLogger("lambda-connect")

BASIC_AUTH_EXTENSION: Final = "org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension"
DEFAULT_LISTENER: Final = "http://:8083"  # RestServerConfig's default
CONVERTERS: Final = {"key.converter": DEFAULT_KEY_CONVERTER, "value.converter": DEFAULT_VALUE_CONVERTER,
                     "header.converter": DEFAULT_HEADER_CONVERTER}
# Kafka's own jar of the FileStream connectors; a plugin.path entry naming it means our built-in FileStream connectors.
_FILE_CONNECTOR_JAR = re.compile(r"connect-file(-[0-9][^/]*)?\.jar$")
# Worker keys with no counterpart here (rebalancing, inter-worker signing, JVM metrics, flush tuning): accepted.
NO_EFFECT: Final = frozenset({
    "offset.flush.interval.ms", "offset.flush.timeout.ms", "task.shutdown.graceful.timeout.ms", "plugin.discovery",
    "metrics.sample.window.ms", "metrics.num.samples", "metrics.recording.level", "metric.reporters",
    "topic.tracking.enable", "topic.tracking.allow.reset", "client.dns.lookup",
    "session.timeout.ms", "rebalance.timeout.ms", "heartbeat.interval.ms", "worker.sync.timeout.ms",
    "worker.unsync.backoff.ms", "connect.protocol", "scheduled.rebalance.max.delay.ms",
    "inter.worker.key.generation.algorithm", "inter.worker.key.size", "inter.worker.key.ttl.ms",
    "inter.worker.signature.algorithm", "inter.worker.verification.algorithms", "metadata.recovery.strategy",
    "metadata.max.age.ms", "client.id", "send.buffer.bytes", "receive.buffer.bytes", "reconnect.backoff.ms",
    "reconnect.backoff.max.ms", "socket.connection.setup.timeout.ms", "socket.connection.setup.timeout.max.ms",
    "retry.backoff.ms", "retry.backoff.max.ms", "request.timeout.ms", "connections.max.idle.ms",
    "rest.advertised.host.name", "rest.advertised.port", "rest.advertised.listener", "response.http.headers.config",
    "access.control.allow.origin", "access.control.allow.methods", "exactly.once.source.support",
})
# Keys mapped below (the rest of the worker keys Kafka knows).
_MAPPED: Final = frozenset({
    "bootstrap.servers", "group.id", "listeners", "admin.listeners", "rest.extension.classes", "plugin.path",
    POLICY_CONFIG, ALLOWLIST_CONFIG, "config.providers", "offset.storage.file.filename",
    "config.storage.topic", "offset.storage.topic", "status.storage.topic", "config.storage.replication.factor",
    "offset.storage.replication.factor", "status.storage.replication.factor", "offset.storage.partitions",
    "status.storage.partitions", "security.protocol", "topic.creation.enable", *CONVERTERS,
})
_STORAGE_TOPICS: Final = {"config.storage.topic": env.CONFIG_TOPIC, "offset.storage.topic": env.OFFSET_TOPIC,
                          "status.storage.topic": env.STATUS_TOPIC}
_PARTITIONS: Final = {"offset.storage.partitions": DEFAULT_OFFSET_PARTITIONS,
                      "status.storage.partitions": DEFAULT_STATUS_PARTITIONS}
_REPLICATION: Final = ("config.storage.replication.factor", "offset.storage.replication.factor",
                       "status.storage.replication.factor")


class WorkerFileError(ValueError):
    """A worker file key lambda-connect cannot honour; the message names it."""


@dataclass(frozen=True)
class WorkerFile:
    """What ``up`` (or ``standalone``) takes from a worker file."""

    environment: dict[str, str] = field(default_factory=dict)  # LAMBDA_CONNECT_* variables to set
    host: str | None = None  # from listeners; None: not given
    port: int | None = None
    converter_defaults: dict[str, str] = field(default_factory=dict)  # key./value./header.converter and keys
    offsets_file: Path | None = None  # standalone's offset.storage.file.filename
    plugins: str | None = None  # plugin.path's plugin packages, for up's ``plugins``
    basic_auth_extension: bool = False  # rest.extension.classes names BasicAuthSecurityRestExtension


def _listener(value: str) -> tuple[str, int]:
    """The (host, port) of the one HTTP listener; an empty host (Kafka: every interface) binds loopback only."""
    listeners = [item.strip() for item in value.split(",") if item.strip()]
    if len(listeners) != 1:
        raise WorkerFileError(f"listeners={value}: lambda-connect serves the REST API on exactly one listener")
    parts = urlsplit(listeners[0])
    if parts.scheme.lower() != "http":
        raise WorkerFileError(f"listeners={value}: only an http:// listener is supported (put TLS in front of it)")
    try:
        port = parts.port or 8083
    except ValueError as error:
        raise WorkerFileError(f"listeners={value}: {error}") from error
    host = parts.hostname or ""
    if host in ("", "0.0.0.0", "::"):
        log.info("listeners=%s: binding 127.0.0.1 only (Kafka would listen on every interface)", value)
        host = "127.0.0.1"
    return host, port


def _jaas_login(value: str) -> dict[str, str]:
    """librdkafka's sasl.username/password from a PLAIN or SCRAM ``sasl.jaas.config``."""
    if not re.search(r"\b(PlainLoginModule|ScramLoginModule)\b", value):
        raise WorkerFileError("sasl.jaas.config: only PlainLoginModule and ScramLoginModule (username/password) are "
                              "supported; for MSK IAM or SCRAM from Secrets Manager use LAMBDA_CONNECT_KAFKA_AUTH")
    options = dict(re.findall(r'(\w+)\s*=\s*"((?:[^"\\]|\\.)*)"', value))
    if "username" not in options or "password" not in options:
        raise WorkerFileError("sasl.jaas.config: the login module needs username=\"...\" and password=\"...\"")
    return {"sasl.username": options["username"], "sasl.password": options["password"]}


def _security(props: dict[str, str]) -> dict[str, str]:
    """Java client security keys as the librdkafka properties of LAMBDA_CONNECT_KAFKA_PROPERTIES."""
    out: dict[str, str] = {}
    if "security.protocol" in props:
        out["security.protocol"] = props["security.protocol"]
    for key, value in props.items():
        if key == "sasl.mechanism":
            if value.upper() not in ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"):
                raise WorkerFileError(f"sasl.mechanism={value}: only PLAIN and SCRAM-SHA-256/512 are supported here")
            out["sasl.mechanism"] = value
        elif key == "sasl.jaas.config":
            out.update(_jaas_login(value))
        elif key == "ssl.truststore.location":
            if props.get("ssl.truststore.type", "JKS").upper() != "PEM":
                raise WorkerFileError("ssl.truststore.location: a JKS or PKCS12 truststore cannot be read by "
                                      "librdkafka; set ssl.truststore.type=PEM and name a PEM file")
            out["ssl.ca.location"] = value
        elif key == "ssl.truststore.certificates":
            out["ssl.ca.pem"] = value
        elif key == "ssl.keystore.location":
            if props.get("ssl.keystore.type", "JKS").upper() != "PKCS12":
                raise WorkerFileError("ssl.keystore.location: only a PKCS12 keystore is supported (librdkafka); "
                                      "set ssl.keystore.type=PKCS12")
            out["ssl.keystore.location"] = value
        elif key in ("ssl.keystore.password", "ssl.key.password"):
            out[key] = value
        elif key == "ssl.endpoint.identification.algorithm":
            out[key] = value or "none"
        elif key in ("ssl.truststore.type", "ssl.keystore.type", "ssl.truststore.password", "ssl.protocol",
                     "ssl.enabled.protocols"):
            continue  # read with their location above, or librdkafka's default (TLS 1.2+) already matches
        elif key.startswith(("ssl.", "sasl.")):
            raise WorkerFileError(f"{key}: this client security setting is not supported by lambda-connect")
    return out


def _converters(props: dict[str, str]) -> dict[str, str]:
    """The worker's converter keys: what connectors that name no converter of their own get (both modes)."""
    return {key: value for key, value in props.items() if key.split(".converter", 1)[0] in ("key", "value", "header")
            and key.partition(".converter")[1] and key.partition(".converter")[2][:1] in ("", ".")}


def _plugin_path(value: str) -> str | None:
    """plugin.path as ``up --plugins``' plugin packages (wheels, Python projects and packages, directories of them).

    Kafka's own FileStream jar is our built-in FileStream connectors; other jars are Java plugins, not loaded, and a
    warning names them (a connector class found only there gets Kafka's unknown-plugin 400 when created).
    """
    packages: list[str] = []
    for entry in (item.strip() for item in value.split(",")):
        if not entry or _FILE_CONNECTOR_JAR.search(entry):
            continue
        path = Path(entry)
        jars = [path] if path.suffix == ".jar" else sorted(path.glob("*.jar")) + sorted(path.glob("*/*.jar"))
        if jars:
            log.warning("plugin.path: %s holds Java plugins (%s), which are not loaded: lambda-connect runs Python "
                        "plugins, its built-in ones (`lambda-connect plugins`) and plugin packages", entry,
                        ", ".join(jar.name for jar in jars[:3]) + (", ..." if len(jars) > 3 else ""))
        if path.suffix != ".jar":
            packages.append(entry)
    return ",".join(packages) or None


def _storage(props: dict[str, str]) -> dict[str, str]:
    out = {_STORAGE_TOPICS[key]: value for key, value in props.items() if key in _STORAGE_TOPICS}
    for key, default in _PARTITIONS.items():
        if key in props and props[key].strip() != str(default):
            raise WorkerFileError(f"{key}={props[key]}: lambda-connect creates this topic with {default} partitions")
    factors = {props[key].strip() for key in _REPLICATION if key in props}
    if len(factors) > 1:
        raise WorkerFileError(f"{', '.join(k for k in _REPLICATION if k in props)}: lambda-connect creates the three "
                              "internal topics with one replication factor; give them the same value")
    if factors:
        out[env.REPLICATION_FACTOR] = factors.pop()
    return out


def _known_elsewhere(key: str) -> bool:
    """Keys a Kafka worker takes by prefix without listing them (client, listener and provider settings)."""
    return key.startswith(("config.providers.", "ssl.", "sasl.", "security."))


def _rest(props: dict[str, str], standalone: bool) -> tuple[str, int, bool]:
    """The listener, and whether the basic-auth REST extension is asked for."""
    extensions = [item.strip() for item in props.get("rest.extension.classes", "").split(",") if item.strip()]
    for extension in extensions:
        if extension != BASIC_AUTH_EXTENSION or standalone:
            raise WorkerFileError(f"rest.extension.classes: {extension} is not supported"
                                  + (" in standalone mode" if extension == BASIC_AUTH_EXTENSION else
                                     f"; only {BASIC_AUTH_EXTENSION} (with --jaas-config or --rest-credentials)"))
    if props.get("admin.listeners", "").strip():
        raise WorkerFileError("admin.listeners: lambda-connect serves the admin endpoints on the one REST listener")
    host, port = _listener(props.get("listeners", DEFAULT_LISTENER))
    return host, port, bool(extensions)


def _check_policies(props: dict[str, str]) -> None:
    """The client override policy (checked as the worker loads it) and worker-level client keys (refused)."""
    _override_policy(props)
    for key in props:
        if key.startswith(("producer.", "consumer.", "admin.", "listeners.https.")) and key != "admin.listeners":
            raise WorkerFileError(f"{key}: worker-level client and listener settings beyond bootstrap.servers and "
                                  "security are not supported; set producer./consumer.override.* on the connector")


def _override_policy(props: dict[str, str]) -> dict[str, str]:
    """``connector.client.config.override.policy`` / ``.allowlist`` (KIP-1188) as the coordinator's variables."""
    policy, allowlist = props.get(POLICY_CONFIG), props.get(ALLOWLIST_CONFIG)
    try:
        loaded = OverridePolicy.of(policy or "All", allowlist or "")
    except ConfigError as e:
        raise WorkerFileError(f"{ALLOWLIST_CONFIG if 'allowlist' in str(e) else POLICY_CONFIG}: {e}") from e
    # by its alias (a class name is one of Kafka's four too): the template's parameter takes the aliases only
    environment = {env.CLIENT_OVERRIDE_POLICY: loaded.name} if policy is not None else {}
    if allowlist is not None:
        environment[env.CLIENT_OVERRIDE_ALLOWLIST] = allowlist
    return environment


def _log_unknown(props: dict[str, str]) -> None:
    for key in props:
        converter_key = key.partition(".converter")[0] in ("key", "value", "header") and ".converter." in key
        if key not in _MAPPED and key not in NO_EFFECT and not _known_elsewhere(key) and not converter_key:
            log.warning("The configuration '%s' was supplied but isn't a known config.", key)


def _environment(props: dict[str, str], standalone: bool) -> dict[str, str]:
    """The LAMBDA_CONNECT_* variables: cluster, security, group, internal topics, config providers."""
    environment: dict[str, str] = {}
    if "bootstrap.servers" in props:
        environment[env.BOOTSTRAP_SERVERS] = props["bootstrap.servers"].strip()
    if "group.id" in props:
        if standalone:
            raise WorkerFileError("group.id: a standalone worker has no group (Kafka's StandaloneConfig)")
        environment[env.GROUP_ID] = props["group.id"].strip()
    storage_keys = set(_STORAGE_TOPICS) | set(_PARTITIONS) | set(_REPLICATION)
    if standalone and (given := sorted(storage_keys & set(props))):
        log.info("%s: a standalone worker keeps its state apart; ignored as Kafka's StandaloneConfig does",
                 ", ".join(given))
    elif not standalone:
        environment.update(_storage(props))
    security = _security(props)
    if security:
        existing = json.loads(env.resolve(env.KAFKA_CLIENT_PROPERTIES, "{}"))
        environment[env.KAFKA_CLIENT_PROPERTIES] = json.dumps({**existing, **security})
    environment.update(_override_policy(props))
    if "topic.creation.enable" in props:  # KIP-158: source tasks create their topics (runtime/topic_creation.py)
        try:
            enabled = parse_type("topic.creation.enable", props["topic.creation.enable"], "BOOLEAN")
        except ConfigError as e:
            raise WorkerFileError(str(e)) from e
        environment[env.TOPIC_CREATION_ENABLE] = "true" if enabled else "false"
    providers = {key: value for key, value in props.items() if key.startswith("config.providers")}
    if providers:
        environment[env.CONFIG_PROVIDERS] = json.dumps(providers)
    return environment


def read_worker_file(path: Path, *, standalone: bool) -> WorkerFile:
    """Read ``path`` as Kafka's ``Utils.loadProps`` does and map it.

    Raises:
        WorkerFileError: a key lambda-connect cannot honour (named in the message).
        OSError: the file cannot be read.
    """
    props = read_java_properties(path)
    environment = _environment(props, standalone)
    _check_policies(props)
    host, port, basic_auth = _rest(props, standalone)
    offsets_file: Path | None = None
    if standalone:
        if not props.get("offset.storage.file.filename", "").strip():
            raise WorkerFileError('Missing required configuration "offset.storage.file.filename" which has no '
                                  "default value.")
        offsets_file = Path(props["offset.storage.file.filename"].strip())
    _log_unknown(props)
    plugins = _plugin_path(props["plugin.path"]) if "plugin.path" in props else None
    converters = _converters(props)
    if converters:
        environment[env.WORKER_CONVERTERS] = json.dumps(converters)
    return WorkerFile(environment, host, port, converters, offsets_file, plugins, basic_auth_extension=basic_auth)
