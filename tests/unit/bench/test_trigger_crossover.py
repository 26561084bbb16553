"""The trigger crossover of the cost model (rows 6t): a provisioned mapping's standing event poller unit against a
pull-mode task's ticks, for the same guarantees."""

from __future__ import annotations

import pytest

from bench.cases import cost
from bench.common import Result, Settings

S = cost.SECONDS_PER_MONTH
P = cost.LAMBDA_GB_S
# run cc70724c's 2a (the S3 sink behind a mapping: 55,865.5 rows per wall second, 77,411.5 per CPU-second) and
# 4c's ours at 100k (2.86 s wall, 2.25 s CPU per 100,000 records, consuming included)
MAPPING_ROW = cost._gb_s(1000 / 55_865.5, 1000 / 77_411.5, cost.SINK_MEMORY_MB)
PULL_ROW = cost._gb_s(1000 * 2.86 / 1e5, 1000 * 2.25 / 1e5, cost.PULL_MEMORY_MB)
IDLE = cost._gb_s(110.0, 6.0, cost.PULL_MEMORY_MB)
CALL = cost._gb_s(3.0, 1.5, cost.SINK_MEMORY_MB)


def test_at_idle_a_provisioned_mapping_pays_its_poller_unit_and_a_pull_task_its_ticks() -> None:
    assert cost.provisioned_month(0.0, row_gb_s=MAPPING_ROW, call_gb_s=CALL, epus=1.0) == pytest.approx(0.185 * 730)
    assert cost.provisioned_month(0.0, row_gb_s=MAPPING_ROW, call_gb_s=CALL, epus=0.1) == pytest.approx(13.505)
    # the same ticking task as row 6i's
    ticking = cost.idle_pull_sink_costs(IDLE)["ticking_every_task"] / cost.PULL_TASKS
    assert cost.pull_month(0.0, row_gb_s=PULL_ROW, idle_gb_s=IDLE) == pytest.approx(ticking)
    assert 4 < ticking < 7  # 2.19 M invocations a month of 0.06 GB-s, requests and SQS


def test_the_crossover_is_where_both_cost_the_same_as_the_closed_form_gives_it() -> None:
    """Above 200 rows/s a mapping invokes once per full batch of 100: both months are linear in the rate there, so the
    crossover has a closed form the scan and bisection must find."""
    pull_row = 20 * MAPPING_ROW  # a pull task far costlier per row than the function behind a mapping
    epu = cost._epu_hour() * cost.HOURS_PER_MONTH
    fixed_pull = cost.pull_month(0.0, row_gb_s=pull_row, idle_gb_s=IDLE)
    per_rate = S * (pull_row * P - MAPPING_ROW * P - (CALL * P + cost.LAMBDA_REQUEST) / cost.SINK_BATCH)
    expected = (epu - fixed_pull) / per_rate
    assert expected > 200
    costs = cost.trigger_costs(mapping_row_gb_s=MAPPING_ROW, call_gb_s=CALL, pull_row_gb_s=pull_row, idle_gb_s=IDLE,
                               pull_capacity_rows_s=1e6)
    assert costs["pull_cheaper_at_idle_than_alone"] is True
    [found] = costs["crossover_alone_rows_s"]
    assert found == pytest.approx(expected, rel=1e-6)

    def pull(rate: float) -> float:
        return cost.pull_month(rate, row_gb_s=pull_row, idle_gb_s=IDLE)

    def alone(rate: float) -> float:
        return cost.provisioned_month(rate, row_gb_s=MAPPING_ROW, call_gb_s=CALL, epus=1.0)

    assert pull(0.9 * found) < alone(0.9 * found) and pull(1.1 * found) > alone(1.1 * found)
    # in a poller group the standing charge is a tenth: the mapping gets cheaper at a lower rate
    assert costs["crossover_poller_group_rows_s"][0] < found / 5


def test_with_the_measured_figures_pull_mode_is_cheaper_at_every_rate_one_task_moves() -> None:
    capacity = 1 / ((2.86 - 2.25) / 1e5 + 2.25 / 1e5 * cost.FULL_VCPU_MB / cost.PULL_MEMORY_MB)  # at 512 MB
    costs = cost.trigger_costs(mapping_row_gb_s=MAPPING_ROW, call_gb_s=CALL, pull_row_gb_s=PULL_ROW, idle_gb_s=IDLE,
                               pull_capacity_rows_s=capacity)
    assert costs["crossover_alone_rows_s"] == costs["crossover_poller_group_rows_s"] == []
    assert list(costs["rates"]) == [0.0, 1.0, 100.0, 1000.0, 10_000.0]  # all below one task's ~11,900 rows/s
    for month in costs["rates"].values():
        assert month["pull"] < month["provisioned_poller_group"] < month["provisioned_alone"]
    # the mapping's invocations (one per 100 rows at a steady load), not its rows, make its bill grow
    assert costs["rates"][10_000.0]["provisioned_alone"] - 135.05 > 60


def test_rows_6t_come_from_the_runs_case_2_and_pull_mode_rows_or_say_what_is_missing() -> None:
    def row(name: str, records: int, wall: float, cpu: float, **extra: object) -> Result:
        return Result(name, records / wall, "x", 1.0, records, 1,
                      extra={"ours_wall_s": [wall], "ours_cpu_s": [cpu], **extra})

    earlier = [row("2a kafka -> s3 (localstack)", 100_000, 1.79, 1.292),
               row("2c kafka -> mariadb upsert", 100_000, 1.89, 1.204, one_record_event_wall_ms=3.0,
                   one_record_event_cpu_ms=1.5),
               row("4c pull-mode kafka -> s3 vs camel aws2-s3 @100k", 100_000, 2.86, 2.25,
                   idle_pull_invocation_ms=[110.0, 6.0])]
    rows = cost.crossover_rows(earlier)
    s3 = [r for r in rows if "s3 sink" in r.name]
    assert [r.extra["rows_per_s"] for r in s3] == [0.0, 1.0, 100.0, 1000.0, 10_000.0]
    assert all(r.ours_per_s < r.baseline_per_s for r in s3)
    assert s3[0].ours_per_s == pytest.approx(cost.pull_month(0.0, row_gb_s=0.0, idle_gb_s=IDLE), rel=1e-3)
    assert s3[0].extra["idle_pull_gb_s"] == pytest.approx(IDLE, abs=1e-6)
    jdbc = [r for r in rows if "mariadb" in r.name]
    assert len(jdbc) == 1 and "4b pull-mode" in (jdbc[0].skipped or "")
    assert [r.name for r in cost.run(Settings(records=100_000, repeats=1, batch=1000), earlier)
            if r.name.startswith("6t")] == [r.name for r in rows]


def test_a_slow_idle_tick_makes_a_poller_group_cheaper_at_idle_and_pull_mode_cheaper_again_under_load() -> None:
    """The idle invocation a small run measured (627 ms wall, 10.6 ms CPU: the consumer's wait for the end of its
    partition) costs a pull-mode task more a month than a tenth of an event poller unit; from a few hundred rows a
    second the grouped mapping's invocations (one per 100 rows) cost more than the task's ticks, which do not grow:
    the cheaper one changes once more."""
    idle = cost._gb_s(627.14, 10.55, cost.PULL_MEMORY_MB)
    costs = cost.trigger_costs(mapping_row_gb_s=MAPPING_ROW, call_gb_s=CALL, pull_row_gb_s=PULL_ROW, idle_gb_s=idle,
                               pull_capacity_rows_s=5000.0)
    assert costs["pull_cheaper_at_idle_than_alone"] and not costs["pull_cheaper_at_idle_than_poller_group"]
    assert costs["crossover_alone_rows_s"] == []
    [back] = costs["crossover_poller_group_rows_s"]
    assert 200 < back < 300
    rates = costs["rates"]
    assert rates[100.0]["provisioned_poller_group"] < rates[100.0]["pull"]
    assert rates[1000.0]["pull"] < rates[1000.0]["provisioned_poller_group"]
