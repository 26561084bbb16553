"""Lambda's prices (us-east-1, USD, without free tiers; sources in bench/README.md) and the bill of a function that
moves rows, on demand or on Lambda Managed Instances: the one home of both for the cases that price ours (2m, 6)."""

from __future__ import annotations

import os
from typing import NamedTuple

__all__ = ["LAMBDA_GB", "LAMBDA_GB_S", "LAMBDA_GB_S_ARM64", "LAMBDA_REQUEST", "MANAGED_INSTANCES",
           "MANAGED_INSTANCES_FEE", "MANAGED_INSTANCES_MIN", "MILLION", "SCHEDULER_INVOCATION", "ManagedInstance",
           "lambda_cost", "managed_instances_cost", "managed_instances_month"]

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


class ManagedInstance(NamedTuple):
    """An EC2 instance type a capacity provider runs functions on: its on-demand price an hour and its vCPUs."""

    name: str
    hour_usd: float
    vcpus: int


# Lambda Managed Instances: the instance's EC2 on-demand price, plus a management fee of 15% of it, plus $0.20 per
# million requests; no duration charge (a request waiting on the network costs nothing more while another uses the
# CPU). Checked against the sources bench/README cites ("Prices and sources"; tests/unit/bench/
# test_lambda_price_sources.py keeps the two alike).
# General-purpose .large instances (2 vCPU, 8 GiB: 4 GiB a vCPU, the ratio AWS advises for Python's processes);
# BENCH_MI_<ARCH>_HOUR_USD sets another instance's price.
MANAGED_INSTANCES_FEE = 0.15
MANAGED_INSTANCES_MIN = 3  # instances a capacity provider keeps running by default (one per AZ), busy or not
MANAGED_INSTANCES: dict[str, ManagedInstance] = {
    "arm64": ManagedInstance("m7g.large", float(os.environ.get("BENCH_MI_ARM64_HOUR_USD", "0.0816")), 2),
    "x86_64": ManagedInstance("m7i.large", float(os.environ.get("BENCH_MI_X86_64_HOUR_USD", "0.1008")), 2),
}


def managed_instances_cost(cpu_per_s: float, invocations: float, *, scheduled: bool, arch: str) -> float:
    """$ per million rows on Managed Instances at full load: the instance-seconds of the CPU the rows take at the
    measured rate per CPU-second (``cpu_per_s``; the waits filled by other requests, packed perfectly as MSK Connect's
    MCUs are priced), with the 15% fee, plus the requests (and a source's Scheduler invocations)."""
    instance = MANAGED_INSTANCES[arch]
    vcpu_s = instance.hour_usd * (1 + MANAGED_INSTANCES_FEE) / instance.vcpus / 3600
    requests = invocations * (LAMBDA_REQUEST + (SCHEDULER_INVOCATION if scheduled else 0.0))
    return MILLION / cpu_per_s * vcpu_s + requests


def managed_instances_month(cpu_s_per_month: float, *, arch: str, hours: float = 730.0) -> float:
    """$ a month of a capacity provider's instances (fee included) serving ``cpu_s_per_month`` CPU-seconds: at least
    ``MANAGED_INSTANCES_MIN`` instances around the clock, more once their vCPUs are full (requests not included)."""
    instance = MANAGED_INSTANCES[arch]
    needed = -(-cpu_s_per_month // (instance.vcpus * hours * 3600))
    return max(MANAGED_INSTANCES_MIN, needed) * instance.hour_usd * (1 + MANAGED_INSTANCES_FEE) * hours
