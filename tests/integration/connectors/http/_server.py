"""A real HTTP server on 127.0.0.1 for the HTTP sink's tests: it records every request and answers as told."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import ssl
    from collections.abc import Callable


@dataclass
class Request:
    """One request the server got."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes




@dataclass
class Endpoint:
    """The server's address, what it got and how it answers (``respond`` may be replaced by a test)."""

    url: str
    requests: list[Request] = field(default_factory=list)
    respond: Callable[[Request], tuple[int, bytes]] = lambda _request: (200, b'{"ok":true}')

    def api(self) -> list[Request]:
        """The requests other than to the OAuth2 token path."""
        return [r for r in self.requests if not r.path.startswith("/token")]


def serve(tls: ssl.SSLContext | None = None) -> tuple[ThreadingHTTPServer, Endpoint]:
    """Start a threaded server on a free port (https with ``tls``); the caller shuts it down."""
    endpoint = Endpoint(url="")

    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            request = Request(self.command, self.path, {k.lower(): v for k, v in self.headers.items()},
                              self.rfile.read(length) if length else b"")
            endpoint.requests.append(request)
            status, body = endpoint.respond(request)
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    endpoint.url = f"{'https' if tls else 'http'}://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, endpoint


def token_endpoint(token: str, client: tuple[str, str]) -> Callable[[Request], tuple[int, bytes] | None]:
    """An OAuth2 client-credentials token endpoint at /token: the token for the right client, else 401."""
    import base64
    import urllib.parse

    def answer(request: Request) -> tuple[int, bytes] | None:
        if not request.path.startswith("/token"):
            return None
        form = urllib.parse.parse_qs(request.body.decode())
        basic = "Basic " + base64.b64encode(f"{client[0]}:{client[1]}".encode()).decode()
        if form.get("grant_type") != ["client_credentials"] or request.headers.get("authorization") != basic:
            return 401, b'{"error":"invalid_client"}'
        return 200, json.dumps({"access_token": token, "token_type": "Bearer", "expires_in": 3600}).encode()

    return answer
