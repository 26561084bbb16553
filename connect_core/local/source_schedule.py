"""A source task's schedule and tick queue, emulated: heartbeats every window, delayed ticks inside, never two at once.

As on AWS (``connect_core/runtime/source_ticks.py``): each heartbeat opens a window of the schedule's period; the
handler answers with the ``next_tick`` it would send to the SQS queue (``{"delay_s", "event"}``), which this thread
delivers after the delay, as the queue's event source mapping would; with no next tick (idle past the window, paused,
stopped, deleted) the chain rests until the next heartbeat. One thread per task, so invocations are sequential.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from connect_core.local.function_host import FunctionHost

__all__ = ["SourceSchedule"]

log = logging.getLogger(__name__)


class SourceSchedule:
    """Invokes the heartbeat ``{"connector", "task", "window_start", "window_ms"}`` every window, then its ticks."""

    def __init__(self, connector: str, task: int, heartbeat_ms: int, host: FunctionHost, timeout_s: float,
                 *, kind: str = "source") -> None:
        """``heartbeat_ms``: the schedule's period; ``timeout_s``: the function timeout; ``kind``: ``sink`` for a
        pull-mode sink task (the heartbeat says so, as the deployed schedule's Input does)."""
        self.connector = connector
        self.task = task
        self.kind = kind
        self.heartbeat_ms = heartbeat_ms
        self.host = host
        self.timeout_s = timeout_s
        self.invocations = 0
        self.ticks = 0
        self.last_result: dict | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"schedule-{connector}-{task}", daemon=True)

    def start(self) -> SourceSchedule:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=self.timeout_s + 10)
        self.host.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            window_start_ms = int(time.time() * 1000)
            heartbeat: dict[str, Any] = {"connector": self.connector, "task": self.task,
                                         "window_start": window_start_ms, "window_ms": self.heartbeat_ms}
            if self.kind != "source":
                heartbeat["kind"] = self.kind
            event: dict[str, Any] | None = heartbeat
            while event is not None and not self._stop.is_set():
                tick = self._invoke(event)
                if tick is None or self._stop.wait(tick["delay_s"]):
                    break
                self.ticks += 1
                event = tick["event"]
            self._stop.wait(max(0.0, (window_start_ms + self.heartbeat_ms) / 1000.0 - time.time()))

    def _invoke(self, event: dict[str, Any]) -> dict[str, Any] | None:
        """One invocation; the next tick it asks for, if any."""
        self.invocations += 1
        try:
            result = self.host.invoke(event, self.timeout_s)
        except Exception as error:
            log.warning("source task %s-%d failed: %s", self.connector, self.task, error)
            return None
        self.last_result = result
        tick = result.get("next_tick") if isinstance(result, dict) else None
        return tick if isinstance(tick, dict) else None
