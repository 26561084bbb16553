"""functions/coordinator/app.py: HTTP API v2 events in, payload-2.0 responses out (the sample events included)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from functions.coordinator import app
from tests.unit.coordinator.fakes import make_coordinator
from tests.unit.storage.fakes import Topics

EVENTS = Path(__file__).resolve().parents[3] / "events" / "coordinator"


def _event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / name).read_text())


@pytest.fixture(autouse=True)
def _coordinator(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(app, "_coordinator", make_coordinator(Topics()))


def test_sample_events_drive_the_quickstart_flow() -> None:
    assert app.handler(_event("get_connectors.json"), None)["body"] == "[]"
    created = app.handler(_event("post_connector_file_source.json"), None)
    assert created["statusCode"] == 201
    assert created["headers"] == {"Content-Type": "application/json",
                                  "Location": "http://localhost:8083/connectors/local-file-source"}
    assert json.loads(created["body"])["name"] == "local-file-source"
    assert app.handler(_event("post_connector_file_sink.json"), None)["statusCode"] == 201  # base64 body
    paused = app.handler(_event("put_pause.json"), None)
    assert (paused["statusCode"], paused["body"]) == (202, "")
    status = json.loads(app.handler(_event("get_status.json"), None)["body"])
    assert status["connector"]["state"] == "PAUSED"
    expanded = json.loads(app.handler(_event("get_connectors_expand.json"), None)["body"])
    assert set(expanded) == {"local-file-sink", "local-file-source"}
    assert set(expanded["local-file-sink"]) == {"status", "info"}


def test_errors_are_json_with_kafkas_body() -> None:
    event = _event("get_status.json")
    event["rawPath"] = "/connectors/nope/status"
    response = app.handler(event, None)
    assert response["statusCode"] == 404
    assert response["headers"]["Content-Type"] == "application/json"
    assert json.loads(response["body"]) == {"error_code": 404, "message": "No status found for connector nope"}


def test_to_request_reads_method_path_query_headers_and_base64_body() -> None:
    request = app.to_request(_event("post_connector_file_sink.json"))
    assert (request.method, request.path, request.headers["host"]) == ("POST", "/connectors", "localhost:8083")
    assert json.loads(request.body or b"")["name"] == "local-file-sink"
    expand = app.to_request(_event("get_connectors_expand.json"))
    assert expand.query["expand"] == ["status", "info"]


def _post(body: str, *, headers: dict[str, str] | None = None, b64: bool = False) -> dict[str, Any]:
    event = _event("post_connector_file_source.json")
    event["body"], event["isBase64Encoded"] = body, b64
    event["headers"] = {"host": "localhost:8083", **(headers if headers is not None else
                                                     {"content-type": "application/json"})}
    return app.handler(event, None)


@pytest.mark.parametrize(("kwargs", "status", "fragment"), [
    ({"body": '{"name": "a", "config": {"connector.class": "FileStreamSource", "topic": "t"}}', "headers": {}},
     415, "HTTP 415 Unsupported Media Type"),
    ({"body": "e30=!!", "b64": True}, 400, "Cannot decode the request body"),
    ({"body": "eyJhIjogIv8ifQ==", "b64": True}, 400, "Request body is not valid UTF-8"),  # {"a": "\xff"}
    ({"body": "{nope"}, 400, "Cannot parse the request body as JSON"),
    ({"body": json.dumps({"name": "a", "config": {"x": "y" * 5_000_000}})}, 413, "larger than the limit"),
])
def test_function_url_bad_requests_match_the_local_server(kwargs: dict[str, Any], status: int,
                                                          fragment: str) -> None:
    response = _post(**kwargs)
    assert response["statusCode"] == status
    body = json.loads(response["body"])
    assert body["error_code"] == status
    assert fragment in body["message"]
