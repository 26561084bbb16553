"""What each task invocation did, as records of lambda-connect's own runs topic (Kafka Connect has no such topic).

A Connect worker knows what its tasks are doing because it runs them; a function-based runtime only knows what the
last invocation reported. These records are that report, read statelessly by the coordinator's status page and by
the next invocation's restart policy. They live in a topic of their own (``<status.storage.topic>-runs``), so the
status topic keeps Kafka Connect's exact formats and a real worker sharing it never sees a key it does not know.

``run:<task>:<connector>``
    the latest invocation: ``{"at", "kind", "ok", "records", "skipped", "dlq", "duration_ms", "memory_mb", "error",
    "offsets", "window", "restart"}``
``progress:<task>:<connector>``
    the latest invocation that moved records: ``{"at", "records", "offsets"}``
``lag:<connector>``
    the latest consumer-group lag sample of a sink and the one before it: ``{"at", "total", "previous"}``
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = [
    "LagSample",
    "Progress",
    "RestartState",
    "RunRecord",
    "RunState",
    "RunWindow",
    "lag_key",
    "progress_key",
    "run_key",
]

_log = logging.getLogger(__name__)
RUN_PREFIX = "run:"
PROGRESS_PREFIX = "progress:"
LAG_PREFIX = "lag:"


@dataclass(frozen=True)
class RunWindow:
    """Invocations and billed time of one warm container since it started: the basis of the cost estimate."""

    since_ms: int
    invocations: int = 0
    billed_ms: float = 0.0


@dataclass(frozen=True)
class RestartState:
    """The restart policy's memory for one task: consecutive failures, automatic restarts, the breaker."""

    failures: int = 0
    restarts: int = 0
    retry_at_ms: int | None = None
    breaker_open: bool = False
    reason: str | None = None
    epoch: list[int | None] | None = None  # ConfigState.task_epoch the streak belongs to
    history: list[int] = field(default_factory=list)  # when the last automatic restarts happened (epoch ms)
    # A sink whose breaker is open has its Kafka trigger disabled by the coordinator's heartbeat (a poison batch is
    # not retried forever): since when, and the consumer group's committed offsets ("topic-partition": offset) the
    # kept batch replays from. A manual restart, resume or new config (a fresh RestartState) lifts the hold.
    held_at_ms: int | None = None
    held_offsets: dict[str, int] | None = None


@dataclass(frozen=True)
class RunRecord:
    """One invocation of a task: when, what it moved, how long it took, how it ended."""

    connector: str
    task: int
    at_ms: int
    kind: str  # "source" or "sink"
    ok: bool
    records: int = 0
    skipped: int = 0
    dlq: int = 0
    duration_ms: float = 0.0
    memory_mb: int = 0
    error: str | None = None
    offsets: Any = None
    window: RunWindow | None = None
    restart: RestartState = field(default_factory=RestartState)


@dataclass(frozen=True)
class Progress:
    """The latest invocation of a task that moved records."""

    at_ms: int
    records: int
    offsets: Any = None


@dataclass(frozen=True)
class LagSample:
    """A sink connector's total consumer-group lag at one moment, with the sample before it."""

    at_ms: int
    total: int
    previous_at_ms: int | None = None
    previous_total: int | None = None


def run_key(connector: str, task: int) -> str:
    """``run:<task>:<connector>`` (the connector last: its name may contain anything)."""
    return f"{RUN_PREFIX}{task}:{connector}"


def progress_key(connector: str, task: int) -> str:
    """``progress:<task>:<connector>``."""
    return f"{PROGRESS_PREFIX}{task}:{connector}"


def lag_key(connector: str) -> str:
    """``lag:<connector>``."""
    return LAG_PREFIX + connector


def run_value(run: RunRecord) -> bytes:
    """The compact JSON of a run record (connector and task are in the key)."""
    body = asdict(run)
    del body["connector"], body["task"]
    return json.dumps(body, separators=(",", ":"), default=str).encode("utf-8")


def progress_value(progress: Progress) -> bytes:
    """The compact JSON of a progress record."""
    return json.dumps(asdict(progress), separators=(",", ":"), default=str).encode("utf-8")


def lag_value(sample: LagSample) -> bytes:
    """The compact JSON of a lag sample."""
    return json.dumps(asdict(sample), separators=(",", ":")).encode("utf-8")


def _task_key(key: str, prefix: str) -> tuple[str, int] | None:
    task, sep, connector = key[len(prefix):].partition(":")
    if not sep or not connector or not task.isdigit():
        return None
    return connector, int(task)


def _run(connector: str, task: int, body: dict[str, Any]) -> RunRecord:
    window = body.pop("window", None)
    restart = body.pop("restart", None) or {}
    return RunRecord(connector, task, **body, window=RunWindow(**window) if window else None,
                     restart=RestartState(**restart))


class RunState:
    """The latest run, progress and lag sample of every task, folded from the runs topic."""

    def __init__(self) -> None:
        """Start empty."""
        self.runs: dict[str, dict[int, RunRecord]] = {}
        self.progress: dict[str, dict[int, Progress]] = {}
        self.lag: dict[str, LagSample] = {}

    def run(self, connector: str, task: int) -> RunRecord | None:
        """The task's latest run, or None."""
        return self.runs.get(connector, {}).get(task)

    def apply(self, key: str | None, value: bytes | None) -> None:
        """Fold one record in; unknown or broken records are skipped (the topic is advisory, never fatal)."""
        if key is None:
            return
        try:
            self._apply(key, None if value is None else json.loads(value))
        except (ValueError, TypeError, KeyError):
            _log.warning("Discarding unreadable run record %s", key)

    def _apply(self, key: str, body: dict[str, Any] | None) -> None:
        if key.startswith(LAG_PREFIX):
            connector = key[len(LAG_PREFIX):]
            if body is None:
                self.lag.pop(connector, None)
            else:
                self.lag[connector] = LagSample(**body)
            return
        for prefix, table in ((RUN_PREFIX, self.runs), (PROGRESS_PREFIX, self.progress)):
            if key.startswith(prefix):
                parsed = _task_key(key, prefix)
                if parsed is None:
                    return
                connector, task = parsed
                if body is None:
                    table.get(connector, {}).pop(task, None)
                elif prefix == RUN_PREFIX:
                    self.runs.setdefault(connector, {})[task] = _run(connector, task, body)
                else:
                    self.progress.setdefault(connector, {})[task] = Progress(**body)
                return
