"""coordinator/rest/heartbeat.py: the heartbeat's steps share one budget; what does not fit waits for the next one."""

from __future__ import annotations

from typing import Any

import pytest

from connect_core.api import deadline
from connect_core.coordinator.rest.heartbeat import Heartbeat


class Clock:
    """A clock the steps advance by the time they 'take'."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _step(clock: Clock, takes_s: float, seen: dict[str, Any], name: str, result: Any = None) -> Any:
    def run(seconds: float) -> Any:
        seen[name] = (seconds, deadline.remaining_s())
        clock.now += takes_s
        return result
    return run


def test_each_step_gets_what_is_left_less_what_the_later_steps_need_capped_at_its_own_most() -> None:
    clock, seen = Clock(), {}
    beat = Heartbeat(clock=clock)
    beat.add("a", _step(clock, 8.0, seen, "a"), most_s=12.0, least_s=1.0)
    beat.add("b", _step(clock, 3.0, seen, "b", "b-result"), most_s=20.0, least_s=4.0)
    beat.add("c", _step(clock, 1.0, seen, "c"), most_s=5.0, least_s=2.0)
    beat.add("d", _step(clock, 0.5, seen, "d"), most_s=5.0, least_s=1.0)
    outcomes = beat.run(25.0)
    assert seen["a"][0] == 12.0  # its most: 25 - (4 + 2 + 1) left more
    assert seen["b"][0] == 25.0 - 8.0 - 3.0  # 17 left, 3 kept for c and d
    assert seen["c"][0] == 5.0
    assert seen["d"][0] == 5.0
    assert {name: o.state for name, o in outcomes.items()} == dict.fromkeys("abcd", "done")
    assert outcomes["b"].result == "b-result"
    # every step ran inside its own deadline scope (the real clock's, as long as its share)
    assert all(left is not None and 0 < left <= seen[name][0] for name, (_, left) in seen.items())
    assert deadline.remaining_s() is None


def test_a_step_that_overruns_leaves_the_later_steps_their_minimum_or_skips_them() -> None:
    clock, seen = Clock(), {}
    beat = Heartbeat(clock=clock)
    beat.add("reconcile", _step(clock, 23.0, seen, "reconcile"), most_s=20.0, least_s=4.0)  # overruns its 20 s
    beat.add("guard", _step(clock, 1.5, seen, "guard"), most_s=5.0, least_s=0.5)  # overruns its 1 s
    beat.add("index", _step(clock, 0.1, seen, "index"), most_s=5.0, least_s=1.0)
    outcomes = beat.run(25.0)
    assert seen["reconcile"][0] == 20.0
    assert seen["guard"][0] == 1.0  # 2 s were left, 1 kept for the index
    assert outcomes["index"].state == "skipped"  # 0.5 s left, it needs 1: the next heartbeat's
    assert "index" not in seen
    assert beat.last is outcomes


def test_a_failing_step_is_reported_and_the_later_steps_still_run() -> None:
    clock, seen = Clock(), {}

    def broken(_seconds: float) -> None:
        raise RuntimeError("the deployer is down")

    beat = Heartbeat(clock=clock)
    beat.add("reconcile", broken, most_s=20.0)
    beat.add("lag", _step(clock, 1.0, seen, "lag", {"snk": 3}), most_s=5.0)
    outcomes = beat.run(25.0)
    assert outcomes["reconcile"].state == "failed"
    assert outcomes["reconcile"].summary()["error"] == "RuntimeError: the deployer is down"
    assert outcomes["lag"].result == {"snk": 3}


def test_a_step_name_is_taken_once() -> None:
    beat = Heartbeat()
    beat.add("lag", lambda seconds: None, most_s=5.0)
    with pytest.raises(ValueError, match="lag"):
        beat.add("lag", lambda seconds: None, most_s=5.0)
