"""The Kafka cluster id for ``GET /`` (Kafka's ``ServerInfo.kafka_cluster_id``), read from the broker once."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from connect_core.api.errors import ConnectError

if TYPE_CHECKING:
    from connect_core.kafka.settings import KafkaClientSettings

__all__ = ["ClusterInfo", "KafkaClusterInfo", "StaticClusterInfo"]

DEFAULT_TIMEOUT_S = 10.0


class ClusterInfo(Protocol):
    """Where the cluster id comes from."""

    def cluster_id(self) -> str:
        """The Kafka cluster id."""


class KafkaClusterInfo:
    """Asks the broker (cluster metadata) on first use and caches the answer for the warm container."""

    def __init__(self, settings: KafkaClientSettings, *, timeout_s: float = DEFAULT_TIMEOUT_S) -> None:
        """Remember how to reach the cluster."""
        self.settings = settings
        self.timeout_s = timeout_s
        self._cluster_id: str | None = None

    def cluster_id(self) -> str:
        """The id the brokers report (ConnectError if they cannot be reached)."""
        if self._cluster_id is None:
            from confluent_kafka import KafkaException

            from connect_core.kafka.clients import admin_client

            try:  # DescribeCluster, as Kafka's ConnectUtils.lookupKafkaClusterId: not every topic's metadata
                admin = admin_client(self.settings)  # held until the answer came: its end fails the request
                described = admin.describe_cluster(request_timeout=self.timeout_s).result()
            except KafkaException as error:
                raise ConnectError(f"Failed to connect to and describe Kafka cluster: {error}") from error
            if not described.cluster_id:
                raise ConnectError("Failed to connect to and describe Kafka cluster: no cluster id")
            self._cluster_id = described.cluster_id
        return self._cluster_id


class StaticClusterInfo:
    """A fixed cluster id (tests, or a deployment that knows it)."""

    def __init__(self, cluster_id: str) -> None:
        """Keep the id."""
        self._cluster_id = cluster_id

    def cluster_id(self) -> str:
        """The fixed id."""
        return self._cluster_id
