"""A test seam: the fault suite (``make faults``) kills the function process at a named step of an invocation.

``LAMBDA_CONNECT_FAULT=<step>`` or ``<step>:<n>`` makes the n-th time (default: the first) this process reaches
``<step>`` its last: ``SIGKILL``, as a Lambda environment dies on a timeout or out of memory. Unset, a step costs
one comparison. On a local LocalStack stack, ``LAMBDA_CONNECT_FAULT_DIR=<dir>`` arms a step from outside: the first
process that reaches ``<step>`` while ``<dir>/<step>`` exists claims the file (renamed to ``<step>.fired-<pid>``)
and dies the same way; a source transaction without records claims none. In a test's own process, ``set_hook``
installs a callable every step reaches first (``testing/lambda_model.py`` freezes or fails an invocation there).
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING, Final

from connect_core.runtime import env

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["STEPS", "armed", "fired_marker", "reached", "set_hook"]

# source.after_poll: poll() returned records, none produced; source.after_produce: handed to the producer, the
# transaction open; source.before_commit: offsets produced too, commit not asked; source.after_commit: committed,
# task status not yet written; sink.during_put: the batch handed to put (a batching task may have written part), not
# flushed; sink.after_put: written and flushed, the invocation not returned (the mapping retries it).
# aws.<operation>.before|after: the coordinator's deployer is about to make, or has made, that boto3 call
# (control-plane faults, connect_core/coordinator/aws/fault_client.py).
STEPS: Final = (
    "source.after_poll", "source.after_produce", "source.before_commit", "source.after_commit",
    "sink.during_put", "sink.after_put",
)
AWS_STEP: Final = re.compile(r"aws\.[a-z_]+\.(before|after)")


def _armed() -> tuple[str, int] | None:
    spec = os.environ.get(env.FAULT, "").strip()
    if not spec:
        return None
    step, _, nth = spec.partition(":")
    if step not in STEPS and not AWS_STEP.fullmatch(step):
        raise ValueError(f"{env.FAULT}={spec!r}: the step must be one of {', '.join(STEPS)} "
                         "or aws.<operation>.before|after")
    return step, int(nth or 1)


_ARMED: Final = _armed()
_DIR: Final = os.environ.get(env.FAULT_DIR, "")
_counts: dict[str, int] = {}
_hook: Callable[[str], None] | None = None


def set_hook(hook: Callable[[str], None] | None) -> None:
    """Call ``hook(step)`` at every step this process reaches (None: no hook); a test seam, never set in a function."""
    global _hook
    _hook = hook


def armed() -> bool:
    """Whether this process runs under the fault suite (a step is armed)."""
    return _ARMED is not None


def fired_marker(step: str, pid: int) -> str:
    """The name an arming file ``<step>`` in ``LAMBDA_CONNECT_FAULT_DIR`` takes when process ``pid`` claims it."""
    return f"{step}.fired-{pid}"


def reached(step: str, *, idle: bool = False) -> None:
    """Mark ``step`` as reached; the armed step's n-th arrival, or an arming file for it, kills this process.
    ``idle``: the transaction carries no record (a heartbeat's); an arming file waits for one that does, since the
    test that drops it aims at a change it is making."""
    if _hook is not None:
        _hook(step)
    if _DIR and not idle:
        _claim(step)
    if _ARMED is None or _ARMED[0] != step:
        return
    _counts[step] = _counts.get(step, 0) + 1
    if _counts[step] >= _ARMED[1]:
        _die()


def _die() -> None:
    import signal  # only an armed fault point needs it: not on a handler's cold path

    os.kill(os.getpid(), signal.SIGKILL)


def _claim(step: str) -> None:
    """Die if ``<dir>/<step>`` exists and this process is the one that renames it (the rename is atomic)."""
    armed_file = os.path.join(_DIR, step)
    if step not in STEPS or not os.path.exists(armed_file):
        return
    try:
        os.rename(armed_file, os.path.join(_DIR, fired_marker(step, os.getpid())))
    except OSError:  # another process claimed it first
        return
    _die()
