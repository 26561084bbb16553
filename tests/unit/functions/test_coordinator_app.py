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
