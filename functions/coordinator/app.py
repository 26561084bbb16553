"""Coordinator: an HTTP API v2 / Function URL event in, Kafka Connect's REST response out."""

from __future__ import annotations

import base64
from typing import Any

from connect_core.coordinator import Coordinator, Request, Response, coordinator_from_env
from connect_core.coordinator.metrics.msk_connect import MSK_CONNECT_METRICS
from connect_core.runtime.heartbeat import budget_s, is_heartbeat
from connect_core.runtime.pydantic_plugins import skip_plugin_scan
from connect_core.runtime.run_metrics import emit_connector_metrics, emit_lag_metrics

skip_plugin_scan()  # pydantic finds its (no) plugins without importlib.metadata (a cold start's import)

_coordinator: Coordinator | None = None  # built once per warm container: stores and clients are reused


def to_request(event: dict[str, Any]) -> Request:
    """Parse a payload format 2.0 event (rawPath, rawQueryString, requestContext.http.method, body)."""
    body = event.get("body")
    raw = base64.b64decode(body, validate=True) if body is not None and event.get("isBase64Encoded") else body
    method = event.get("requestContext", {}).get("http", {}).get("method", "GET")
    return Request.build(method, event.get("rawPath", "/"), event.get("rawQueryString", ""),
                         event.get("headers") or {}, raw)


def to_event(response: Response) -> dict[str, Any]:
    """Shape the payload format 2.0 response: Kafka's JSON body (or the status page's HTML, JS, CSS) and headers;
    a void answer (204, 202) has an empty body and no Content-Type, as a Connect worker sends it."""
    return {"statusCode": response.status, "headers": response.wire_headers(), "body": response.body_text(),
            "isBase64Encoded": False}


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Serve one REST request, or the scheduled heartbeat (a reconcile pass, sample sink lag, emit ``ConsumerLag`` and
    MSK Connect's metrics per ``ConnectorName``)."""
    global _coordinator
    _coordinator = _coordinator or coordinator_from_env()
    if is_heartbeat(event):
        totals = _coordinator.heartbeat(budget_s(context))
        emit_lag_metrics(totals)
        emit_connector_metrics(_coordinator.connector_metrics(), MSK_CONNECT_METRICS)
        answer: dict[str, Any] = {"lag": totals}
        if _coordinator.heartbeats.last:  # none ran while Kafka refuses the login
            answer["steps"] = {name: outcome.summary() for name, outcome in _coordinator.heartbeats.last.items()}
        reconciled = _coordinator.last_pass  # None: the deployer keeps no inventory (lambda-connect up)
        return answer if reconciled is None else {**answer, "reconcile": reconciled.summary()}
    try:
        request = to_request(event)
    except ValueError as error:  # a body that is not valid base64: the client's mistake
        return to_event(Response.error(400, f"Cannot decode the request body: {error}"))
    return to_event(_coordinator.handle(request))
