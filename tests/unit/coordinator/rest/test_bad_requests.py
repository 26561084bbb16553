"""Every bad request is a clear 4xx with Kafka's ``{"error_code", "message"}`` body, never a 500.

Kafka 4.1.1 answers several of these with 500 (Jackson's parse and type errors); a client's mistake is a 4xx here.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.unit.coordinator.conftest import FILE_SOURCE, Rest

WRAPPED = {"name": "w", "config": FILE_SOURCE}


def _assert_error(response: Any, status: int, fragment: str) -> None:
    assert response.status == status, response.body
    assert set(response.body) == {"error_code", "message"}
    assert response.body["error_code"] == status
    assert fragment in response.body["message"]


@pytest.mark.parametrize("case", [
    ("POST", "/connectors", "{not json", 400, "Cannot parse the request body as JSON"),
    ("POST", "/connectors", "[1, 2]", 400, "Request body must be a JSON object"),
    ("POST", "/connectors", '"just a string"', 400, "Request body must be a JSON object"),
    ("POST", "/connectors", {"name": "a", "config": "file=x"}, 400, "Connector config must be a JSON object"),
    ("POST", "/connectors", {"name": "a", "config": ["a", "b"]}, 400, "not an array"),
    ("POST", "/connectors", {"name": "a", "config": {**FILE_SOURCE, "topic": {"x": 1}}}, 400,
     "the value of 'topic' must be a string, number, boolean or null, not an object"),
    ("POST", "/connectors", {"name": "a", "config": {**FILE_SOURCE, "topic": ["x"]}}, 400, "not an array"),
    ("POST", "/connectors", "[" * 50_000 + "]" * 50_000, 400, "Cannot parse the request body as JSON"),
    ("POST", "/connectors", {"name": "a", "config": {**FILE_SOURCE, "pad": "x" * 5_000_000}}, 413,
     "larger than the limit"),
    ("POST", "/connectors", {"name": "a", "config": {"connector.class": "os:system"}}, 400,
     "Failed to find any class that implements Connector and which name matches os:system"),
    ("PUT", "/connectors/w/config", WRAPPED, 400, 'not the {"name": ..., "config": {...}} wrapper'),
    ("PUT", "/connectors/w/config", "[]", 400, "Connector config must be a JSON object"),
    ("PUT", "/connectors/w/config", b'{"file": "\xff"}', 400, "Request body is not valid UTF-8"),
    ("PUT", "/connector-plugins/os:system/config/validate", {"connector.class": "os:system"}, 400,
     "Failed to find any class that implements Connector"),
    ("PUT", "/connector-plugins/Nope/config/validate", {"a": "b"}, 400, "contains no connector type"),
    ("PUT", "/connector-plugins/FileStreamSource/config/validate", [FILE_SOURCE], 400,
     "Connector config must be a JSON object"),
])
def test_bad_bodies_are_4xx_with_kafkas_error_body(rest: Rest, case: tuple[str, str, Any, int, str]) -> None:
    method, path, body, status, fragment = case
    _assert_error(rest.call(method, path, body), status, fragment)


def test_patch_offsets_with_a_bad_body_is_400(rest: Rest) -> None:
    rest.create("src", FILE_SOURCE)
    rest.call("PUT", "/connectors/src/stop")
    for body in ("{x", "[]", {"offsets": "nope"}, {"offsets": [1]}):
        response = rest.call("PATCH", "/connectors/src/offsets", body)
        assert response.status == 400, (body, response.body)


def test_a_body_without_content_type_is_415_as_in_kafka(rest: Rest) -> None:
    response = rest.call("POST", "/connectors", {"name": "a", "config": FILE_SOURCE}, headers={"Content-Type": None})
    _assert_error(response, 415, "HTTP 415 Unsupported Media Type")
    assert rest.call("GET", "/connectors").body == []


def test_nothing_is_created_by_a_refused_request(rest: Rest) -> None:
    rest.call("POST", "/connectors", json.dumps({"name": "a", "config": {**FILE_SOURCE, "x": {"y": 1}}}))
    rest.call("PUT", "/connectors/w/config", WRAPPED)
    assert rest.call("GET", "/connectors").body == []


def test_head_is_get_and_other_methods_are_405(rest: Rest) -> None:
    assert rest.call("HEAD", "/connectors").status == 200
    for method in ("TRACE", "OPTIONS", "FOO"):
        _assert_error(rest.call(method, "/connectors"), 405, "HTTP 405 Method Not Allowed")
