"""Connection settings shared by every Kafka client lambda-connect builds.

Kafka Connect passes its worker's client properties (``bootstrap.servers``, ``security.protocol``,
``sasl.*``...) to each client it creates; here that is one small typed object, so a Lambda handler
builds it once from its environment and every factory reads the same thing.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["DEFAULT_BOOTSTRAP_SERVERS", "KafkaClientSettings"]

DEFAULT_BOOTSTRAP_SERVERS = "localhost:9092"


class KafkaClientSettings(BaseModel):
    """Where the cluster is and how to talk to it (the client part of Kafka's ``WorkerConfig``).

    Only plaintext is wired today. Authentication is the seam :meth:`auth_config`: SASL/SCRAM
    (``sasl.mechanism``, username/password from Secrets Manager) and MSK IAM (an ``oauth_cb``
    token provider) will add fields here and return their librdkafka keys from that one method,
    so no factory or store has to change.
    """

    model_config = ConfigDict(populate_by_name=True, frozen=True)

    bootstrap_servers: str = Field(
        DEFAULT_BOOTSTRAP_SERVERS,
        alias="bootstrap.servers",
        description="Comma-separated host:port list of brokers used for the initial connection.",
    )
    overrides: dict[str, Any] = Field(
        default_factory=dict,
        description="Arbitrary librdkafka properties applied to every client after the built-in defaults.",
    )

    def auth_config(self) -> dict[str, Any]:
        """librdkafka security properties; empty for plaintext (the only protocol wired so far)."""
        return {}

    def client_config(self) -> dict[str, Any]:
        """Properties every client gets: brokers, then authentication, then the user's overrides."""
        return {"bootstrap.servers": self.bootstrap_servers, **self.auth_config(), **self.overrides}
