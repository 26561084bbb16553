"""The phase timer of case 4's progress output: a phase inside another counts for the inner one alone, so a row's
phases add up to its wall time (no services; a fake clock)."""

from __future__ import annotations

import pytest

from bench import common
from bench.common import Phases


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> _Clock:
    fake = _Clock()
    monkeypatch.setattr(common.time, "perf_counter", fake)
    return fake


def test_nested_phases_count_once_and_add_up_to_the_wall_time(clock: _Clock) -> None:
    phase = Phases()
    with phase("row"):
        clock.now += 2
        with phase("jvm"):
            clock.now += 5
            with phase("count"):
                clock.now += 3
        with phase("count"):
            clock.now += 1
    assert phase.wall == {"row": 2, "jvm": 5, "count": 4}
    assert sum(phase.wall.values()) == clock.now
    assert phase.reset() == {"row": 2, "jvm": 5, "count": 4} and phase.wall == {}


def test_a_phase_that_raises_is_still_counted_and_unwound(clock: _Clock) -> None:
    phase = Phases()
    with pytest.raises(ValueError, match="x"), phase("outer"):
        clock.now += 1
        with phase("inner"):
            clock.now += 2
            raise ValueError("x")
    with phase("after"):
        clock.now += 4
    assert phase.wall == {"outer": 1, "inner": 2, "after": 4}  # "after" is top level again
