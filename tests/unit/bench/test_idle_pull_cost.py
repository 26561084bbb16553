"""The idle pull-mode sink row (6i): tasks with no partition cost their heartbeat only, not a tick a second."""

from __future__ import annotations

import pytest

from bench.cases import cost


def test_an_idle_tasks_max_4_sink_over_one_partition_ticks_one_task_only() -> None:
    row = cost.idle_pull_sink_costs(idle_gb_s=0.02)
    heartbeats, ticks = 60 * 730, 49 * 60 * 730  # a tick a second, none in the window's last 10 s
    assert row["invocations_ticking_every_task"] == 4 * (heartbeats + ticks)  # ~2.2 M a month per task
    assert row["invocations"] == heartbeats + ticks + 3 * heartbeats
    per_tick = 0.02 * cost.LAMBDA_GB_S + cost.LAMBDA_REQUEST + 3 * cost.SQS_REQUEST
    assert row["ticking_every_task"] - row["ours"] == pytest.approx(3 * ticks * per_tick)
