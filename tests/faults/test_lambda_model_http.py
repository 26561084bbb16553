"""Confluent's Elasticsearch sink on OpenSearch and HTTP sink under the Lambda model: any warm container, frozen and
recycled ones, injected failures, idle gaps (connect_core/testing/lambda_model.py). ``make test`` runs a few
schedules each, ``make faults`` many."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from tests.faults import _lambda_families as families
from tests.faults import _lambda_model
from tests.faults._lambda_model import run_family

if TYPE_CHECKING:
    from connect_core.testing import EmbeddedConnect


connect = _lambda_model.connect  # the module's kit (a fixture)
pytestmark = pytest.mark.timeout(_lambda_model.TIMEOUT_S)


def test_opensearch_sink(connect: EmbeddedConnect, opensearch_url: str, request: pytest.FixtureRequest) -> None:
    run_family(connect, lambda: families.OpenSearchSink(connect, opensearch_url), request)


def test_http_sink(connect: EmbeddedConnect, request: pytest.FixtureRequest) -> None:
    from tests.integration.connectors.http._server import serve

    server, endpoint = serve()
    try:
        bodies: list[bytes] = []

        def record(request: Any) -> tuple[int, bytes]:
            bodies.append(request.body)
            return 200, b'{"ok":true}'

        endpoint.respond = record

        def family() -> families.HttpSink:
            bodies.clear()  # a schedule counts its own bodies only (each ends with its containers thawed and closed)
            return families.HttpSink(connect, endpoint.url, bodies)

        run_family(connect, family, request)
    finally:
        server.shutdown()
