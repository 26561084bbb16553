"""LocalStack runtime executor `lambda-connect`: each execution environment is a local process, no Docker.

LocalStack's Lambda service keeps doing what it does (versions, environments, concurrency, warm reuse, keep-alive,
logs to CloudWatch Logs); this executor only replaces the container: it runs `runtime/bootstrap.py` with the
function's own interpreter (python3.12 for python3.12), with the code and layers laid out as Lambda does
(`runtimes.layout`). The process talks back to LocalStack's executor endpoint like Lambda's init does.
"""

from __future__ import annotations

import collections
import json
import logging
import os
import shutil
import signal
import subprocess
import tempfile
import threading
from concurrent.futures import Future
from pathlib import Path

from localstack import config
from localstack.services.lambda_.invocation.executor_endpoint import ExecutorEndpoint
from localstack.services.lambda_.invocation.lambda_models import FunctionVersion, InvocationResult
from localstack.services.lambda_.invocation.plugins import RuntimeExecutorPlugin
from localstack.services.lambda_.invocation.runtime_executor import LambdaRuntimeException, RuntimeExecutor
from localstack.utils.net import get_free_tcp_port

from lambda_connect_localstack import EXECUTOR_NAME, emf
from lambda_connect_localstack.runtimes import interpreter, layout

LOG = logging.getLogger(__name__)
BOOTSTRAP = Path(__file__).parent / "runtime" / "bootstrap.py"
LOG_LINES_KEPT = 2000
EXIT_GRACE_S = 5.0  # past the function timeout, the bootstrap's own watchdog has had its chance


class ProcessExecutorPlugin(RuntimeExecutorPlugin):
    name = EXECUTOR_NAME

    def load(self, *args: object, **kwargs: object) -> type[RuntimeExecutor]:
        return ProcessRuntimeExecutor


class ProcessRuntimeExecutor(RuntimeExecutor):
    """One execution environment = one process running the function's runtime."""

    def __init__(self, id: str, function_version: FunctionVersion) -> None:  # LocalStack's signature
        super().__init__(id=id, function_version=function_version)
        self.endpoint = ExecutorEndpoint(self.id, container_address="127.0.0.1")
        self.process: subprocess.Popen[bytes] | None = None
        self.env_vars: dict[str, str] = {}
        self.tmp_dir: Path | None = None
        self.output: collections.deque[str] = collections.deque(maxlen=LOG_LINES_KEPT)
        self.lock = threading.Lock()
        self._request_id = ""

    # -- lifecycle
    def start(self, env_vars: dict[str, str]) -> None:
        self.env_vars = {key: str(value) for key, value in env_vars.items()}
        self.tmp_dir = Path(tempfile.mkdtemp(prefix=f"lambda-{self.function_version.id.function_name}-"))
        self.endpoint.start()
        self._spawn()
        self.endpoint.wait_for_startup()

    def _spawn(self) -> None:
        port = get_free_tcp_port()
        self.endpoint.container_port = port
        config_ = self.function_version.config
        python = interpreter(config_.runtime)
        env = layout(self.function_version, self.env_vars, python=python, tmp_dir=self.tmp_dir)
        self.process = subprocess.Popen(  # the function's own runtime, our bootstrap
            [python, str(BOOTSTRAP), str(port), config.LOCALSTACK_HOST.host, self.get_endpoint_from_executor()],
            cwd=env["LAMBDA_TASK_ROOT"], env=env,
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
        )
        threading.Thread(target=self._pump, args=(self.process,), name=f"lambda-out-{self.id}", daemon=True).start()

    def _pump(self, process: subprocess.Popen[bytes]) -> None:
        """Keep the environment's output (get_logs) and notice when the process ends during an invocation."""
        assert process.stdout is not None
        for raw in process.stdout:
            line = raw.decode("utf-8", errors="backslashreplace").rstrip("\n")
            self.output.append(line)
            LOG.debug("[lambda %s] %s", self.id, line)
            if line.startswith(emf.MARKER):  # Lambda's log service turns EMF lines into metrics; LocalStack's does not
                self._metrics(line)
        code = process.wait()
        future = self.endpoint.invocation_future
        if process is self.process and future is not None and not future.done():
            message = f"Runtime exited with error: exit status {code}" if code >= 0 else \
                f"Runtime exited with error: signal: {signal.Signals(-code).name.lower()}"
            body = {"errorType": "Runtime.ExitError", "errorMessage": f"RequestId: {self._request_id} Error: {message}"}
            future.set_result(InvocationResult(self._request_id, json.dumps(body).encode(), is_error=True,
                                               logs="\n".join(self.output) + "\n"))

    def _metrics(self, line: str) -> None:
        """Publish an EMF line's metrics to LocalStack's CloudWatch (in the function's account and region)."""
        from localstack.aws.connect import connect_to

        place = self.function_version.id
        try:
            emf.publish(line, connect_to(aws_access_key_id=place.account, region_name=place.region).cloudwatch)
        except Exception as error:  # metrics never break a function's output
            LOG.warning("could not publish the EMF metrics of %s: %s", place.function_name, error)

    def stop(self) -> None:
        self._kill()
        try:
            self.endpoint.shutdown()
        except Exception as error:  # as the Docker executor: a failed shutdown only gets logged
            LOG.debug("Error while stopping executor endpoint of %s: %s", self.function_version.qualified_arn, error)
        if self.tmp_dir is not None:
            shutil.rmtree(self.tmp_dir, ignore_errors=True)

    def _kill(self) -> None:
        process = self.process
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait(timeout=10)

    # -- invocations
    def invoke(self, payload: dict[str, str]) -> InvocationResult:
        with self.lock:
            if self.process is None or self.process.poll() is not None:
                # Timed out or crashed before: Lambda resets the environment, so initialise a fresh process.
                self.endpoint.startup_future = Future()
                self._spawn()
                self.endpoint.wait_for_startup()
        self._request_id = payload["invoke-id"]
        self.output.clear()
        return self.endpoint.invoke(payload)

    def get_address(self) -> str:
        return "127.0.0.1"

    def get_endpoint_from_executor(self) -> str:
        return "127.0.0.1"

    def get_runtime_endpoint(self) -> str:
        port = config.GATEWAY_LISTEN[0].port
        return f"http://127.0.0.1:{port}{self.endpoint.get_endpoint_prefix()}"

    def get_logs(self) -> str:
        return "\n".join(self.output)

    # -- versions
    @classmethod
    def prepare_version(cls, function_version: FunctionVersion) -> None:
        """Fail the function's creation if its runtime's interpreter is missing; unzip code and layers once."""
        interpreter(function_version.config.runtime)
        if function_version.config.code:
            function_version.config.code.prepare_for_execution()
        for layer in function_version.config.layers:
            layer.code.prepare_for_execution()

    @classmethod
    def cleanup_version(cls, function_version: FunctionVersion) -> None:
        pass

    @classmethod
    def validate_environment(cls) -> bool:
        if not BOOTSTRAP.is_file():
            LOG.error("lambda-connect executor: %s is missing", BOOTSTRAP)
            return False
        return True


__all__ = ["LambdaRuntimeException", "ProcessExecutorPlugin", "ProcessRuntimeExecutor"]
