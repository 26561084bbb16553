"""A measurement in a fresh interpreter (``bench/cases/_child.py``), the repository compiled first as the deployed
artifact ships it."""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


@functools.cache
def compiled() -> None:
    """Compile the repository's packages once (their ``__pycache__``), as the deployed artifact ships them: where
    ``PYTHONDONTWRITEBYTECODE`` is set, every fresh interpreter would otherwise compile our modules again."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", "-j", "0", "connect_core", "functions", "bench"],
                   cwd=REPO, check=True, capture_output=True, timeout=600)


def child(*args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run ``_child.py`` in a fresh interpreter and parse its JSON line."""
    compiled()
    done = subprocess.run([sys.executable, "-m", "bench.cases._child", *args], cwd=REPO, capture_output=True,
                          text=True, check=False, env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})},
                          timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"child {args[0]} failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])
