"""The Python runtime of one execution environment, run by the function's own interpreter (stdlib only).

What Lambda's runtime interface client does, speaking LocalStack's executor protocol instead of the Runtime API:
import the handler once (init), report ready or the init error, then take invocations from `POST /invoke` one at a
time, run the handler with a Lambda context, and post the invocation's logs and then its response or error (Lambda's
error shape) to LocalStack's executor endpoint. stdout and stderr (fd 1 and 2, so C libraries' output too) are
captured per invocation and still copied to the process's original stdout, which the executor keeps. A watchdog
enforces the function timeout: it reports `Sandbox.Timedout` and ends the process, as Lambda resets a timed-out
environment; the executor starts a fresh one for the next invocation.

Usage: python bootstrap.py <invoke-port> [<LocalStack's domain> <its address>]
(everything else comes from the environment Lambda defines)
"""

from __future__ import annotations

import importlib
import json
import math
import os
import queue
import resource
import sys
import threading
import time
import traceback
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

RUNTIME_ENDPOINT = os.environ.get("LOCALSTACK_RUNTIME_ENDPOINT", "")
RUNTIME_ID = os.environ.get("LOCALSTACK_RUNTIME_ID", "")
_DRAIN_MARK = b"\x00lambda-connect-drain\x00"


def post(path: str, body: bytes | dict[str, Any]) -> None:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(f"{RUNTIME_ENDPOINT}{path}", data=data, method="POST")
    request.add_header("Content-Type", "application/json")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request, timeout=30) as response:
        response.read()


def error_body(error: BaseException, request_id: str = "", error_type: str | None = None,
               message: str | None = None) -> dict[str, Any]:
    """Lambda's Python error shape (awslambdaric's build_fault_result)."""
    return {
        "errorMessage": str(error) if message is None else message,
        "errorType": error_type or type(error).__name__,
        "requestId": request_id,
        "stackTrace": user_frames(error) if message is None else [],
    }


def user_frames(error: BaseException) -> list[str]:
    """The traceback without this runtime's own frames, as Lambda shows it."""
    frames = [frame for frame in traceback.extract_tb(error.__traceback__) if frame.filename != __file__]
    return traceback.format_list(frames)


def max_memory_mb() -> int:
    """Peak resident memory of this process since exec (VmHWM; ru_maxrss would include the forking parent)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) // 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


class Output:
    """Captures fd 1 and 2 into the current invocation's log while copying them to the original stdout."""

    def __init__(self) -> None:
        self.original = os.dup(1)
        read_fd, write_fd = os.pipe()
        os.dup2(write_fd, 1)
        os.dup2(write_fd, 2)
        os.close(write_fd)
        sys.stdout = os.fdopen(1, "w", buffering=1, encoding="utf-8", errors="backslashreplace", closefd=False)
        sys.stderr = os.fdopen(2, "w", buffering=1, encoding="utf-8", errors="backslashreplace", closefd=False)
        self._reader = os.fdopen(read_fd, "rb", buffering=0)
        self._lock = threading.Lock()
        self._buffer = bytearray()
        self._drained = threading.Condition(self._lock)
        self._marks_seen = 0
        threading.Thread(target=self._pump, name="log-pump", daemon=True).start()

    def _pump(self) -> None:
        pending = b""
        while chunk := self._reader.read(65536):
            pending += chunk
            with self._lock:
                while (index := pending.find(_DRAIN_MARK)) >= 0:
                    self._take(pending[:index])
                    pending = pending[index + len(_DRAIN_MARK):]
                    self._marks_seen += 1
                    self._drained.notify_all()
                keep = len(_DRAIN_MARK) - 1  # a mark may be split across reads
                if len(pending) > keep:
                    self._take(pending[:-keep] if keep else pending)
                    pending = pending[-keep:] if keep else b""

    def _take(self, data: bytes) -> None:
        if data:
            self._buffer += data
            os.write(self.original, data)

    def write_line(self, text: str) -> None:
        sys.stdout.write(text + "\n")

    def take(self, timeout: float = 2.0) -> str:
        """Everything written since the last take(), including output still in the pipe."""
        sys.stdout.flush()
        sys.stderr.flush()
        with self._lock:
            target = self._marks_seen + 1
        os.write(1, _DRAIN_MARK)
        with self._lock:
            self._drained.wait_for(lambda: self._marks_seen >= target, timeout)
            logs, self._buffer = bytes(self._buffer), bytearray()
        return logs.decode("utf-8", errors="backslashreplace")


class Context:
    """The Lambda context object (awslambdaric's LambdaContext attributes)."""

    def __init__(self, request_id: str, function_arn: str, deadline: float) -> None:
        self.aws_request_id = request_id
        self.invoked_function_arn = function_arn
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        self.identity = None
        self.client_context = None
        self.tenant_id = None
        self._deadline = deadline

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


class Runtime:
    def __init__(self, port: int) -> None:
        self.port = port
        self.invocations: queue.Queue[dict[str, Any]] = queue.Queue()
        self.timeout_s = float(os.environ.get("AWS_LAMBDA_FUNCTION_TIMEOUT", "3"))
        self.memory_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        self.output = Output()
        self.handler: Any = None
        self.init_ms = 0.0
        self._report_lock = threading.Lock()

    # -- init
    def load_handler(self) -> None:
        name = os.environ.get("_HANDLER", "")
        try:
            module_name, function_name = name.rsplit(".", 1)
        except ValueError as error:
            raise InitError("Runtime.MalformedHandlerName", f"Bad handler '{name}': {error}") from None
        try:
            module = importlib.import_module(module_name.replace("/", "."))
        except ImportError as error:
            raise InitError("Runtime.ImportModuleError", f"Unable to import module '{module_name}': {error}") from None
        except SyntaxError as error:
            raise InitError("Runtime.UserCodeSyntaxError", f"Syntax error in module '{module_name}': {error}") from None
        handler = getattr(module, function_name, None)
        if handler is None:
            raise InitError("Runtime.HandlerNotFound", f"Handler '{function_name}' missing on module '{module_name}'")
        self.handler = handler

    def serve(self) -> None:
        runtime = self

        class Invoke(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                runtime.invocations.put(json.loads(body))
                self.send_response(202)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:  # quiet access log
                pass

        server = HTTPServer(("127.0.0.1", self.port), Invoke)
        threading.Thread(target=server.serve_forever, name="invoke-server", daemon=True).start()

    # -- invocations
    def run(self) -> None:
        while True:
            self.invoke(self.invocations.get())

    def invoke(self, invocation: dict[str, Any]) -> None:
        request_id = invocation["invoke-id"]
        started = time.monotonic()
        deadline = started + self.timeout_s
        os.environ["_X_AMZN_TRACE_ID"] = invocation.get("trace-id") or ""
        version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.output.write_line(f"START RequestId: {request_id} Version: {version}")
        done = threading.Event()
        threading.Thread(target=self._watchdog, args=(request_id, started, done), daemon=True).start()
        try:
            event = json.loads(invocation.get("payload") or "null")
            result = self.handler(event, Context(request_id, invocation.get("invoked-function-arn", ""), deadline))
            try:
                outcome, body = "response", json.dumps(result).encode()
            except (TypeError, ValueError) as error:
                outcome, body = "error", json.dumps(error_body(
                    error, request_id, "Runtime.MarshalError", f"Unable to marshal response: {error}")).encode()
        except Exception as error:  # every handler error is the invocation's error
            fault = error_body(error, request_id)
            self.output.write_line(
                f"[ERROR] {fault['errorType']}: {fault['errorMessage']}\nTraceback (most recent call last):\n"
                + "".join(fault["stackTrace"]).rstrip("\n"))
            outcome, body = "error", json.dumps(fault).encode()
        with self._report_lock:
            if done.is_set():  # the watchdog already reported a timeout
                return
            done.set()
            self._report(request_id, started, outcome, body)
        self.init_ms = 0.0

    def _watchdog(self, request_id: str, started: float, done: threading.Event) -> None:
        if done.wait(self.timeout_s):
            return
        with self._report_lock:
            if done.is_set():
                return
            done.set()
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
            message = f"Task timed out after {self.timeout_s:.2f} seconds"
            self.output.write_line(f"{stamp}Z {request_id} {message}")
            body = {"errorType": "Sandbox.Timedout", "errorMessage": f"RequestId: {request_id} Error: {message}"}
            self._report(request_id, started, "error", json.dumps(body).encode(), status="timeout")
        os._exit(0)  # Lambda resets a timed-out environment; the executor starts a new one on the next invocation

    def _report(self, request_id: str, started: float, outcome: str, body: bytes, status: str = "") -> None:
        duration_ms = (time.monotonic() - started) * 1000
        max_rss_mb = max_memory_mb()
        init = f"\tInit Duration: {self.init_ms:.2f} ms" if self.init_ms else ""
        self.output.write_line(f"END RequestId: {request_id}")
        self.output.write_line(
            f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms"
            f"\tBilled Duration: {math.ceil(duration_ms)} ms\tMemory Size: {self.memory_mb} MB"
            f"\tMax Memory Used: {max_rss_mb} MB{init}"
            + (f"\tStatus: {status}" if status else ""))
        post(f"/invocations/{request_id}/logs", {"logs": self.output.take()})
        post(f"/invocations/{request_id}/{outcome}", body)


def resolve_locally(domain: str, address: str) -> None:
    """Resolve LocalStack's own domain (`localhost.localstack.cloud` and its subdomains, as in presigned S3 URLs) to
    LocalStack, as the DNS server LocalStack gives its Lambda containers does; other names resolve as usual."""
    import socket

    original = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else host
        if isinstance(name, str) and (name == domain or name.endswith("." + domain)):
            host = address
        return original(host, *args, **kwargs)

    socket.getaddrinfo = getaddrinfo


def exit_with_parent(parent: int) -> None:
    """LocalStack stops environments when it stops; if it dies instead, end this one too (no orphans)."""
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(0)


class InitError(Exception):
    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type


def main(argv: list[str]) -> int:
    # The script's own folder is sys.path[0]; the function must see only its code, layers and the stdlib.
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [entry for entry in sys.path if os.path.abspath(entry or ".") != here]
    threading.Thread(target=exit_with_parent, args=(os.getppid(),), name="parent-watch", daemon=True).start()
    if len(argv) > 3:
        resolve_locally(argv[2], argv[3])
    runtime = Runtime(int(argv[1]))
    started = time.monotonic()
    try:
        runtime.load_handler()
    except InitError as error:
        fault = error_body(error, "", error.error_type, str(error))
        runtime.output.write_line(f"[ERROR] {error.error_type}: {error}")
        post(f"/status/{RUNTIME_ID}/error", fault)
        return 1
    except Exception as error:  # an exception at import time is the init error Lambda reports
        fault = error_body(error)
        runtime.output.write_line(f"[ERROR] {fault['errorType']}: {fault['errorMessage']}")
        traceback.print_exc()
        post(f"/status/{RUNTIME_ID}/error", fault)
        return 1
    runtime.init_ms = (time.monotonic() - started) * 1000
    runtime.serve()
    post(f"/status/{RUNTIME_ID}/ready", b"{}")
    runtime.run()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
