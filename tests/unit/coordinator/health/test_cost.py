"""connect_core/coordinator/health/cost.py: monthly Lambda cost from measured duration, memory and rate."""

from __future__ import annotations

import pytest

from connect_core.coordinator.health.cost import (
    MONTH_S,
    PRICE_PER_GB_SECOND_USD,
    PRICE_PER_MILLION_REQUESTS_USD,
    estimate_monthly_cost,
    function_architecture,
)
from connect_core.runtime import env
from connect_core.storage.run_state import RunRecord, RunWindow


def test_a_source_costs_its_schedule_times_its_average_billed_time() -> None:
    run = RunRecord("c", 0, 10_000, "source", True, memory_mb=1024, window=RunWindow(0, 10, 1000))
    cost = estimate_monthly_cost(run, interval_ms=60_000)
    invocations = MONTH_S / 60
    assert cost.invocations == pytest.approx(invocations)
    assert cost.gb_seconds == pytest.approx(invocations * 0.1)
    assert cost.usd == pytest.approx(invocations * 0.1 * PRICE_PER_GB_SECOND_USD["x86_64"]
                                     + invocations / 1e6 * PRICE_PER_MILLION_REQUESTS_USD)


def test_a_sink_costs_its_measured_rate() -> None:
    run = RunRecord("c", 0, 11_000, "sink", True, memory_mb=512, window=RunWindow(1_000, 11, 550))
    cost = estimate_monthly_cost(run)
    assert cost.invocations == pytest.approx(MONTH_S)  # 10 invocations in 10 s after the first
    assert cost.gb_seconds == pytest.approx(MONTH_S * 0.05 * 0.5)


def test_no_window_no_estimate() -> None:
    assert estimate_monthly_cost(None).usd == 0
    assert estimate_monthly_cost(RunRecord("c", 0, 1, "sink", True, window=RunWindow(0, 1, 5))).usd == 0


def test_graviton_prices_its_gb_seconds_20_percent_lower() -> None:
    run = RunRecord("c", 0, 10_000, "source", True, memory_mb=1024, window=RunWindow(0, 10, 1000))
    x86, arm = (estimate_monthly_cost(run, interval_ms=60_000, architecture=a) for a in ("x86_64", "arm64"))
    requests = x86.invocations / 1e6 * PRICE_PER_MILLION_REQUESTS_USD
    assert arm.gb_seconds == x86.gb_seconds
    assert (arm.usd - requests) / (x86.usd - requests) == pytest.approx(0.8, rel=1e-4)


def test_the_architecture_is_the_templates_else_this_machines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(env.ARCHITECTURE, "arm64")
    assert function_architecture() == "arm64"
    monkeypatch.delenv(env.ARCHITECTURE)
    monkeypatch.setattr("platform.machine", lambda: "aarch64")
    assert function_architecture() == "arm64"
    monkeypatch.setattr("platform.machine", lambda: "x86_64")
    assert function_architecture() == "x86_64"
