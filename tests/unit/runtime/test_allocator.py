"""The task functions' ``GLIBC_TUNABLES``: one value, set wherever a function's process starts, and glibc keeps
freed memory with it (the next batch reuses the pages the last one freed instead of faulting them in again)."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest

from connect_core.local.function_host import FunctionHost
from connect_core.local.sam_template import function_spec, load_template
from connect_core.runtime.allocator import TUNABLES
from connect_core.runtime.env import GLIBC_TUNABLES

# twenty batches of 10,000 blocks of 1,001 bytes (above pymalloc's 512: glibc's malloc), each freed at once; the
# page faults of the batches after the first
_BATCHES = """
import resource
def batch():
    blocks = [bytes(1000) + bytes([i % 256]) for i in range(10_000)]
    del blocks
batch()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(20):
    batch()
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def _page_faults(env: dict[str, str]) -> int:
    out = subprocess.run([sys.executable, "-c", _BATCHES], env=env, capture_output=True, text=True, check=True)
    return int(out.stdout)


@pytest.mark.skipif(sys.platform != "linux", reason="glibc's tunables")
def test_with_the_tunables_the_next_batch_reuses_the_memory_the_last_one_freed() -> None:
    plain = {k: v for k, v in os.environ.items() if k != GLIBC_TUNABLES}
    assert _page_faults(plain) > 10_000  # glibc's default: each batch's pages go back to the kernel and fault in again
    assert _page_faults({**plain, GLIBC_TUNABLES: TUNABLES}) < 100


@pytest.mark.parametrize("function", ["SourceTaskFunction", "SinkTaskFunction", "CoordinatorFunction"])
def test_every_function_of_the_template_gets_the_tunables(function: str) -> None:
    template = load_template()
    assert template["Globals"]["Function"]["Environment"]["Variables"][GLIBC_TUNABLES] == TUNABLES
    assert function_spec(function, template).environment[GLIBC_TUNABLES] == TUNABLES


def test_lambda_connect_ups_function_processes_get_the_tunables() -> None:
    host: Any = FunctionHost("sink_task")
    assert host._env[GLIBC_TUNABLES] == TUNABLES
    assert FunctionHost("sink_task", {GLIBC_TUNABLES: ""})._env[GLIBC_TUNABLES] == ""  # a caller's wins
