"""The Lambda handler built from the environment, driven by the sample HTTP API events, against the real broker."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from connect_core.api.version import package_version
from connect_core.runtime import env
from connect_core.runtime.heartbeat import HEARTBEAT_EVENT
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
    assert status["connector"] == {"state": "PAUSED", "worker_id": "lambda:coordinator", "version": package_version()}
    expanded = json.loads(app.handler(_event("get_connectors_expand.json"), None)["body"])
    assert expanded["local-file-sink"]["info"]["type"] == "sink"
    assert expanded["local-file-source"]["status"]["connector"]["state"] == "PAUSED"


def test_a_refused_kafka_login_is_a_503_with_the_brokers_message_at_once_and_a_corrected_secret_heals(
    environment: str, kafka_settings: dict[str, str], aws_settings: dict[str, str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A deployed coordinator whose stack secret holds a wrong password: librdkafka would retry the login until the
    stores time out (after the function's own 30 s: a bare 502 from the Function URL). The first request asks the
    broker and answers with its message; the heartbeat does nothing; the corrected secret works without a redeploy."""
    import boto3

    from connect_core.kafka.auth import clear_secret_cache

    secrets = boto3.client("secretsmanager", **aws_settings)
    wrong = {"username": kafka_settings["sasl.username"], "password": "not-the-password"}
    arn = secrets.create_secret(Name=f"coordinator-login-{uuid.uuid4().hex[:8]}",
                                SecretString=json.dumps(wrong))["ARN"]
    for name, value in ((env.BOOTSTRAP_SERVERS, kafka_settings["sasl.bootstrap.servers"]),
                        (env.KAFKA_AUTH, "SASL_SCRAM_512"), (env.KAFKA_SECRET_ARN, arn),
                        (env.KAFKA_SSL_CA_LOCATION, kafka_settings["ssl.ca.location"]),
                        ("AWS_ENDPOINT_URL", aws_settings["endpoint_url"]),
                        ("AWS_ACCESS_KEY_ID", aws_settings["aws_access_key_id"]),
                        ("AWS_SECRET_ACCESS_KEY", aws_settings["aws_secret_access_key"]),
                        ("AWS_DEFAULT_REGION", aws_settings["region_name"])):
        monkeypatch.setenv(name, value)
    clear_secret_cache()
    try:
        refused = app.handler(_event("get_connectors.json"), None)
        assert refused["statusCode"] == 503
        message = json.loads(refused["body"])["message"]
        assert ("SASL authentication error: Authentication failed during authentication due to invalid credentials "
                "with SASL mechanism SCRAM-SHA-512") in message
        assert f"Correct the credentials in the secret {arn}" in message
        health = app.handler({**_event("get_connectors.json"), "rawPath": "/health"}, None)
        assert health["statusCode"] == 503 and json.loads(health["body"])["status"] == "starting"
        assert app.handler(HEARTBEAT_EVENT, None) == {"lag": {}}  # no reconcile pass, no lag: nothing waits

        secrets.put_secret_value(SecretId=arn, SecretString=json.dumps(
            {"username": kafka_settings["sasl.username"], "password": kafka_settings["sasl.password"]}))
        healed = app.handler(_event("get_connectors.json"), None)
        assert (healed["statusCode"], healed["body"]) == (200, "[]")
    finally:
        secrets.delete_secret(SecretId=arn, ForceDeleteWithoutRecovery=True)
        clear_secret_cache()
