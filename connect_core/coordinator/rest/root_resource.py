"""``GET /``, ``GET /health`` and ``/connector-plugins`` (Kafka ``RootResource`` + ``ConnectorPluginsResource``)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from connect_core.coordinator.health.worker_health import WorkerHealth
from connect_core.coordinator.herder.plugins import (
    CONNECTOR_CLASS_CONFIG,
    connector_plugin_config,
    list_plugins,
)
from connect_core.coordinator.rest.http import Response, bad_request, string_map

if TYPE_CHECKING:
    from connect_core.coordinator.cluster.info import ClusterInfo
    from connect_core.coordinator.rest.http import Request, Router
    from connect_core.storage.config_store import ConfigStore

__all__ = ["RootResource"]

log = logging.getLogger(__name__)

_CONNECTOR_SUFFIX = "Connector"


class RootResource:
    """Server info, health and plugins."""

    def __init__(self, configs: ConfigStore, cluster: ClusterInfo, version: str, commit: str) -> None:
        """``version``/``commit`` are what ``GET /`` reports; the cluster id comes from ``cluster``."""
        self.configs = configs
        self.cluster = cluster
        self.version = version
        self.commit = commit
        self.worker_health = WorkerHealth(configs)

    def register(self, router: Router) -> None:
        """Add the routes."""
        router.add("GET", "/", self.server_info)
        router.add("GET", "/health", self.health)
        router.add("GET", "/connector-plugins", self.list_plugins)
        router.add("GET", "/connector-plugins/{plugin}/config", self.plugin_config)
        router.add("PUT", "/connector-plugins/{plugin}/config/validate", self.validate, consumes_json=True)

    def server_info(self, request: Request) -> Response:
        """ServerInfo."""
        return Response(
            200, {"version": self.version, "commit": self.commit, "kafka_cluster_id": self.cluster.cluster_id()}
        )

    def health(self, request: Request) -> Response:
        """KIP-1017: 200 healthy, 503 starting, 500 unhealthy (``health/worker_health.py``)."""
        status, body = self.worker_health.check()
        return Response(status, body)

    def list_plugins(self, request: Request) -> Response:
        """PluginInfo list; ``connectorsOnly=false`` adds SMTs, predicates and converters."""
        return Response(200, list_plugins(request.query_flag("connectorsOnly", True)))

    def plugin_config(self, request: Request) -> Response:
        """ConfigKeyInfo list; ``version`` (default ``latest``) selects among the installed versions (KIP-891)."""
        return Response(200, connector_plugin_config(request.param("plugin"), request.query_param("version")))

    def validate(self, request: Request) -> Response:
        """ConfigInfos, 200 even when there are errors."""
        plugin = request.param("plugin")
        config = string_map(request.json(), "Connector config")
        included = config.get(CONNECTOR_CLASS_CONFIG)
        if included is not None and not _normalized(included).endswith(_normalized(plugin)):
            raise bad_request(f"Included connector type {included} does not match request type {plugin}")
        from connect_core.coordinator.herder.validation import validate_connector_config  # lazy: not a cold start's

        return Response(200, validate_connector_config(config))


def _normalized(name: str) -> str:
    return name[: -len(_CONNECTOR_SUFFIX)] if name.endswith(_CONNECTOR_SUFFIX) else name
