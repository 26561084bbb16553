"""Other people's Kafka Connect tools against the deployed stack's coordinator Function URL, unmodified.

The same two clients as ``tests/e2e/test_up_third_party_clients.py`` (``kafka-connect-api``, a REST client library,
and ``kafka-connect-healthcheck``, a health-check service) are pointed at the Function URL as a user would point them
at a Connect cluster: its host and port, plain HTTP calls through ``requests``. Two things stand in for what this
machine lacks and AWS has: the URL's ``*.localhost.localstack.cloud`` host is resolved to LocalStack here (no DNS),
and no SigV4 signature is added (LocalStack community does not check it; on AWS a SigV4 proxy such as
aws-sigv4-proxy sits between such a client and an AWS_IAM Function URL, docs/deploy.md).
"""

from __future__ import annotations

import socket
import urllib.parse
import uuid
from typing import TYPE_CHECKING, Any

import pytest
from kafka_connect_api.kafka_connect_api import Api, Cluster
from kafka_connect_healthcheck.health import Health

from infra.local import localstack
from tests.fixtures.connect_clients import create_if_not_exists
from tests.integration.stack.conftest import wait_for

if TYPE_CHECKING:
    from pathlib import Path

    from tests.integration.stack.conftest import Deployed

pytestmark = pytest.mark.integration


@pytest.fixture
def localstack_hosts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Resolve ``*.localhost.localstack.cloud`` to LocalStack's gateway, as public DNS does for that domain."""
    gateway = urllib.parse.urlsplit(localstack.settings()["endpoint_url"]).hostname or "127.0.0.1"
    real = socket.getaddrinfo

    def resolve(host: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(host, str) and host.endswith(".localhost.localstack.cloud"):
            host = gateway
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)



def test_third_party_clients_drive_the_deployed_coordinator(deployed: Deployed, tmp_path: Path,
                                                             localstack_hosts: None) -> None:
    url = urllib.parse.urlsplit(deployed.coordinator.url)
    assert url.hostname is not None
    port = url.port or 80
    cluster = Cluster(Api(url.hostname, port=port))
    base = f"http://{url.hostname}:{port}"

    def health() -> dict[str, object]:
        return Health(base, None, ["FAILED"], None, 0, ["connector", "task"]).get_health_result()

    run = uuid.uuid4().hex[:8]
    infile = tmp_path / "in.txt"
    infile.write_text("one\ntwo\n")
    config = {"connector.class": "FileStreamSource", "file": str(infile), "topic": f"stack-tp-{run}",
              "poll.interval.ms": "300"}
    name = f"tp-src-{run}"
    source = create_if_not_exists(cluster, name, config)
    create_if_not_exists(cluster, name, config)  # exists now: nothing posted
    assert name in cluster.connectors
    assert source.connector_class == "FileStreamSource"
    wait_for(lambda: source.state == "RUNNING" and [t.state for t in source.tasks] == ["RUNNING"],
             f"{name} and its task RUNNING")

    source.pause()  # 202 without a body
    wait_for(lambda: source.state == "PAUSED", f"{name} PAUSED")
    source.resume()
    wait_for(lambda: source.state == "RUNNING", f"{name} RUNNING again")
    source.tasks[0].restart()  # 204 without a body
    source.restart()  # 204: the client parses JSON only when there is some
    source.config = {**config, "batch.size": "10"}  # PUT /connectors/<name>/config
    assert source.config["batch.size"] == "10"
    assert cluster.loggers["root"]["level"] in ("WARN", "INFO")
    before = cluster.loggers["connect_core.coordinator"]["level"]  # the client sets only loggers it lists
    other = "DEBUG" if before != "DEBUG" else "INFO"
    assert "connect_core.coordinator" in cluster.set_logger_log_level("connect_core.coordinator", other)
    assert cluster.loggers["connect_core.coordinator"]["level"] == other  # worker scope: the coordinator's process
    cluster.set_logger_log_level("connect_core.coordinator", before)
    wait_for(lambda: [t.state for t in source.tasks] == ["RUNNING"], f"{name}'s reconfigured task RUNNING")
    assert health()["healthy"] is True, health()

    # A task that fails (its file is a directory) makes the health check fail, as on a Connect cluster.
    broken = create_if_not_exists(cluster, f"tp-broken-{run}", {
        **config, "file": str(tmp_path), "lambda.restart.enabled": "false"})
    wait_for(lambda: [t.state for t in broken.tasks] == ["FAILED"], f"tp-broken-{run}'s task FAILED")
    result: dict[str, Any] = health()
    assert result["healthy"] is False
    assert (f"tp-broken-{run}", "FAILED") in [(f["connector"], f["state"]) for f in result["failures"]]

    broken.delete()
    source.delete()
    wait_for(lambda: name not in cluster.connectors and f"tp-broken-{run}" not in cluster.connectors,
             "both connectors deleted")
