"""The Lambda model harness itself (connect_core/testing/lambda_model.py) against the real broker: it sees a lost or
doubled record, names the seed to replay, and a seed draws the same schedule again."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from connect_core.testing import EmbeddedConnect
from connect_core.testing.lambda_model import SCHEDULES_ENV, SEED_ENV, Schedule, run_schedule, seeds
from tests.faults._lambda_families import FileStreamSource, S3Sink

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

pytestmark = pytest.mark.integration

SHORT = Schedule(steps=6, p_freeze=0.0, p_fail=0.0, p_idle=0.0)


class _Losing(FileStreamSource):
    """Reports the first id as never arrived."""

    def arrived(self) -> list[str]:
        return super().arrived()[1:]


class _RotatedOnly(S3Sink):
    """Confluent's S3 sink whose files close only on the wall clock (``rotate.schedule.interval.ms`` 5 s)."""

    def config(self, name: str) -> dict[str, str]:
        return {**super().config(name), "flush.size": "1000", "rotate.schedule.interval.ms": "5000"}


class _Doubling(FileStreamSource):
    """Reports every id twice."""

    def arrived(self) -> list[str]:
        return super().arrived() * 2


@pytest.fixture(scope="module")
def connect(kafka_bootstrap: str) -> Iterator[EmbeddedConnect]:
    with EmbeddedConnect(kafka_bootstrap) as kit:
        yield kit


def test_a_lost_record_and_a_doubled_one_break_the_schedule_with_its_seed(connect: EmbeddedConnect,
                                                                          tmp_path: Path) -> None:
    lost = run_schedule(connect, _Losing(connect, tmp_path), 7, SHORT)
    assert lost.lost and any("lost 1 of" in v for v in lost.violations)
    with pytest.raises(AssertionError, match=f"seed 7 \\(replay: {SEED_ENV}=7 "):
        lost.check("tests/x.py::test_y")
    doubled = run_schedule(connect, _Doubling(connect, tmp_path), 7, SHORT)
    assert any("duplicated (exactly once is claimed)" in v for v in doubled.violations)


def test_a_seed_draws_the_same_schedule(connect: EmbeddedConnect, tmp_path: Path) -> None:
    first = run_schedule(connect, FileStreamSource(connect, tmp_path), 11, SHORT)
    second = run_schedule(connect, FileStreamSource(connect, tmp_path), 11, SHORT)
    assert first.check() is None and second.check() is None

    def shape(line: str) -> str:  # ids differ per family instance: compare the events
        return line.split(" (", 1)[0]

    assert [shape(line) for line in first.trace] == [shape(line) for line in second.trace]


def test_seeds_replays_one_or_counts_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SEED_ENV, raising=False)
    monkeypatch.delenv(SCHEDULES_ENV, raising=False)
    assert seeds(3) == [1, 2, 3]
    monkeypatch.setenv(SCHEDULES_ENV, "5")
    assert len(seeds(3)) == 5
    monkeypatch.setenv(SEED_ENV, "42")
    assert seeds(3) == [42]


def test_a_sink_with_a_duty_on_its_clock_settles_only_after_its_interval(connect: EmbeddedConnect,
                                                                        aws_settings: dict[str, str]) -> None:
    """A quiet topic's files close on idle ticks within an interval of coming due and a tick: settling waits that
    long after the last change (8 quiet rounds, about a second, called them lost)."""
    report = run_schedule(connect, _RotatedOnly(connect, aws_settings), 5, SHORT)
    assert report.check() is None
    assert report.expected and not report.lost
    assert any(": settled (" in line for line in report.trace)
