"""bench/cases/lambda_sizes.py and its cost rows: a sink's bill at each memory size is that size's GB-seconds at its
measured wall time, and case 6 prices each sink at its cheapest measured size against the JVM of its own kind."""

from __future__ import annotations

import pytest

from bench import cpu_share, lambda_price
from bench.cases import cost, lambda_sizes
from bench.common import Result, Sample, Settings
from tests.unit.bench.test_cost_rows import RUN


def _samples(wall_per_row: dict[int, float], records: int = 100_000) -> dict[int, list[Sample]]:
    """Two runs a size, ``wall_per_row`` seconds a row (CPU: the size's share of it)."""
    return {size: [Sample(wall * records, wall * records * cpu_share.share_of(size), records)] * 2
            for size, wall in wall_per_row.items()}


def test_each_size_is_billed_its_gb_seconds_at_its_measured_wall_time() -> None:
    # a sink that waits: 20 us of CPU and 60 of waiting a row at one vCPU, the CPU stretched at smaller sizes
    walls = {size: (20e-6 / cpu_share.share_of(size) + 60e-6) for size in lambda_sizes.SIZES_MB}
    rows = {row.extra["memory_mb"]: row for row in lambda_sizes.sized_rows("kafka -> x", _samples(walls), 1000)}
    requests = 1000 * lambda_price.LAMBDA_REQUEST
    for size, row in rows.items():
        assert row.name == f"2m kafka -> x at {size} MB" and row.unit == "$/M rows" and not row.higher_is_better
        assert row.ours_per_s == pytest.approx(size / 1024 * walls[size] * 1e6 * lambda_price.LAMBDA_GB_S + requests,
                                               rel=1e-4)
        assert row.extra["usd_per_m_rows_arm64"] == pytest.approx(
            size / 1024 * walls[size] * 1e6 * lambda_price.LAMBDA_GB_S_ARM64 + requests, rel=1e-4)
        assert row.extra["cpu_share_used"] == pytest.approx(cpu_share.share_of(size), abs=1e-3)
    assert rows[cpu_share.FULL_VCPU_MB].ratio == 1.0
    assert rows[256].ratio is not None and rows[256].ratio < 0.5  # the waits cost a seventh as much a second


def test_case_6_prices_each_sink_at_its_cheapest_measured_size() -> None:
    walls = {size: (20e-6 / cpu_share.share_of(size) + 60e-6) for size in lambda_sizes.SIZES_MB}
    sized = lambda_sizes.sized_rows("kafka -> mariadb upsert", _samples(walls), 1000)
    rows = {r.name: r for r in cost.run(Settings(records=100_000, repeats=1, batch=1000), [*RUN, *sized])}
    row = rows["6 cost per M rows, mariadb upsert sink, cheapest size ($)"]
    mapping = rows["6 cost per M rows, mariadb upsert sink ($)"]
    cheapest = min(sized, key=lambda r: float(r.ours_per_s or 0))
    full = next(r for r in sized if r.extra["memory_mb"] == cpu_share.FULL_VCPU_MB)
    assert row.extra["memory_mb"] == cheapest.extra["memory_mb"] == 256
    # 2m's bill at that size over its bill at one vCPU (the same minutes), times the mapping row's bill: a run's
    # parts may run on machines of other speeds, so 2m's own dollars are never set against another part's JVM
    share = float(cheapest.ours_per_s or 0) / float(full.ours_per_s or 1)
    assert row.ours_per_s == pytest.approx(float(mapping.ours_per_s or 0) * share, rel=1e-6) and share < 0.5
    assert row.extra["usd_per_m_rows_arm64"] == pytest.approx(float(mapping.extra["usd_per_m_rows_arm64"]) * float(
        cheapest.extra["usd_per_m_rows_arm64"]) / float(full.extra["usd_per_m_rows_arm64"]), rel=1e-4)
    assert row.baseline_per_s == mapping.baseline_per_s == pytest.approx(cost.msk_cost(29_670.9))  # its own kind
    assert row.extra["usd_per_m_rows_at_one_vcpu"] == mapping.ours_per_s
    s3 = rows["6 cost per M rows, s3 sink, cheapest size ($)"]
    assert s3.skipped == "needs case 2m's rows in the same run"


def test_a_machine_without_a_writable_cpu_controller_skips_every_row(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cpu_share, "unavailable", lambda: "no cgroup v1 cpu controller at /nowhere")
    rows = lambda_sizes.run(Settings(records=10, repeats=1, batch=10))
    assert len(rows) == len(lambda_sizes.SINKS) * len(lambda_sizes.SIZES_MB)
    assert all(isinstance(r, Result) and r.skipped and "/nowhere" in r.skipped for r in rows)
