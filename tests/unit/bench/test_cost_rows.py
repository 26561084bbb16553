"""bench/cases/cost.py: each cost-per-million-rows row prices the same GB-seconds at x86 and at arm64."""

from __future__ import annotations

import pytest

from bench.cases import cost
from bench.common import Result, Settings


def test_each_row_gives_the_arm64_price_beside_the_x86_one() -> None:
    earlier = [Result("4c kafka -> s3 vs camel aws2-s3 @100k", 1.0, "jvm", 1.0, 100_000, 1, extra={}),
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


def _row(name: str, records: int, ours: float, baseline: float, **extra: object) -> Result:
    return Result(name, ours, "jvm", baseline, records, 1, extra=dict(extra))


# run cc70724c's figures (bench/README): 2b's rates, 4b's and 4p's JVM sides, 4a's connect-file and 4c's Camel
RUN = [
    _row("4a filestream ascii lines @1M", 1_000_000, 120_000.0, 140_354.0),
    _row("4c kafka -> s3 vs camel aws2-s3 @100k", 100_000, 43_661.0, 55_909.5),
    _row("4c kafka -> s3 vs camel aws2-s3 @1M", 1_000_000, 43_363.0, 72_816.0),
    _row("4b kafka -> mariadb upsert vs debezium @1M", 1_000_000, 39_865.3, 29_670.9),
    _row("4p jdbc src -> kafka -> jdbc upsert vs debezium @1M", 1_000_000, 32_410.6, 13_807.7),
    _row("1a jdbc source -> kafka", 100_000, 75_491.4, 83_740.9, ours_per_cpu_s=99_374.4),
    _row("2a kafka -> s3 (localstack)", 100_000, 55_865.5, 63_053.2, ours_per_cpu_s=77_411.5),
    _row("2b kafka -> opensearch", 100_000, 26_273.8, 24_777.7, ours_per_cpu_s=76_918.2),
    _row("2c kafka -> mariadb upsert", 100_000, 52_909.9, 34_156.8, ours_per_cpu_s=83_044.0),
]


def _cost_rows() -> dict[str, Result]:
    rows = cost.run(Settings(records=100_000, repeats=1, batch=1000), RUN)
    return {r.name.split(",", 1)[1].split(" (")[0].strip(): r for r in rows if r.name.startswith("6 cost")}


def test_each_cost_row_is_priced_at_the_jvm_rate_of_its_own_kind_never_connect_file() -> None:
    rows = _cost_rows()
    assert rows["s3 sink"].extra["java_rows_per_cpu_s"] == 72_816.0  # Camel at its largest size, not 140,354
    assert rows["s3 sink"].baseline_per_s == pytest.approx(cost.msk_cost(72_816.0))
    assert rows["mariadb upsert sink"].extra["java_rows_per_cpu_s"] == 29_670.9
    # Debezium's snapshot alone: 4p's JVM pair less 4b's JVM sink, CPU-seconds per record adding up
    source = rows["jdbc source"].extra["java_rows_per_cpu_s"]
    assert source == pytest.approx(1 / (1 / 13_807.7 - 1 / 29_670.9), rel=1e-4)
    assert 25_000 < source < 26_000
    # no Elasticsearch/OpenSearch JVM sink in this run: skipped, not priced at connect-file's rate
    assert rows["opensearch sink"].skipped and "4o" in rows["opensearch sink"].skipped
    assert rows["opensearch sink"].ours_per_s is None


def test_each_cost_row_shows_how_much_of_the_billed_wall_time_is_waiting() -> None:
    opensearch = [r for r in cost.run(Settings(records=100_000, repeats=1, batch=1000),
                                      [*RUN, _row("4o kafka -> opensearch vs camel @1M", 1_000_000, 1.0, 50_000.0)])
                  if r.name.startswith("6 cost per M rows, opensearch")][0]
    extra = opensearch.extra
    assert extra["wall_s_per_m_rows"] == pytest.approx(1e6 / 26_273.8, abs=1e-3)  # 38.06 s billed
    assert extra["cpu_s_per_m_rows"] == pytest.approx(1e6 / 76_918.2, abs=1e-3)  # 13.0 s of work
    assert extra["waiting_s_per_m_rows"] == pytest.approx(38.060 - 13.001, abs=2e-3)
    assert extra["waiting_share"] == pytest.approx(0.658, abs=1e-3)  # two thirds of the bill waits on _bulk
    assert extra["waiting_usd_per_m_rows"] == pytest.approx(25.059 * cost.LAMBDA_GB * cost.LAMBDA_GB_S, rel=1e-3)
    s3 = _cost_rows()["s3 sink"].extra
    assert s3["waiting_share"] == pytest.approx(1 - 55_865.5 / 77_411.5, abs=1e-3)  # S3: 28% of it


def test_pull_mode_rows_are_priced_at_the_pull_rows_wall_time_with_a_tick_a_second() -> None:
    pulled = _row("4b pull-mode kafka -> mariadb upsert vs debezium @1M", 1_000_000, 89_933.8, 32_629.3,
                  ours_wall_s=[20.0, 18.0, 19.0], ours_cpu_s=[11.0, 10.0, 12.0])
    older = _row("4b pull-mode kafka -> mariadb upsert vs debezium @100k", 100_000, 1.0, 1.0,
                 ours_wall_s=[1.0], ours_cpu_s=[1.0])
    rows = {r.name: r for r in cost.run(Settings(records=100_000, repeats=1, batch=1000), [*RUN, older, pulled])}
    row = rows["6 cost per M rows, mariadb upsert sink, pull mode ($)"]
    assert row.extra["priced_from"] == pulled.name  # the largest size, not the 100k row
    assert row.extra["ours_rows_per_s"] == pytest.approx(1e6 / 19.0, rel=1e-4)  # the median wall: all billed
    assert row.extra["waiting_s_per_m_rows"] == pytest.approx(19.0 - 11.0, abs=1e-3)
    ticks = 19.0 / cost.SINK_POLL_INTERVAL_S
    assert row.extra["invocations_per_m_rows"] == pytest.approx(ticks)
    expected = cost.LAMBDA_GB * 19.0 * cost.LAMBDA_GB_S + ticks * (cost.LAMBDA_REQUEST + 3 * cost.SQS_REQUEST)
    assert row.ours_per_s == pytest.approx(expected, rel=1e-6)
    # against the same kind as the mapping's row: Debezium's JDBC sink at its largest size
    assert row.baseline_per_s == pytest.approx(rows["6 cost per M rows, mariadb upsert sink ($)"].baseline_per_s)
    assert row.extra["usd_per_m_rows_arm64"] < row.ours_per_s
    # no pull-mode row measured: skipped with what it needs
    s3 = rows["6 cost per M rows, s3 sink, pull mode ($)"]
    assert s3.ours_per_s is None and s3.skipped and "4c pull-mode" in s3.skipped
