"""The statistics of the side-by-side method: per-repetition ratios, their median and interval, drift between runs.

A ratio is only as good as its spread: one repetition on 2 shared cores tells nothing. Each repetition ``i`` runs
ours and the JVM back to back (the order flipped every repetition), so ``ratio_i`` compares two figures measured
under the same load; the row's ratio is the median of the ``ratio_i`` and its interval is the distribution-free
**order-statistics** confidence interval of that median: ``[x(k), x(n+1-k)]`` of the sorted samples covers the
true median with probability ``1 - 2 P(B <= k-1)``, ``B ~ Binomial(n, 1/2)``, whatever the distribution of the
samples. The widest such interval, ``[min, max]``, reaches 95% only from 6 samples (96.9%); with 5 it covers
93.75%, and the achieved coverage is reported beside the interval, never rounded up.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

DRIFT_LIMIT = 0.15  # raw/JVM moving more than this from the previous run flags the run: the machine, not the code


@dataclass(frozen=True)
class Interval:
    """A median with its order-statistics interval and the interval's exact coverage."""

    median: float
    low: float
    high: float
    coverage: float  # the probability the interval holds the true median (binomial, exact)
    samples: int


def coverage(n: int, k: int) -> float:
    """Coverage of ``[x(k), x(n+1-k)]`` (1-based ranks, ``1 <= k <= n/2``) as an interval for the median."""
    if not 1 <= k <= (n + 1) // 2:
        raise ValueError(f"rank {k} is outside 1..{(n + 1) // 2} for {n} samples")
    below = sum(math.comb(n, j) for j in range(k)) / 2**n  # P(B <= k-1)
    return 1.0 - 2.0 * below


def median_interval(values: Sequence[float], level: float = 0.95) -> Interval:
    """The median of ``values`` and the narrowest order-statistics interval whose coverage is at least ``level``;
    with too few samples to reach ``level`` the widest one, ``[min, max]``, with its lower coverage."""
    if not values:
        raise ValueError("no samples")
    ordered = sorted(values)
    n = len(ordered)
    k = 1
    while k + 1 <= (n + 1) // 2 and coverage(n, k + 1) >= level:
        k += 1
    return Interval(statistics.median(ordered), ordered[k - 1], ordered[n - k], coverage(n, k) if n > 1 else 0.0, n)


def paired_ratios(ours_cpu_s: Sequence[float], theirs_cpu_s: Sequence[float]) -> list[float]:
    """Per repetition, ours over theirs in records per CPU-second (the same records on both sides): theirs' CPU
    over ours'. The lists pair by repetition."""
    if len(ours_cpu_s) != len(theirs_cpu_s):
        raise ValueError(f"{len(ours_cpu_s)} samples of ours against {len(theirs_cpu_s)} of theirs")
    return [t / max(o, 1e-9) for o, t in zip(ours_cpu_s, theirs_cpu_s, strict=True)]


def drifted(current: float, previous: float | None, limit: float = DRIFT_LIMIT) -> bool:
    """Whether ``current`` moved more than ``limit`` (relative) from ``previous``; no previous run: not flagged."""
    if previous is None or previous <= 0:
        return False
    return abs(current / previous - 1.0) > limit
