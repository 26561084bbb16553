"""`lambda-connect invoke` runs each function of template.yaml with the sample events, like `sam local invoke`."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]
EVENTS = ROOT / "events"


def _invoke(*args: str, env_file: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "connect_core.local.cli", "invoke", *args, "--env-vars", str(env_file)],
        cwd=cwd, capture_output=True, text=True, timeout=300, check=False,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": str(Path.home())},
    )


@pytest.fixture
def env_file(kafka_bootstrap: str, tmp_path: Path) -> Path:
    """The local env-vars file with this test's own internal topics."""
    prefix = f"invoke-{uuid.uuid4().hex[:8]}"
    values = json.loads((EVENTS / "local-env.json").read_text())
    values["Parameters"].update({
        "LAMBDA_CONNECT_BOOTSTRAP_SERVERS": kafka_bootstrap, "LAMBDA_CONNECT_CONFIG_TOPIC": f"{prefix}-configs",
        "LAMBDA_CONNECT_OFFSET_TOPIC": f"{prefix}-offsets", "LAMBDA_CONNECT_STATUS_TOPIC": f"{prefix}-status",
        "LAMBDA_CONNECT_GROUP_ID": prefix,
    })
    path = tmp_path / "env.json"
    path.write_text(json.dumps(values))
    return path


def test_each_function_runs_its_sample_event_end_to_end(env_file: Path, tmp_path: Path) -> None:
    create = json.loads((EVENTS / "coordinator" / "post_connector_file_source.json").read_text())
    body = json.loads(create["body"])
    body["config"]["file"] = str(tmp_path / "test.txt")
    body["config"]["topic"] = f"invoke-{uuid.uuid4().hex[:8]}"
    create["body"] = json.dumps(body)
    (tmp_path / "create.json").write_text(json.dumps(create))
    (tmp_path / "test.txt").write_text("one\ntwo\n")

    created = _invoke("CoordinatorFunction", "-e", str(tmp_path / "create.json"), env_file=env_file, cwd=tmp_path)
    assert created.returncode == 0, created.stderr[-2000:]
    assert json.loads(created.stdout)["statusCode"] == 201

    for event in ("scheduler-input.json", "eventbridge-scheduled-envelope.json"):
        ran = _invoke("SourceTaskFunction", "-e", str(EVENTS / "source_task" / event), env_file=env_file, cwd=tmp_path)
        assert ran.returncode == 0, ran.stderr[-2000:]
        summary = json.loads(ran.stdout)
        assert summary["connector"] == "local-file-source" and summary["state"] == "RUNNING"
    assert summary["records"] == 0  # the second invocation resumed from the first one's committed offset

    listed = _invoke("coordinator", "-e", str(EVENTS / "coordinator" / "get_connectors.json"), env_file=env_file,
                     cwd=tmp_path)
    assert json.loads(json.loads(listed.stdout)["body"]) == ["local-file-source"]


def test_sink_function_fails_with_lambdas_error_shape_when_its_connector_is_unknown(
    env_file: Path, tmp_path: Path
) -> None:
    ran = _invoke("SinkTaskFunction", "-e", str(EVENTS / "sink_task" / "msk-batch.json"), env_file=env_file,
                  cwd=tmp_path)

    assert ran.returncode == 1
    error = json.loads(ran.stdout)
    assert error["errorType"] == "NotFoundError"
    assert "local-file-sink" in error["errorMessage"]


def test_a_function_past_its_timeout_is_killed_and_reported(env_file: Path, tmp_path: Path) -> None:
    ran = _invoke("CoordinatorFunction", "-e", str(EVENTS / "coordinator" / "get_connectors.json"), "--timeout",
                  "0.01", env_file=env_file, cwd=tmp_path)

    assert ran.returncode == 1
    assert json.loads(ran.stdout) == {
        "errorType": "Sandbox.Timedout", "errorMessage": "Task timed out after 0.01 seconds",
    }


def test_sink_function_writes_both_sample_batches_to_a_connector_created_through_the_coordinator(
    env_file: Path, tmp_path: Path
) -> None:
    create = json.loads((EVENTS / "coordinator" / "post_connector_file_sink.json").read_text())
    create.update({"isBase64Encoded": False, "body": json.dumps({"name": "local-file-sink", "config": {
        "connector.class": "FileStreamSink", "file": str(tmp_path / "orders.txt"), "topics": "orders",
        "key.converter": "org.apache.kafka.connect.storage.StringConverter",
        "value.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable": "false",
    }})})
    (tmp_path / "create-sink.json").write_text(json.dumps(create))
    created = _invoke("CoordinatorFunction", "-e", str(tmp_path / "create-sink.json"), env_file=env_file, cwd=tmp_path)
    assert json.loads(created.stdout)["statusCode"] == 201, created.stdout

    for event in ("msk-batch.json", "self-managed-batch.json"):
        ran = _invoke("SinkTaskFunction", "-e", str(EVENTS / "sink_task" / event), env_file=env_file, cwd=tmp_path)
        assert ran.returncode == 0, ran.stdout + ran.stderr[-2000:]
        assert json.loads(ran.stdout) == {}  # success: the event source mapping commits the batch

    lines = (tmp_path / "orders.txt").read_text().splitlines()
    # a schemaless value is a java.util.HashMap in Kafka's JsonConverter: printed in its bucket order, as Kafka does
    assert lines[:3] == ["{amount=12.5, id=1}", "{amount=3, id=2}", "{amount=99.9, id=3}"]
    assert len(lines) > 3  # the self-managed batch was written after the MSK one
