"""``GET /health`` (KIP-1017): is this coordinator able to answer, and has it completed startup?

A Connect worker answers 200 ``healthy`` when its herder thread handles a health request within 10 s, 503
``starting`` while the herder has not completed startup and 500 ``unhealthy`` when a started herder does not answer;
both failures add what the worker is busy with (Kafka's ``Stage.summarize``). A coordinator has no herder thread: its
startup is reading the config topic to the end once, and every request starts by catching up on that topic, so that
read, bounded by the same 10 s, is the check.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from connect_core.storage.config_store import ConfigStore

__all__ = ["HEALTH_CHECK_TIMEOUT_S", "HEALTHY_MESSAGE", "STARTING_MESSAGE", "UNHEALTHY_MESSAGE", "WorkerHealth"]

log = logging.getLogger(__name__)

HEALTH_CHECK_TIMEOUT_S = 10.0  # Kafka's RestServer.DEFAULT_HEALTH_CHECK_TIMEOUT_MS
HEALTHY_MESSAGE = "Worker has completed startup and is ready to handle requests."
STARTING_MESSAGE = "Worker is still starting up."
UNHEALTHY_MESSAGE = "Worker was unable to handle this request and may be unable to handle other requests."
STAGE = "reading to the end of the config topic"  # the DistributedHerder's description of the same work


class WorkerHealth:
    """The health check of one coordinator container."""

    def __init__(self, configs: ConfigStore, timeout_s: float = HEALTH_CHECK_TIMEOUT_S) -> None:
        """Check by catching up on ``configs`` within ``timeout_s``."""
        self.configs = configs
        self.timeout_s = timeout_s
        self.ready = False  # startup completed: the config topic was read to its end once
        self._pending: threading.Thread | None = None  # a read that outlived its check (never two at once)
        self._pending_since = 0.0

    def check(self) -> tuple[int, dict[str, Any]]:
        """(status, Kafka's ``WorkerStatus`` body)."""
        if self._pending is None or not self._pending.is_alive():
            self._ok = False
            self._pending_since = time.time()
            self._pending = threading.Thread(target=self._read, name="health-check", daemon=True)
            self._pending.start()
        self._pending.join(self.timeout_s)
        if not self._pending.is_alive() and self._ok:
            self.ready = True
            return 200, {"status": "healthy", "message": HEALTHY_MESSAGE}
        stage = f"The worker is currently {STAGE}, which began at {_instant(self._pending_since)}."
        if not self.ready and self.configs.state.offset == 0:  # never read a config record in this container
            return 503, {"status": "starting", "message": f"{STARTING_MESSAGE} {stage}"}
        return 500, {"status": "unhealthy", "message": f"{UNHEALTHY_MESSAGE} {stage}"}

    _ok = False

    def _read(self) -> None:
        try:
            self.configs.refresh()
            self._ok = True
        except Exception:  # reported as starting or unhealthy, as a worker whose herder does not answer
            log.exception("health check: reading the config topic failed")
            self._ok = False


def _instant(seconds: float) -> str:
    """Java's ``Instant.toString`` of epoch milliseconds: ``2026-11-23T00:50:12.345Z``, no fraction when it is 0."""
    moment = datetime.fromtimestamp(round(seconds * 1000) / 1000, UTC)
    millis = round(moment.microsecond / 1000)
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + (f".{millis:03d}Z" if millis else "Z")
