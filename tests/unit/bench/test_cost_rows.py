"""bench/cases/cost.py: each cost-per-million-rows row prices the same GB-seconds at x86 and at arm64."""

from __future__ import annotations

import pytest

from bench.cases import cost
from bench.common import Result, Settings


def test_each_row_gives_the_arm64_price_beside_the_x86_one() -> None:
    earlier = [Result("4a filestream @100k", 1.0, "jvm", 1.0, 100_000, 1, extra={}),
               Result("2a s3 sink", 50_000.0, "raw", 60_000.0, 100_000, 1)]
    earlier[0].baseline_per_s = 100_000.0
    row = next(r for r in cost.run(Settings(records=100_000, repeats=1, batch=1000), earlier)
               if r.name.startswith("6 cost per M rows, s3 sink"))
    gb_s = row.extra["gb_s_per_m_rows"]
    requests = 1000 * cost.LAMBDA_REQUEST
    assert row.ours_per_s == pytest.approx(cost.LAMBDA_GB * 1e6 / 50_000 * cost.LAMBDA_GB_S + requests, abs=1e-4)
    assert row.extra["usd_per_m_rows_arm64"] == pytest.approx(gb_s * cost.LAMBDA_GB_S_ARM64 + requests, rel=1e-3)
    assert row.extra["usd_per_m_rows_arm64"] < row.ours_per_s
    assert row.extra["arm64_over_msk_connect"] == pytest.approx(row.extra["usd_per_m_rows_arm64"]
                                                                / row.baseline_per_s, rel=1e-2)
