"""``GET /metrics``: the worker's metrics in Prometheus' text format (``coordinator/metrics/``), behind the REST API's
own authentication (``up``'s basic auth, the Function URL's IAM)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from connect_core.coordinator.metrics.exposition import CONTENT_TYPE
from connect_core.coordinator.rest.http import Response

if TYPE_CHECKING:
    from connect_core.coordinator.metrics.worker_metrics import WorkerMetrics
    from connect_core.coordinator.rest.http import Request, Router

__all__ = ["METRICS_PATH", "MetricsResource"]

METRICS_PATH = "/metrics"


class MetricsResource:
    """The Prometheus scrape target."""

    def __init__(self, metrics: WorkerMetrics) -> None:
        """Serve ``metrics``' scrapes."""
        self.metrics = metrics

    def register(self, router: Router) -> None:
        """Add the route."""
        router.add("GET", METRICS_PATH, self.scrape)

    def scrape(self, _request: Request) -> Response:
        """One scrape: the stores caught up, every family computed."""
        return Response(200, self.metrics.scrape(), {"Cache-Control": "no-store"}, content_type=CONTENT_TYPE)
