"""`GET /_lambda_connect/health`: lets `make services` tell a LocalStack with this extension from a stale one."""

from __future__ import annotations

from localstack import config
from localstack.http import Request, Response, route
from localstack.runtime import hooks

from lambda_connect_localstack import version
from lambda_connect_localstack.patches import poll_cadence_s

HEALTH_PATH = "/_lambda_connect/health"


class HealthResource:
    @route(HEALTH_PATH, methods=["GET"])
    def health(self, request: Request) -> Response:
        return Response.for_json({
            "version": version(),
            "runtime_executor": config.LAMBDA_RUNTIME_EXECUTOR,
            "poll_cadence_s": poll_cadence_s(),
        })


@hooks.on_infra_start()
def register_lambda_connect_health() -> None:
    from localstack.services.edge import ROUTER

    ROUTER.add(HealthResource())
