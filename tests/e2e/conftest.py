"""`lambda-connect up` as a real subprocess on its own port and internal topics, driven over HTTP."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from collections.abc import Iterator

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Up:
    """A running `lambda-connect up` and a small curl."""

    url: str
    run_dir: Path
    prefix: str
    authorization: str | None = None  # sent with every request when the REST API asks for credentials

    def http(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        data = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"}
        if self.authorization:
            headers["Authorization"] = self.authorization
        request = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # loopback
                raw = response.read()
                return response.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as error:
            raw = error.read()
            return error.code, json.loads(raw) if raw else None

    def wait_for(self, check: Any, what: str, timeout_s: float = 60.0) -> Any:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            result = check()
            if result:
                return result
            time.sleep(0.3)
        log = (self.run_dir / "up.log").read_text()[-3000:]
        raise AssertionError(f"{what}: not within {timeout_s:.0f}s; up.log tail:\n{log}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# The tests on the plain `up` fixture run every function as two warm processes, each invocation given to one at
# random (a batch, tick or retry lands on any warm container, as on Lambda); those that start `up` themselves keep one.
WARM_CONTAINERS = 2


@pytest.fixture
def up(kafka_bootstrap: str, tmp_path: Path) -> Iterator[Up]:
    with start_up(kafka_bootstrap, tmp_path, "--warm-containers", str(WARM_CONTAINERS)) as running:
        yield running


@contextlib.contextmanager
def start_up(kafka_bootstrap: str, tmp_path: Path, *args: str, authorization: str | None = None,
             unset: tuple[str, ...] = (), extra_env: dict[str, str] | None = None) -> Iterator[Up]:
    """`lambda-connect up` with ``args`` on a free port and this test's own topics, stopped with Ctrl-C after;
    ``unset`` names environment variables it must not inherit, ``extra_env`` adds some."""
    prefix = f"e2e-{uuid.uuid4().hex[:8]}"
    port = _free_port()
    env = {**os.environ, "LAMBDA_CONNECT_BOOTSTRAP_SERVERS": kafka_bootstrap,
           "LAMBDA_CONNECT_CONFIG_TOPIC": f"{prefix}-configs", "LAMBDA_CONNECT_OFFSET_TOPIC": f"{prefix}-offsets",
           "LAMBDA_CONNECT_STATUS_TOPIC": f"{prefix}-status", "LAMBDA_CONNECT_GROUP_ID": prefix,
           "LAMBDA_CONNECT_RUN_DIR": str(tmp_path), "LAMBDA_CONNECT_LOCAL_TIME_BUDGET_MS": "3000",
           "LAMBDA_CONNECT_FILE_ROOTS": str(tmp_path), "PYTHONPATH": str(ROOT)}
    for name in unset:
        env.pop(name, None)
    env.update(extra_env or {})
    log = (tmp_path / "up.log").open("ab")
    proc = subprocess.Popen([sys.executable, "-m", "connect_core.local.cli", "up", "--port", str(port), *args],
                            cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    running = Up(f"http://127.0.0.1:{port}", tmp_path, prefix, authorization)

    def answering() -> bool:
        if proc.poll() is not None:
            raise AssertionError(f"lambda-connect up exited: {(tmp_path / 'up.log').read_text()[-3000:]}")
        try:
            return running.http("GET", "/")[0] == 200
        except OSError:
            return False

    try:
        running.wait_for(answering, "REST API answering")
        yield running
    finally:  # a failing test body must not leave `up` running (its triggers would hold connect-<name> groups)
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            raise
    assert proc.returncode == 0, "Ctrl-C must stop lambda-connect up cleanly"
