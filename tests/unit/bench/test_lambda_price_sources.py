"""bench/lambda_price.py against the sourced price table of bench/README ("Prices and sources"): the figures the
cost model computes with are the ones the README cites, so a price changed in one place and not the other fails."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bench import lambda_price

README = Path(__file__).resolve().parents[3] / "bench" / "README.md"


def _row(label: str) -> str:
    """The README's price table row whose first cell starts with ``label``."""
    rows = [line for line in README.read_text().splitlines() if line.startswith(f"| {label}")]
    assert len(rows) == 1, f"one price row for {label!r}, found {len(rows)}"
    return rows[0]


def _dollars(cell: str) -> float:
    match = re.search(r"\$(\d+\.\d+) per hour", cell)
    assert match is not None, cell
    return float(match.group(1))


@pytest.mark.parametrize(("arch", "label"), [("arm64", "EC2 m7g.large"), ("x86_64", "EC2 m7i.large")])
def test_managed_instances_hour_prices_are_the_sourced_ones(arch: str, label: str) -> None:
    row = _row(label)
    instance = lambda_price.MANAGED_INSTANCES[arch]
    assert label.removeprefix("EC2 ") == instance.name
    assert _dollars(row) == instance.hour_usd
    assert f"({instance.vcpus} vCPU" in row
    assert "https://" in row.split("|")[3]  # a source cited


def test_managed_instances_fee_and_requests_are_the_sourced_ones() -> None:
    row = _row("Lambda Managed Instances")
    assert "15% of that on-demand price" in row and lambda_price.MANAGED_INSTANCES_FEE == 0.15
    assert "$0.20 per million requests" in row and lambda_price.LAMBDA_REQUEST == 0.20 / 1e6
    assert "three instances at least" in row and lambda_price.MANAGED_INSTANCES_MIN == 3
    assert "no duration charge" in row


def test_managed_instances_cost_is_the_instance_seconds_of_the_cpu_with_the_fee_plus_requests() -> None:
    # 10,000 rows per CPU-second: 100 CPU-seconds a million rows, at an m7g.large's vCPU-second with the 15% fee
    price = lambda_price.managed_instances_cost(10_000.0, 1_000.0, scheduled=False, arch="arm64")
    vcpu_s = 0.0816 * 1.15 / 2 / 3600
    assert price == pytest.approx(100 * vcpu_s + 1_000 * 0.20 / 1e6)
    # three instances around the clock at least, fee included: $205.51 a month on arm64
    assert lambda_price.managed_instances_month(0.0, arch="arm64") == pytest.approx(3 * 0.0816 * 1.15 * 730)
