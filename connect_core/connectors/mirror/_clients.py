"""Source and target cluster clients from the connector's keys, as MirrorMaker 2 builds them (Kafka
``MirrorConnectorConfig``).

A role's settings are the cluster's (``source.cluster.*`` / ``target.cluster.*``, client connection keys only), then
the role's (``consumer.*``, ``admin.*``, ``producer.*``), then the cluster's role (``source.consumer.*``, ...); Java
client keys are turned into librdkafka's by the client-key gate (``api/kafka_client_keys.py``): ``sasl.jaas.config``
(PLAIN and SCRAM logins) into ``sasl.username`` and ``sasl.password``, a PEM ``ssl.truststore.location`` into
``ssl.ca.location``, a PKCS12 key store as is.
librdkafka's own names (``ssl.ca.location``, ``sasl.username``) are accepted too.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING, Any, Final, Literal

from connect_core.api.errors import ConfigError
from connect_core.api.kafka_client_keys import (
    MIRROR_PREFIXES,
    OVERRIDE_PREFIXES,
    client_key_errors,
    librdkafka_settings,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    from connect_core.api.config import ConfigValueInfo

__all__ = [
    "Cluster",
    "Role",
    "check_bootstrap",
    "client_config",
    "cluster_prefix",
    "own_keys",
    "refuse_client_keys",
]

Cluster = Literal["source", "target"]
Role = Literal["consumer", "admin", "producer"]

# Kafka MirrorClientConfig.CLIENT_CONFIG_DEF keeps only connection keys of `<cluster>.cluster.*`; so do we, plus
# librdkafka's names for the same things.
_CONNECTION_KEYS: Final = re.compile(
    r"bootstrap\.servers|client\.id|security\.protocol|(ssl|sasl)\..*|"
    r"socket\.connection\.setup\.timeout\.(max\.)?ms|connections\.max\.idle\.ms|request\.timeout\.ms|"
    r"retry\.backoff\.(max\.)?ms|reconnect\.backoff\.(max\.)?ms|metadata\.max\.age\.ms|client\.dns\.lookup")
# Java client keys with no librdkafka counterpart (serializers are bytes here; poll sizes are the task's).
_JAVA_ONLY: Final = frozenset({
    "key.deserializer", "value.deserializer", "key.serializer", "value.serializer", "max.poll.records",
    "max.poll.interval.ms", "partition.assignment.strategy", "default.api.timeout.ms", "client.dns.lookup",
    "interceptor.classes", "metric.reporters", "metrics.num.samples", "metrics.sample.window.ms",
    "metrics.recording.level", "sasl.login.callback.handler.class", "sasl.client.callback.handler.class",
    "ssl.truststore.type", "ssl.truststore.password", "ssl.keystore.type", "ssl.key.password",
    "ssl.protocol", "ssl.enabled.protocols", "ssl.trustmanager.algorithm", "ssl.keymanager.algorithm",
    "ssl.secure.random.implementation", "ssl.engine.factory.class", "sasl.jaas.config", "sasl.kerberos.service.name",
    "socket.connection.setup.timeout.ms", "socket.connection.setup.timeout.max.ms", "retry.backoff.max.ms",
    "exclude.internal.topics", "allow.auto.create.topics", "enable.auto.commit", "auto.commit.interval.ms",
    "poll.timeout.ms",  # MirrorMaker 2's own consumer.poll.timeout.ms, which Kafka hands its consumer too
})
_TRANSLATED: Final = frozenset({"sasl.jaas.config", "ssl.truststore.type", "ssl.keystore.type"})


def cluster_prefix(cluster: Cluster) -> str:
    """``source.cluster.`` or ``target.cluster.``."""
    return f"{cluster}.cluster."


def _with_prefix(props: Mapping[str, str], prefix: str) -> dict[str, str]:
    return {key[len(prefix):]: value for key, value in props.items() if key.startswith(prefix) and value is not None}


def raw_settings(props: Mapping[str, str], cluster: Cluster, role: Role) -> dict[str, str]:
    """The Java client settings of ``role`` on ``cluster``, before translation (Kafka's precedence)."""
    settings = {key: value for key, value in _with_prefix(props, cluster_prefix(cluster)).items()
                if _CONNECTION_KEYS.fullmatch(key)}
    settings.update(_with_prefix(props, f"{role}."))
    settings.update(_with_prefix(props, f"{cluster}.{role}."))
    return settings


@functools.cache
def own_keys() -> frozenset[str]:
    """MirrorMaker 2's own keys under a client prefix (``consumer.poll.timeout.ms``, ``source.cluster.alias``)."""
    from connect_core.api.config import config_keys
    from connect_core.connectors.mirror.config import (
        MirrorCheckpointConfig,
        MirrorHeartbeatConfig,
        MirrorSourceConfig,
    )

    models = (MirrorSourceConfig, MirrorCheckpointConfig, MirrorHeartbeatConfig)
    return frozenset(key["name"] for model in models for key in config_keys(model))


def refuse_client_keys(props: Mapping[str, str]) -> None:
    """The client-key gate (``api/kafka_client_keys.py``) over every MirrorMaker 2 client prefix, before a client is
    built: a refused key raises a ConfigError naming it (validate and create refused it already; file roots are
    checked there and at a task's start).

    Raises:
        ConfigError: the first refused key.
    """
    errors = client_key_errors(props, (*MIRROR_PREFIXES, *OVERRIDE_PREFIXES), None, own_keys())
    for key in sorted(errors):
        raise ConfigError(errors[key][0])


def client_config(props: Mapping[str, str], cluster: Cluster, role: Role, client_id: str) -> dict[str, Any]:
    """librdkafka settings for ``role`` on ``cluster``.

    Raises:
        ConfigError: no bootstrap servers, or a login or trust store librdkafka cannot use, naming the key.
    """
    own = own_keys()  # MirrorMaker 2's own keys under a role prefix (admin.timeout.ms) are not client keys
    java = raw_settings({key: value for key, value in props.items() if key not in own}, cluster, role)
    prefix = cluster_prefix(cluster)
    if not java.get("bootstrap.servers", "").strip():
        raise ConfigError(f'Missing required configuration "{prefix}bootstrap.servers" which has no default value.')
    refuse_client_keys(props)
    kept = {key: value for key, value in java.items()  # Kafka's role prefix also holds producer.override.* keys
            if (key not in _JAVA_ONLY or key in _TRANSLATED) and not key.startswith("override.")}
    config = librdkafka_settings(kept, prefix)  # Java keys as librdkafka's, named by the cluster's prefix
    config["client.id"] = f"{java['client.id']}|{client_id}" if java.get("client.id") else client_id
    return config


def check_bootstrap(results: list[ConfigValueInfo], props: Mapping[str, str],
                    clusters: tuple[Cluster, ...]) -> list[ConfigValueInfo]:
    """``results`` plus an error on each ``<cluster>.cluster.bootstrap.servers`` that is missing: Kafka would accept
    the config and fail the connector at start; a 400 at create says it sooner."""
    for cluster in clusters:
        key = f"{cluster_prefix(cluster)}bootstrap.servers"
        if not (props.get(key) or "").strip():
            results.append({"name": key, "value": props.get(key), "recommended_values": [], "visible": True,
                            "errors": [f'Missing required configuration "{key}" which has no default value.']})
    return results
