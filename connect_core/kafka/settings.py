"""Connection settings shared by every Kafka client lambda-connect builds.

Kafka Connect passes its worker's client properties (``bootstrap.servers``, ``security.protocol``,
``sasl.*``...) to each client it creates; here that is one small typed object, so a Lambda handler
builds it once from its environment and every factory reads the same thing.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from connect_core.kafka.auth import KafkaAuth

__all__ = ["DEFAULT_BOOTSTRAP_SERVERS", "KafkaClientSettings"]

# Kafka defaults to localhost:9092; the loopback address avoids a first attempt on ::1 where brokers bind IPv4 only.
DEFAULT_BOOTSTRAP_SERVERS = "127.0.0.1:9092"


class KafkaClientSettings(BaseModel):
    """Where the cluster is and how to talk to it (the client part of Kafka's ``WorkerConfig``).

    Authentication is the seam :meth:`auth_config`: the ``auth`` field (plaintext, TLS, SASL/SCRAM
    with credentials from Secrets Manager, MSK IAM through an ``oauth_cb`` token provider; see
    :mod:`connect_core.kafka.auth`) returns its librdkafka keys from that one method, so no
    factory or store has to know how a cluster authenticates.
    """

    model_config = ConfigDict(defer_build=True, populate_by_name=True, frozen=True)

    bootstrap_servers: str = Field(
        DEFAULT_BOOTSTRAP_SERVERS,
        alias="bootstrap.servers",
        description="Comma-separated host:port list of brokers used for the initial connection.",
    )
    overrides: dict[str, Any] = Field(
        default_factory=dict,
        description="Arbitrary librdkafka properties applied to every client after the built-in defaults.",
    )
    auth: KafkaAuth = Field(
        default_factory=KafkaAuth,
        description="How clients authenticate (mode, secret, region); plaintext by default.",
    )

    def auth_config(self) -> dict[str, Any]:
        """librdkafka security properties; empty for plaintext, secrets fetched (and cached) on first use."""
        return self.auth.client_properties()

    def client_config(self) -> dict[str, Any]:
        """Properties every client gets: brokers, then authentication, then the user's overrides."""
        return {"bootstrap.servers": self.bootstrap_servers, **self.auth_config(), **self.overrides}
