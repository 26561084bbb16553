"""Fakes shared by the error-handling unit tests: a manual clock and an in-memory reporter."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from connect_core.errors.processing_context import ProcessingContext


class FakeTime:
    """A clock that only moves when the code under test sleeps."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps_ms: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps_ms.append(round(seconds * 1000.0, 3))
        self.now += seconds


class ListReporter:
    """Keeps every reported context."""

    def __init__(self) -> None:
        self.contexts: list[ProcessingContext] = []

    def report(self, context: ProcessingContext) -> None:
        self.contexts.append(context)


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def reporter() -> ListReporter:
    return ListReporter()
