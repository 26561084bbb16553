"""The local HTTP front over a loopback socket: HTTP edge cases get Kafka's JSON error body, never HTML.

The coordinator behind it is the real handler over in-memory topics, so what reaches it is checked end to end.
"""

from __future__ import annotations

import base64
import json
import socket
import threading
from typing import TYPE_CHECKING, Any

import pytest

from connect_core.local.http_front import serve
from functions.coordinator import app
from tests.unit.coordinator.fakes import Topics, make_coordinator

if TYPE_CHECKING:
    from collections.abc import Iterator

pytestmark = pytest.mark.integration


class _Direct:
    """Invokes the coordinator handler in this process (FunctionPool's interface)."""

    def invoke(self, event: Any, timeout_s: float = 60.0) -> Any:
        return app.handler(event, None)


@pytest.fixture
def port(monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    monkeypatch.setattr(app, "_coordinator", make_coordinator(Topics()))
    server = serve("127.0.0.1", 0, _Direct())  # type: ignore[arg-type]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def _raw(port: int, request: bytes, timeout_s: float = 10.0) -> tuple[int, dict[str, str], bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout_s) as sock:
        sock.sendall(request)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        length = 0 if request.startswith(b"HEAD ") else int(headers.get("content-length", "0"))
        while len(body) < length:
            chunk = sock.recv(65536)
            if not chunk:
                break
            body += chunk
        return int(lines[0].split()[1]), headers, body


def _json_error(port: int, request: bytes, status: int) -> dict[str, Any]:
    code, headers, body = _raw(port, request)
    assert code == status, body
    assert headers["content-type"] == "application/json"
    parsed = json.loads(body)
    assert set(parsed) == {"error_code", "message"}
    return parsed


CONFIG = json.dumps({"name": "a", "config": {"connector.class": "FileStreamSource", "topic": "t"}}).encode()


def test_no_content_type_is_415(port: int) -> None:
    request = b"POST /connectors HTTP/1.1\r\nHost: localhost\r\nContent-Length: %d\r\n\r\n%s" % (len(CONFIG), CONFIG)
    assert _json_error(port, request, 415)["message"] == "HTTP 415 Unsupported Media Type"


@pytest.mark.parametrize("length", [b"-5", b"abc", b"1e3"])
def test_bad_content_length_is_400(port: int, length: bytes) -> None:
    request = b"POST /connectors HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: " + \
        length + b"\r\n\r\n{}"
    assert "Invalid Content-Length" in _json_error(port, request, 400)["message"]


def test_invalid_utf8_is_400(port: int) -> None:
    body = b'{"name": "a\xff\xfe", "config": {}}'
    request = b"POST /connectors HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n" \
              b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
    assert "not valid UTF-8" in _json_error(port, request, 400)["message"]


def test_chunked_body_is_read(port: int) -> None:
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in (CONFIG[:10], CONFIG[10:])) + b"0\r\n\r\n"
    request = b"POST /connectors HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n" \
              b"Transfer-Encoding: chunked\r\n\r\n" + chunks
    code, _, body = _raw(port, request)
    assert code == 201, body


def test_malformed_chunked_body_is_400(port: int) -> None:
    request = b"POST /connectors HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n" \
              b"Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n"
    assert "Malformed chunked" in _json_error(port, request, 400)["message"]


@pytest.mark.parametrize(("method", "status"), [(b"TRACE", 405), (b"OPTIONS", 405), (b"FOO", 405),
                                                (b"DELETE", 405)])
def test_other_methods_are_json_errors_not_html(port: int, method: bytes, status: int) -> None:
    request = method + b" /connectors HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n"
    assert _json_error(port, request, status)["message"] == "HTTP 405 Method Not Allowed"


def test_head_answers_get_headers_without_a_body(port: int) -> None:
    code, headers, body = _raw(port, b"HEAD /connectors HTTP/1.1\r\nHost: localhost\r\n\r\n")
    assert (code, headers["content-type"], headers["content-length"], body) == (200, "application/json", "2", b"")


def test_a_bad_request_line_is_a_json_error(port: int) -> None:
    assert _json_error(port, b"GARBAGE\r\n\r\n", 400)["error_code"] == 400


def test_server_still_serves_after_bad_requests(port: int) -> None:
    _raw(port, b"POST /connectors HTTP/1.1\r\nContent-Length: abc\r\n\r\n")
    code, _, body = _raw(port, b"GET /connectors HTTP/1.1\r\nHost: localhost\r\n\r\n")
    assert (code, json.loads(body)) == (200, [])


def test_base64_event_for_binary_bodies() -> None:
    from connect_core.local.http_front import http_api_event

    event = http_api_event("POST", "/x", {}, b"\xff")
    assert (event["isBase64Encoded"], base64.b64decode(event["body"])) == (True, b"\xff")


def test_a_host_that_is_not_this_machine_is_403_before_the_coordinator(port: int) -> None:
    """DNS rebinding: a page whose own domain resolves to 127.0.0.1 still sends that domain as Host."""
    body = json.dumps({"name": "evil", "config": {"connector.class": "FileStreamSink", "topics": "t"}}).encode()
    request = (b"POST /connectors HTTP/1.1\r\nHost: attacker.example:%d\r\nContent-Type: application/json\r\n"
               b"Content-Length: %d\r\n\r\n%s" % (port, len(body), body))
    message = _json_error(port, request, 403)["message"]
    assert message.startswith(f"Host header 'attacker.example:{port}' is not allowed")
    code, _, listed = _raw(port, b"GET /connectors HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    assert (code, json.loads(listed)) == (200, [])  # nothing was created


@pytest.fixture
def auth_port(monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    from connect_core.local.basic_auth import BasicAuth

    monkeypatch.setattr(app, "_coordinator", make_coordinator(Topics()))
    server = serve("127.0.0.1", 0, _Direct(), auth=BasicAuth({"admin": "s3cret"}))  # type: ignore[arg-type]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("authorization", [b"", b"Authorization: Basic YWRtaW46d3Jvbmc=\r\n"])  # admin:wrong
def test_without_valid_credentials_the_answer_is_kafkas_401(auth_port: int, authorization: bytes) -> None:
    """Kafka Connect 4.1.1 with BasicAuthSecurityRestExtension answers exactly this (checked against the jar):
    401, Content-Type application/json, the text below as the body (not JSON)."""
    code, headers, body = _raw(auth_port, b"GET /connectors HTTP/1.1\r\nHost: localhost\r\n%s\r\n" % authorization)
    assert (code, headers["content-type"], body) == (401, "application/json", b"User cannot access the resource.")
    assert headers["www-authenticate"] == 'Basic realm="lambda-connect"'  # ours: lets a browser ask (status page)


def test_with_the_credentials_requests_reach_the_coordinator(auth_port: int) -> None:
    code, _, body = _raw(auth_port, b"GET /connectors HTTP/1.1\r\nHost: localhost\r\n"
                                    b"Authorization: Basic YWRtaW46czNjcmV0\r\n\r\n")  # admin:s3cret
    assert (code, json.loads(body)) == (200, [])


def _void(port: int, method: bytes, path: bytes) -> tuple[int, dict[str, str], bytes]:
    return _raw(port, method + b" " + path + b" HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n")


def test_void_answers_carry_no_body_and_no_content_type(port: int) -> None:
    """As a Connect worker's Jetty sends them: 204 with neither Content-Type nor Content-Length, 202 with
    ``Content-Length: 0`` only; ``Location`` on a 201 is absolute."""
    request = b"POST /connectors/ HTTP/1.1\r\nHost: localhost:8083\r\nContent-Type: application/json\r\n" \
              b"Content-Length: %d\r\n\r\n%s" % (len(CONFIG), CONFIG)
    code, headers, _ = _raw(port, request)
    assert (code, headers["location"]) == (201, "http://localhost:8083/connectors/a")
    for method, path, status in (
        (b"POST", b"/connectors/a/tasks/0/restart", 204), (b"PUT", b"/connectors/a/pause/", 202),
        (b"PUT", b"/connectors/a/resume", 202), (b"POST", b"/connectors/a/restart/", 204),
        (b"PUT", b"/connectors/a/topics/reset", 202), (b"PUT", b"/connectors/a/stop/", 204),
        (b"DELETE", b"/connectors/a/", 204),
    ):
        code, headers, body = _void(port, method, path)
        assert (code, body) == (status, b""), path
        assert "content-type" not in headers, path
        assert headers.get("content-length") == (None if status == 204 else "0"), path
