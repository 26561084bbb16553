"""checkov in a virtualenv of its own (its pins conflict with the project's): created once per version, then run."""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
from typing import TYPE_CHECKING, Any

from infra.local import _process as proc
from infra.local.versions import CHECKOV_REQUIREMENT

if TYPE_CHECKING:
    from pathlib import Path

NAME = "checkov"


def executable() -> Path:
    """The ``checkov`` command of the cached virtualenv, created (one minute, from PyPI) when missing."""
    venv = proc.CACHE_DIR / CHECKOV_REQUIREMENT.replace("==", "-")
    command = venv / "bin" / "checkov"
    marker = venv / ".installed"
    if marker.exists():
        return command
    proc.CACHE_DIR.mkdir(parents=True, exist_ok=True)
    with (proc.CACHE_DIR / f"{NAME}.lock").open("w") as lock:  # sessions sharing the cache install it once
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not marker.exists():
            proc.run([sys.executable, "-m", "venv", "--clear", str(venv)], name=NAME)
            proc.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", CHECKOV_REQUIREMENT], name=NAME)
            marker.write_text(CHECKOV_REQUIREMENT)
    return command


def scan(template: Path) -> dict[str, Any]:
    """checkov's CloudFormation results for ``template`` (its JSON report: ``summary``, ``results``), offline."""
    result = subprocess.run(
        [str(executable()), "--file", str(template), "--framework", "cloudformation", "--output", "json",
         "--skip-download", "--quiet", "--compact"],
        capture_output=True, text=True, timeout=300, check=False,
        # no guideline download, no telemetry: the scan needs no network
        env={**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false"},
    )
    if result.returncode not in (0, 1):  # 1: some check failed (the report says which)
        raise proc.ServiceError(f"{NAME} failed ({result.returncode}): {result.stderr[-4000:]}")
    report = json.loads(result.stdout)
    return report[0] if isinstance(report, list) else report
