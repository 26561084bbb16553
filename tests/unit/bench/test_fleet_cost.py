"""The fleet rows of the monthly cost table: how 50 sources and 50 sinks add up, and what a poller group saves."""

from __future__ import annotations

import pytest

from bench.cases import cost


def _per_profile() -> dict[str, dict[str, float | str]]:
    rows = cost.monthly_costs(source_row_gb_s=1e-5, sink_row_gb_s=1e-5, source_idle_gb_s=0.02, sink_call_gb_s=0.01,
                              java_rows_per_cpu_s=17_000.0)
    return {str(r["profile"]): r for r in rows}


def test_fifty_sinks_share_five_event_poller_units_in_a_group_instead_of_fifty(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BENCH_EPU_HOUR_USD", "0.185")
    idle, mixed = cost.fleet_costs(_per_profile())
    assert (idle["epus_alone"], idle["epus_poller_group"]) == (50, 5)
    epu_month = 0.185 * 730
    assert idle["ours_provisioned_alone"] == pytest.approx(float(idle["ours_on_demand"]) + 50 * epu_month)
    assert idle["ours_provisioned_poller_group"] == pytest.approx(float(idle["ours_on_demand"]) + 5 * epu_month)
    assert idle["msk_connect"] == pytest.approx(100 * 0.11 * 730)
    assert float(mixed["ours_on_demand"]) > float(idle["ours_on_demand"])
    assert mixed["rows_per_month"] == pytest.approx((5 * 100 + 15 * 1) * 730 * 3600)


def test_the_tick_queue_is_paid_once_per_stack_not_per_source() -> None:
    per_profile = _per_profile()
    idle = cost.fleet_costs(per_profile)[0]
    shared = cost.SQS_ESM_IDLE_REQUESTS_PER_MIN * 60 * cost.HOURS_PER_MONTH * cost.SQS_REQUEST
    assert idle["ours_source"] == pytest.approx(50 * float(per_profile["idle"]["ours_source"]) - 49 * shared)
