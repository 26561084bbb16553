"""api/deadline.py: a scoped deadline that shortens the timeouts of the calls made inside it."""

from __future__ import annotations

import time

from connect_core.api import deadline


def test_outside_a_scope_timeouts_are_left_alone() -> None:
    assert deadline.remaining_s() is None
    assert deadline.bounded(30.0) == 30.0


def test_inside_a_scope_a_timeout_ends_with_it_and_nested_scopes_keep_the_earlier_end() -> None:
    with deadline.within(5.0):
        assert 4.0 < deadline.bounded(30.0) <= 5.0
        assert deadline.bounded(1.0) == 1.0
        with deadline.within(60.0):  # a longer inner scope does not extend the outer one
            assert deadline.bounded(30.0) <= 5.0
        with deadline.within(0.5):
            assert deadline.bounded(30.0) <= 0.5
    assert deadline.remaining_s() is None


def test_past_the_deadline_a_call_gets_the_minimum_wait() -> None:
    with deadline.within(0.0):
        time.sleep(0.01)
        left = deadline.remaining_s()
        assert left is not None and left < 0
        assert deadline.bounded(30.0) == deadline.MIN_WAIT_S
