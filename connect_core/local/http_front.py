"""The coordinator's HTTP front locally: each request becomes an HTTP API v2 event for the coordinator function.

It behaves as a Lambda Function URL does in front of the same function: any method reaches the function (which
answers 404/405/415 with Kafka's JSON error body), a body that is not valid UTF-8 arrives base64-encoded, a body
over the invocation payload limit is refused with 413, and what the HTTP layer itself refuses (a bad
``Content-Length``, a malformed chunked body, an unknown method) is a JSON error too, never an HTML page.
Requests are served concurrently (one thread each; the coordinator pool decides how many run at once).

Before anything reaches the coordinator, the ``Host`` header must name this machine (``host_check.py``: DNS
rebinding) and, when credentials are configured, ``Authorization`` must pass Kafka's basic auth (``basic_auth.py``).

`up` is one worker of many processes: a worker-scope ``PUT /admin/loggers/<name>`` the coordinator accepted is
recorded for every function process (``function_host.WorkerLogLevels``), as a worker's applies to the tasks it runs.
"""

from __future__ import annotations

import base64
import json
import logging
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit

from connect_core.local.basic_auth import UNAUTHORIZED_BODY
from connect_core.local.function_host import FunctionError
from connect_core.local.host_check import AllowedHosts

if TYPE_CHECKING:
    from connect_core.local.basic_auth import BasicAuth
    from connect_core.local.function_host import FunctionPool, WorkerLogLevels

__all__ = ["MAX_PAYLOAD_BYTES", "http_api_event", "serve"]

log = logging.getLogger(__name__)

MAX_PAYLOAD_BYTES = 6 * 1024 * 1024  # Lambda's synchronous invocation payload limit (Function URLs: 413 past it)
SOCKET_TIMEOUT_S = 30.0  # a client that stops sending mid-request is dropped, never holding a thread forever
REQUEST_TIMEOUT_S = 90.0
# Statuses that never carry a body, hence no Content-Length (RFC 9110 8.6; Jetty sends none on a 204 either).
_NO_CONTENT_LENGTH = frozenset({204, 304})
_LOGGERS_PATH = "/admin/loggers/"


class _HttpError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def http_api_event(method: str, target: str, headers: dict[str, str], body: bytes) -> dict[str, Any]:
    """An API Gateway HTTP API (payload format 2.0) / Function URL event for one request."""
    parts = urlsplit(target)
    try:
        text: str | None = body.decode("utf-8") if body else None
        encoded = False
    except UnicodeDecodeError:
        text, encoded = base64.b64encode(body).decode("ascii"), True
    return {
        "version": "2.0", "routeKey": "$default", "rawPath": parts.path or "/", "rawQueryString": parts.query,
        "headers": {name.lower(): value for name, value in headers.items()},
        "requestContext": {"http": {"method": method, "path": parts.path or "/", "protocol": "HTTP/1.1",
                                    "sourceIp": "127.0.0.1", "userAgent": headers.get("User-Agent", "")},
                           "stage": "$default"},
        "body": text,
        "isBase64Encoded": encoded,
    }


def _error_response(status: int, message: str) -> dict[str, Any]:
    return {"statusCode": status, "headers": {"Content-Type": "application/json"},
            "body": json.dumps({"error_code": status, "message": message})}


def _unauthorized() -> dict[str, Any]:
    """Kafka's ``JaasBasicAuthFilter`` answer, byte for byte (its text under a JSON Content-Type), plus a challenge
    so that a browser opening the status page asks for the credentials."""
    return {"statusCode": 401, "headers": {"Content-Type": "application/json",
                                           "WWW-Authenticate": 'Basic realm="lambda-connect"'},
            "body": UNAUTHORIZED_BODY}


def _read_body(headers: Any, rfile: Any) -> bytes:
    """The request body by ``Content-Length`` or chunked transfer coding; _HttpError for what cannot be read."""
    if "chunked" in headers.get("Transfer-Encoding", "").lower():
        return _read_chunked(rfile)
    raw = headers.get("Content-Length")
    if raw is None:
        return b""
    try:
        length = int(raw.strip())
    except ValueError:
        raise _HttpError(400, f"Invalid Content-Length header: {raw!r}") from None
    if length < 0:
        raise _HttpError(400, f"Invalid Content-Length header: {raw!r}")
    if length > MAX_PAYLOAD_BYTES:
        raise _HttpError(413, f"Request body of {length} bytes is larger than the limit of {MAX_PAYLOAD_BYTES} bytes")
    body: bytes = rfile.read(length)
    if len(body) < length:
        raise _HttpError(400, "Request body is shorter than its Content-Length")
    return body


def _read_chunked(rfile: Any) -> bytes:
    body = bytearray()
    while True:
        line = rfile.readline(1024).strip()
        try:
            size = int(line.split(b";", 1)[0], 16)
        except ValueError:
            raise _HttpError(400, "Malformed chunked request body") from None
        if size < 0:
            raise _HttpError(400, "Malformed chunked request body")
        if size == 0:
            while rfile.readline(1024).strip():  # trailers
                pass
            return bytes(body)
        if len(body) + size > MAX_PAYLOAD_BYTES:
            raise _HttpError(413, f"Request body is larger than the limit of {MAX_PAYLOAD_BYTES} bytes")
        chunk = rfile.read(size)
        if len(chunk) < size:
            raise _HttpError(400, "Malformed chunked request body")
        body += chunk
        rfile.readline(1024)  # the CRLF after each chunk


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = SOCKET_TIMEOUT_S
    coordinator: FunctionPool
    allowed_hosts: AllowedHosts
    auth: BasicAuth | None
    log_levels: WorkerLogLevels | None

    def _refusal(self) -> dict[str, Any] | None:
        """403 for a Host this server does not answer, 401 without valid credentials; None to go on."""
        host = self.headers.get("Host")
        if not self.allowed_hosts.allows(host):
            log.warning("refused a request for Host %r (DNS rebinding?)", host)
            return _error_response(403, self.allowed_hosts.refusal(str(host)))
        if self.auth is not None and not self.auth.allows(self.headers.get("Authorization")):
            return _unauthorized()
        return None

    def _handle(self) -> None:
        refusal = self._refusal()
        if refusal is not None:
            self.close_connection = True  # the body is not read
            self._send(refusal)
            return
        try:
            body = _read_body(self.headers, self.rfile)
        except _HttpError as error:
            self.close_connection = True  # the rest of the stream cannot be trusted
            self._send(_error_response(error.status, error.message))
            return
        method = "GET" if self.command == "HEAD" else self.command
        event = http_api_event(method, self.path, dict(self.headers), body)
        try:
            response = self.coordinator.invoke(event, REQUEST_TIMEOUT_S)
        except FunctionError as error:
            response = _error_response(500, str(error))
        if method == "PUT" and int(response.get("statusCode", 200)) == 200:
            self._record_log_level(body)
        self._send(response)

    def _record_log_level(self, body: bytes) -> None:
        """A worker-scope log level the coordinator accepted, for every function process of `up`."""
        target = urlsplit(self.path)
        if self.log_levels is None or not target.path.startswith(_LOGGERS_PATH):
            return
        if any(scope.lower() == "cluster" for scope in parse_qs(target.query).get("scope", [])):
            return  # written to the config topic: every function applies it from there
        try:
            level = json.loads(body)["level"]
        except (ValueError, TypeError, KeyError):
            return
        self.log_levels.record(unquote(target.path[len(_LOGGERS_PATH):]), str(level))

    def _send(self, response: dict[str, Any]) -> None:
        body = response.get("body") or ""
        raw = base64.b64decode(body) if response.get("isBase64Encoded") else body.encode("utf-8")
        status = int(response.get("statusCode", 200))
        self.send_response(status)
        for name, value in (response.get("headers") or {}).items():
            if name.lower() not in ("content-length", "connection"):
                self.send_header(name, value)
        if status not in _NO_CONTENT_LENGTH:
            self.send_header("Content-Length", str(len(raw)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(raw)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """What http.server refuses itself (bad request line, header too long, ...): Kafka's JSON body."""
        self.close_connection = True
        self.command = getattr(self, "command", None) or ""  # may be unset when the request line was bad
        self.request_version = self.protocol_version  # a garbled request line reads as HTTP/0.9: no status line
        try:
            text = message or HTTPStatus(code).phrase
        except ValueError:
            text = message or "Error"
        self._send(_error_response(code, f"HTTP {code} {text}"))

    def __getattr__(self, name: str) -> Any:
        if name.startswith("do_"):  # every method reaches the function, as behind a Function URL
            return self._handle
        raise AttributeError(name)

    def log_message(self, format: str, *args: Any) -> None:  # A002: the base class signature
        log.info("%s %s", self.address_string(), format % args)


def serve(host: str, port: int, coordinator: FunctionPool, *, allowed_hosts: AllowedHosts | None = None,
          auth: BasicAuth | None = None, log_levels: WorkerLogLevels | None = None) -> ThreadingHTTPServer:
    """A server whose every request is one coordinator invocation; call ``serve_forever`` on it.

    ``allowed_hosts`` defaults to the local names plus ``host``; ``auth`` None serves without authentication;
    ``log_levels`` records worker-scope log levels for every function process.
    """
    guard = {"allowed_hosts": allowed_hosts or AllowedHosts.for_server(host), "auth": auth, "log_levels": log_levels}
    handler = type("Handler", (_Handler,), {"coordinator": coordinator, **guard})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server
