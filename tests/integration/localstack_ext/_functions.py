"""A recording Lambda function deployed on LocalStack for the extension's tests.

The function appends every event it gets to ``RECORD_FILE`` (LocalStack's runtime executor runs it as a local
process, so the test reads that file) and fails as the records it receives ask: a Kafka record value ``poison``
always fails its batch; ``fail-once`` fails the first batch that contains it; ``report-once`` is reported once as
the batch's first failed item (``batchItemFailures``).
"""

from __future__ import annotations

import base64
import io
import json
import time
import uuid
import zipfile
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

HANDLER = '''
import base64, json, os


def handler(event, context):
    record_file = os.environ["RECORD_FILE"]
    with open(record_file, "a") as out:
        out.write(json.dumps(event) + "\\n")
    values = [base64.b64decode(r["value"]).decode() for rs in event.get("records", {}).values() for r in rs
              if "value" in r]
    if "poison" in values:
        raise RuntimeError("poison record in the batch")
    marker = record_file + ".failed-once"
    if "fail-once" in values and not os.path.exists(marker):
        open(marker, "w").close()
        raise RuntimeError("failing this batch once")
    reported = record_file + ".reported-once"
    for partition, records in event.get("records", {}).items():
        for r in records:
            if base64.b64decode(r.get("value", "")) == b"report-once" and not os.path.exists(reported):
                open(reported, "w").close()
                return {"batchItemFailures": [{"itemIdentifier": {"partition": partition, "offset": r["offset"]}}]}
    return {"ok": len(values)}
'''
RUNTIME = "python3.12"
ROLE = "arn:aws:iam::000000000000:role/lambda-connect-test"


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", HANDLER)
    return buffer.getvalue()


class RecordingFunction:
    """One uniquely named function and the events it has received."""

    def __init__(self, lambda_client: Any, directory: Path, prefix: str) -> None:
        self.client = lambda_client
        self.name = f"{prefix}-{uuid.uuid4().hex[:8]}"
        self.record_file = directory / f"{self.name}.jsonl"
        self.record_file.touch()
        self.arn = lambda_client.create_function(
            FunctionName=self.name, Runtime=RUNTIME, Role=ROLE, Handler="handler.handler",
            Code={"ZipFile": _zip()}, Timeout=120,  # a loaded machine must not turn slow into failed
            Environment={"Variables": {"RECORD_FILE": str(self.record_file)}},
        )["FunctionArn"]
        lambda_client.get_waiter("function_active_v2").wait(
            FunctionName=self.name, WaiterConfig={"Delay": 1, "MaxAttempts": 120})

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.record_file.read_text().splitlines() if line.strip()]

    def values(self) -> list[list[str]]:
        """Per Kafka event, its record values."""
        return [[base64.b64decode(r["value"]).decode() for rs in e["records"].values() for r in rs]
                for e in self.events()]

    def delete(self) -> None:
        self.client.delete_function(FunctionName=self.name)


def wait_for(condition: Any, what: str, timeout_s: float = 120.0) -> None:
    """Poll until ``condition()`` is true; fail naming ``what``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.25)
    raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}")
