"""Case 2m: what a sink's events bill at the memory sizes Lambda offers, measured (Lambda gives CPU in proportion
to memory: a smaller function works longer but costs less a second, and its waits on PUTs and bulk requests cost
less with it).

Case 2's S3, OpenSearch and MariaDB-upsert sinks on case 2's events, ours alone (``sink_data.run_ours``), the whole
case process held to each size's CPU share by a CFS quota as Lambda holds a sandbox (``bench/cpu_share.py``), the
sizes interleaved (their order flipped every repetition). A row: one sink at one size, its $ per million rows (x86,
``lambda_price.lambda_cost`` at that size) over the same sink's at 1,769 MB (one vCPU) in the same run; < 1 is cheaper.
``extra`` has the billed wall and the CPU per million rows and the CPU share the process actually got. Case 6
prices each sink at its cheapest measured size.
"""

from __future__ import annotations

import statistics
from typing import TYPE_CHECKING, Any

from bench import common, cpu_share, lambda_price, mariadb_rows, sink_data

if TYPE_CHECKING:
    from collections.abc import Callable

    from bench.common import Result, Sample, Settings

SIZES_MB = (256, 512, 1024, cpu_share.FULL_VCPU_MB)
ROW = "2m {label} at {size} MB"
# (case-2 row the sizes are of, label): what case 6 reads back (``cost.SIZED_PLAN``)
SINKS = (("2a", "kafka -> s3"), ("2b", "kafka -> opensearch"), ("2c", "kafka -> mariadb upsert"))


def row_name(label: str, size: int) -> str:
    """The name of the row of sink ``label`` at ``size`` MB."""
    return ROW.format(label=label, size=size)


def _sink_runs(cluster: common.Cluster, data: sink_data.SinkData, batch: int) -> tuple[
        dict[str, Callable[[], int]], Callable[[], None]]:
    """Per sink label, a run of ours over every event on a fresh connector (and a fresh index or table); and what
    removes what the runs left."""
    import boto3
    import urllib3

    aws = common.services("localstack")["localstack"]
    bucket = common.unique("bucket")
    boto3.client("s3", **aws).create_bucket(Bucket=bucket)
    url = common.services("opensearch")["opensearch"]["connection.url"]
    http = urllib3.PoolManager()
    index = data.topic.lower()
    db = common.services("mariadb")["mariadb"]
    tables: list[str] = []

    def s3() -> int:
        name = common.unique("s3m")
        return sink_data.run_ours(cluster, name, sink_data.s3_config(aws, bucket, batch) | {"topics.dir": name}, data)

    def opensearch() -> int:
        http.request("DELETE", f"{url}/{index}")
        return sink_data.run_ours(cluster, common.unique("osm"), sink_data.opensearch_config(url), data)

    def mariadb() -> int:
        tables.append(common.unique("upsertm").replace("-", "_"))
        return sink_data.run_ours(cluster, common.unique("jdbcm"), mariadb_rows.mariadb_config(db, tables[-1]), data)

    def clean_up() -> None:
        http.request("DELETE", f"{url}/{index}")
        from bench import dataset

        dataset.drop_tables(db, tables)

    return {"kafka -> s3": s3, "kafka -> opensearch": opensearch, "kafka -> mariadb upsert": mariadb}, clean_up


def sized_samples(run: Callable[[], int], repeats: int,
                  sizes: tuple[int, ...] = SIZES_MB) -> dict[int, list[Sample]]:
    """``run`` measured under each size's CPU share, ``repeats`` times, the sizes' order flipped every repetition."""
    samples: dict[int, list[Sample]] = {size: [] for size in sizes}
    for rep in range(repeats):
        for size in (sizes if rep % 2 == 0 else tuple(reversed(sizes))):
            with cpu_share.limited(size):
                samples[size].append(common.measure(run))
    return samples


def sized_rows(label: str, samples: dict[int, list[Sample]], batch: int) -> list[Result]:
    """One row a size: $ per million rows at that size over the same at one full vCPU."""
    priced = {size: _priced(runs, size, batch) for size, runs in samples.items()}
    full = priced[cpu_share.FULL_VCPU_MB]["usd_per_m_rows"]
    rows = []
    for size, figures in priced.items():
        usd = figures["usd_per_m_rows"]
        rows.append(common.Result(
            row_name(label, size), usd, f"the same sink at {cpu_share.FULL_VCPU_MB} MB (one vCPU)", full,
            samples[size][0].records, len(samples[size]), unit="$/M rows", higher_is_better=False,
            ratio=round(usd / full, 3) if full else None,
            extra={"memory_mb": size, "cpu_share": round(cpu_share.share_of(size), 3), "batch": batch, **figures}))
    return rows


def _priced(runs: list[Sample], size: int, batch: int) -> dict[str, Any]:
    """Median billed wall and CPU per million rows of ``runs`` and the x86 and arm64 $ at ``size`` MB."""
    wall = statistics.median(s.wall_s / s.records for s in runs) * lambda_price.MILLION
    cpu = statistics.median(s.cpu_s / s.records for s in runs) * lambda_price.MILLION
    gb = size / 1024
    invocations = lambda_price.MILLION / batch
    usd, gb_s = lambda_price.lambda_cost(lambda_price.MILLION / wall, invocations, scheduled=False, gb=gb)
    arm64, _ = lambda_price.lambda_cost(lambda_price.MILLION / wall, invocations, scheduled=False, gb=gb,
                                gb_s_price=lambda_price.LAMBDA_GB_S_ARM64)
    return {"usd_per_m_rows": round(usd, 8), "usd_per_m_rows_arm64": round(arm64, 8), "gb_s_per_m_rows": round(gb_s, 2),
            "wall_s_per_m_rows": round(wall, 2), "cpu_s_per_m_rows": round(cpu, 2),
            "cpu_share_used": round(statistics.median(s.cpu_s / s.wall_s for s in runs), 3),
            "ours_wall_s": [round(s.wall_s, 3) for s in runs], "ours_cpu_s": [round(s.cpu_s, 3) for s in runs]}


def run(settings: Settings) -> list[Result]:
    """Every sink at every size over the same events; a failing sink is reported, not fatal."""
    why = cpu_share.unavailable()
    if why is not None:
        return [common.Result(row_name(label, size), None, "", None, 0, 0, unit="$/M rows",
                              skipped=f"cannot hold a process to a CPU share here: {why}")
                for _prefix, label in SINKS for size in SIZES_MB]
    data = sink_data.SinkData.get(settings)
    cluster = common.Cluster.create(data.bootstrap)
    results: list[Result] = []
    try:
        runs, clean_up = _sink_runs(cluster, data, settings.batch)
        try:
            for _prefix, label in SINKS:
                try:
                    results.extend(sized_rows(label, sized_samples(runs[label], settings.repeats), settings.batch))
                except Exception as error:  # one broken sink must not hide the others' figures
                    results.append(common.Result(row_name(label, cpu_share.FULL_VCPU_MB), None, "", None,
                                                 settings.records, 0, unit="$/M rows",
                                                 skipped=f"failed: {type(error).__name__}: {error}"[:500]))
        finally:
            clean_up()
    finally:
        cluster.close()
    return results
