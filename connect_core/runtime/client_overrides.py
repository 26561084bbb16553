"""The worker's ``connector.client.config.override.policy``: which ``producer.override.*``, ``consumer.override.*``
and ``admin.override.*`` keys a connector config may set (Kafka's ``ConnectorClientConfigOverridePolicy``, KIP-458).

Kafka's four policies by plugin name: ``All`` (Kafka 4.x's default, and ours), ``None``, ``Principal`` (SASL and
``security.protocol`` keys only) and KIP-1188's ``Allowlist`` (``connector.client.config.override.allowlist``; empty
allows none). As ``AbstractHerder.validateClientOverrides``, only the clients a connector uses are checked. Before
any policy every client key passes the allow-list gate of ``api/kafka_client_keys.py``, under the override prefixes
and a connector's own ``kafka_client_prefixes``. :func:`client_key_refusals` serves validate and create;
:func:`refuse_client_keys` and :func:`check_overrides` fail a connector or a task started from a stored config.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from connect_core.api.config import ValidList, config_field, config_keys, parse_config
from connect_core.api.errors import ConfigError, ConnectError
from connect_core.api.kafka_client_keys import OVERRIDE_PREFIXES, client_key_errors
from connect_core.runtime import env
from connect_core.runtime.file_roots import worker_file_roots

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "ALLOWLIST_CONFIG",
    "POLICIES",
    "POLICY_CONFIG",
    "OverridePolicy",
    "check_overrides",
    "client_key_refusals",
    "client_prefixes",
    "override_errors",
    "refuse_client_keys",
]

log = logging.getLogger(__name__)

POLICY_CONFIG = "connector.client.config.override.policy"
ALLOWLIST_CONFIG = "connector.client.config.override.allowlist"
DEFAULT_POLICY = "All"
POLICIES = ("All", "None", "Principal", "Allowlist")
PRODUCER_PREFIX = "producer.override."
CONSUMER_PREFIX = "consumer.override."
ADMIN_PREFIX = "admin.override."
_PACKAGE = "org.apache.kafka.connect.connector.policy."
_SUFFIX = "ConnectorClientConfigOverridePolicy"
PRINCIPAL_KEYS = frozenset({"sasl.jaas.config", "sasl.mechanism", "security.protocol"})
_DLQ_TOPIC = "errors.deadletterqueue.topic.name"
_OFFSETS_TOPIC = "offsets.storage.topic"
_TOPIC_CREATION_PREFIX = "topic.creation."


class _AllowlistConfig(BaseModel):
    """``AllowlistConnectorClientConfigOverridePolicy.CONFIG_DEF``."""

    model_config = ConfigDict(defer_build=True, populate_by_name=True, frozen=True)

    allowlist: list[str] = config_field(
        [], alias=ALLOWLIST_CONFIG, type="LIST", validator=ValidList(empty_allowed=True),
        description="List of client configurations that can be overridden by connectors. If empty, connectors can't "
        "override any client configurations.",
    )


@dataclass(frozen=True)
class OverridePolicy:
    """One of Kafka's policies; ``allowlist`` is read by ``Allowlist`` only."""

    name: str = DEFAULT_POLICY
    allowlist: frozenset[str] = frozenset()

    @classmethod
    def of(cls, policy: str, allowlist: str = "") -> OverridePolicy:
        """The policy a worker names, as Kafka's plugin loader finds it.

        Raises:
            ConfigError: an unknown policy (Kafka's worker does not start), or an allowlist with an empty value.
        """
        given = policy.strip()
        name = next((p for p in POLICIES if given in (p, p + _SUFFIX, _PACKAGE + p + _SUFFIX)), None)
        if name is None:
            raise ConfigError(f"Failed to find any class that implements interface org.apache.kafka.connect.connector."
                              f"policy.ConnectorClientConfigOverridePolicy and which name matches {given} "
                              f"(set {POLICY_CONFIG} to one of: {', '.join(POLICIES)})")
        if name == "Principal":
            log.warning("The Principal ConnectorClientConfigOverridePolicy is deprecated, use the Allowlist policy "
                        'instead. To replicate the Principal policy behavior, set the %s configuration to "%s"',
                        ALLOWLIST_CONFIG, ",".join(sorted(PRINCIPAL_KEYS)))
        listed = parse_config(_AllowlistConfig, {ALLOWLIST_CONFIG: allowlist}).allowlist if name == "Allowlist" else []
        return cls(name, frozenset(listed))

    @classmethod
    def from_env(cls) -> OverridePolicy:
        """The worker's policy from ``LAMBDA_CONNECT_CLIENT_OVERRIDE_POLICY`` / ``..._ALLOWLIST``."""
        try:
            return cls.of(env.resolve(env.CLIENT_OVERRIDE_POLICY, DEFAULT_POLICY),
                          env.resolve(env.CLIENT_OVERRIDE_ALLOWLIST, ""))
        except ConfigError as e:
            variables = f"{env.CLIENT_OVERRIDE_POLICY} / {env.CLIENT_OVERRIDE_ALLOWLIST}"
            raise ConfigError(f"worker setting ({variables}): {e}") from e

    def allows(self, client_key: str) -> bool:
        """Whether a connector may override the client key ``client_key`` (without its prefix)."""
        if self.name == "All":
            return True
        if self.name == "Principal":
            return client_key in PRINCIPAL_KEYS
        return client_key in self.allowlist  # None: the empty set

    def refusal(self, client_key: str) -> str:
        """Kafka's ``AbstractConnectorClientConfigOverridePolicy`` message for a refused key."""
        return (f"The '{self.name}' policy does not allow '{client_key}' to be overridden in the connector "
                "configuration.")


def _prefixes(props: Mapping[str, str], source: bool) -> list[str]:
    """The override prefixes of the clients the connector uses (Kafka 4.3's ``DistributedHerder.connectorUses*``), in
    the order a worker builds them for a task (a source's producer first, a sink's consumer first)."""
    dlq = bool(props.get(_DLQ_TOPIC, "").strip())
    if source:
        own_offsets = bool(props.get(_OFFSETS_TOPIC, "").strip())
        creates_topics = any(key.startswith(_TOPIC_CREATION_PREFIX) for key in props)
        uses = [(PRODUCER_PREFIX, True), (ADMIN_PREFIX, creates_topics or own_offsets), (CONSUMER_PREFIX, own_offsets)]
    else:
        uses = [(CONSUMER_PREFIX, True), (PRODUCER_PREFIX, dlq), (ADMIN_PREFIX, dlq)]
    return [prefix for prefix, used in uses if used]


def override_errors(props: Mapping[str, str], *, source: bool, policy: OverridePolicy) -> dict[str, list[str]]:
    """``{connector key: [message]}`` for each client override of a used client that ``policy`` refuses."""
    errors: dict[str, list[str]] = {}
    if policy.name == "All":
        return errors
    for prefix in _prefixes(props, source):
        for key in props:
            if key.startswith(prefix) and not policy.allows(client_key := key[len(prefix):]):
                errors[key] = [policy.refusal(client_key)]
    return errors


def client_prefixes(connector_cls: object) -> tuple[str, ...]:
    """The client prefixes of a connector class: the override prefixes, and those it builds its own clients from."""
    return (*OVERRIDE_PREFIXES, *getattr(connector_cls, "kafka_client_prefixes", ()))


def client_key_refusals(props: Mapping[str, str | None], connector_cls: object) -> dict[str, list[str]]:
    """``{connector key: [message]}`` for each client key of ``props`` the gate refuses (the connector's own keys that
    share a client prefix, such as MirrorMaker 2's ``consumer.poll.timeout.ms``, are not client keys)."""
    model = getattr(connector_cls, "config_model", None)
    own = [key["name"] for key in config_keys(model)] if model is not None else []
    return client_key_errors(props, client_prefixes(connector_cls), worker_file_roots(), own)


def refuse_client_keys(props: Mapping[str, str | None], connector_cls: object) -> None:
    """Before a connector or task built from a stored config starts: the first client key the gate refuses.

    Raises:
        ConfigError: naming the key (the connector or task is FAILED with it).
    """
    refused = client_key_refusals(props, connector_cls)
    for key in sorted(refused):
        raise ConfigError(refused[key][0])


def _connector_class(props: Mapping[str, str]) -> object:
    from connect_core.runtime import registry

    try:
        return registry.load(props.get("connector.class", ""), props.get(registry.CONNECTOR_VERSION_CONFIG))
    except Exception:  # the runner reports an unknown class itself; the override prefixes are checked still
        return None


def check_overrides(props: Mapping[str, str], *, source: bool, policy: OverridePolicy | None = None) -> None:
    """At a task's start, as Kafka's ``Worker.connectorClientConfigOverrides`` (a connector created before the worker's
    policy changed): a client key the gate refuses, then the first client with refused overrides, fails the task.
    Values are not shown (they may be secrets, which never reach a status trace here); Kafka's message prints them.

    Raises:
        ConfigError: a client key the gate refuses, naming it.
        ConnectError: "Client Config Overrides not allowed [[key,[hidden],[],[message],true], ...]".
    """
    refuse_client_keys(props, _connector_class(props))
    policy = policy or OverridePolicy.from_env()
    if policy.name == "All":
        return
    for prefix in _prefixes(props, source):
        overrides = [key[len(prefix):] for key in props if key.startswith(prefix)]
        if refused := [key for key in overrides if not policy.allows(key)]:
            values = ", ".join(f"[{key},[hidden],[],[{policy.refusal(key)}],true]" for key in refused)
            raise ConnectError(f"Client Config Overrides not allowed [{values}]")
