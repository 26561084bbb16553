"""The fault seam armed by a file (``LAMBDA_CONNECT_FAULT_DIR``, the deployed stack's): the first process to reach the
step claims the file and dies; an idle transaction, another step or no file leaves it alive."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from connect_core.runtime import env, fault_points

ROOT = Path(__file__).resolve().parents[3]


def _reach(directory: Path, *calls: str) -> int:
    """Exit code of a fresh process making ``calls`` (``reached``'s argument lists), the seam at ``directory``."""
    script = "from connect_core.runtime import fault_points as f\n" + "".join(f"f.reached({c})\n" for c in calls)
    environment = {k: v for k, v in os.environ.items() if k not in (env.FAULT, env.FAULT_DIR)}
    environment[env.FAULT_DIR] = str(directory)
    return subprocess.run([sys.executable, "-c", script], env={**environment, "PYTHONPATH": str(ROOT)},
                          cwd=ROOT, timeout=60, check=False).returncode


def test_the_first_process_reaching_an_armed_step_claims_the_file_and_dies(tmp_path: Path) -> None:
    (tmp_path / "source.before_commit").write_text("")
    assert _reach(tmp_path, "'source.after_poll'", "'source.before_commit', idle=True") == 0
    assert (tmp_path / "source.before_commit").exists(), "neither another step nor an idle transaction claims it"
    assert _reach(tmp_path, "'source.after_poll'", "'source.before_commit'") == -9
    fired = [p.name for p in tmp_path.iterdir()]
    assert len(fired) == 1 and fired[0].startswith(fault_points.fired_marker("source.before_commit", 0)[:-1])
    assert _reach(tmp_path, "'source.before_commit'") == 0, "one arming, one kill"


@pytest.mark.parametrize("armed", ["aws.create_function.before", "nonsense"])
def test_only_the_runner_steps_can_be_armed_by_a_file(tmp_path: Path, armed: str) -> None:
    (tmp_path / armed).write_text("")
    assert _reach(tmp_path, f"{armed!r}") == 0
    assert (tmp_path / armed).exists()

