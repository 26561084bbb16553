"""``lambda-connect up``'s source schedule: a heartbeat per window, then the ticks the handler asks for."""

from __future__ import annotations

import threading
from typing import Any

from connect_core.local.source_schedule import SourceSchedule


class FakeHost:
    """Answers like the source handler: two ticks (each asking for the next after 0 s), then none."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.done = threading.Event()

    def invoke(self, event: dict[str, Any], timeout_s: float) -> dict[str, Any]:
        self.events.append(event)
        tick = event.get("tick", 0)
        if tick >= 2:
            self.done.set()
            return {"records": 0, "next_tick": None}
        return {"records": 1, "next_tick": {"delay_s": 0, "event": {**event, "tick": tick + 1}}}

    def close(self) -> None:
        pass


def test_a_heartbeat_opens_a_window_and_its_ticks_follow_one_after_the_other() -> None:
    host = FakeHost()
    schedule = SourceSchedule("src", 0, 60_000, host, timeout_s=5).start()  # type: ignore[arg-type]
    try:
        assert host.done.wait(10)
    finally:
        schedule.stop()

    heartbeat, *ticks = host.events
    assert {k: heartbeat[k] for k in ("connector", "task", "window_ms")} == {"connector": "src", "task": 0,
                                                                             "window_ms": 60_000}
    assert [t["tick"] for t in ticks] == [1, 2]
    assert all(t["window_start"] == heartbeat["window_start"] for t in ticks)  # the same window
    assert schedule.ticks == 2 and schedule.invocations == 3  # the window's chain rests until the next heartbeat
