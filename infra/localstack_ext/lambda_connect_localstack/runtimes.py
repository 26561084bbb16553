"""The function's runtime on this machine: its interpreter, and Lambda's file and environment layout around it."""

from __future__ import annotations

import glob
import json
import os
import re
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from localstack.services.lambda_.invocation.runtime_executor import LambdaRuntimeException

if TYPE_CHECKING:
    from localstack.services.lambda_.invocation.lambda_models import FunctionVersion

RUNTIMES_ENV = "LAMBDA_CONNECT_RUNTIMES"  # optional JSON {"python3.12": "/path/to/python3.12"}
# What Lambda's Python runtimes set besides the variables LocalStack hands over.
BASE_ENV = {"LANG": "en_US.UTF-8", "PATH": "/usr/local/bin:/usr/bin:/bin", "PYTHONNOUSERSITE": "1",
            "PYTHONUNBUFFERED": "1"}


def interpreter(runtime: str | None) -> str:
    """The interpreter of a `pythonX.Y` runtime: LAMBDA_CONNECT_RUNTIMES, then pyenv, then PATH; else fail naming it."""
    match = re.fullmatch(r"python(3\.\d+)", runtime or "")
    if match is None:
        raise LambdaRuntimeException(
            f"Runtime {runtime!r} is not supported by the lambda-connect executor (Python runtimes only)")
    version = match.group(1)
    configured = json.loads(os.environ.get(RUNTIMES_ENV) or "{}").get(runtime)
    pyenv_root = os.environ.get("PYENV_ROOT") or str(Path.home() / ".pyenv")
    candidates = [configured] if configured else [
        *sorted(glob.glob(f"{pyenv_root}/versions/{version}.*/bin/python{version}"), key=_version_key, reverse=True),
        shutil.which(f"python{version}"),
    ]
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise LambdaRuntimeException(
        f"Runtime {runtime}: no python{version} interpreter on this machine (looked in {RUNTIMES_ENV}, "
        f"{pyenv_root}/versions/{version}.*/bin and PATH); install Python {version}, e.g. `pyenv install {version}`")


def _version_key(path: str) -> tuple[int, ...]:
    match = re.search(r"/versions/(\d+)\.(\d+)\.(\d+)/", path)
    return tuple(int(part) for part in match.groups()) if match else (0,)


def layout(
    function_version: FunctionVersion, env_vars: dict[str, str], *, python: str, tmp_dir: Path,
) -> dict[str, str]:
    """The process environment: LocalStack's Lambda variables with /var/task, /opt and /tmp mapped to local folders.

    Layers are on the path as Lambda's Python runtimes put /opt/python and /opt/python/lib/pythonX.Y/site-packages;
    a later layer wins over an earlier one, as when Lambda extracts them into /opt in order.
    """
    task_root = str(function_version.config.code.get_unzipped_code_location())
    version = re.search(r"python(\d+\.\d+)$", python)
    short = version.group(1) if version else "3"
    layer_paths: list[str] = []
    for layer in reversed(function_version.config.layers):
        root = layer.code.get_unzipped_code_location()
        layer_paths += [str(root / "python" / "lib" / f"python{short}" / "site-packages"), str(root / "python")]
    env = {**BASE_ENV, **env_vars}
    env.update({
        "LAMBDA_TASK_ROOT": task_root,
        "LAMBDA_RUNTIME_DIR": str(Path(__file__).parent / "runtime"),
        "PYTHONPATH": os.pathsep.join([task_root, *layer_paths]),
        "TMPDIR": str(tmp_dir),
        "HOME": str(tmp_dir),
    })
    return env
