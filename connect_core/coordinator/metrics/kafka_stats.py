"""Kafka's sampled statistics (``SampledStat``: ``Rate``, ``Avg``, ``Max``) replayed over timestamped events.

A worker measures ``*-rate``, ``*-avg`` and ``*-max`` over ``metrics.num.samples`` (2) windows of
``metrics.sample.window.ms`` (30 s): a sample starts at the first event after the previous one is complete, samples
older than both windows are reset at measurement, and ``Rate`` divides by the elapsed time of the retained windows
(at least one full window less than the sample count). Replaying the run records' events through the same rules
gives the figure a worker would show at ``now_ms``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

__all__ = ["SAMPLES", "WINDOW_MS", "avg", "max_", "rate"]

SAMPLES = 2  # metrics.num.samples
WINDOW_MS = 30_000  # metrics.sample.window.ms


@dataclass
class _Sample:
    value: float
    events: int
    last_window_ms: int


class _SampledStat:
    """Kafka ``SampledStat`` with ``eventWindow`` unbounded."""

    def __init__(self, initial: float, update: Callable[[float, float], float]) -> None:
        self.initial = initial
        self.update = update
        self.samples: list[_Sample] = []
        self.current = 0

    def record(self, value: float, time_ms: int) -> None:
        if not self.samples:
            self.samples.append(_Sample(self.initial, 0, time_ms))
        sample = self.samples[self.current]
        if time_ms - sample.last_window_ms >= WINDOW_MS:
            self.current = (self.current + 1) % SAMPLES
            if self.current >= len(self.samples):
                self.samples.append(_Sample(self.initial, 0, time_ms))
            else:
                self._reset(self.samples[self.current], time_ms)
            sample = self.samples[self.current]
        sample.value = self.update(sample.value, value)
        sample.events += 1

    def _reset(self, sample: _Sample, now_ms: int) -> None:
        sample.value, sample.events, sample.last_window_ms = self.initial, 0, now_ms

    def purge(self, now_ms: int) -> None:
        for sample in self.samples:
            if now_ms - sample.last_window_ms >= SAMPLES * WINDOW_MS:
                self._reset(sample, now_ms)

    def window_ms(self, now_ms: int) -> int:
        """Kafka ``Rate.windowSize``."""
        self.purge(now_ms)
        oldest = min((s.last_window_ms for s in self.samples), default=now_ms)
        elapsed = now_ms - oldest
        full = elapsed // WINDOW_MS
        if full < SAMPLES - 1:
            elapsed += (SAMPLES - 1 - full) * WINDOW_MS
        return max(elapsed, 1)


def _replay(events: Iterable[tuple[int, float]], initial: float,
            update: Callable[[float, float], float]) -> _SampledStat:
    stat = _SampledStat(initial, update)
    for at_ms, value in sorted(events, key=lambda e: e[0]):
        stat.record(value, at_ms)
    return stat


def rate(events: Iterable[tuple[int, float]], now_ms: int) -> float:
    """Kafka ``Rate`` (a ``WindowedSum`` per second) of ``(at_ms, value)`` events, measured at ``now_ms``."""
    stat = _replay(events, 0.0, lambda total, value: total + value)
    stat.purge(now_ms)
    total = sum(s.value for s in stat.samples)
    return total / (stat.window_ms(now_ms) / 1000.0)


def avg(events: Iterable[tuple[int, float]], now_ms: int) -> float:
    """Kafka ``Avg`` at ``now_ms``: NaN without events in the retained windows."""
    stat = _replay(events, 0.0, lambda total, value: total + value)
    stat.purge(now_ms)
    count = sum(s.events for s in stat.samples)
    return math.nan if count == 0 else sum(s.value for s in stat.samples) / count


def max_(events: Iterable[tuple[int, float]], now_ms: int) -> float:
    """Kafka ``Max`` at ``now_ms``: NaN without events in the retained windows."""
    stat = _replay(events, -math.inf, max)
    stat.purge(now_ms)
    seen = [s.value for s in stat.samples if s.events]
    return max(seen) if seen else math.nan
