"""A source side is invoked again until every change is in, and all its invocations' CPU counts; one that never
gets there fails (no services: the count is a stand-in)."""

from __future__ import annotations

import pytest

from bench import counting


class _Count:
    """A stand-in for ``CommittedCount``: each drain sees the next of ``seen``."""

    def __init__(self, *seen: int) -> None:
        self.seen = list(seen)
        self.records = 0
        self.topic = "t"
        self.checked: list[int] = []

    def drain(self) -> int:
        self.records = self.seen.pop(0)
        return self.records

    def exact(self, expected: int, who: str) -> None:
        self.checked.append(expected)


def test_ours_is_invoked_again_until_every_change_is_in_and_all_its_cpu_counts() -> None:
    """An invocation that ends on its tick share before the last change is followed by the next, as the schedule
    does; the row counts the CPU of every invocation, never a budget's share of the changes."""
    calls: list[int] = []

    def invoke() -> None:
        calls.append(1)
        sum(range(20_000))  # some CPU

    count = _Count(400, 900, 1000)
    sample, invocations = counting.until_all_in(invoke, count, 1000, "ours")  # type: ignore[arg-type]
    assert invocations == len(calls) == 3 and count.checked == [1000]
    assert sample.records == 1000 and sample.cpu_s > 0 and sample.wall_s >= sample.cpu_s * 0.5


def test_a_side_that_never_gets_every_change_in_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(counting, "WAIT_S", 0.0)
    with pytest.raises(RuntimeError, match="ours: 10 of 1000 changes in t"):
        counting.until_all_in(lambda: None, _Count(10, 10), 1000, "ours")  # type: ignore[arg-type]
