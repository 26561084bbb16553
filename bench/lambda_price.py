"""Lambda's prices (us-east-1, USD, without free tiers; sources in bench/README.md) and the bill of a function that
moves rows: the one home of both for the cases that price ours (case 2m, case 6)."""

from __future__ import annotations

__all__ = ["LAMBDA_GB", "LAMBDA_GB_S", "LAMBDA_GB_S_ARM64", "LAMBDA_REQUEST", "MILLION", "SCHEDULER_INVOCATION",
           "lambda_cost"]

LAMBDA_GB_S = 0.0000166667
LAMBDA_GB_S_ARM64 = 0.0000133334  # Graviton (the template's Architecture=arm64)
LAMBDA_REQUEST = 0.20 / 1e6
SCHEDULER_INVOCATION = 1.0 / 1e6
LAMBDA_GB = 1769 / 1024  # the size that gets one full vCPU
MILLION = 1e6


def lambda_cost(per_s: float, invocations: float, *, scheduled: bool, gb_s_price: float = LAMBDA_GB_S,
                gb: float = LAMBDA_GB) -> tuple[float, float]:
    """($ per million rows, GB-s per million rows) of a function of ``gb`` GB (one vCPU's by default) at
    ``gb_s_price`` (x86 by default); ``per_s`` the wall-time rate (billed duration is wall time)."""
    gb_s = gb * MILLION / per_s
    requests = invocations * (LAMBDA_REQUEST + (SCHEDULER_INVOCATION if scheduled else 0.0))
    return gb_s * gb_s_price + requests, gb_s
