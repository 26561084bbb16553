"""A Lambda function's CPU on this machine: the whole process (every thread, librdkafka's too) held to the share of
one CPU that Lambda gives a function of a memory size (in proportion to memory, one vCPU at 1,769 MB) by a CFS
quota, as Lambda's own sandboxes are held, on a cgroup v1 cpu controller made for the block. Needs root and a
writable ``/sys/fs/cgroup/cpu``: ``unavailable()`` says why not otherwise."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["FULL_VCPU_MB", "limited", "share_of", "unavailable"]

ROOT = Path("/sys/fs/cgroup/cpu")
FULL_VCPU_MB = 1769  # Lambda: one full vCPU at 1,769 MB; below it, CPU in proportion to memory
PERIOD_US = 100_000  # the CFS period the quota is a share of
PREFIX = "lambda-connect-bench-"


def share_of(memory_mb: int) -> float:
    """The share of one CPU a function of ``memory_mb`` gets (at most one: sizes above get more vCPUs)."""
    return min(memory_mb / FULL_VCPU_MB, 1.0)


def unavailable() -> str | None:
    """None when ``limited`` can hold this process, else why not."""
    if not (ROOT / "cgroup.procs").exists():
        return f"no cgroup v1 cpu controller at {ROOT}"
    if not os.access(ROOT, os.W_OK):
        return f"{ROOT} is not writable (root is needed to make a cgroup)"
    return None


@contextlib.contextmanager
def limited(memory_mb: int) -> Iterator[float]:
    """Hold this process to ``share_of(memory_mb)`` of one CPU inside the block (yields the share); it leaves the
    cgroup, which is removed, when the block ends.

    Raises:
        OSError: the cgroup cannot be made or joined (``unavailable`` says why in advance).
    """
    share = share_of(memory_mb)
    _remove_stale()
    group = ROOT / f"{PREFIX}{os.getpid()}-{memory_mb}"
    group.mkdir(exist_ok=True)
    try:
        (group / "cpu.cfs_period_us").write_text(str(PERIOD_US))
        (group / "cpu.cfs_quota_us").write_text(str(round(share * PERIOD_US)))
        (group / "cgroup.procs").write_text(str(os.getpid()))  # every thread of the process moves with it
        try:
            yield share
        finally:
            (ROOT / "cgroup.procs").write_text(str(os.getpid()))
    finally:
        group.rmdir()


def _remove_stale() -> None:
    """Remove the empty groups of processes that were killed inside ``limited`` (their ``finally`` never ran)."""
    for group in ROOT.glob(f"{PREFIX}*"):
        with contextlib.suppress(OSError):  # still in use (a process in it), or gone meanwhile
            if not (group / "cgroup.procs").read_text().strip():
                group.rmdir()
