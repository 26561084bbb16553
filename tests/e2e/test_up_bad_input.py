"""The bad-input sweep against `lambda-connect up`: every bad request is a 4xx with a JSON error body within 30 s,
no code from a body runs, no secret reaches a record, one bad connector never stops another, and the server keeps
serving (README "Security")."""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.parse
from typing import TYPE_CHECKING, Any

import pytest

from tests.integration.local.test_http_front import _raw

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from tests.e2e.conftest import Up

pytestmark = pytest.mark.integration

SECRET = "sweep-secret-7f3a9c"
HANG_LIMIT_S = 30.0
FILE_SOURCE = {"connector.class": "FileStreamSource", "file": "in.txt", "topic": "t"}


@pytest.fixture(autouse=True)
def _secret_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """What `up` (and every function it runs) has in its environment: a role's secret key, say."""
    monkeypatch.setenv("LC_SWEEP_SECRET", SECRET)


def _json(body: Any) -> bytes:
    return json.dumps(body).encode()


def _request(method: str, path: str, body: bytes = b"", content_type: str | None = "application/json",
             extra: bytes = b"") -> bytes:
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n".encode()
    if content_type:
        head += f"Content-Type: {content_type}\r\n".encode()
    if b"Content-Length" not in extra and b"Transfer-Encoding" not in extra:
        head += f"Content-Length: {len(body)}\r\n".encode()
    return head + extra + b"\r\n" + body


def _bad_requests() -> list[tuple[str, bytes]]:
    wrap = {"name": "w", "config": FILE_SOURCE}
    code = ["tempfile:mkdtemp", "tempfile:mkstemp", "os:system", "subprocess:Popen", "builtins:eval", "this:s",
            "connect_core.connectors.file.source_connector:FileStreamSourceConnector"]
    cases: list[tuple[str, bytes]] = [
        ("malformed JSON", _request("POST", "/connectors", b"{nope")),
        ("array body", _request("POST", "/connectors", b"[]")),
        ("config as a string", _request("POST", "/connectors", _json({"name": "a", "config": "x=y"}))),
        ("config as an array", _request("POST", "/connectors", _json({"name": "a", "config": ["x"]}))),
        ("nested value", _request("POST", "/connectors", _json({"name": "a", "config": {**FILE_SOURCE, "x": {}}}))),
        ("array value", _request("POST", "/connectors", _json({"name": "a", "config": {**FILE_SOURCE, "x": [1]}}))),
        ("wrapper sent to PUT", _request("PUT", "/connectors/w/config", _json(wrap))),
        ("array sent to PUT", _request("PUT", "/connectors/w/config", b"[1]")),
        ("5 MB config", _request("POST", "/connectors", _json({"name": "a", "config": {**FILE_SOURCE,
                                                                                       "x": "y" * 5_000_000}}))),
        ("deep nesting", _request("POST", "/connectors", b"[" * 100_000 + b"]" * 100_000)),
        ("validate unknown plugin", _request("PUT", "/connector-plugins/os:system/config/validate",
                                             _json({"connector.class": "os:system"}))),
        ("unknown connector class", _request("POST", "/connectors", _json({"name": "a", "config": {
            "connector.class": "com.acme.Nope"}}))),
        ("no Content-Type", _request("POST", "/connectors", _json(wrap), content_type=None)),
        ("form Content-Type", _request("POST", "/connectors", _json(wrap), content_type="text/plain")),
        ("invalid UTF-8", _request("POST", "/connectors", b'{"name": "\xff\xfe", "config": {}}')),
        ("negative Content-Length", _request("POST", "/connectors", b"{}", extra=b"Content-Length: -5\r\n")),
        ("Content-Length abc", _request("POST", "/connectors", b"{}", extra=b"Content-Length: abc\r\n")),
        ("malformed chunks", _request("POST", "/connectors", b"zz\r\nab\r\n0\r\n\r\n",
                                      extra=b"Transfer-Encoding: chunked\r\n")),
        ("TRACE", _request("TRACE", "/connectors", content_type=None)),
        ("OPTIONS", _request("OPTIONS", "/connectors", content_type=None)),
        ("garbage request line", b"GARBAGE\r\n\r\n"),
        ("offsets abc", _request("PATCH", "/connectors/stopped-src/offsets", _json({"offsets": [
            {"partition": {"filename": "in.txt"}, "offset": {"position": "abc"}}]}))),
        ("offsets -5", _request("PATCH", "/connectors/stopped-src/offsets", _json({"offsets": [
            {"partition": {"filename": "in.txt"}, "offset": {"position": -5}}]}))),
        ("connector config.providers", _request("POST", "/connectors", _json({"name": "p", "config": {
            **FILE_SOURCE, "config.providers": "env", "transforms": "i",
            "transforms.i.type": "org.apache.kafka.connect.transforms.InsertField$Value",
            "transforms.i.static.field": "s", "transforms.i.static.value": "${env:LC_SWEEP_SECRET}"}}))),
    ]
    for key in ("connector.class", "key.converter", "value.converter", "header.converter", "transforms.t.type",
                "predicates.p.type"):
        for target in code:
            config = {**FILE_SOURCE, key: target}
            if key == "transforms.t.type":
                config["transforms"] = "t"
            if key == "predicates.p.type":
                config.update({"transforms": "t", "transforms.t.type": "Filter", "transforms.t.predicate": "p",
                               "predicates": "p"})
            cases.append((f"{key}={target}", _request("POST", "/connectors", _json({"name": "c", "config": config}))))
    return cases


@pytest.fixture
def silent_database() -> Iterator[int]:
    """A port that accepts TCP connections and never says a word (a database behind a broken proxy)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    yield server.getsockname()[1]
    server.close()


def _timed(port: int, request: bytes) -> tuple[int, dict[str, str], bytes, float]:
    started = time.monotonic()
    status, headers, body = _raw(port, request, HANG_LIMIT_S)
    return status, headers, body, time.monotonic() - started


def test_the_bad_input_sweep(up: Up, tmp_path: Path, silent_database: int) -> None:
    port = urllib.parse.urlsplit(up.url).port
    assert port is not None
    assert up.http("POST", "/connectors", {"name": "stopped-src", "config": FILE_SOURCE})[0] == 201
    assert up.http("PUT", "/connectors/stopped-src/stop")[0] == 204

    # A JDBC source against a silent database: the request answers in bounded time while others are served.
    slow: dict[str, Any] = {}
    slow_body = _json({"name": "slow-db", "config": {
        "connector.class": "io.confluent.connect.jdbc.JdbcSourceConnector", "mode": "bulk", "topic.prefix": "x-",
        "connection.url": f"jdbc:mysql://127.0.0.1:{silent_database}/db", "connection.attempts": "1",
        "table.whitelist": "t"}})
    slow_thread = threading.Thread(target=lambda: slow.update(r=_timed(port, _request("POST", "/connectors",
                                                                                       slow_body))))
    slow_thread.start()

    failures = []
    for label, request in _bad_requests():
        status, headers, body, took = _timed(port, request)
        try:
            parsed = json.loads(body)
            ok = 400 <= status < 500 and headers.get("content-type") == "application/json" and \
                set(parsed) == {"error_code", "message"} and took < HANG_LIMIT_S
        except ValueError:
            ok = False
        if not ok:
            failures.append((label, status, body[:200], round(took, 1)))
    assert failures == []

    slow_thread.join(HANG_LIMIT_S)
    assert not slow_thread.is_alive()
    status, _, _, took = slow["r"]
    assert status == 201 and took < HANG_LIMIT_S
    assert up.wait_for(lambda: up.http("GET", "/connectors/slow-db/status")[1]["connector"]["state"] == "FAILED",
                       "the slow connector FAILED")

    # Nothing was created by a refused request.
    assert sorted(up.http("GET", "/connectors")[1]) == ["slow-db", "stopped-src"]

    # A "/" in a name does not stop the connectors after it; the environment's secret never reaches a record.
    (tmp_path / "in.txt").write_text("hello\n")
    topic = f"{up.prefix}-sweep"
    odd = urllib.parse.quote("a/b", safe="")
    for name, config in (
        ("a/b", {"connector.class": "FileStreamSink", "file": "odd.txt", "topics": topic}),
        ("zz-src", {**FILE_SOURCE, "topic": topic, "poll.interval.ms": "300", "transforms": "h,i",
                    "transforms.h.type": "org.apache.kafka.connect.transforms.HoistField$Value",
                    "transforms.h.field": "line",
                    "transforms.i.type": "org.apache.kafka.connect.transforms.InsertField$Value",
                    "transforms.i.static.field": "s", "transforms.i.static.value": "${env:LC_SWEEP_SECRET}"}),
        (f"{up.prefix}-zz-sink", {"connector.class": "FileStreamSink", "file": "out.txt", "topics": topic,
                                  "lambda.maximum.batching.window.ms": "100"}),
    ):
        status, answer = up.http("PUT", f"/connectors/{urllib.parse.quote(name, safe='')}/config", config)
        assert status == 201, answer
    out = tmp_path / "out.txt"
    lines = up.wait_for(lambda: out.exists() and out.read_text().splitlines(), "records through the later sink")
    assert "${env:LC_SWEEP_SECRET}" in lines[0]  # no worker provider declared: the placeholder stays literal
    assert SECRET not in "".join(lines)
    assert up.http("GET", f"/connectors/{odd}/status")[0] == 200

    # Still serving.
    assert up.http("GET", "/")[0] == 200
