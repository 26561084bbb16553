"""connect_core/coordinator/health/timeline.py: a connector's last hour as the status page's charts draw it."""

from __future__ import annotations

from connect_core.coordinator.health.timeline import BUCKET_MS, WINDOW_MS, timeline
from connect_core.storage.run_state import RunPoint

NOW = 10 * WINDOW_MS


def test_records_per_second_by_minute_and_failed_runs_marked() -> None:
    runs = [RunPoint(NOW - WINDOW_MS - 1, 0, 999, True),  # before the hour: not shown
            RunPoint(NOW - WINDOW_MS, 0, 60, True),  # the first minute
            RunPoint(NOW - 30_000, 1, 120, True), RunPoint(NOW - 10_000, 0, 0, False, "ConnectError: boom"),
            RunPoint(NOW, 1, 60, True)]  # the current minute
    view = timeline(runs, [(NOW - WINDOW_MS - 5, 1), (NOW - 61_000, 40), (NOW - 1_000, 12)], NOW)
    rate = view["records_per_s"]
    assert len(rate) == WINDOW_MS // BUCKET_MS and view["bucket_ms"] == BUCKET_MS
    assert rate[0] == 1.0 and rate[-1] == 3.0 and sum(rate[1:-1]) == 0
    assert view["lag"] == [[NOW - 61_000, 40], [NOW - 1_000, 12]]
    assert view["failures"] == [{"at_ms": NOW - 10_000, "task": 0, "error": "ConnectError: boom"}]
    assert (view["start_ms"], view["end_ms"]) == (NOW - WINDOW_MS, NOW)


def test_an_idle_hour_is_all_zero() -> None:
    view = timeline([], [], NOW)
    assert set(view["records_per_s"]) == {0} and view["lag"] == [] and view["failures"] == []
