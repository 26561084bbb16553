"""A warm "container" for one function: a child process that runs its handler once per event it is sent.

Each emulated function gets its own process, as on Lambda: its own environment (``CONNECTOR_NAME``), its own
module-level clients reused across invocations, and a crash that kills only itself. Protocol: one JSON object per
line on stdin (``{"event": ..., "timeout_s": ...}``), one per line on stdout (``{"response": ...}`` or
``{"error": {"errorType", "errorMessage"}}``); the handler's logs go to stderr.

Logging is a Kafka worker's default (``connect-log4j.properties``: the root logger at INFO, ``LOG_LEVEL`` when set),
so a plugin's ``log.info`` reaches the function's log as on a worker. ``lambda-connect up`` is one worker made of
many processes: the levels its REST front records from ``PUT /admin/loggers`` (worker scope) in the file
:data:`LOG_LEVELS_ENV` names are applied by every function process before each invocation, and by a new one when it
starts (:class:`WorkerLogLevels`).

Lambda keeps several warm containers of one function and hands each invocation to any of them: a host keeps
``LAMBDA_CONNECT_WARM_CONTAINERS`` (:data:`WARM_CONTAINERS_ENV`, ``up --warm-containers``; default 1) child
processes, each started on first use (a cold start), and gives every invocation to one picked at random, one
invocation at a time; a timed-out or dead one is replaced alone. That is also the Python runtime of Lambda Managed
Instances, one process per concurrent request.
"""

from __future__ import annotations

import json
import os
import random
import select
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO, Any

from connect_core.runtime.allocator import TUNABLES
from connect_core.runtime.env import GLIBC_TUNABLES

__all__ = ["LOG_LEVELS_ENV", "WARM_CONTAINERS_ENV", "FunctionError", "FunctionHost", "FunctionPool",
           "WorkerLogLevels", "warm_containers"]

_ROOT = Path(__file__).resolve().parents[2]
LOG_LEVELS_ENV = "LAMBDA_CONNECT_LOCAL_LOG_LEVELS"  # the file of `up`'s worker-scope levels, one JSON line each
DEFAULT_LOG_LEVEL = "INFO"  # Kafka's connect-log4j.properties: log4j.rootLogger=INFO
WARM_CONTAINERS_ENV = "LAMBDA_CONNECT_WARM_CONTAINERS"  # warm processes per function (`up --warm-containers`)
DEFAULT_WARM_CONTAINERS = 1


def warm_containers(value: str | int | None) -> int:
    """The number of warm processes per function: ``value`` (an option or the variable's text), else 1."""
    if value is None or value == "":
        return DEFAULT_WARM_CONTAINERS
    count = int(value)
    if count < 1:
        raise ValueError(f"{WARM_CONTAINERS_ENV} must be at least 1, not {value!r}")
    return count


class FunctionError(RuntimeError):
    """The function raised (Lambda's ``errorType`` / ``errorMessage``) or its process died."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(f"{error_type}: {message}")
        self.error_type = error_type


class FunctionHost:
    """Owns the warm child processes of one function and invokes one of them, picked at random, one event at a
    time."""

    def __init__(
        self, function: str, env: dict[str, str] | None = None, log: IO[bytes] | None = None, memory_mb: int = 512,
        *, containers: int | None = None,
    ) -> None:
        """Children start on first use; ``function`` is a short name (``sink_task``) or a handler ref
        (``pkg.module.handler``); ``containers``: warm processes (default: :data:`WARM_CONTAINERS_ENV`, else 1)."""
        self.function = function
        # The child works in our working directory (relative paths such as FileStream's `file` resolve as they
        # would for a Connect worker started there) and imports the project from its root.
        # the deployed functions' allocator setting (template.yaml's Globals) unless the caller's env says otherwise
        self._env = {**os.environ, GLIBC_TUNABLES: TUNABLES, **(env or {}), "PYTHONPATH": str(_ROOT),
                     "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory_mb)}
        self.containers = containers or warm_containers(self._env.get(WARM_CONTAINERS_ENV))
        self._log = log
        self._lock = threading.Lock()
        self._procs: list[subprocess.Popen[bytes] | None] = [None] * self.containers
        self._random = random.Random()

    def _ensure(self, slot: int) -> subprocess.Popen[bytes]:
        proc = self._procs[slot]
        if proc is None or proc.poll() is not None:
            proc = self._procs[slot] = subprocess.Popen(
                [sys.executable, "-m", "connect_core.local.function_host", self.function],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log or None, env=self._env,
            )
        return proc

    def invoke(self, event: Any, timeout_s: float = 60.0) -> Any:
        """The handler's response, or FunctionError; a dead child is replaced on the next call that picks it (a cold
        start).

        Past ``timeout_s`` the child is killed, as Lambda ends a timed-out sandbox: ``Sandbox.Timedout``.
        """
        with self._lock:
            slot = self._random.randrange(self.containers)
            proc = self._ensure(slot)
            assert proc.stdin is not None and proc.stdout is not None
            try:
                proc.stdin.write(json.dumps({"event": event, "timeout_s": timeout_s}).encode() + b"\n")
                proc.stdin.flush()
                line = proc.stdout.readline() if _readable(proc.stdout.fileno(), timeout_s) else None
            except BrokenPipeError:
                line = b""
            if line is None:
                proc.kill()
                proc.wait()
                self._procs[slot] = None
                raise FunctionError("Sandbox.Timedout", f"Task timed out after {timeout_s:.2f} seconds")
            if not line:
                code = proc.wait()
                self._procs[slot] = None
                raise FunctionError("Runtime.ExitError", f"the {self.function} process exited with {code}")
            try:
                answer = json.loads(line)
            except ValueError:
                answer = {"error": {"errorType": "Runtime.InvalidResponse", "errorMessage": line[:200].decode()}}
        if "error" in answer or "response" not in answer:
            error = answer.get("error") or {"errorType": "Runtime.InvalidResponse", "errorMessage": str(answer)[:200]}
            raise FunctionError(error["errorType"], error["errorMessage"])
        return answer["response"]

    def close(self) -> None:
        """Stop the children (like containers being reclaimed)."""
        with self._lock:
            for slot, proc in enumerate(self._procs):
                if proc is not None and proc.poll() is None:
                    assert proc.stdin is not None
                    proc.stdin.close()
                    try:
                        proc.wait(timeout=10)
                    except subprocess.TimeoutExpired:
                        proc.kill()
                self._procs[slot] = None


class FunctionPool:
    """Concurrent invocations of one function, as Lambda scales it: one warm host per concurrent request.

    A slow request (a database that never answers) holds only its own host; the next request gets another, up to
    ``max_concurrency`` (Lambda's reserved concurrency), beyond which requests wait for a free host. Each host is one
    process: the pool itself is the function's set of warm containers.
    """

    def __init__(self, function: str, env: dict[str, str] | None = None, log: IO[bytes] | None = None,
                 max_concurrency: int = 8) -> None:
        """Hosts are started on demand and kept warm."""
        self._factory = lambda: FunctionHost(function, env, log, containers=1)
        self._slots = threading.BoundedSemaphore(max_concurrency)
        self._lock = threading.Lock()
        self._idle: list[FunctionHost] = []
        self._hosts: list[FunctionHost] = []

    def invoke(self, event: Any, timeout_s: float = 60.0) -> Any:
        """``FunctionHost.invoke`` on a free warm host (a new one when none is free)."""
        with self._slots:
            with self._lock:
                host = self._idle.pop() if self._idle else None
                if host is None:
                    host = self._factory()
                    self._hosts.append(host)
            try:
                return host.invoke(event, timeout_s)
            finally:
                with self._lock:
                    self._idle.append(host)

    def close(self) -> None:
        """Stop every host."""
        with self._lock:
            hosts, self._hosts, self._idle = self._hosts, [], []
        for host in hosts:
            host.close()


class WorkerLogLevels:
    """The worker-scope levels of `up` (``{"logger", "level"}`` lines appended by its REST front), applied in this
    process in the order they were written, each once."""

    def __init__(self, path: Path) -> None:
        """Read ``path``; nothing applied yet."""
        self.path = path
        self._applied = 0  # bytes of the file applied so far

    def record(self, logger: str, level: str) -> None:
        """Append a level (the REST front, after the coordinator accepted it)."""
        with self.path.open("ab") as out:  # one write of one line: appends from several threads never interleave
            out.write(json.dumps({"logger": logger, "level": level}).encode() + b"\n")

    def apply(self) -> None:
        """Apply the levels written since the last call."""
        from connect_core.runtime.loggers import is_valid_level, process_loggers

        try:
            with self.path.open("rb") as file:
                file.seek(self._applied)
                written = file.read()
        except FileNotFoundError:
            return
        complete = written[: written.rfind(b"\n") + 1]
        self._applied += len(complete)
        for line in complete.splitlines():
            entry = json.loads(line)
            if is_valid_level(entry["level"]):
                process_loggers().set_level(entry["logger"], entry["level"])


def _worker_logging() -> WorkerLogLevels | None:
    """Kafka's default logging (the root logger at INFO, or ``LOG_LEVEL``, to stderr: the function's log), and the
    worker-scope levels of `up` when it names their file."""
    import logging

    from connect_core.runtime.loggers import ensure_root_handler

    level = os.environ.get("LOG_LEVEL", "").upper()
    logging.root.setLevel(level if level in logging.getLevelNamesMapping() else DEFAULT_LOG_LEVEL)
    ensure_root_handler()
    levels_file = os.environ.get(LOG_LEVELS_ENV)
    return WorkerLogLevels(Path(levels_file)) if levels_file else None


def _serve(function: str) -> None:
    # The protocol gets a private copy of fd 1; fd 1 itself then points at stderr, so nothing the handler, its
    # libraries or Powertools write to stdout (even through handles bound at import time) can corrupt it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group; the parent closes us instead
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr

    from connect_core.local.invoke import load_handler
    from connect_core.local.lambda_context import LocalLambdaContext

    levels = _worker_logging()
    handler = load_handler(function)
    for line in sys.stdin.buffer:
        request = json.loads(line)
        if levels is not None:
            levels.apply()
        context = LocalLambdaContext(
            function_name=os.environ.get("AWS_LAMBDA_FUNCTION_NAME", f"lambda-connect-{function}"),
            timeout_s=request["timeout_s"],
            memory_limit_in_mb=int(os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512")),
        )
        try:
            answer = {"response": handler(request["event"], context)}
        except Exception as error:  # reported to the caller exactly like Lambda's error payload
            answer = {"error": {"errorType": type(error).__name__, "errorMessage": str(error)}}
        out.write(json.dumps(answer, default=str).encode() + b"\n")
        out.flush()


def _readable(fd: int, timeout_s: float) -> bool:
    """Whether ``fd`` has data (or hung up) within ``timeout_s``; ``poll``, as ``select`` refuses descriptors past
    1,023, which a long `lambda-connect up` with many connectors' clients reaches."""
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLERR | select.POLLHUP)
    return bool(poller.poll(timeout_s * 1000))


if __name__ == "__main__":
    _serve(sys.argv[1])
