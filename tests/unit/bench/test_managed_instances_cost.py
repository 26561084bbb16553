"""bench/cases/cost.py: every on-demand cost row priced again on Lambda Managed Instances, x86 and arm64, against
the same MSK Connect figure, and the steady rate from which the instances cost less a month than the functions."""

from __future__ import annotations

import pytest

from bench import lambda_price
from bench.cases import cost
from bench.common import Result, Settings

SETTINGS = Settings(records=100_000, repeats=1, batch=1000)


def _row(name: str, records: int, ours: float, baseline: float, **extra: object) -> Result:
    return Result(name, ours, "jvm", baseline, records, 1, extra=dict(extra))


RUN = [
    _row("4c kafka -> s3 vs camel aws2-s3 @1M", 1_000_000, 43_363.0, 72_816.0),
    _row("4b kafka -> mariadb upsert vs debezium @1M", 1_000_000, 39_865.3, 29_670.9),
    _row("4o kafka -> opensearch vs camel @1M", 1_000_000, 1.0, 50_000.0),
    _row("2a kafka -> s3 (localstack)", 100_000, 55_865.5, 63_053.2, ours_per_cpu_s=77_411.5),
    # OpenSearch: the same CPU per row as 2a's S3 sink, three times its wall time (waiting on _bulk)
    _row("2b kafka -> opensearch", 100_000, 55_865.5 / 3, 24_777.7, ours_per_cpu_s=77_411.5),
    _row("2c kafka -> mariadb upsert", 100_000, 52_909.9, 34_156.8, ours_per_cpu_s=83_044.0),
    _row("4b pull-mode kafka -> mariadb upsert vs debezium @1M", 1_000_000, 89_933.8, 32_629.3,
         ours_wall_s=[20.0, 18.0, 19.0], ours_cpu_s=[11.0, 10.0, 12.0]),
]


def _rows() -> dict[str, Result]:
    return {r.name: r for r in cost.run(SETTINGS, RUN)}


def _vcpu_second(arch: str) -> float:
    instance = lambda_price.MANAGED_INSTANCES[arch]
    return instance.hour_usd * 1.15 / instance.vcpus / 3600


def test_a_row_on_managed_instances_bills_its_cpu_on_instance_time_plus_the_requests() -> None:
    rows = _rows()
    on_demand = rows["6 cost per M rows, s3 sink ($)"]
    managed = rows["6 cost per M rows, s3 sink, managed instances ($)"]
    cpu_s = 1e6 / 77_411.5
    requests = 1000 * cost.LAMBDA_REQUEST  # 1e6 / batch invocations, as on demand
    assert managed.ours_per_s == pytest.approx(cpu_s * _vcpu_second("x86_64") + requests, rel=1e-4)
    assert managed.extra["usd_per_m_rows_arm64"] == pytest.approx(cpu_s * _vcpu_second("arm64") + requests, rel=1e-4)
    assert managed.extra["usd_per_m_rows_arm64"] < managed.ours_per_s  # Graviton's instance is the cheaper
    # against the very MSK Connect figure of the on-demand row (the JVM connector of its own kind)
    assert managed.baseline_per_s == on_demand.baseline_per_s
    assert managed.extra["arm64_over_msk_connect"] == pytest.approx(
        managed.extra["usd_per_m_rows_arm64"] / on_demand.baseline_per_s, rel=1e-2)
    assert managed.extra["on_demand_usd_per_m_rows_arm64"] == on_demand.extra["usd_per_m_rows_arm64"]


def test_waiting_is_not_billed_on_managed_instances_but_is_on_demand() -> None:
    rows = _rows()
    s3 = rows["6 cost per M rows, s3 sink, managed instances ($)"]
    opensearch = rows["6 cost per M rows, opensearch sink, managed instances ($)"]
    # the same CPU per row: the same bill on the instances, though the OpenSearch function waits three times as long
    assert opensearch.ours_per_s == pytest.approx(s3.ours_per_s, rel=1e-6)
    on_demand = rows["6 cost per M rows, opensearch sink ($)"], rows["6 cost per M rows, s3 sink ($)"]
    assert float(on_demand[0].ours_per_s or 0) > 2 * float(on_demand[1].ours_per_s or 0)


def test_a_pull_mode_row_keeps_its_ticks_and_queue_requests() -> None:
    rows = _rows()
    pulled = rows["6 cost per M rows, mariadb upsert sink, pull mode ($)"]
    managed = rows["6 cost per M rows, mariadb upsert sink, pull mode, managed instances ($)"]
    ticks = 19.0 / cost.SINK_POLL_INTERVAL_S  # the median wall per million rows, a tick a second
    expected = 11.0 * _vcpu_second("x86_64") + ticks * (cost.LAMBDA_REQUEST + 3 * cost.SQS_REQUEST)
    assert managed.ours_per_s == pytest.approx(expected, rel=1e-4)
    assert managed.extra["cpu_s_per_m_rows"] == pytest.approx(11.0)
    assert float(managed.ours_per_s or 0) < float(pulled.ours_per_s or 0)


def test_the_crossover_is_where_the_functions_month_reaches_three_instances() -> None:
    rows = _rows()
    managed = rows["6 cost per M rows, mariadb upsert sink, managed instances ($)"]
    mapping = rows["6 cost per M rows, mariadb upsert sink ($)"]
    for arch, price in (("x86_64", cost.LAMBDA_GB_S), ("arm64", cost.LAMBDA_GB_S_ARM64)):
        instance = lambda_price.MANAGED_INSTANCES[arch]
        floor = 3 * instance.hour_usd * 1.15 * 730
        assert managed.extra[f"floor_usd_month_{arch}"] == pytest.approx(floor, abs=0.01)
        per_row = mapping.extra["gb_s_per_m_rows"] * price / 1e6  # the function's billed duration a row
        expected = floor / (cost.SECONDS_PER_MONTH * per_row)
        assert managed.extra[f"crossover_rows_s_{arch}"] == pytest.approx(expected, rel=1e-3)
        # inside what three instances' vCPUs move, so the floor is the whole instance bill there
        assert expected / 83_044.0 < 3 * instance.vcpus


def test_more_instances_once_the_floor_is_full() -> None:
    vcpu_month = 2 * 730 * 3600  # one .large instance's vCPU-seconds a month
    floor = lambda_price.managed_instances_month(0.0, arch="arm64")
    assert lambda_price.managed_instances_month(3 * vcpu_month, arch="arm64") == pytest.approx(floor)
    assert lambda_price.managed_instances_month(3 * vcpu_month + 1, arch="arm64") == pytest.approx(floor * 4 / 3)


def test_a_skipped_on_demand_row_is_skipped_on_managed_instances_too() -> None:
    rows = {r.name: r for r in cost.run(SETTINGS, RUN[:2])}
    managed = rows["6 cost per M rows, s3 sink, managed instances ($)"]
    assert managed.ours_per_s is None and managed.skipped == rows["6 cost per M rows, s3 sink ($)"].skipped
    assert "2a" in (managed.skipped or "")
