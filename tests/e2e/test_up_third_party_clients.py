"""Other people's Kafka Connect tools against `lambda-connect up`, unmodified, through their own calls.

``kafka-connect-api`` (a REST client library) creates if not exists, lists, reads status, pauses, resumes, restarts a
task, updates a config, sets log levels and deletes; ``kafka-connect-healthcheck`` (a health-check service for
Connect clusters) passes while every task runs and fails once one is FAILED. Both parse whatever a Connect worker
answers, so a void answer with a JSON Content-Type, a missing trailing-slash route or a missing ``/admin/loggers``
makes them fail here. The cluster-scope log level is then seen in the source function's own log.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from kafka_connect_api.kafka_connect_api import Api, Cluster
from kafka_connect_healthcheck.health import Health

from tests.fixtures.connect_clients import create_if_not_exists

if TYPE_CHECKING:
    from tests.e2e.conftest import Up

pytestmark = pytest.mark.integration


def _health(up: Up) -> dict[str, object]:
    """What the healthcheck service computes for its GET / (worker_id None: every worker's connectors)."""
    return Health(up.url, None, ["FAILED"], None, 0, ["connector", "task"]).get_health_result()



def test_third_party_clients_drive_up(up: Up) -> None:
    (up.run_dir / "in.txt").write_text("one\ntwo\n")
    topic = f"{up.prefix}-lines"
    host, port = up.url.rsplit(":", 1)
    cluster = Cluster(Api(host.removeprefix("http://"), port=int(port)))
    assert cluster.connectors == {}
    config = {"connector.class": "FileStreamSource", "file": "in.txt", "topic": topic, "poll.interval.ms": "300"}

    source = create_if_not_exists(cluster, "file-src", config)
    create_if_not_exists(cluster, "file-src", config)  # exists now: nothing posted
    assert list(cluster.connectors) == ["file-src"]
    assert source.connector_class == "FileStreamSource"
    up.wait_for(lambda: source.state == "RUNNING" and [t.state for t in source.tasks] == ["RUNNING"],
                "file-src and its task RUNNING")
    assert _health(up)["healthy"] is True

    source.pause()
    up.wait_for(lambda: source.state == "PAUSED", "file-src PAUSED")
    source.resume()
    up.wait_for(lambda: source.state == "RUNNING", "file-src RUNNING again")
    source.tasks[0].restart()  # 204 without a body: the client must not choke on it
    source.restart()  # 204: the client parses JSON only when there is some
    source.cycle_connector()  # pause, restart every task, resume
    source.config = {**config, "batch.size": "10"}  # PUT /connectors/file-src/config
    assert source.config["batch.size"] == "10"

    # KIP-976 through the client: every function applies the level at its next invocation, with no redeploy
    assert cluster.loggers["root"]["level"] in ("WARN", "INFO")
    cluster.api.put_raw("/admin/loggers/org.apache.kafka.connect.runtime?scope=cluster", json={"level": "DEBUG"})
    up.wait_for(lambda: any("file-src-0 produced" in log.read_text(errors="replace")
                            for log in up.run_dir.rglob("source-file-src-*.log")),
                "the source function logging at DEBUG")
    assert cluster.set_logger_log_level("org.apache.kafka.connect.runtime", "INFO")  # worker scope: the coordinator
    assert cluster.loggers["org.apache.kafka.connect.runtime"]["level"] == "INFO"

    # A task that fails (its file is a directory) makes the health check fail, as on a Connect cluster.
    broken = create_if_not_exists(cluster, "file-broken", {
        "connector.class": "FileStreamSource", "file": ".", "topic": topic, "poll.interval.ms": "300",
        "lambda.restart.enabled": "false"})
    up.wait_for(lambda: [t.state for t in broken.tasks] == ["FAILED"], "file-broken's task FAILED")
    result = _health(up)
    assert result["healthy"] is False
    assert [(f["connector"], f["state"]) for f in result["failures"]] == [("file-broken", "FAILED")]  # type: ignore[attr-defined,index]

    broken.delete()
    source.delete()
    assert cluster.connectors == {}
    assert _health(up)["healthy"] is True
