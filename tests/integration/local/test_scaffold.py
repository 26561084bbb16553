"""A package made by `lambda-connect new connector` passes its own tests as generated: its unit tests and its test
kit tests (connect_core.testing against the real broker), run by pytest in the package's own directory; and its own
lint rules."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest

from connect_core.local.cli import main

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(("kind", "tests"), [("source", 7), ("sink", 6)])
def test_a_generated_package_passes_its_own_tests(kind: str, tests: int, tmp_path: Path, kafka_bootstrap: str) -> None:
    assert main(["new", "connector", f"acme-{kind}", f"--{kind}", "--directory", str(tmp_path)]) == 0
    environment = {**os.environ, "LAMBDA_CONNECT_BOOTSTRAP_SERVERS": kafka_bootstrap}
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                          cwd=tmp_path / f"acme-{kind}", env=environment, capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{tests} passed" in done.stdout.splitlines()[-1]
    linted = subprocess.run([sys.executable, "-m", "ruff", "check", "."], cwd=tmp_path / f"acme-{kind}",
                            capture_output=True, text=True, timeout=60, check=False)  # its own [tool.ruff] rules
    assert linted.returncode == 0, linted.stdout + linted.stderr
