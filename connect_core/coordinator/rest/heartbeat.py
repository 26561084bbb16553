"""The coordinator's heartbeat as steps that share one time budget.

The heartbeat runs in the coordinator function (30 s timeout; the schedule fires every minute). Its work is a list of
steps in order (``Coordinator`` registers them: reconfigure, reconcile, poison-batch guard, lag sampling, offsets key
index), each with the most it may take and the least it needs. A step is given the time left minus what the steps
after it need at least, capped at its own most, and runs inside that deadline (``api/deadline.py``: every Kafka read
under it ends by then; a step that also takes the seconds as an argument stops itself in time). A step that would
get less than it needs is skipped, and whatever a step leaves undone is the next heartbeat's: every step is
idempotent and keeps its progress (the reconcile pass defers connectors, the key index commits how far it read). A
failing step is logged and the later steps still run.

Another step joins with :meth:`Heartbeat.add` (in the order it should run); nothing else changes.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from connect_core.api import deadline

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["DEFAULT_BUDGET_S", "Heartbeat", "HeartbeatStep", "StepOutcome"]

log = logging.getLogger(__name__)

DEFAULT_BUDGET_S = 25.0  # without a Lambda context (local runs, tests): inside the function's 30 s


@dataclass(frozen=True)
class HeartbeatStep:
    """One piece of the heartbeat: ``run(seconds)`` may use at most ``seconds`` (its share), returns its result."""

    name: str
    run: Callable[[float], Any]
    most_s: float
    least_s: float


@dataclass
class StepOutcome:
    """What became of a step in one heartbeat."""

    state: str  # "done", "failed" or "skipped"
    seconds: float = 0.0
    given_s: float = 0.0
    result: Any = None
    error: str | None = None

    def summary(self) -> dict[str, Any]:
        """For the heartbeat's answer and log (results are reported by their own keys)."""
        found: dict[str, Any] = {"state": self.state, "seconds": round(self.seconds, 3)}
        if self.error:
            found["error"] = self.error
        return found


@dataclass
class Heartbeat:
    """The ordered steps of the heartbeat, run within a budget."""

    steps: list[HeartbeatStep] = field(default_factory=list)
    clock: Callable[[], float] = time.monotonic
    last: dict[str, StepOutcome] = field(default_factory=dict)  # the last run's outcomes, by step name

    def add(self, name: str, run: Callable[[float], Any], *, most_s: float, least_s: float = 1.0) -> None:
        """Append a step: it gets at most ``most_s`` and is skipped when less than ``least_s`` is left for it."""
        if any(step.name == name for step in self.steps):
            raise ValueError(f"the heartbeat already has a step named {name}")
        self.steps.append(HeartbeatStep(name, run, most_s, least_s))

    def run(self, budget_s: float = DEFAULT_BUDGET_S) -> dict[str, StepOutcome]:
        """Run every step that fits in ``budget_s`` seconds from now; the outcomes by step name."""
        ends = self.clock() + budget_s
        outcomes: dict[str, StepOutcome] = {}
        for index, step in enumerate(self.steps):
            later = sum(s.least_s for s in self.steps[index + 1:])
            given = min(step.most_s, ends - self.clock() - later)
            if given < step.least_s:
                outcomes[step.name] = StepOutcome("skipped", given_s=max(given, 0.0))
                log.warning("heartbeat step %s skipped: %.1f s left for it, it needs %.1f s; the next heartbeat "
                            "runs it", step.name, max(given, 0.0), step.least_s)
                continue
            started = self.clock()
            try:
                with deadline.within(given):
                    result = step.run(given)
            except Exception as error:  # the next heartbeat tries again; the later steps must still run
                log.warning("heartbeat step %s failed", step.name, exc_info=True)
                outcomes[step.name] = StepOutcome("failed", self.clock() - started, given,
                                                  error=f"{type(error).__name__}: {error}")
                continue
            outcomes[step.name] = StepOutcome("done", self.clock() - started, given, result)
        self.last = outcomes
        return outcomes
