"""Idle connectors on `lambda-connect up` say what a Connect worker says: every task RUNNING once started, with no
data flowing (a mapping's sink, pull-mode sink tasks, one of them without a partition, and a source with nothing to
read), after create, config update, resume and restart; FAILED with its cause when its start fails; and a third-party
health check passes on them (kafka-connect-healthcheck, which failed on "Task 0 ... in state UNASSIGNED")."""

from __future__ import annotations

import time
import uuid
from typing import TYPE_CHECKING

import pytest
from kafka_connect_healthcheck.health import Health

from tests.e2e.conftest import start_up

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from tests.e2e.conftest import Up

pytestmark = pytest.mark.integration
STARTED_WITHIN_S = 20.0  # a function's cold start and the local runtime's one-second reconcile, on a loaded machine


@pytest.fixture
def up_s3(kafka_bootstrap: str, tmp_path: Path, aws_settings: dict[str, str]) -> Iterator[Up]:
    env = {"AWS_ENDPOINT_URL": aws_settings["endpoint_url"], "AWS_ACCESS_KEY_ID": aws_settings["aws_access_key_id"],
           "AWS_SECRET_ACCESS_KEY": aws_settings["aws_secret_access_key"],
           "AWS_DEFAULT_REGION": aws_settings["region_name"]}
    with start_up(kafka_bootstrap, tmp_path, extra_env=env) as running:
        yield running


def _states(up: Up, name: str) -> tuple[str, list[str]] | None:
    status, body = up.http("GET", f"/connectors/{name}/status")
    if status != 200:
        return None
    return body["connector"]["state"], [task["state"] for task in body["tasks"]]


def _all_running(up: Up, names: dict[str, int], what: str) -> None:
    started = time.monotonic()
    up.wait_for(lambda: all(_states(up, n) == ("RUNNING", ["RUNNING"] * count) for n, count in names.items()),
                what, timeout_s=STARTED_WITHIN_S)
    assert time.monotonic() - started < STARTED_WITHIN_S


def test_idle_connectors_are_running_and_healthy(up_s3: Up, aws_settings: dict[str, str]) -> None:
    up = up_s3
    (up.run_dir / "empty.txt").write_text("")
    topic = f"{up.prefix}-idle"
    sink = f"{up.prefix}-sink"  # sink names are consumer groups, shared across runs on the broker
    pull = f"{up.prefix}-pull"
    for name, config in (
        ("src", {"connector.class": "FileStreamSource", "file": "empty.txt", "topic": topic}),
        (sink, {"connector.class": "FileStreamSink", "file": "out.txt", "topics": topic}),
        (pull, {"connector.class": "FileStreamSink", "file": "pull.txt", "topics": topic, "tasks.max": "2"}),
    ):
        status, answer = up.http("POST", "/connectors", {"name": name, "config": config})
        assert status == 201, answer
    counts = {"src": 1, sink: 1, pull: 2}  # the topic has one partition: pull task 1 has none, and still runs
    _all_running(up, counts, "every idle task RUNNING after create")
    health = Health(up.url, None, ["FAILED", "UNASSIGNED"], None, 0, ["connector", "task"]).get_health_result()
    assert health["healthy"] is True, health

    status, _ = up.http("PUT", f"/connectors/{sink}/config",
                        {"connector.class": "FileStreamSink", "file": "out2.txt", "topics": topic})
    assert status == 200
    assert _states(up, sink) == ("RUNNING", ["RUNNING"])  # a new task config: RUNNING until its function reports,
    # as a worker restarting the task shows it (tests/e2e/test_up_config_update.py)
    _all_running(up, {sink: 1}, "the updated sink RUNNING again")
    for name in (sink, "src"):
        assert up.http("PUT", f"/connectors/{name}/stop")[0] == 204
        up.wait_for(lambda n=name: _states(up, n) == ("STOPPED", []), f"{name} STOPPED")
        assert up.http("PUT", f"/connectors/{name}/resume")[0] == 202
    _all_running(up, counts, "every idle task RUNNING after resume")
    assert up.http("POST", f"/connectors/{pull}/restart?includeTasks=true")[0] == 202
    _all_running(up, counts, "every idle task RUNNING after restart")

    # a task whose start fails is FAILED with its cause, with no record to carry it (S3's bucket check at start)
    bad = f"{up.prefix}-s3"
    status, answer = up.http("POST", "/connectors", {"name": bad, "config": {
        "connector.class": "io.confluent.connect.s3.S3SinkConnector", "topics": topic, "flush.size": "1",
        "s3.bucket.name": f"no-such-bucket-{uuid.uuid4().hex[:8]}", "s3.region": aws_settings["region_name"],
        "store.url": aws_settings["endpoint_url"], "format.class": "io.confluent.connect.s3.format.json.JsonFormat",
        "storage.class": "io.confluent.connect.s3.storage.S3Storage"}})
    assert status == 201, answer
    up.wait_for(lambda: (_states(up, bad) or ("", []))[1] == ["FAILED"], "the S3 sink's task FAILED",
                timeout_s=STARTED_WITHIN_S)
    assert "no such bucket" in up.http("GET", f"/connectors/{bad}/status")[1]["tasks"][0]["trace"]



def test_stop_then_reset_offsets_then_resume_as_on_a_worker(up: Up, kafka_bootstrap: str) -> None:
    """PUT /stop answers once the sink's trigger has left its group, so a DELETE /offsets right after succeeds with
    the worker's message (it was a 500 "... zombie sink tasks"), and a resume right after is RUNNING within seconds
    (it stayed UNASSIGNED); the topic it consumed is listed by GET .../topics until PUT .../topics/reset."""
    from confluent_kafka import Producer

    topic, sink = f"{up.prefix}-stop", f"{up.prefix}-stop-sink"
    status, answer = up.http("POST", "/connectors", {"name": sink, "config": {
        "connector.class": "FileStreamSink", "file": "stopped.txt", "topics": topic,
        "value.converter": "org.apache.kafka.connect.storage.StringConverter",
        "lambda.maximum.batching.window.ms": "100"}})
    assert status == 201, answer
    _all_running(up, {sink: 1}, "the sink RUNNING")
    producer = Producer({"bootstrap.servers": kafka_bootstrap})
    producer.produce(topic, value=b"one")
    producer.flush(30)
    out = up.run_dir / "stopped.txt"
    up.wait_for(lambda: out.exists() and out.read_text() == "one\n", "the record written")
    # KIP-558: the topic it consumed is an active topic (it was never recorded), until a reset
    up.wait_for(lambda: up.http("GET", f"/connectors/{sink}/topics") == (200, {sink: {"topics": [topic]}}),
                "the consumed topic listed", timeout_s=10)

    assert up.http("PUT", f"/connectors/{sink}/stop")[0] == 204
    assert _states(up, sink) == ("STOPPED", [])
    assert up.http("DELETE", f"/connectors/{sink}/offsets") == (
        200, {"message": "The offsets for this connector have been reset successfully"})
    assert up.http("PUT", f"/connectors/{sink}/resume")[0] == 202
    _all_running(up, {sink: 1}, "the sink RUNNING right after its resume")
    assert up.http("PUT", f"/connectors/{sink}/topics/reset") == (202, None)
    assert up.http("GET", f"/connectors/{sink}/topics") == (200, {sink: {"topics": []}})
