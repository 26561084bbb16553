"""An estimated monthly AWS Lambda bill per task, from what its invocations measured (duration, memory, rate).

Prices are Lambda's public on-demand x86 prices in us-east-1 (per GB-second and per million requests), without the
free tier; README "Status page" says how the estimate is made and what it leaves out (Kafka, network, logs).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from connect_core.storage.run_state import RunRecord

__all__ = ["PRICE_PER_GB_SECOND_USD", "PRICE_PER_MILLION_REQUESTS_USD", "CostEstimate", "estimate_monthly_cost"]

PRICE_PER_GB_SECOND_USD = 0.0000166667
PRICE_PER_MILLION_REQUESTS_USD = 0.20
MONTH_S = 30 * 24 * 3600
MIN_WINDOW_S = 1.0  # a rate measured over less than this is no rate


@dataclass(frozen=True)
class CostEstimate:
    """One task's estimated month: invocations, GB-seconds and dollars."""

    invocations: float
    gb_seconds: float
    usd: float

    def __add__(self, other: CostEstimate) -> CostEstimate:
        """Tasks add up to their connector."""
        return CostEstimate(self.invocations + other.invocations, self.gb_seconds + other.gb_seconds,
                            self.usd + other.usd)


ZERO = CostEstimate(0.0, 0.0, 0.0)


def estimate_monthly_cost(run: RunRecord | None, interval_ms: int | None = None) -> CostEstimate:
    """From the latest run's container window: average billed ms per invocation times invocations per month.

    A source's invocations per month follow its schedule (``interval_ms``); a sink's follow the rate its
    container measured (invocations after its first, over the time since the first ended; none before a second).
    """
    if run is None or run.window is None or run.window.invocations <= 0:
        return ZERO
    window = run.window
    per_invocation_s = window.billed_ms / window.invocations / 1000.0
    if interval_ms:
        invocations = MONTH_S / (interval_ms / 1000.0)
    elif window.invocations < 2:
        return ZERO
    else:
        elapsed_s = max(MIN_WINDOW_S, (run.at_ms - window.since_ms) / 1000.0)
        invocations = (window.invocations - 1) / elapsed_s * MONTH_S
    gb_seconds = invocations * per_invocation_s * (run.memory_mb or 128) / 1024.0
    usd = gb_seconds * PRICE_PER_GB_SECOND_USD + invocations / 1e6 * PRICE_PER_MILLION_REQUESTS_USD
    return CostEstimate(invocations, gb_seconds, usd)
