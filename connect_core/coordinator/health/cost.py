"""An estimated monthly AWS Lambda bill per task, from what its invocations measured (duration, memory, rate).

Prices are Lambda's public on-demand prices in us-east-1 (per GB-second, x86_64 or arm64, and per million requests),
without the free tier; docs/operations.md says how the estimate is made and what it leaves out (Kafka, network, logs).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from connect_core.storage.run_state import RunRecord

__all__ = ["PRICE_PER_GB_SECOND_USD", "PRICE_PER_MILLION_REQUESTS_USD", "CostEstimate", "estimate_monthly_cost",
           "function_architecture", "machine_architecture"]

PRICE_PER_GB_SECOND_USD = {"x86_64": 0.0000166667, "arm64": 0.0000133334}  # Graviton: 20% less per GB-second
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


def machine_architecture() -> str:
    """This machine's instruction set by Lambda's name for it (``x86_64`` or ``arm64``)."""
    import platform

    return "arm64" if platform.machine().lower() in ("aarch64", "arm64") else "x86_64"


def function_architecture() -> str:
    """The functions' architecture: the template's (``LAMBDA_CONNECT_ARCHITECTURE``), else this machine's (``up``)."""
    import os

    from connect_core.runtime import env

    return os.environ.get(env.ARCHITECTURE, "").strip() or machine_architecture()


def estimate_monthly_cost(run: RunRecord | None, interval_ms: int | None = None, *,
                          architecture: str = "x86_64") -> CostEstimate:
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
    price = PRICE_PER_GB_SECOND_USD.get(architecture, PRICE_PER_GB_SECOND_USD["x86_64"])
    usd = gb_seconds * price + invocations / 1e6 * PRICE_PER_MILLION_REQUESTS_USD
    return CostEstimate(invocations, gb_seconds, usd)
