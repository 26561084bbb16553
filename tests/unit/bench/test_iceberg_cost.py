"""Case 6's Iceberg row: ours priced from 4i's time inside the function at its batch's invocations, MSK Connect at
the JVM Iceberg sink's rate of the same row, never another kind's; and 4i's ``extra`` that it reads."""

from __future__ import annotations

import pytest

from bench.cases import cost, iceberg_java
from bench.common import Result, Settings

SETTINGS = Settings(records=100_000, repeats=1, batch=1000)


def _iceberg(records: int, *, cpu_rate: float, jvm: float, function_wall: float, function_cpu: float,
             span_wall: float, batch: int = 500) -> Result:
    """A 4i row as ``iceberg_case`` makes it: ours_per_s is per CPU-second of all our side (the mapping too)."""
    return Result(f"{iceberg_java.NAME} @{records // 1000}k", cpu_rate, "jvm", jvm, records, 2, unit="records/cpu-s",
                  extra={"ours_per_cpu_s": cpu_rate, "ours_wall_s": [span_wall, span_wall],
                         "ours_per_function_wall_s": records / function_wall,
                         "ours_per_function_cpu_s": records / function_cpu, "batch": batch})


# other kinds' JVM rows of the same run, which the Iceberg row must never borrow
OTHERS = [Result("4c kafka -> s3 vs camel aws2-s3 @1M", 43_363.0, "jvm", 72_816.0, 1_000_000, 1),
          Result("4b kafka -> mariadb upsert vs debezium @1M", 39_865.3, "jvm", 29_670.9, 1_000_000, 1)]


def _row(earlier: list[Result]) -> Result:
    return next(r for r in cost.run(SETTINGS, earlier) if r.name == "6 cost per M rows, iceberg sink ($)")


def test_the_iceberg_row_is_priced_from_4is_largest_size_at_the_wall_time_inside_the_function() -> None:
    small = _iceberg(100_000, cpu_rate=9_000.0, jvm=5_000.0, function_wall=10.0, function_cpu=8.0, span_wall=14.0)
    large = _iceberg(1_000_000, cpu_rate=10_000.0, jvm=8_000.0, function_wall=80.0, function_cpu=60.0,
                     span_wall=110.0)
    row = _row([*OTHERS, small, large])
    assert row.skipped is None
    invocations = 1e6 / 500  # 4i's batch, not BENCH_BATCH's 1000
    ours, gb_s = cost.lambda_cost(1_000_000 / 80.0, invocations, scheduled=False)
    assert row.ours_per_s == pytest.approx(ours)  # 80 s billed per million rows, not 4i's ours_per_s (CPU of all)
    assert row.extra["gb_s_per_m_rows"] == pytest.approx(cost.LAMBDA_GB * 80.0, abs=0.1)
    assert row.extra["invocations_per_m_rows"] == 2000
    assert row.baseline_per_s == pytest.approx(cost.msk_cost(8_000.0))  # the JVM Iceberg sink of the same row
    assert row.extra["java_rows_per_cpu_s"] == 8_000.0
    assert "Iceberg" in row.baseline and "Iceberg" in row.extra["jvm_kind"]
    assert row.extra["wall_s_per_m_rows"] == pytest.approx(80.0)
    assert row.extra["cpu_s_per_m_rows"] == pytest.approx(60.0)
    assert row.extra["waiting_s_per_m_rows"] == pytest.approx(20.0)
    assert row.extra["priced_from"] == large.name and row.extra["priced_at_records"] == 1_000_000
    span, _ = cost.lambda_cost(1_000_000 / 110.0, invocations, scheduled=False)
    assert row.extra["usd_per_m_rows_at_span_wall"] == pytest.approx(span, rel=1e-6)
    assert row.extra["usd_per_m_rows_at_span_wall"] > row.ours_per_s  # the mapping's part is not billed to ours


def test_without_4i_the_iceberg_row_is_skipped_not_priced_at_another_kinds_rate() -> None:
    row = _row(OTHERS)
    assert row.ours_per_s is None and row.baseline_per_s is None
    assert row.skipped is not None and "4i" in row.skipped


def test_a_4i_row_without_the_time_inside_the_function_is_skipped() -> None:
    """ours_per_s of 4i is per CPU-second of all our side: never taken for Lambda's billed wall time."""
    bare = Result(f"{iceberg_java.NAME} @1M", 10_000.0, "jvm", 8_000.0, 1_000_000, 2, extra={"ours_wall_s": [100.0]})
    row = _row([*OTHERS, bare])
    assert row.skipped is not None and row.ours_per_s is None


def test_billed_time_adds_each_call_and_counts_the_invocations() -> None:
    billed = iceberg_java.Billed()
    assert billed.time(lambda: sum(range(200_000))) == sum(range(200_000))
    assert billed.time(lambda: 7) == 7
    assert billed.invocations == 2 and billed.wall_s > 0 and billed.cpu_s >= 0
    with pytest.raises(ZeroDivisionError):
        billed.time(lambda: 1 // 0)
    assert billed.invocations == 3  # a failed invocation is billed too


def test_billed_extra_gives_the_median_rates_per_repetition() -> None:
    reps = []
    for wall, cpu in ((2.0, 1.0), (4.0, 3.0), (5.0, 2.0)):
        billed = iceberg_java.Billed()
        billed.wall_s, billed.cpu_s, billed.invocations = wall, cpu, 11
        reps.append(billed)
    extra = iceberg_java.billed_extra(reps, 10_000, 1000)
    assert extra["ours_function_wall_s"] == [2.0, 4.0, 5.0]
    assert extra["ours_per_function_wall_s"] == 2_500.0  # median of 5,000, 2,500 and 2,000
    assert extra["ours_per_function_cpu_s"] == 5_000.0  # median of 10,000, 3,333 and 5,000
    assert extra["ours_invocations"] == [11, 11, 11] and extra["batch"] == 1000
    assert iceberg_java.billed_extra([], 10_000, 1000) == {}


def test_4is_pull_mode_row_prices_the_iceberg_sink_as_a_pull_mode_task_and_on_managed_instances() -> None:
    """4i's pull-mode row (its own name, the same JVM samples) gives the Iceberg sink's pull-mode and Managed
    Instances rows; the mapping's Iceberg row is still priced from 4i's mapping row, whatever order they come in."""
    mapped = _iceberg(1_000_000, cpu_rate=10_000.0, jvm=8_000.0, function_wall=80.0, function_cpu=60.0,
                      span_wall=110.0)
    pulled = Result(f"4i pull-mode {iceberg_java.NAME.split(' ', 1)[1]} @1M", 30_000.0, "jvm", 8_000.0, 1_000_000,
                    2, unit="records/cpu-s", extra={"ours_wall_s": [50.0, 52.0], "ours_cpu_s": [30.0, 34.0]})
    for earlier in ([*OTHERS, mapped, pulled], [*OTHERS, pulled, mapped]):
        rows = {r.name: r for r in cost.run(SETTINGS, earlier)}
        assert rows["6 cost per M rows, iceberg sink ($)"].extra["priced_from"] == mapped.name
        pull = rows["6 cost per M rows, iceberg sink, pull mode ($)"]
        assert pull.skipped is None and pull.extra["priced_from"] == pulled.name
        assert pull.extra["wall_s_per_m_rows"] == pytest.approx(51.0)
        assert pull.extra["cpu_s_per_m_rows"] == pytest.approx(32.0)
        assert pull.baseline_per_s == pytest.approx(cost.msk_cost(8_000.0))
        managed = rows["6 cost per M rows, iceberg sink, pull mode, managed instances ($)"]
        assert managed.skipped is None and managed.extra["cpu_s_per_m_rows"] == pytest.approx(32.0)
        assert managed.extra["priced_from"] == pull.name
