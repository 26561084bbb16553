"""``functions.source_task.app.handler`` driven by the sample events under ``events/source_task/``.

The handler builds its SourceRunner from ``LAMBDA_CONNECT_*`` variables, pointed here at the test's own internal
topics; the connector the sample events name (``local-file-source``) is deployed there as a FileStream source.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from connect_core.api.errors import DataError
from connect_core.local.lambda_context import LocalLambdaContext
from connect_core.runtime import env
from connect_core.storage.config_state import TargetState
from functions.source_task import app
from tests.integration.runtime.conftest import consume_committed

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.integration.runtime.conftest import Cluster

pytestmark = pytest.mark.integration

EVENTS = Path(__file__).resolve().parents[3] / "events" / "source_task"
CONNECTOR = "local-file-source"


def _event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / name).read_text())


@pytest.fixture
def deployed(cluster: Cluster, kafka_bootstrap: str, tmp_path: Path,
             monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, str]]:
    """The sample events' connector deployed in the test's topics, the handler's env pointed at them."""
    storage = cluster.worker.storage
    monkeypatch.setenv(env.BOOTSTRAP_SERVERS, kafka_bootstrap)
    monkeypatch.setenv(env.CONFIG_TOPIC, storage.config_storage_topic)
    monkeypatch.setenv(env.OFFSET_TOPIC, storage.offset_storage_topic)
    monkeypatch.setenv(env.STATUS_TOPIC, storage.status_storage_topic)
    monkeypatch.setenv(env.GROUP_ID, cluster.worker.group_id)
    monkeypatch.setenv(env.WORKER_ID, "lambda:source-test")
    monkeypatch.setenv(env.SAFETY_MARGIN_MS, "1000")
    monkeypatch.setattr(app, "_invocation", None)
    monkeypatch.setattr(app, "_ticks", None)
    path = tmp_path / "input.txt"
    path.write_text("alpha\nbeta\n")
    topic = f"{cluster.worker.group_id}-lines"
    config = {"connector.class": "FileStreamSource", "file": str(path), "topic": topic, "tasks.max": "1",
              "key.converter": "org.apache.kafka.connect.storage.StringConverter",
              "value.converter": "org.apache.kafka.connect.json.JsonConverter",
              "value.converter.schemas.enable": "false"}
    cluster.deploy(CONNECTOR, config, [{"file": str(path), "topic": topic}])
    yield path, topic
    if app._invocation is not None:  # the module-level warm invocation
        app._invocation.close()
    app._invocation = None


def _context() -> LocalLambdaContext:
    return LocalLambdaContext(function_name="lambda-connect-source-task", timeout_s=30)


def test_scheduler_input_then_eventbridge_envelope(cluster: Cluster, deployed: tuple[Path, str],
                                                   kafka_bootstrap: str) -> None:
    path, topic = deployed
    first = app.handler(_event("scheduler-input.json"), _context())
    assert (first["connector"], first["task"], first["state"], first["records"]) == (CONNECTOR, 0, "RUNNING", 2)
    assert first["offsets"] == [{"partition": {"filename": str(path)}, "offset": {"position": len("alpha\nbeta\n")}}]

    with path.open("a") as handle:
        handle.write("gamma\n")
    warm = app.handler(_event("eventbridge-scheduled-envelope.json"), _context())  # the same warm runner
    app._invocation = None  # a cold start: a new runner resumes from the committed offsets
    cold = app.handler(_event("eventbridge-scheduled-envelope.json"), _context())

    assert (warm["records"], cold["records"]) == (1, 0)
    assert [v for _, v, _ in consume_committed(kafka_bootstrap, topic, 3)] == [b'"alpha"', b'"beta"', b'"gamma"']
    cluster.statuses.refresh()
    status = cluster.statuses.task_status(CONNECTOR, 0)
    assert status.state.value == "RUNNING" and status.worker_id == "lambda:source-test"


def test_a_paused_connector_does_no_work(cluster: Cluster, deployed: tuple[Path, str]) -> None:
    cluster.configs.put_target_state(CONNECTOR, TargetState.PAUSED)
    result = app.handler(_event("eventbridge-scheduled-envelope.json"), _context())
    assert (result["state"], result["records"]) == ("PAUSED", 0)


def test_an_event_without_a_connector_is_rejected(deployed: tuple[Path, str]) -> None:
    with pytest.raises(DataError, match="connector"):
        app.handler({"detail": {"task": 0}}, _context())


def test_a_heartbeat_sends_its_next_tick_through_sqs_and_the_tick_runs_the_task(
    cluster: Cluster, deployed: tuple[Path, str], kafka_bootstrap: str, aws_settings: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Sub-minute poll.interval.ms without sleeping: the invocation ends at the first empty poll and sends a tick
    delayed by the interval to the stack's queue (LocalStack's SQS here); the queue's mapping delivers it as an SQS
    event, which runs the task again inside the heartbeat's window; a paused task sends no further tick."""
    import time
    import uuid

    import boto3

    path, topic = deployed
    sqs = boto3.client("sqs", **aws_settings)
    queue_url = sqs.create_queue(QueueName=f"ticks-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    monkeypatch.setenv(env.SOURCE_TICK_QUEUE_URL, queue_url)
    monkeypatch.setenv("AWS_ENDPOINT_URL", aws_settings["endpoint_url"])
    monkeypatch.setenv("AWS_DEFAULT_REGION", aws_settings["region_name"])
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", aws_settings["aws_access_key_id"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", aws_settings["aws_secret_access_key"])
    window = {"window_start": int(time.time() * 1000), "window_ms": 60_000}

    first = app.handler({"connector": CONNECTOR, "task": 0, **window}, _context())

    assert (first["records"], first["next_tick"]["delay_s"]) == (2, 5)  # poll.interval.ms defaults to 5 s
    received = sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=10, AttributeNames=["All"])["Messages"]
    (message,) = received
    assert json.loads(message["Body"]) == {"connector": CONNECTOR, "task": 0, **window, "tick": 1}
    sent, arrived = int(message["Attributes"]["SentTimestamp"]), time.time() * 1000
    assert arrived - sent >= 4_000  # it stayed invisible for its DelaySeconds

    with path.open("a") as handle:
        handle.write("gamma\n")
    tick = app.handler({"Records": [{"eventSource": "aws:sqs", "body": message["Body"]}]}, _context())
    assert tick["ticks"][0]["records"] == 1 and tick["ticks"][0]["tick"] == 1
    assert [v for _, v, _ in consume_committed(kafka_bootstrap, topic, 3)] == [b'"alpha"', b'"beta"', b'"gamma"']

    cluster.configs.put_target_state(CONNECTOR, TargetState.PAUSED)
    paused = app.handler({"Records": [{"eventSource": "aws:sqs", "body": message["Body"]}]}, _context())
    assert paused["ticks"][0]["state"] == "PAUSED" and paused["ticks"][0]["next_tick"] is None
