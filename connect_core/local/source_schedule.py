"""A source task's schedule, emulated: invoke the source function every interval, never two at once."""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from connect_core.local.function_host import FunctionHost

__all__ = ["SourceSchedule"]

log = logging.getLogger(__name__)


class SourceSchedule:
    """Invokes ``{"connector", "task"}`` (the Scheduler ``Input``) on a fixed rate, in its own thread."""

    def __init__(self, connector: str, task: int, interval_ms: int, host: FunctionHost, timeout_s: float) -> None:
        """``timeout_s`` is the function timeout: the handler polls until shortly before it."""
        self.connector = connector
        self.task = task
        self.interval_s = interval_ms / 1000.0
        self.host = host
        self.timeout_s = timeout_s
        self.invocations = 0
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
            started = time.monotonic()
            self.invocations += 1
            try:
                self.last_result = self.host.invoke({"connector": self.connector, "task": self.task}, self.timeout_s)
            except Exception as error:  # like Scheduler: log the failed invocation and keep the rate
                log.warning("source task %s-%d failed: %s", self.connector, self.task, error)
            self._stop.wait(max(0.0, self.interval_s - (time.monotonic() - started)))
