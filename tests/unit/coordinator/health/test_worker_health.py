"""GET /health as KIP-1017: 200 healthy, 503 starting, 500 unhealthy, with Kafka's exact messages."""

from __future__ import annotations

import re
import threading
from typing import TYPE_CHECKING, Any

from connect_core.coordinator.health.worker_health import WorkerHealth, _instant
from tests.unit.storage.fakes import Topics

if TYPE_CHECKING:
    from connect_core.storage.config_store import ConfigStore
    from tests.unit.coordinator.conftest import Rest

STAGE = re.compile(r" The worker is currently reading to the end of the config topic, which began at "
                   r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z\.$")


class _Broken:
    """A config store whose reads fail (Kafka unreachable) or hang until released."""

    def __init__(self, store: ConfigStore, *, hang: threading.Event | None = None) -> None:
        self.store, self.hang, self.failing = store, hang, True
        self.state = store.state

    def refresh(self) -> int:
        if self.hang is not None:
            self.hang.wait(5)
        if self.failing:
            raise RuntimeError("Failed to get watermark offsets: Local: Broker transport failure")
        return self.store.refresh()


def _health(store: Any, timeout_s: float = 1.0) -> WorkerHealth:
    return WorkerHealth(store, timeout_s)


def test_healthy_through_rest(rest: Rest) -> None:
    response = rest.call("GET", "/health/")
    assert (response.status, response.body) == (200, {
        "status": "healthy", "message": "Worker has completed startup and is ready to handle requests."})


def test_a_container_that_never_read_its_config_topic_is_starting() -> None:
    status, body = _health(_Broken(Topics().config_store())).check()
    assert (status, body["status"]) == (503, "starting")
    assert body["message"].startswith("Worker is still starting up. The worker is currently")
    assert STAGE.search(body["message"]), body["message"]


def test_a_started_container_that_cannot_read_is_unhealthy_then_healthy_again() -> None:
    broken = _Broken(Topics().config_store())
    broken.failing = False
    health = _health(broken)
    assert health.check()[0] == 200
    broken.failing = True
    status, body = health.check()
    assert (status, body["status"]) == (500, "unhealthy")
    assert body["message"].startswith("Worker was unable to handle this request and may be unable to handle other "
                                      "requests. The worker is currently")
    assert STAGE.search(body["message"]), body["message"]
    broken.failing = False
    assert health.check()[0] == 200


def test_a_read_that_does_not_answer_in_time_is_unhealthy_and_never_doubled() -> None:
    release = threading.Event()
    broken = _Broken(Topics().config_store(), hang=release)
    broken.failing = False
    health = _health(broken, timeout_s=0.05)
    health.ready = True
    assert health.check()[0] == 500
    first = health._pending
    assert health.check()[0] == 500
    assert health._pending is first  # the stuck read is waited for, not started twice
    release.set()
    first.join(5)  # type: ignore[union-attr]
    assert health.check()[0] == 200


def test_instants_print_as_java_does() -> None:
    assert _instant(1_795_394_323.085) == "2026-11-23T00:38:43.085Z"
    assert _instant(1_795_394_323.0) == "2026-11-23T00:38:43Z"
