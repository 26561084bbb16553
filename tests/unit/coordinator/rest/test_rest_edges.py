"""Every route of the REST API, with and without a trailing slash, and the headers each answer carries.

The expectations were taken from a Kafka Connect 4.1.1 worker (Jersey on Jetty 12): a resource method that returns
``void`` or an entity-less ``Response`` sends no body and no Content-Type (204 for restart, stop and delete; 202 for
pause, resume and topics/reset), ``POST .../restart`` with ``includeTasks``/``onlyFailed`` answers 202 with the
ConnectorStateInfo, and ``Location`` on a 201 is absolute. The same table runs through the function's response
shaping (``functions/coordinator/app.py``), which is what the local HTTP front and the Function URL send.
"""

from __future__ import annotations

from typing import Any

import pytest

from functions.coordinator.app import to_event
from tests.unit.coordinator.conftest import FILE_SOURCE, Rest

JSON_TYPED = {"Content-Type": "application/json"}
OFFSETS = {"offsets": [{"partition": {"filename": "/tmp/in.txt"}, "offset": {"position": 1}}]}

# (method, path, query, body, status, void): run in this order against one connector "c"; void answers have no
# body and no Content-Type, every other answer is JSON.
ROUTES: list[tuple[str, str, str, Any, int, bool]] = [
    ("GET", "/", "", None, 200, False),
    ("GET", "/health", "", None, 200, False),
    ("GET", "/connector-plugins", "", None, 200, False),
    ("GET", "/connector-plugins/FileStreamSource/config", "", None, 200, False),
    ("PUT", "/connector-plugins/FileStreamSource/config/validate", "", FILE_SOURCE, 200, False),
    ("POST", "/connectors", "", {"name": "c", "config": FILE_SOURCE}, 201, False),
    ("GET", "/connectors", "", None, 200, False),
    ("GET", "/connectors/c", "", None, 200, False),
    ("GET", "/connectors/c/config", "", None, 200, False),
    ("PUT", "/connectors/c/config", "", FILE_SOURCE, 200, False),
    ("PATCH", "/connectors/c/config", "", {"batch.size": "10"}, 200, False),
    ("GET", "/connectors/c/status", "", None, 200, False),
    ("GET", "/connectors/c/tasks", "", None, 200, False),
    ("GET", "/connectors/c/tasks/0/status", "", None, 200, False),
    ("POST", "/connectors/c/tasks/0/restart", "", None, 204, True),
    ("POST", "/connectors/c/restart", "", None, 204, True),
    ("POST", "/connectors/c/restart", "includeTasks=false&onlyFailed=false", None, 204, True),
    ("POST", "/connectors/c/restart", "includeTasks=true", None, 202, False),
    ("POST", "/connectors/c/restart", "onlyFailed=true", None, 202, False),
    ("PUT", "/connectors/c/pause", "", None, 202, True),
    ("PUT", "/connectors/c/resume", "", None, 202, True),
    ("GET", "/connectors/c/topics", "", None, 200, False),
    ("PUT", "/connectors/c/topics/reset", "", None, 202, True),
    ("GET", "/connectors/c/offsets", "", None, 200, False),
    ("PUT", "/connectors/c/stop", "", None, 204, True),
    ("PATCH", "/connectors/c/offsets", "", OFFSETS, 200, False),
    ("DELETE", "/connectors/c/offsets", "", None, 200, False),
    ("GET", "/connectors/c/tasks-config", "", None, 404, False),  # KIP-970: removed in 4.0
    ("DELETE", "/connectors/c", "", None, 204, True),
    ("PUT", "/connectors/d/config", "", FILE_SOURCE, 201, False),
    ("GET", "/admin/loggers", "", None, 200, False),
    ("GET", "/admin/loggers/root", "", None, 200, False),
    ("PUT", "/admin/loggers/lc_edges", "", {"level": "INFO"}, 200, False),
    ("PUT", "/admin/loggers/lc_edges", "scope=cluster", {"level": "INFO"}, 204, True),
]


def _run_table(rest: Rest, slash: str) -> list[tuple[str, int, dict[str, str], Any]]:
    out = []
    for method, path, query, body, _, _ in ROUTES:
        response = rest.call(method, path + slash if path != "/" else path, body, query)
        event = to_event(response)
        out.append((f"{method} {path}{slash}?{query}", event["statusCode"], event["headers"], event["body"]))
    return out


@pytest.mark.usefixtures("isolated_logging")
@pytest.mark.parametrize("slash", ["", "/"], ids=["no-slash", "slash"])
def test_every_route_answers_with_kafkas_status_and_headers(rest: Rest, slash: str) -> None:
    answers = _run_table(rest, slash)
    for (label, status, headers, body), (_, _, _, _, expected, void) in zip(answers, ROUTES, strict=True):
        assert status == expected, (label, body)
        if void:
            assert (headers, body) == ({}, ""), label
        else:
            assert headers.get("Content-Type") == "application/json", label
            assert body, label


def test_201_carries_an_absolute_location(rest: Rest) -> None:
    created = rest.call("POST", "/connectors/", {"name": "a b", "config": FILE_SOURCE})
    assert to_event(created)["headers"] == {**JSON_TYPED, "Location": "http://localhost:8083/connectors/a%20b"}
    put = rest.call("PUT", "/connectors/x/config/", FILE_SOURCE, headers={"X-Forwarded-Proto": "https",
                                                                           "Host": "abc.lambda-url.on.aws"})
    assert put.headers == {"Location": "https://abc.lambda-url.on.aws/connectors/x"}


def test_restart_with_includetasks_answers_202_with_the_connector_state(rest: Rest) -> None:
    rest.create("c", FILE_SOURCE)
    response = rest.call("POST", "/connectors/c/restart/", query="includeTasks=true&onlyFailed=false")
    assert response.status == 202
    assert response.body["name"] == "c"
    assert {"connector", "tasks", "type"} <= set(response.body)


@pytest.mark.parametrize(("method", "path", "status", "message"), [
    ("GET", "/nope", 404, "HTTP 404 Not Found"),
    ("GET", "/connectors/c/tasks/x/status", 404, "HTTP 404 Not Found"),
    ("DELETE", "/connectors", 405, "HTTP 405 Method Not Allowed"),
    ("POST", "/connectors/c/config/", 405, "HTTP 405 Method Not Allowed"),
    ("GET", "/connectors//", 400, "Ambiguous URI empty segment"),
    ("GET", "//connectors", 400, "Ambiguous URI empty segment"),
])
def test_jersey_and_jetty_errors_keep_their_bodies(rest: Rest, method: str, path: str, status: int,
                                                   message: str) -> None:
    response = rest.call(method, path)
    assert (response.status, response.body) == (status, {"error_code": status, "message": message})


def test_415_body_is_unchanged(rest: Rest) -> None:
    response = rest.call("POST", "/connectors/", "x", headers={"Content-Type": "text/plain"})
    assert (response.status, response.body) == (415, {"error_code": 415, "message": "HTTP 415 Unsupported Media Type"})
