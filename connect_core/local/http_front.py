"""The coordinator's HTTP front locally: each request becomes an HTTP API v2 event for the coordinator function."""

from __future__ import annotations

import base64
import json
import logging
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from connect_core.local.function_host import FunctionError

if TYPE_CHECKING:
    from connect_core.local.function_host import FunctionHost

__all__ = ["http_api_event", "serve"]

log = logging.getLogger(__name__)


def http_api_event(method: str, target: str, headers: dict[str, str], body: bytes) -> dict[str, Any]:
    """An API Gateway HTTP API (payload format 2.0) / Function URL event for one request."""
    parts = urlsplit(target)
    return {
        "version": "2.0", "routeKey": "$default", "rawPath": parts.path or "/", "rawQueryString": parts.query,
        "headers": {name.lower(): value for name, value in headers.items()},
        "requestContext": {"http": {"method": method, "path": parts.path or "/", "protocol": "HTTP/1.1",
                                    "sourceIp": "127.0.0.1", "userAgent": headers.get("User-Agent", "")},
                           "stage": "$default"},
        "body": body.decode("utf-8") if body else None,
        "isBase64Encoded": False,
    }


def serve(host: str, port: int, coordinator: FunctionHost) -> ThreadingHTTPServer:
    """A server whose every request is one coordinator invocation; call ``serve_forever`` on it."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            event = http_api_event(self.command, self.path, dict(self.headers), self.rfile.read(length))
            try:
                response = coordinator.invoke(event, 90.0)
            except FunctionError as error:
                body = json.dumps({"error_code": 500, "message": str(error)})
                response = {"statusCode": 500, "headers": {"Content-Type": "application/json"}, "body": body}
            body = response.get("body") or ""
            raw = base64.b64decode(body) if response.get("isBase64Encoded") else body.encode("utf-8")
            self.send_response(int(response.get("statusCode", 200)))
            for name, value in (response.get("headers") or {}).items():
                if name.lower() != "content-length":
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle  # http.server's naming

        def log_message(self, format: str, *args: Any) -> None:  # base class signature
            log.info("%s %s", self.address_string(), format % args)

    return ThreadingHTTPServer((host, port), Handler)
