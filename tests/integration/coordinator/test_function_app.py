"""The Lambda handler built from the environment, driven by the sample HTTP API events, against the real broker."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from connect_core.runtime import env
from functions.coordinator import app

if TYPE_CHECKING:
    from collections.abc import Iterator

pytestmark = pytest.mark.integration

EVENTS = Path(__file__).resolve().parents[3] / "events" / "coordinator"


def _event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / name).read_text())


@pytest.fixture
def environment(kafka_bootstrap: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    prefix = f"it-coord-app-{uuid.uuid4().hex[:10]}"
    monkeypatch.setenv(env.BOOTSTRAP_SERVERS, kafka_bootstrap)
    monkeypatch.setenv(env.CONFIG_TOPIC, f"{prefix}-configs")
    monkeypatch.setenv(env.OFFSET_TOPIC, f"{prefix}-offsets")
    monkeypatch.setenv(env.STATUS_TOPIC, f"{prefix}-status")
    monkeypatch.setenv(env.WORKER_ID, "lambda:coordinator")
    monkeypatch.setattr(app, "_coordinator", None)
    yield prefix
    from connect_core.kafka.clients import admin_client
    from connect_core.kafka.settings import KafkaClientSettings

    admin = admin_client(KafkaClientSettings(bootstrap_servers=kafka_bootstrap))
    doomed = [t for t in admin.list_topics(timeout=10).topics if t.startswith(prefix)]
    if doomed:
        for future in admin.delete_topics(doomed, operation_timeout=10).values():
            future.result()


def test_handler_serves_the_sample_events(environment: str) -> None:
    assert app.handler(_event("get_connectors.json"), None) == {
        "statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": "[]", "isBase64Encoded": False,
    }
    created = app.handler(_event("post_connector_file_source.json"), None)
    assert created["statusCode"] == 201
    assert created["headers"]["Location"] == "http://localhost:8083/connectors/local-file-source"
    assert app.handler(_event("post_connector_file_sink.json"), None)["statusCode"] == 201
    assert app.handler(_event("put_pause.json"), None)["statusCode"] == 202
    status = json.loads(app.handler(_event("get_status.json"), None)["body"])
    assert status["connector"] == {"state": "PAUSED", "worker_id": "lambda:coordinator"}
    expanded = json.loads(app.handler(_event("get_connectors_expand.json"), None)["body"])
    assert expanded["local-file-sink"]["info"]["type"] == "sink"
    assert expanded["local-file-source"]["status"]["connector"]["state"] == "PAUSED"
