"""The one gate for Kafka client settings a connector config reaches: an allow-list, file paths under the file roots.

A connector config comes from a REST caller; librdkafka has settings that load code (``ssl.providers``,
``ssl.engine.location``, ``plugin.library.paths``), run a command (``sasl.kerberos.kinit.cmd``), read host files
(``ssl.ca.location``, ``sasl.kerberos.keytab``, ...) or fetch URLs (OAUTHBEARER's token endpoint). Kafka's Java
clients load classes only, and this product loads none. So a client key a config sets under any client prefix
(:data:`OVERRIDE_PREFIXES`, MirrorMaker 2's, the HTTP sink reporter's, Debezium's) is accepted only when it is a
Java client key Kafka defines (:data:`JAVA_KEYS`: translated, or without effect here) or one of the librdkafka
properties those keys map to (:data:`LIBRDKAFKA_KEYS`), and a file path only under the worker's file roots
(:data:`FILE_KEYS`). Everything else is refused by name: at validate and create, at a task's start, and when a
client is built. Also here: a PLAIN/SCRAM ``sasl.jaas.config`` login, and the Java-to-librdkafka translation.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Final

from connect_core.api.config import config_error
from connect_core.api.errors import ConfigError

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from connect_core.api.file_roots import FileRoots

__all__ = [
    "DEBEZIUM_PREFIXES",
    "FILE_KEYS",
    "HTTP_REPORTER_PREFIXES",
    "JAVA_KEYS",
    "LIBRDKAFKA_KEYS",
    "MIRROR_PREFIXES",
    "OVERRIDE_PREFIXES",
    "check_client_keys",
    "client_key_errors",
    "client_key_problem",
    "jaas_login",
    "librdkafka_settings",
]

# Kafka Connect's per-connector client overrides (KIP-458); the dead letter queue's producer and admin client too.
OVERRIDE_PREFIXES: Final = ("producer.override.", "consumer.override.", "admin.override.")
# MirrorMaker 2 (Kafka MirrorConnectorConfig): a cluster's connection keys, the roles, and a cluster's roles;
# ``<cluster>.cluster.<role>.*`` (what MirrorMakerConfig writes, ignored by Kafka's connectors) is gated too.
_CLUSTERS: Final = ("source.", "target.")
_ROLES: Final = ("producer.", "consumer.", "admin.")
MIRROR_PREFIXES: Final = (
    *(f"{c}cluster." for c in _CLUSTERS), *(f"{c}cluster.{r}" for c in _CLUSTERS for r in _ROLES),
    *_ROLES, *(f"{c}{r}" for c in _CLUSTERS for r in _ROLES))
# Confluent's Connect Reporter (HTTP sink): its producer and admin client.
HTTP_REPORTER_PREFIXES: Final = ("reporter.producer.", "reporter.admin.")
# Debezium: the schema history topic's clients and the Kafka signal channel's consumer.
DEBEZIUM_PREFIXES: Final = ("schema.history.internal.producer.", "schema.history.internal.consumer.",
                            "signal.consumer.")

# Java client keys whose value names a file on the host; librdkafka's own names for such files.
FILE_KEYS: Final = frozenset({
    "ssl.ca.location", "ssl.key.location", "ssl.certificate.location", "ssl.keystore.location", "ssl.crl.location",
    "sasl.kerberos.keytab", "ssl.truststore.location"})
# librdkafka's ssl.ca.location=probe reads the system's CA directories, as a Java client's default trust store.
_CA_PROBE: Final = "probe"

# Java client key -> the librdkafka property it maps to, where the names differ (same-named keys map to themselves).
_RENAMED: Final = {
    "send.buffer.bytes": "socket.send.buffer.bytes", "receive.buffer.bytes": "socket.receive.buffer.bytes",
    "fetch.max.wait.ms": "fetch.wait.max.ms", "max.request.size": "message.max.bytes",
    "compression.gzip.level": "compression.level", "compression.lz4.level": "compression.level",
    "compression.zstd.level": "compression.level", "ssl.truststore.certificates": "ssl.ca.pem",
    "ssl.keystore.key": "ssl.key.pem", "ssl.keystore.certificate.chain": "ssl.certificate.pem",
}
# The librdkafka properties Kafka's Java producer, consumer and admin client keys map to (librdkafka 2.15's
# CONFIGURATION.md names), and librdkafka's aliases of them.
LIBRDKAFKA_KEYS: Final = frozenset({
    # common
    "bootstrap.servers", "metadata.broker.list", "client.id", "client.dns.lookup", "client.rack",
    "metadata.max.age.ms", "socket.send.buffer.bytes", "socket.receive.buffer.bytes", "reconnect.backoff.ms",
    "reconnect.backoff.max.ms", "retry.backoff.ms", "retry.backoff.max.ms", "enable.metrics.push",
    "socket.connection.setup.timeout.ms", "connections.max.idle.ms", "request.timeout.ms",
    "metadata.recovery.strategy", "metadata.recovery.rebootstrap.trigger.ms", "security.protocol",
    # consumer
    "group.id", "group.instance.id", "max.poll.interval.ms", "session.timeout.ms", "heartbeat.interval.ms",
    "group.protocol", "group.remote.assignor", "partition.assignment.strategy", "enable.auto.commit",
    "auto.commit.interval.ms", "auto.offset.reset", "fetch.min.bytes", "fetch.max.bytes", "fetch.wait.max.ms",
    "max.partition.fetch.bytes", "fetch.message.max.bytes", "check.crcs", "isolation.level",
    "allow.auto.create.topics", "max.poll.records", "share.acknowledgement.mode",
    # producer
    "acks", "request.required.acks", "batch.size", "linger.ms", "queue.buffering.max.ms", "delivery.timeout.ms",
    "message.timeout.ms", "message.max.bytes", "compression.type", "compression.codec", "compression.level",
    "max.in.flight.requests.per.connection", "max.in.flight", "enable.idempotence", "transaction.timeout.ms",
    "transactional.id", "retries", "message.send.max.retries",
    # TLS: the Java key and trust stores (PEM strings, PEM files, a PKCS12 key store), the CRL file
    "ssl.cipher.suites", "ssl.endpoint.identification.algorithm", "ssl.ca.location", "ssl.ca.pem",
    "ssl.certificate.location", "ssl.certificate.pem", "ssl.key.location", "ssl.key.pem", "ssl.key.password",
    "ssl.keystore.location", "ssl.keystore.password", "ssl.crl.location",
    # SASL: PLAIN/SCRAM from sasl.jaas.config, GSSAPI's Krb5LoginModule principal and keyTab
    "sasl.mechanism", "sasl.mechanisms", "sasl.username", "sasl.password", "sasl.kerberos.service.name",
    "sasl.kerberos.principal", "sasl.kerberos.keytab", "sasl.kerberos.min.time.before.relogin",
})
# Kafka 4.3's Java client keys with no librdkafka property of that name: translated (:data:`_RENAMED`,
# ``sasl.jaas.config``, the trust and key store keys), else without effect here (Java classes are never loaded).
JAVA_KEYS: Final = frozenset({
    *_RENAMED, "sasl.jaas.config", "ssl.truststore.location", "ssl.truststore.type", "ssl.keystore.type",
    "ssl.truststore.password", "ssl.protocol", "ssl.enabled.protocols", "ssl.provider", "ssl.keymanager.algorithm",
    "ssl.trustmanager.algorithm", "ssl.secure.random.implementation", "ssl.engine.factory.class",
    "key.serializer", "value.serializer", "key.deserializer", "value.deserializer", "interceptor.classes",
    "metric.reporters", "metrics.num.samples", "metrics.sample.window.ms", "metrics.recording.level",
    "partitioner.class", "partitioner.adaptive.partitioning.enable", "partitioner.availability.timeout.ms",
    "partitioner.ignore.keys", "buffer.memory", "max.block.ms", "metadata.max.idle.ms", "default.api.timeout.ms",
    "exclude.internal.topics", "socket.connection.setup.timeout.max.ms", "bootstrap.controllers",
    "share.acquire.mode", "transaction.two.phase.commit.enable",
    "sasl.client.callback.handler.class", "sasl.login.callback.handler.class", "sasl.login.class",
    "sasl.kerberos.ticket.renew.window.factor", "sasl.kerberos.ticket.renew.jitter",
    "sasl.login.refresh.window.factor", "sasl.login.refresh.window.jitter", "sasl.login.refresh.min.period.seconds",
    "sasl.login.refresh.buffer.seconds", "sasl.login.connect.timeout.ms", "sasl.login.read.timeout.ms",
    "sasl.login.retry.backoff.max.ms", "sasl.login.retry.backoff.ms",
})
# Java keys that reach no librdkafka client (dropped by :func:`librdkafka_settings`).
_DROPPED: Final = JAVA_KEYS - _RENAMED.keys() - {"sasl.jaas.config", "ssl.truststore.location"}
# librdkafka's default kinit command puts the principal and the key tab into a shell command line.
_KERBEROS_SAFE: Final = re.compile(r"[A-Za-z0-9._/@+=:,-]+")
_KERBEROS_KEYS: Final = frozenset({"sasl.kerberos.principal", "sasl.kerberos.keytab", "sasl.kerberos.service.name"})
_HOST_REASON: Final = ("a librdkafka setting that loads code, runs a command, reads host files or fetches URLs is not "
                       "accepted from a connector config")


def client_key_problem(key: str, value: str | None, roots: FileRoots | None) -> str | None:
    """Why the client key ``key`` (without its prefix) set to ``value`` is refused, or None when it is allowed.

    ``roots`` None skips the file-roots check of a path (a client built where the roots are not at hand; validate,
    create and a task's start check it)."""
    if key not in LIBRDKAFKA_KEYS and key not in JAVA_KEYS:
        return (f"{_HOST_REASON}; only the Kafka client keys listed in docs/security.md are"
                if key in _HOST_KEYS else
                "not a Kafka client setting a connector config may set (only the Kafka client keys listed in "
                "docs/security.md are)")
    if value is None or "${" in value:  # a placeholder is checked once resolved
        return None
    if key in _KERBEROS_KEYS and value and not _KERBEROS_SAFE.fullmatch(value):
        return "only letters, digits and . _ / @ + = : , - are accepted in a Kerberos name or key tab path"
    if key in FILE_KEYS and roots is not None and value.strip() and not (
            key == "ssl.ca.location" and value.strip() == _CA_PROBE):
        return roots.problem(value.strip())
    return None


# Named in the refusal's reason (every other unlisted key is refused all the same).
_HOST_KEYS: Final = frozenset({
    "ssl.providers", "ssl.engine.location", "ssl.engine.id", "plugin.library.paths", "interceptors",
    "sasl.kerberos.kinit.cmd", "sasl.oauthbearer.config", "sasl.oauthbearer.method",
    "sasl.oauthbearer.token.endpoint.url", "sasl.oauthbearer.assertion.file",
    "sasl.oauthbearer.assertion.private.key.file", "sasl.oauthbearer.assertion.jwt.template.file",
    "sasl.oauthbearer.assertion.template.file", "https.ca.location", "https.ca.pem", "ssl.ca.certificate.stores",
    "offset.store.path", "config.providers", "security.providers",
})


def _longest(key: str, prefixes: Iterable[str]) -> str | None:
    return max((p for p in prefixes if key.startswith(p)), key=len, default=None)


def client_key_errors(props: Mapping[str, str | None], prefixes: Iterable[str], roots: FileRoots | None,
                      exempt: Iterable[str] = ()) -> dict[str, list[str]]:
    """``{connector key: [message]}`` for each key under one of ``prefixes`` (the longest that matches) that the
    gate refuses; ``exempt`` names the connector's own keys that share a prefix (MirrorMaker 2's
    ``consumer.poll.timeout.ms``, ``source.cluster.alias``)."""
    prefixes, skip = tuple(prefixes), frozenset(exempt)
    errors: dict[str, list[str]] = {}
    for key, value in props.items():
        prefix = None if key in skip else _longest(key, prefixes)
        if prefix is None or len(key) == len(prefix):
            continue
        reason = client_key_problem(key[len(prefix):], value, roots)
        if reason is not None:
            shown = value if key[len(prefix):] in FILE_KEYS and value is not None else "[hidden]"
            errors[key] = [str(config_error(key, shown, reason))]
    return errors


def check_client_keys(settings: Mapping[str, str | None], prefix: str, roots: FileRoots | None = None) -> None:
    """Raise a ConfigError naming ``<prefix><key>`` for the first client setting the gate refuses."""
    errors = client_key_errors({prefix + key: value for key, value in settings.items()}, (prefix,), roots)
    for key in sorted(errors):
        raise ConfigError(errors[key][0])


def librdkafka_settings(java: Mapping[str, str], prefix: str, roots: FileRoots | None = None) -> dict[str, Any]:
    """librdkafka settings from Java client settings (``<prefix>``-less keys), after the gate: renamed keys, a PEM
    ``ssl.truststore.location`` as ``ssl.ca.location``, a PLAIN/SCRAM login, Java-only keys dropped.

    Raises:
        ConfigError: naming ``<prefix><key>``: a refused key, or a login or store librdkafka cannot use.
    """
    check_client_keys(java, prefix, roots)
    config: dict[str, Any] = {}
    for key, value in java.items():
        if key in _DROPPED or key in ("sasl.jaas.config", "ssl.truststore.location"):
            continue
        config[_RENAMED.get(key, key)] = value
    jaas = java.get("sasl.jaas.config")
    if jaas:
        login = jaas_login(jaas)
        if login is None:
            raise ConfigError(f"Invalid value [hidden] for configuration {prefix}sasl.jaas.config: only PLAIN and "
                              "SCRAM logins (username=\"...\" password=\"...\") are supported")
        config.setdefault("sasl.username", login[0])
        config.setdefault("sasl.password", login[1])
    truststore = java.get("ssl.truststore.location")
    if truststore:
        if java.get("ssl.truststore.type", "JKS").upper() != "PEM":
            raise ConfigError(f"Invalid value {truststore} for configuration {prefix}ssl.truststore.location: "
                              f"librdkafka reads PEM trust stores only; set {prefix}ssl.truststore.type=PEM (or "
                              f"{prefix}ssl.ca.location)")
        config.setdefault("ssl.ca.location", truststore)
    keystore = config.get("ssl.keystore.location")
    if keystore and java.get("ssl.keystore.type", "JKS").upper() != "PKCS12":
        raise ConfigError(f"Invalid value {keystore} for configuration {prefix}ssl.keystore.location: librdkafka "
                          f"reads PKCS12 key stores only; set {prefix}ssl.keystore.type=PKCS12")
    algorithm = config.get("ssl.endpoint.identification.algorithm")
    if algorithm is not None:
        config["ssl.endpoint.identification.algorithm"] = str(algorithm).strip().lower() or "none"
    return config


_JAAS_OPTION: Final = re.compile(r'(\w+)\s*=\s*"((?:[^"\\]|\\.)*)"')


def jaas_login(jaas: str) -> tuple[str, str] | None:
    """The ``username`` and ``password`` options of a ``sasl.jaas.config`` (unescaped), or None without both."""
    options = dict(_JAAS_OPTION.findall(jaas))
    if "username" not in options or "password" not in options:
        return None
    return options["username"].replace('\\"', '"'), options["password"].replace('\\"', '"')
