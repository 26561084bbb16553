"""LocalStack community 4.13.1 in host mode (no Docker) on Python 3.13, in its own cached virtualenv, with our
extension (infra/localstack_ext: Lambda functions as local processes, ...) installed into that virtualenv."""

from __future__ import annotations

import fcntl
import glob
import json
import os
import re
import shutil
import tomllib
import urllib.request
from pathlib import Path

from infra.local import _process as proc
from infra.local import kafka
from infra.local.versions import LOCALSTACK_PYTHON, LOCALSTACK_REQUIREMENTS, LOCALSTACK_VENV_TAG

NAME = "localstack"
HOST = "127.0.0.1"
PORT = int(os.environ.get("LAMBDA_CONNECT_LOCALSTACK_PORT") or 4566)  # another port: to develop the extension
REGION = "us-east-1"
START_TIMEOUT_S = 180.0
# After SIGTERM, LocalStack's own non-daemon threads (the Lambda log handler retrying CloudWatch Logs on the gateway
# that already stopped, SQS and CloudWatch schedulers) keep it alive until SIGKILL: don't wait 30 s for that.
STOP_TIMEOUT_S = 10.0
REQUIRED_SERVICES = ("s3", "secretsmanager", "scheduler", "lambda")
EXTENSION_DIR = proc.REPO_ROOT / "infra" / "localstack_ext"
EXTENSION_DIST = "lambda_connect_localstack"  # the dist-info prefix of "lambda-connect-localstack"
KAFKA_CLIENT_REQUIREMENT = "confluent-kafka>=2.13,<2.16"  # as in the project's pyproject.toml
EXECUTOR = "lambda-connect"  # infra/localstack_ext/lambda_connect_localstack/__init__.py: EXECUTOR_NAME


def address() -> str:
    return f"{HOST}:{PORT}"


def settings() -> dict[str, str]:
    return {
        "endpoint_url": f"http://{address()}", "region_name": REGION,
        "aws_access_key_id": "test", "aws_secret_access_key": "test",
    }


def extension_version() -> tuple[int, ...]:
    """The extension version of this tree: a LocalStack running an older one is restarted."""
    project = tomllib.loads((EXTENSION_DIR / "pyproject.toml").read_text())["project"]
    return _parse_version(project["version"])


def _parse_version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3])


def _get_json(path: str) -> dict:
    with urllib.request.urlopen(f"http://{address()}{path}", timeout=3) as response:
        return json.load(response)


def healthy() -> bool:
    """The gateway lists the services our tests use and runs our extension, at least this tree's version."""
    if not proc.port_open(HOST, PORT):
        return False
    try:
        services = _get_json("/_localstack/health").get("services", {})
        extension = _get_json("/_lambda_connect/health")
    except (OSError, ValueError):  # a LocalStack without our extension answers 404 there
        return False
    return (
        all(services.get(name) in ("available", "running") for name in REQUIRED_SERVICES)
        and extension.get("runtime_executor") == EXECUTOR
        and _parse_version(str(extension.get("version", ""))) >= extension_version()
    )


def python313() -> str:
    """LocalStack's interpreter: LAMBDA_CONNECT_LOCALSTACK_PYTHON, pyenv's newest 3.13, or python3.13 on PATH."""
    version = LOCALSTACK_PYTHON
    pyenv_root = os.environ.get("PYENV_ROOT") or str(Path.home() / ".pyenv")
    found = sorted(glob.glob(f"{pyenv_root}/versions/{version}.*/bin/python{version}"),
                   key=lambda path: _parse_version(path.split("/versions/")[1].split("/")[0]), reverse=True)
    for candidate in (os.environ.get("LAMBDA_CONNECT_LOCALSTACK_PYTHON"), *found, shutil.which(f"python{version}")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise proc.ServiceError(
        f"{NAME}: LocalStack 4.13.1 needs Python {version}, and there is none: looked at "
        f"$LAMBDA_CONNECT_LOCALSTACK_PYTHON, {pyenv_root}/versions/{version}.*/bin/python{version} and "
        f"python{version} on PATH. Install it (e.g. `pyenv install {version}`) or point "
        "LAMBDA_CONNECT_LOCALSTACK_PYTHON at one.")


def venv_python() -> str:
    """Create (once per pin set) the virtualenv LocalStack runs from, and install this tree's extension into it
    unless it already holds the same or a newer version (the venv is shared by every checkout on the machine), or
    always with LAMBDA_CONNECT_LOCALSTACK_REINSTALL=1."""
    venv = proc.CACHE_DIR / f"localstack-{LOCALSTACK_VENV_TAG}"
    python = venv / "bin" / "python"
    marker = venv / ".installed"
    if not marker.exists():
        proc.run([python313(), "-m", "venv", "--clear", str(venv)], name=NAME)
        proc.run([str(python), "-m", "pip", "install", "-q", "--upgrade", "pip"], name=NAME)
        proc.run([str(python), "-m", "pip", "install", "-q", *LOCALSTACK_REQUIREMENTS], name=NAME)
        marker.write_text("\n".join(LOCALSTACK_REQUIREMENTS))
    site = venv / "lib" / "python*" / "site-packages"
    installed = [_parse_version(path.split("-")[-1].removesuffix(".dist-info"))
                 for path in glob.glob(str(site / f"{EXTENSION_DIST}-*.dist-info"))]
    # CI sets LAMBDA_CONNECT_LOCALSTACK_REINSTALL=1: on a machine reused from a session, the cached venv may hold an
    # unlanded branch's extension and connect_core (same or newer version), and CI must test this tree's.
    reinstall = os.environ.get("LAMBDA_CONNECT_LOCALSTACK_REINSTALL", "") not in ("", "0")
    if reinstall or not installed or max(installed) < extension_version():
        # The Kafka poller (kafka_esm.py) runs connect_core's event source mapping: our package (no dependencies:
        # LocalStack's own pydantic/boto3 serve) and confluent-kafka go in with the extension, at the same version.
        proc.run([str(python), "-m", "pip", "install", "-q", KAFKA_CLIENT_REQUIREMENT], name=NAME)
        proc.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--force-reinstall", str(proc.REPO_ROOT),
                  str(EXTENSION_DIR)], name=NAME)
    return str(python)


def environment() -> dict[str, str]:
    directory = proc.service_dir(NAME)
    return {
        "GATEWAY_LISTEN": address(),
        "FILESYSTEM_ROOT": str(directory / "fs"),
        "LOCALSTACK_VOLUME_DIR": str(directory / "volume"),
        "DNS_ADDRESS": "0",  # no DNS server: it would look for upstream resolvers that do not exist here
        "SKIP_SSL_CERT_DOWNLOAD": "1",
        "DISABLE_EVENTS": "1",  # no analytics calls home
        "AWS_DEFAULT_REGION": REGION,
        "LAMBDA_RUNTIME_EXECUTOR": EXECUTOR,  # functions run as local processes (infra/localstack_ext)
        "LAMBDA_RUNTIME_ENVIRONMENT_TIMEOUT": "90",  # a cold start imports confluent-kafka & co. on a busy machine
        # MSK event source mappings read the local broker, whatever their cluster ARN (kafka_esm.py).
        "LAMBDA_CONNECT_MSK_BOOTSTRAP_SERVERS": json.dumps({"*": kafka.address()}),
    }


def start() -> None:
    """Start LocalStack unless a healthy one runs; a stale one (no extension, or an older one) is restarted.

    A file lock keeps concurrent `make services` / test sessions from restarting it twice."""
    proc.CACHE_DIR.mkdir(parents=True, exist_ok=True)
    with open(proc.CACHE_DIR / "localstack.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if healthy():
            return
        python = venv_python()
        if _stop_stale():
            return
        pid = proc.spawn(NAME, [python, "-m", "localstack.runtime.main"], env=environment())
        proc.wait_healthy(NAME, healthy, START_TIMEOUT_S, pid)


def _stop_stale() -> bool:
    """Stop a LocalStack that answers on our port but is not what this tree needs, even if another checkout
    started it (found by its listening socket; only a `localstack.runtime.main` process is stopped).

    Another process on the port is waited for (a briefly busy port), then named in the error; True when a healthy
    LocalStack answers meanwhile (nothing to start)."""
    if proc.stop_pid(NAME, STOP_TIMEOUT_S) or not proc.port_open(HOST, PORT):
        return False
    pid = proc.listening_pid(PORT)
    if pid is not None and "localstack.runtime.main" in proc.cmdline(pid):
        proc.stop_foreign_pid(NAME, pid, STOP_TIMEOUT_S)
        return False
    return proc.await_port(NAME, HOST, (PORT,), healthy)


def stop() -> bool:
    return proc.stop_pid(NAME, STOP_TIMEOUT_S)
