"""A sink function process for the fault suite: one invocation of the real handler with an event from a file.

``python -m tests.faults._sink_driver <event.json>`` runs ``functions.sink_task.app.handler`` once (a cold start),
with ``CONNECTOR_NAME`` and the internal topics from the environment, and prints the response as one JSON line. The
fault tests kill it with ``LAMBDA_CONNECT_FAULT`` at a step of the invocation.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from connect_core.local.lambda_context import LocalLambdaContext
from functions.sink_task import app


def main(path: str) -> None:
    """Invoke once; print the response."""
    event = json.loads(Path(path).read_text(encoding="utf-8"))
    response = app.handler(event, LocalLambdaContext(function_name="lambda-connect-sink-task", timeout_s=120))
    sys.stdout.write(json.dumps(response) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main(sys.argv[1])
