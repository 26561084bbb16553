"""``/admin/loggers`` (Kafka ``LoggingResource``, KIP-495; ``?scope=cluster`` KIP-976)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from connect_core.coordinator.rest.http import Response, string_map

if TYPE_CHECKING:
    from connect_core.coordinator.herder.log_levels import LogLevels
    from connect_core.coordinator.rest.http import Request, Router

__all__ = ["LoggingResource"]

CLUSTER_SCOPE = "cluster"


class LoggingResource:
    """List, read and set log levels; worker scope answers 200 with the changed loggers, cluster scope 204."""

    def __init__(self, levels: LogLevels) -> None:
        """Serve ``levels``."""
        self.levels = levels

    def register(self, router: Router) -> None:
        """Add the routes."""
        router.add("GET", "/admin/loggers", self.list_loggers)
        router.add("GET", "/admin/loggers/{logger}", self.get_logger)
        router.add("PUT", "/admin/loggers/{logger}", self.set_level, consumes_json=True)

    def list_loggers(self, request: Request) -> Response:
        """``{"<logger>": {"level", "last_modified"}}``, sorted, with ``root``."""
        return Response(200, self.levels.all_levels())

    def get_logger(self, request: Request) -> Response:
        """``{"level", "last_modified"}``; 404 ``Logger <name> not found.``."""
        return Response(200, self.levels.level(request.param("logger")))

    def set_level(self, request: Request) -> Response:
        """``{"level": "DEBUG"}``; any scope but ``cluster`` (any case) is the worker's, as in Kafka."""
        body = request.json()
        level = string_map(body, "Request body").get("level") if body is not None else None
        namespace = request.param("logger")
        if (request.query_param("scope") or "").lower() == CLUSTER_SCOPE:
            self.levels.set_cluster_level(namespace, level)
            return Response(204)
        return Response(200, self.levels.set_worker_level(namespace, level))
