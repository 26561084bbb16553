"""LocalStack community 4.13.1 in host mode (no Docker), in its own cached virtualenv."""

from __future__ import annotations

import json
import sys
import urllib.request

from infra.local import _process as proc
from infra.local.versions import LOCALSTACK_REQUIREMENTS, LOCALSTACK_VENV_TAG

NAME = "localstack"
HOST = "127.0.0.1"
PORT = 4566
REGION = "us-east-1"
START_TIMEOUT_S = 120.0
REQUIRED_SERVICES = ("s3", "secretsmanager", "scheduler")


def address() -> str:
    return f"{HOST}:{PORT}"


def settings() -> dict[str, str]:
    return {
        "endpoint_url": f"http://{address()}", "region_name": REGION,
        "aws_access_key_id": "test", "aws_secret_access_key": "test",
    }


def healthy() -> bool:
    """The gateway answers its health endpoint and lists the services our tests use."""
    if not proc.port_open(HOST, PORT):
        return False
    try:
        with urllib.request.urlopen(f"http://{address()}/_localstack/health", timeout=3) as response:  # noqa: S310
            services = json.load(response).get("services", {})
    except (OSError, ValueError):
        return False
    return all(services.get(name) in ("available", "running") for name in REQUIRED_SERVICES)


def venv_python() -> str:
    """Create (once per pin set) the virtualenv LocalStack runs from; it must not share ours."""
    venv = proc.CACHE_DIR / f"localstack-{LOCALSTACK_VENV_TAG}"
    python = venv / "bin" / "python"
    marker = venv / ".installed"
    if not marker.exists():
        proc.run([sys.executable, "-m", "venv", "--clear", str(venv)], name=NAME)
        proc.run([str(python), "-m", "pip", "install", "-q", "--upgrade", "pip"], name=NAME)
        proc.run([str(python), "-m", "pip", "install", "-q", *LOCALSTACK_REQUIREMENTS], name=NAME)
        marker.write_text("\n".join(LOCALSTACK_REQUIREMENTS))
    return str(python)


def start() -> None:
    if healthy():
        return
    python = venv_python()
    directory = proc.service_dir(NAME)
    env = {
        "GATEWAY_LISTEN": address(),
        "FILESYSTEM_ROOT": str(directory / "fs"),
        "LOCALSTACK_VOLUME_DIR": str(directory / "volume"),
        "DNS_ADDRESS": "0",  # no DNS server: it would look for upstream resolvers that do not exist here
        "SKIP_SSL_CERT_DOWNLOAD": "1",
        "DISABLE_EVENTS": "1",  # no analytics calls home
        "AWS_DEFAULT_REGION": REGION,
    }
    pid = proc.spawn(NAME, [python, "-m", "localstack.runtime.main"], env=env)
    proc.wait_healthy(NAME, healthy, START_TIMEOUT_S, pid)


def stop() -> bool:
    return proc.stop_pid(NAME)
