"""Case 6: cost per million rows moved, Lambda (+ Scheduler) versus MSK Connect, from this run's measurements.

Lambda: a function sized at 1,769 MB (the size that gets one full vCPU; our runners use one core) runs
``1e6 / ours_per_s`` seconds per million rows, ``ours_per_s`` the row's measured wall-time rate (Lambda bills wall
time, waits included; each row shows how much of it is waiting: wall less CPU), at $0.0000166667 per GB-s (x86; each
row also gives the arm64 price, $0.0000133334, for the same GB-s: measured on this machine's x86, not on Graviton),
plus $0.20 per million requests: sinks make ``1e6 / BENCH_BATCH`` invocations per million rows, sources
``1e6 / BENCH_SOURCE_ROWS_PER_INVOCATION`` (default 10,000), each also an EventBridge Scheduler invocation at $1 per
million.
MSK Connect: $0.11 per MCU-hour, 1 MCU = 1 vCPU + 4 GiB; the JVM connector **of the row's own kind**, measured in
case 4 of the same run, needs ``1e6 / its records-per-CPU-second`` vCPU-seconds per million rows (``SAME_KIND``:
Camel's S3 sink for S3, Camel's Elasticsearch sink for OpenSearch, Debezium's JDBC sink for the JDBC sink, Debezium's
MariaDB snapshot for the JDBC source, Apache Iceberg's for the Iceberg sink); a row whose JVM connector was not
measured is skipped, never priced at another kind's rate. The Iceberg sink has no case-2 row: both sides come from
4i's row at its largest size, ours at the wall time inside the function (``OURS_FIELDS``), ``1e6 / its batch``
invocations. The S3, OpenSearch, JDBC and Iceberg sinks are priced once more as pull-mode tasks (``PULL_PLAN``:
case 4's and 4i's pull-mode rows, the function consuming its topic itself). MSK is billed as MCU-hours with
perfect packing, which flatters it: a real connector pays for at least one MCU around the clock (~$80/month)
whether rows move or not.
"""
from __future__ import annotations

import os
import statistics
from typing import TYPE_CHECKING, Any

from bench import common
from bench.lambda_price import (
    LAMBDA_GB,
    LAMBDA_GB_S,
    LAMBDA_GB_S_ARM64,
    LAMBDA_REQUEST,
    MANAGED_INSTANCES,
    MANAGED_INSTANCES_FEE,
    MANAGED_INSTANCES_MIN,
    MILLION,
    SCHEDULER_INVOCATION,
    lambda_cost,
    managed_instances_cost,
    managed_instances_month,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from bench.common import Result, Settings

MCU_HOUR = 0.11


def _rate(results: list[Result], prefix: str, field: str = "ours_per_s") -> float | None:
    """``field`` of the row named ``prefix...``; of case 4's size sweep the largest size (the warmest JVM)."""
    rows = [r for r in results if r.name.startswith(prefix) and r.skipped is None]
    if not rows:
        return None
    result = max(rows, key=lambda r: r.records)
    value = getattr(result, field) if field in ("ours_per_s", "baseline_per_s") else result.extra.get(field)
    return float(value) if value else None


def _largest(results: list[Result], prefix: str) -> Result | None:
    """The measured row named ``prefix...`` of the largest size (``_rate``'s choice)."""
    rows = [r for r in results if r.name.startswith(prefix) and r.skipped is None]
    return max(rows, key=lambda r: r.records) if rows else None


def _batch(results: list[Result], prefix: str) -> int | None:
    """Records per invocation of the row ``_rate`` prices (its ``extra.batch``), None when it has none."""
    row = _largest(results, prefix)
    return int(row.extra["batch"]) if row and row.extra.get("batch") else None


def _priced_from(results: list[Result], prefix: str, invocations: float) -> dict[str, Any]:
    """A row priced from one case-4 row: that row's name and size, and ours priced at its whole measured span's
    wall time too (the emulated mapping's consuming and event building, which Lambda does not bill, included: an
    upper bound of ours)."""
    row = _largest(results, prefix)
    if row is None:
        return {}
    spans = row.extra.get("ours_wall_s") or []
    span_rate = statistics.median(row.records / max(w, 1e-9) for w in spans) if spans else None
    return {"priced_from": row.name, "priced_at_records": row.records,
            "usd_per_m_rows_at_span_wall": (round(lambda_cost(span_rate, invocations, scheduled=False)[0], 8)
                                            if span_rate else None)}


def jvm_jdbc_source_rate(results: list[Result]) -> float | None:
    """Records per CPU-second of Debezium's MariaDB snapshot, the JVM source closest to a JDBC source (none is on
    Maven Central): 4p's JVM pair (snapshot + Debezium's JDBC sink) less 4b's JVM sink, at the largest size both
    ran, since CPU-seconds per record add up; None when either is missing or the difference is not positive."""
    pairs = {r.records: r.baseline_per_s for r in results if r.name.startswith("4p ") and r.skipped is None}
    sinks = {r.records: r.baseline_per_s for r in results if r.name.startswith("4b ") and r.skipped is None}
    common_sizes = [n for n in pairs if n in sinks and pairs[n] and sinks[n]]
    if not common_sizes:
        return None
    size = max(common_sizes)
    per_record = 1.0 / float(pairs[size] or 0.0) - 1.0 / float(sinks[size] or 0.0)
    return 1.0 / per_record if per_record > 0 else None


# Each cost row's JVM connector of its own kind: (case-4 row prefix, what it is); the JDBC source is derived.
SAME_KIND: dict[str, tuple[str, str]] = {
    "1a": ("4p - 4b", "Debezium MariaDbConnector snapshot (4p's JVM pair less 4b's JVM sink)"),
    "2a": ("4c kafka", "Camel aws2-s3 sink configured alike (4c)"),
    "2b": ("4o kafka", "Camel elasticsearch-rest sink configured alike (4o)"),
    "2c": ("4b ", "Debezium JDBC sink (4b)"),
    "4i kafka": ("4i kafka", "Apache Iceberg's IcebergSinkConnector configured alike (4i)"),
}
# Where a row's own rates are, when not a case-2 row's (ours_per_s: wall time; extra.ours_per_cpu_s): 4i's are the
# wall and CPU time inside the function (its ours_per_s is per CPU-second of all our side, the emulated mapping too).
OURS_FIELDS: dict[str, tuple[str, str]] = {"4i kafka": ("ours_per_function_wall_s", "ours_per_function_cpu_s")}


def same_kind_rate(results: list[Result], prefix: str) -> float | None:
    """The JVM rate (records per CPU-second) of row ``prefix``'s own kind measured in ``results``, or None."""
    key = SAME_KIND[prefix][0]
    return jvm_jdbc_source_rate(results) if key == "4p - 4b" else _rate(results, key, "baseline_per_s")


def msk_cost(per_cpu_s: float) -> float:
    """$ per million rows on MSK Connect at the Java worker's measured records per CPU-second."""
    return MILLION / per_cpu_s / 3600 * MCU_HOUR


def waiting(wall_per_s: float, cpu_per_s: float | None) -> dict[str, float | None]:
    """Per million rows: billed wall seconds, CPU seconds, and the wait between them (wall less CPU: the PUTs, bulk
    requests and commits the function waits on), with the wait's share of the bill and its x86 dollars."""
    wall = MILLION / wall_per_s
    if not cpu_per_s:
        return {"wall_s_per_m_rows": round(wall, 3), "cpu_s_per_m_rows": None, "waiting_s_per_m_rows": None,
                "waiting_share": None, "waiting_usd_per_m_rows": None}
    cpu = MILLION / cpu_per_s
    wait = max(wall - cpu, 0.0)
    return {"wall_s_per_m_rows": round(wall, 3), "cpu_s_per_m_rows": round(cpu, 3),
            "waiting_s_per_m_rows": round(wait, 3), "waiting_share": round(wait / wall, 3),
            "waiting_usd_per_m_rows": round(wait * LAMBDA_GB * LAMBDA_GB_S, 8)}


def run(settings: Settings, earlier: list[Result] | None = None) -> list[Result]:
    """One row per throughput case measured earlier in this run; skipped rows say what was missing."""
    earlier = earlier or []
    rows_per_invocation = int(os.environ.get("BENCH_SOURCE_ROWS_PER_INVOCATION", "10000"))
    plan = (("1a", "jdbc source", MILLION / rows_per_invocation, True),
            ("2a", "s3 sink", MILLION / settings.batch, False),
            ("2b", "opensearch sink", MILLION / settings.batch, False),
            ("2c", "mariadb upsert sink", MILLION / settings.batch, False),
            ("4i kafka", "iceberg sink", MILLION / (_batch(earlier, "4i kafka") or settings.batch), False))
    results: list[Result] = []
    for prefix, label, invocations, scheduled in plan:
        name = f"6 cost per M rows, {label} ($)"
        wall_field, cpu_field = OURS_FIELDS.get(prefix, ("ours_per_s", "ours_per_cpu_s"))
        per_s = _rate(earlier, prefix, wall_field)
        java = same_kind_rate(earlier, prefix)
        jvm_kind = SAME_KIND[prefix][1]
        if per_s is None or java is None:
            needs = f"case {prefix}" if per_s is None else f"the JVM connector of its kind ({jvm_kind})"
            results.append(common.Result(name, None, "MSK Connect", None, 0, 0, unit="$/M rows",
                                         skipped=f"needs {needs} in the same run"))
            continue
        ours, gb_s = lambda_cost(per_s, invocations, scheduled=scheduled)
        arm64, _ = lambda_cost(per_s, invocations, scheduled=scheduled, gb_s_price=LAMBDA_GB_S_ARM64)
        results.append(common.Result(
            name, ours, f"MSK Connect at the JVM rate of {jvm_kind}", msk_cost(java), 0, 1, unit="$/M rows",
            higher_is_better=False,
            extra={"gb_s_per_m_rows": round(gb_s, 1), "invocations_per_m_rows": round(invocations),
                   "usd_per_m_rows_arm64": round(arm64, 8),
                   "arm64_over_msk_connect": round(arm64 / msk_cost(java), 3),
                   "ours_rows_per_s": round(per_s, 1), "java_rows_per_cpu_s": round(java, 1), "jvm_kind": jvm_kind,
                   **waiting(per_s, _rate(earlier, prefix, cpu_field)),
                   "msk_connect_always_on_month_1_mcu": round(730 * MCU_HOUR, 2),
                   **(_priced_from(earlier, prefix, invocations) if prefix in OURS_FIELDS else {})}))
    pulled = pull_cost_rows(earlier)
    return [*results, *pulled, *managed_instances_rows([*results, *pulled]), *sized_cost_rows(earlier, results),
            *monthly(earlier), *crossover_rows(earlier)]


def managed_instances_rows(on_demand: list[Result]) -> list[Result]:
    """Rows "6 cost per M rows, <row>, managed instances": each on-demand row (a mapping's, a pull-mode task's) again
    on Lambda Managed Instances, x86 as ``ours`` and arm64 in ``extra``, against the same MSK Connect figure: the
    row's measured CPU per row on instance time (its waits filled by other requests), its requests as on demand.
    ``extra.crossover_rows_s_<arch>``: the steady rate from which Managed Instances (at least
    ``MANAGED_INSTANCES_MIN`` instances) cost less a month than the on-demand row of the same architecture."""
    out: list[Result] = []
    for row in on_demand:
        name = row.name.removesuffix(" ($)") + ", managed instances ($)"
        cpu_s = row.extra.get("cpu_s_per_m_rows") if row.skipped is None else None
        if row.skipped is not None or not cpu_s:
            why = row.skipped or "needs the row's CPU per row"
            out.append(common.Result(name, None, "MSK Connect", None, 0, 0, unit="$/M rows", skipped=why))
            continue
        msk = float(row.baseline_per_s or 0.0)
        source = row.name.startswith("6 cost per M rows, jdbc source")
        others = float(row.extra.get("sqs_usd_per_m_rows") or 0.0)  # a pull-mode task's tick queue, as on demand
        invocations = float(row.extra["invocations_per_m_rows"])
        gb_s = float(row.extra["gb_s_per_m_rows"])
        extra: dict[str, Any] = {"cpu_s_per_m_rows": cpu_s, "invocations_per_m_rows": invocations,
                                 "priced_from": row.name, "jvm_kind": row.extra.get("jvm_kind"),
                                 "java_rows_per_cpu_s": row.extra.get("java_rows_per_cpu_s"),
                                 "management_fee": MANAGED_INSTANCES_FEE, "min_instances": MANAGED_INSTANCES_MIN}
        price: dict[str, float] = {}
        billed = {"x86_64": float(row.ours_per_s or 0.0), "arm64": float(row.extra["usd_per_m_rows_arm64"])}
        for arch, gb_s_price in (("x86_64", LAMBDA_GB_S), ("arm64", LAMBDA_GB_S_ARM64)):
            instance = MANAGED_INSTANCES[arch]
            price[arch] = managed_instances_cost(MILLION / float(cpu_s), invocations, scheduled=source,
                                                 arch=arch) + others
            per_row_on_demand = gb_s * gb_s_price / MILLION
            cpu_per_row = float(cpu_s) / MILLION

            def instances(rate: float, arch: str = arch, cpu_per_row: float = cpu_per_row) -> float:
                return managed_instances_month(rate * SECONDS_PER_MONTH * cpu_per_row, arch=arch)

            def functions(rate: float, per_row: float = per_row_on_demand) -> float:
                return rate * SECONDS_PER_MONTH * per_row

            crossing = crossovers(instances, functions, 1e6)
            extra |= {f"usd_per_m_rows_{arch}": round(price[arch], 8),
                      f"{arch}_over_msk_connect": round(price[arch] / msk, 3) if msk else None,
                      f"instance_{arch}": f"{instance.name} (${instance.hour_usd}/h, {instance.vcpus} vCPU)",
                      f"floor_usd_month_{arch}": round(instances(0.0), 2),
                      f"on_demand_usd_per_m_rows_{arch}": round(billed[arch], 8),
                      f"crossover_rows_s_{arch}": round(crossing[0], 1) if crossing else None}
        out.append(common.Result(name, price["x86_64"], row.baseline, msk, 0, 1, unit="$/M rows",
                                 higher_is_better=False, extra=extra))
    return out


# The case-2 sinks again at the memory size whose bill case 2m measured lowest (``cases/lambda_sizes.py``: Lambda
# gives CPU in proportion to memory): (case-2 row, the label of 2m's rows, label).
SIZED_PLAN: tuple[tuple[str, str, str], ...] = (("2a", "kafka -> s3", "s3 sink"),
                                                ("2b", "kafka -> opensearch", "opensearch sink"),
                                                ("2c", "kafka -> mariadb upsert", "mariadb upsert sink"))


def sized_cost_rows(earlier: list[Result], priced: list[Result]) -> list[Result]:
    """Rows "6 cost per M rows, <sink>, cheapest size": the sink's mapping row (in ``priced``) at the memory size whose
    measured bill (case 2m, the process held to that size's CPU share) was the lowest, against MSK Connect at the JVM
    rate of the same kind. The size's bill is taken as 2m's ratio to one vCPU's, both measured in the same minutes,
    times the mapping row's: a resumed run's parts can run on machines of other speeds, and a ratio of one part's
    sizes carries over where 2m's own dollars against another part's JVM rate would not."""
    out: list[Result] = []
    for prefix, sized_label, label in SIZED_PLAN:
        name = f"6 cost per M rows, {label}, cheapest size ($)"
        sized = [r for r in earlier if r.name.startswith(f"2m {sized_label} at ") and r.skipped is None
                 and r.ours_per_s]
        one_vcpu = next((r for r in sized if r.extra["memory_mb"] == FULL_VCPU_MB), None)
        mapping = next((r for r in priced if r.name == f"6 cost per M rows, {label} ($)" and r.skipped is None), None)
        if one_vcpu is None or mapping is None:
            needs = "case 2m's rows" if one_vcpu is None else f"its mapping row ({prefix} and its JVM connector)"
            out.append(common.Result(name, None, "MSK Connect", None, 0, 0, unit="$/M rows",
                                     skipped=f"needs {needs} in the same run"))
            continue
        best = min(sized, key=lambda row: float(row.ours_per_s or 0.0))
        x86_share = float(best.ours_per_s or 0.0) / float(one_vcpu.ours_per_s or 1.0)
        arm64_share = float(best.extra["usd_per_m_rows_arm64"]) / float(one_vcpu.extra["usd_per_m_rows_arm64"])
        ours = float(mapping.ours_per_s or 0.0) * x86_share
        arm64 = float(mapping.extra["usd_per_m_rows_arm64"]) * arm64_share
        msk = float(mapping.baseline_per_s or 0.0)
        out.append(common.Result(
            name, ours, mapping.baseline, msk, 0, 1, unit="$/M rows", higher_is_better=False,
            extra={"memory_mb": best.extra["memory_mb"], "usd_per_m_rows_arm64": round(arm64, 8),
                   "arm64_over_msk_connect": round(arm64 / msk, 3), "priced_from": [mapping.name, best.name],
                   "bill_over_one_vcpu": round(x86_share, 3), "usd_per_m_rows_at_one_vcpu": mapping.ours_per_s,
                   "java_rows_per_cpu_s": mapping.extra.get("java_rows_per_cpu_s"), "jvm_kind": SAME_KIND[prefix][1],
                   **{f"sized_{key}": best.extra.get(key) for key in (
                       "wall_s_per_m_rows", "cpu_s_per_m_rows", "cpu_share", "cpu_share_used")}}))
    return out


# The sinks again as pull-mode tasks (``lambda.sink.trigger=schedule``: the function consumes its topic itself, the
# same guarantees as a provisioned mapping without its poller units): (case-4 pull-mode row, label, ``SAME_KIND`` key
# of the JVM connector it is priced against).
PULL_PLAN: tuple[tuple[str, str, str], ...] = (("4c pull-mode", "s3 sink", "2a"),
                                               ("4o pull-mode", "opensearch sink", "2b"),
                                               ("4b pull-mode", "mariadb upsert sink", "2c"),
                                               ("4i pull-mode", "iceberg sink", "4i kafka"))


def pull_cost_rows(earlier: list[Result]) -> list[Result]:
    """Rows "6 cost per M rows, <sink>, pull mode": ours at the wall time of case 4's pull-mode row at its largest
    size (every second of it is the function's, consuming included), with at most one tick a
    ``SINK_POLL_INTERVAL_S`` of that time (a Lambda request and three SQS requests each: an upper bound, a busy
    task reads on within one invocation), against MSK Connect at the JVM rate of the same kind."""
    out: list[Result] = []
    for prefix, label, kind in PULL_PLAN:
        name = f"6 cost per M rows, {label}, pull mode ($)"
        row = _largest(earlier, prefix)
        per_row = _per_row(row) if row else None
        java = same_kind_rate(earlier, kind)
        jvm_kind = SAME_KIND[kind][1]
        if row is None or per_row is None or java is None:
            needs = f"case 4's {prefix} row" if per_row is None else f"the JVM connector of its kind ({jvm_kind})"
            out.append(common.Result(name, None, "MSK Connect", None, 0, 0, unit="$/M rows",
                                     skipped=f"needs {needs} in the same run"))
            continue
        wall_rate, cpu_rate = 1.0 / per_row[0], 1.0 / per_row[1]
        ticks = MILLION * per_row[0] / SINK_POLL_INTERVAL_S
        queue = ticks * 3 * SQS_REQUEST
        ours, gb_s = lambda_cost(wall_rate, ticks, scheduled=False)
        arm64, _ = lambda_cost(wall_rate, ticks, scheduled=False, gb_s_price=LAMBDA_GB_S_ARM64)
        msk = msk_cost(java)
        out.append(common.Result(
            name, ours + queue, f"MSK Connect at the JVM rate of {jvm_kind}", msk, 0, 1, unit="$/M rows",
            higher_is_better=False,
            extra={"gb_s_per_m_rows": round(gb_s, 1), "invocations_per_m_rows": round(ticks, 1),
                   "sqs_usd_per_m_rows": round(queue, 8),
                   "usd_per_m_rows_arm64": round(arm64 + queue, 8),
                   "arm64_over_msk_connect": round((arm64 + queue) / msk, 3),
                   "ours_rows_per_s": round(wall_rate, 1), "java_rows_per_cpu_s": round(java, 1),
                   "jvm_kind": jvm_kind, "trigger": "pull mode", "priced_from": row.name,
                   "priced_at_records": row.records, **waiting(wall_rate, cpu_rate),
                   "msk_connect_always_on_month_1_mcu": round(730 * MCU_HOUR, 2)}))
    return out


# -- monthly cost by load profile (issue: "an honest monthly cost table") ---------------------------------------
# Prices, us-east-1, USD, without free tiers; sources in bench/README.md ("Monthly cost: prices and sources").
HOURS_PER_MONTH = 730
SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600
SQS_REQUEST = 0.40 / 1e6  # standard queue, per request (64 KB chunk)
EC2_SMALLEST_HOUR = 0.0168  # t4g.small (2 vCPU burstable, 2 GiB): one Connect worker, both connectors
EBS_GB_MONTH = 0.08  # gp3
EBS_GB = 8
SOURCE_MEMORY_MB = 512  # template.yaml SourceTaskFunction (peak RSS measured in case 5: ~52 MiB)
SINK_MEMORY_MB = 1024  # template.yaml sink functions
FULL_VCPU_MB = 1769  # Lambda gives one full vCPU at 1,769 MB; below it CPU scales with memory
POLL_INTERVAL_S = 5  # JDBC source poll.interval.ms default: one tick every 5 s inside each minute's window
SAFETY_MARGIN_S = 10  # LAMBDA_CONNECT_SAFETY_MARGIN_MS default: no tick in a window's last 10 s
SINK_BATCH = 100  # lambda.batch.size default
SINK_WINDOW_S = 0.5  # lambda.maximum.batching.window.ms default
SQS_ESM_IDLE_REQUESTS_PER_MIN = 15  # ~5 long polls of 20 s each, per stack (one queue serves every source task)
MSK_CONNECT_MIN_MCU = 1  # per connector
MCU_VCPU = 1

PROFILES: tuple[tuple[str, float, float], ...] = (
    # name, steady rows/s, rows per bursty hour
    ("idle", 0.0, 0.0), ("1 row/s", 1.0, 0.0), ("100 rows/s", 100.0, 0.0), ("1,000 rows/s", 1000.0, 0.0),
    ("bursty 1M rows once an hour", 0.0, 1_000_000.0),
)


def _epu_hour() -> float:
    """Event poller unit price (provisioned-mode Kafka mappings); see the README: set BENCH_EPU_HOUR_USD."""
    return float(os.environ.get("BENCH_EPU_HOUR_USD", "0.185"))


def _gb_s(wall_ms: float, cpu_ms: float, memory_mb: int) -> float:
    """GB-s of one invocation at ``memory_mb``: waits as measured, CPU stretched by the smaller CPU share."""
    cpu_share = min(1.0, memory_mb / FULL_VCPU_MB)
    seconds = (max(wall_ms - cpu_ms, 0.0) + cpu_ms / cpu_share) / 1000.0
    return seconds * memory_mb / 1024.0


def monthly_costs(source_row_gb_s: float, sink_row_gb_s: float, source_idle_gb_s: float, sink_call_gb_s: float,
                  java_rows_per_cpu_s: float) -> list[dict[str, float | str]]:
    """One dict per load profile: ours (on-demand and provisioned Kafka mapping), MSK Connect, one EC2 worker."""
    ticks_per_min = (60 - SAFETY_MARGIN_S - 1) // POLL_INTERVAL_S + 1  # the heartbeat and its ticks
    invocations = ticks_per_min * 60 * HOURS_PER_MONTH
    rows_out: list[dict[str, float | str]] = []
    for name, rows_s, burst in PROFILES:
        rows = rows_s * SECONDS_PER_MONTH + burst * HOURS_PER_MONTH
        source_gb_s = invocations * source_idle_gb_s + rows * source_row_gb_s
        source = (source_gb_s * LAMBDA_GB_S + invocations * LAMBDA_REQUEST
                  + 60 * HOURS_PER_MONTH * SCHEDULER_INVOCATION
                  + (invocations - 60 * HOURS_PER_MONTH) * 3 * SQS_REQUEST  # send, receive, delete per tick
                  + SQS_ESM_IDLE_REQUESTS_PER_MIN * 60 * HOURS_PER_MONTH * SQS_REQUEST)
        if rows_s:  # the mapping invokes once per batching window (or per full batch)
            per_call = max(1.0, min(SINK_BATCH, rows_s * SINK_WINDOW_S))
            sink_calls = rows / per_call
        else:  # a burst arrives as full batches
            sink_calls = rows / SINK_BATCH
        sink = (sink_calls * sink_call_gb_s + rows * sink_row_gb_s) * LAMBDA_GB_S + sink_calls * LAMBDA_REQUEST
        ours = source + sink
        provisioned = ours + _epu_hour() * HOURS_PER_MONTH  # one event poller minimum, around the clock
        peak_rows_s = max(rows_s, burst / 3600.0)
        mcus = max(MSK_CONNECT_MIN_MCU, -(-peak_rows_s // (java_rows_per_cpu_s * MCU_VCPU))) if rows else 1
        msk = 2 * mcus * MCU_HOUR * HOURS_PER_MONTH  # a source and a sink connector, >= 1 MCU each
        ec2 = EC2_SMALLEST_HOUR * HOURS_PER_MONTH + EBS_GB * EBS_GB_MONTH
        rows_out.append({"profile": name, "rows_per_month": rows, "ours": ours, "ours_source": source,
                         "ours_sink": sink, "ours_provisioned_esm": provisioned, "msk_connect": msk,
                         "self_managed_ec2": ec2, "source_invocations": invocations, "sink_invocations": sink_calls})
    return rows_out


# -- an idle pull-mode sink with more tasks than partitions ------------------------------------------------------
PULL_TASKS = 4  # tasks.max 4 over one partition, a common Kafka habit (room to grow)
PULL_PARTITIONS = 1
SINK_POLL_INTERVAL_S = 1  # lambda.sink.poll.interval.ms default


def idle_pull_sink_costs(idle_gb_s: float) -> dict[str, float]:
    """$/month of an idle pull-mode sink of ``PULL_TASKS`` tasks over ``PULL_PARTITIONS`` partition(s): each task's
    heartbeat (one Scheduler invocation a minute) and, for a task that ticks, a tick every
    ``lambda.sink.poll.interval.ms`` inside the window (SendMessage, ReceiveMessage, DeleteMessage each), every
    invocation at the measured GB-s of an idle one. ``ticking_every_task``: before tasks without partitions stopped
    ticking (runtime/sink_pull.py); ``ours``: only the tasks that have a partition tick."""
    heartbeats = 60 * HOURS_PER_MONTH
    ticks = ((60 - SAFETY_MARGIN_S - 1) // SINK_POLL_INTERVAL_S) * 60 * HOURS_PER_MONTH

    def task_cost(ticking: bool) -> float:
        calls = heartbeats + (ticks if ticking else 0)
        return (calls * (idle_gb_s * LAMBDA_GB_S + LAMBDA_REQUEST) + heartbeats * SCHEDULER_INVOCATION
                + (ticks * 3 * SQS_REQUEST if ticking else 0.0))

    busy = min(PULL_TASKS, PULL_PARTITIONS)
    return {"ours": busy * task_cost(True) + (PULL_TASKS - busy) * task_cost(False),
            "ticking_every_task": PULL_TASKS * task_cost(True),
            "invocations": busy * (heartbeats + ticks) + (PULL_TASKS - busy) * heartbeats,
            "invocations_ticking_every_task": PULL_TASKS * (heartbeats + ticks)}


# -- a fleet: 50 source and 50 sink connectors --------------------------------------------------------------------
FLEET_SOURCES = 50
FLEET_SINKS = 50
POLLERS_PER_EPU = 10  # one event poller unit holds up to 10 pollers by default
MIN_POLLERS = 1  # provisioned mode's smallest MinimumPollers per mapping (coordinator/aws/sink_functions.py)
EC2_FLEET_HOUR = 0.077  # m6g.large (2 vCPU, 8 GiB): one Connect worker holding 100 connectors' tasks
EBS_FLEET_GB = 20
# How many source (and as many sink) connectors run at each load profile of monthly_costs.
FLEET_MIXES: tuple[tuple[str, dict[str, int]], ...] = (
    ("idle", {"idle": 50}),
    ("mixed: 5 at 100 rows/s, 15 at 1 row/s, 30 idle", {"100 rows/s": 5, "1 row/s": 15, "idle": 30}),
)


def fleet_costs(per_profile: dict[str, dict[str, float | str]]) -> list[dict[str, float | str]]:
    """50 sources + 50 sinks per month from the per-connector figures of ``monthly_costs`` (keyed by profile):
    ours with on-demand mappings, with provisioned mappings each paying its own poller minimum, and with provisioned
    mappings sharing event poller units through one ``PollerGroupName``; MSK Connect; one self-managed worker."""
    sqs_idle = SQS_ESM_IDLE_REQUESTS_PER_MIN * 60 * HOURS_PER_MONTH * SQS_REQUEST  # one tick queue per stack
    epu_month = _epu_hour() * HOURS_PER_MONTH
    out: list[dict[str, float | str]] = []
    for name, mix in FLEET_MIXES:
        source = sum(n * float(per_profile[p]["ours_source"]) for p, n in mix.items()) - (FLEET_SOURCES - 1) * sqs_idle
        sink = sum(n * float(per_profile[p]["ours_sink"]) for p, n in mix.items())
        rows = sum(n * float(per_profile[p]["rows_per_month"]) for p, n in mix.items())
        alone_epus = FLEET_SINKS  # a mapping alone is billed its own unit, whatever fraction of it one poller uses
        group_epus = -(-FLEET_SINKS * MIN_POLLERS // POLLERS_PER_EPU)
        out.append({
            "fleet": name, "rows_per_month": rows, "ours_on_demand": source + sink, "ours_source": source,
            "ours_sink": sink, "ours_provisioned_alone": source + sink + alone_epus * epu_month,
            "ours_provisioned_poller_group": source + sink + group_epus * epu_month, "epus_alone": alone_epus,
            "epus_poller_group": group_epus,
            # every connector >= 1 MCU around the clock; 100 rows/s is far below one vCPU of the JVM
            "msk_connect": (FLEET_SOURCES + FLEET_SINKS) * MSK_CONNECT_MIN_MCU * MCU_HOUR * HOURS_PER_MONTH,
            "self_managed_ec2": EC2_FLEET_HOUR * HOURS_PER_MONTH + EBS_FLEET_GB * EBS_GB_MONTH,
        })
    return out


def _fleet_rows(per_profile: dict[str, dict[str, float | str]], units: dict[str, float]) -> list[Result]:
    results = []
    for row in fleet_costs(per_profile):
        label = str(row["fleet"]).split(":")[0]
        extra = {k: (round(v, 2) if isinstance(v, float) else v) for k, v in row.items()} | units
        for key, mode in (("ours_on_demand", "on-demand"), ("ours_provisioned_alone", "provisioned, alone"),
                          ("ours_provisioned_poller_group", "provisioned, poller group")):
            results.append(common.Result(
                f"6f fleet 50+50 {label}, {mode} ($)", float(row[key]), "MSK Connect, 100 connectors x >= 1 MCU",
                float(row["msk_connect"]), int(float(row["rows_per_month"])), 1, unit="$/month",
                higher_is_better=False, extra=extra))
    return results


def monthly(earlier: list[Result]) -> list[Result]:
    """Rows "6m monthly ..." from this run's measurements (cases 1a, 2c and 4), or one skipped row."""
    source = next((r for r in earlier if r.name.startswith("1a") and r.skipped is None), None)
    sink = next((r for r in earlier if r.name.startswith("2c") and r.skipped is None), None)
    java = _rate(earlier, "4b", "baseline_per_s") or _rate(earlier, "4a", "baseline_per_s")
    if source is None or sink is None or java is None or not source.ours_per_s or not sink.ours_per_s:
        return [common.Result("6m monthly cost, jdbc source + jdbc sink ($)", None, "MSK Connect", None, 0, 0,
                              unit="$/month", skipped="needs cases 1a, 2c and 4 in the same run")]
    # per row: CPU-bound work, so GB-s per row is the same at any size up to one vCPU (1,769 MB)
    source_row = FULL_VCPU_MB / 1024.0 / float(source.extra["ours_per_cpu_s"])
    sink_row = FULL_VCPU_MB / 1024.0 / float(sink.extra["ours_per_cpu_s"])
    idle = _gb_s(float(source.extra.get("idle_invocation_wall_ms", 0.0)),
                 float(source.extra.get("idle_invocation_cpu_ms", 0.0)), SOURCE_MEMORY_MB)
    call = _gb_s(float(sink.extra.get("one_record_event_wall_ms", 0.0)),
                 float(sink.extra.get("one_record_event_cpu_ms", 0.0)), SINK_MEMORY_MB)
    results = []
    per_profile = monthly_costs(source_row, sink_row, idle, call, java)
    for row in per_profile:
        results.append(common.Result(
            f"6m monthly, {row['profile']} ($)", float(row["ours"]), "MSK Connect, 2 connectors x >= 1 MCU",
            float(row["msk_connect"]), int(float(row["rows_per_month"])), 1, unit="$/month", higher_is_better=False,
            extra={k: (round(v, 4) if isinstance(v, float) else v) for k, v in row.items()}
            | {"source_idle_gb_s": round(idle, 5), "sink_call_gb_s": round(call, 5),
               "source_gb_s_per_row": source_row, "sink_gb_s_per_row": sink_row,
               "epu_hour_usd": _epu_hour()}))
    units = {"source_idle_gb_s": round(idle, 5), "sink_call_gb_s": round(call, 5), "epu_hour_usd": _epu_hour()}
    pull = idle_pull_sink_costs(idle)
    results.append(common.Result(
        f"6i idle pull-mode sink, tasks.max {PULL_TASKS} over {PULL_PARTITIONS} partition ($)", pull["ours"],
        "every task ticking", pull["ticking_every_task"], 0, 1, unit="$/month", higher_is_better=False,
        extra={k: round(v, 4) for k, v in pull.items()} | {"source_idle_gb_s": round(idle, 5)}))
    return results + _fleet_rows({str(r["profile"]): r for r in per_profile}, units)


# -- the trigger crossover: a provisioned mapping against a pull-mode sink, the same guarantees ------------------
# Retries, bisecting and partial batches need a provisioned mapping (an event poller unit around the clock: alone, a
# whole unit; in a poller group of POLLERS_PER_EPU mappings, a tenth of one); a pull-mode task gives the same
# guarantees (it commits only what was written, retries at the next tick, commits the prefix of a partial batch)
# for its ticks. Rates in rows per second, steady, one partition, one task.
TRIGGER_RATES = (0.0, 1.0, 100.0, 1000.0, 10_000.0)
PULL_MEMORY_MB = SOURCE_MEMORY_MB  # pull-mode tasks run in the SourceTaskFunction (template.yaml: 512 MB)
# (sink, case-2 row of the function behind a mapping, case-4 pull-mode row of the function that consumes itself)
TRIGGER_SINKS: tuple[tuple[str, str, str], ...] = (("s3 sink", "2a", "4c pull-mode"),
                                                   ("mariadb upsert sink", "2c", "4b pull-mode"))


def provisioned_month(rows_s: float, *, row_gb_s: float, call_gb_s: float, epus: float) -> float:
    """$/month of a sink behind a provisioned mapping at ``rows_s``: ``epus`` event poller units around the clock,
    the function's GB-s per row (no consuming: the pollers do it) and per invocation (one per batching window or
    full batch of ``lambda.batch.size``), and requests."""
    rows = rows_s * SECONDS_PER_MONTH
    calls = rows / max(1.0, min(SINK_BATCH, rows_s * SINK_WINDOW_S)) if rows_s else 0.0
    return (epus * _epu_hour() * HOURS_PER_MONTH + rows * row_gb_s * LAMBDA_GB_S
            + calls * (call_gb_s * LAMBDA_GB_S + LAMBDA_REQUEST))


def pull_month(rows_s: float, *, row_gb_s: float, idle_gb_s: float) -> float:
    """$/month of one pull-mode sink task with a partition at ``rows_s``: its heartbeat (a Scheduler invocation a
    minute) and a tick every ``lambda.sink.poll.interval.ms`` inside the window (SendMessage, ReceiveMessage,
    DeleteMessage each), every invocation at least the GB-s of one that finds nothing, plus the GB-s per row of a
    function that consumes its topic itself."""
    heartbeats = 60 * HOURS_PER_MONTH
    ticks = ((60 - SAFETY_MARGIN_S - 1) // SINK_POLL_INTERVAL_S) * 60 * HOURS_PER_MONTH
    return ((heartbeats + ticks) * (idle_gb_s * LAMBDA_GB_S + LAMBDA_REQUEST) + heartbeats * SCHEDULER_INVOCATION
            + ticks * 3 * SQS_REQUEST + rows_s * SECONDS_PER_MONTH * row_gb_s * LAMBDA_GB_S)


def crossovers(first: Callable[[float], float], other: Callable[[float], float], highest: float) -> list[float]:
    """The rates up to ``highest`` rows/s at which the cheaper of ``first`` and ``other`` changes (a scan of 0 and a
    log scale from 0.001 rows/s, each change bisected): empty when one is the cheaper all the way. Two can cross twice:
    a mapping's invocations grow with the rate up to one per batching window, a pull-mode task's ticks do not."""
    def gap(rate: float) -> float:
        return other(rate) - first(rate)

    if highest <= 0:
        return []
    steps = 600
    grid = [0.0] + [0.001 * (highest / 0.001) ** (i / steps) for i in range(steps + 1)] if highest > 0.001 else [0.0]
    found = []
    for start, end in zip(grid, grid[1:], strict=False):
        if (gap(start) > 0) != (gap(end) > 0):
            below, low, high = gap(start) > 0, start, end
            for _ in range(60):
                middle = (low + high) / 2
                low, high = (middle, high) if (gap(middle) > 0) == below else (low, middle)
            found.append(high)
    return found


def trigger_costs(*, mapping_row_gb_s: float, call_gb_s: float, pull_row_gb_s: float, idle_gb_s: float,
                  pull_capacity_rows_s: float) -> dict[str, Any]:
    """Provisioned mapping (alone, in a full poller group) against pull mode at ``TRIGGER_RATES``, whether pull mode
    is the cheaper at idle, and the crossovers (``crossovers``) up to the rate one task moves,
    ``pull_capacity_rows_s``."""
    def alone(rate: float) -> float:
        return provisioned_month(rate, row_gb_s=mapping_row_gb_s, call_gb_s=call_gb_s, epus=1.0)

    def grouped(rate: float) -> float:
        return provisioned_month(rate, row_gb_s=mapping_row_gb_s, call_gb_s=call_gb_s, epus=1.0 / POLLERS_PER_EPU)

    def pull(rate: float) -> float:
        return pull_month(rate, row_gb_s=pull_row_gb_s, idle_gb_s=idle_gb_s)

    return {"rates": {rate: {"pull": pull(rate), "provisioned_alone": alone(rate),
                             "provisioned_poller_group": grouped(rate)} for rate in TRIGGER_RATES
                      if rate <= pull_capacity_rows_s},
            "pull_cheaper_at_idle_than_alone": pull(0.0) < alone(0.0),
            "pull_cheaper_at_idle_than_poller_group": pull(0.0) < grouped(0.0),
            "crossover_alone_rows_s": crossovers(pull, alone, pull_capacity_rows_s),
            "crossover_poller_group_rows_s": crossovers(pull, grouped, pull_capacity_rows_s),
            "pull_capacity_rows_s": pull_capacity_rows_s}


def _per_row(row: Result) -> tuple[float, float] | None:
    """(wall, CPU) seconds per row of a measured row: its median rates."""
    wall = row.extra.get("ours_wall_s") or []
    cpu = row.extra.get("ours_cpu_s") or []
    if not wall or not cpu or not row.records:
        return None
    return statistics.median(wall) / row.records, statistics.median(cpu) / row.records


def crossover_rows(earlier: list[Result]) -> list[Result]:
    """Rows "6t": per sink and rate, a pull-mode task's month against a provisioned mapping's, from this run's
    case-2 row (the function behind a mapping), case-4 pull-mode row (the function consuming itself, with its idle
    invocation) and case 2c's one-record invocation (the per-call cost)."""
    call_row = next((r for r in earlier if r.name.startswith("2c") and r.skipped is None), None)
    out: list[Result] = []
    for sink, mapped_prefix, pull_prefix in TRIGGER_SINKS:
        mapped = next((r for r in earlier if r.name.startswith(mapped_prefix) and r.skipped is None), None)
        pulled = [r for r in earlier if r.name.startswith(pull_prefix) and r.skipped is None]
        pulled_row = max(pulled, key=lambda r: r.records) if pulled else None
        mapped_per_row = _per_row(mapped) if mapped else None
        pulled_per_row = _per_row(pulled_row) if pulled_row else None
        idle_ms = pulled_row.extra.get("idle_pull_invocation_ms") if pulled_row else None
        if mapped_per_row is None or pulled_per_row is None or not idle_ms or call_row is None:
            out.append(common.Result(f"6t trigger, {sink}: pull mode vs provisioned mapping ($)", None,
                                     "provisioned mapping", None, 0, 0, unit="$/month",
                                     skipped=f"needs cases {mapped_prefix}, 2c and {pull_prefix} in the same run"))
            continue
        mapping_row = _gb_s(mapped_per_row[0] * 1000, mapped_per_row[1] * 1000, SINK_MEMORY_MB)
        pull_row = _gb_s(pulled_per_row[0] * 1000, pulled_per_row[1] * 1000, PULL_MEMORY_MB)
        idle = _gb_s(float(idle_ms[0]), float(idle_ms[1]), PULL_MEMORY_MB)
        call = _gb_s(float(call_row.extra.get("one_record_event_wall_ms", 0.0)),
                     float(call_row.extra.get("one_record_event_cpu_ms", 0.0)), SINK_MEMORY_MB)
        # one task at 512 MB: its CPU stretched by 1,769/512, its waits as measured
        capacity = 1.0 / (max(pulled_per_row[0] - pulled_per_row[1], 0.0)
                          + pulled_per_row[1] * FULL_VCPU_MB / PULL_MEMORY_MB)
        costs = trigger_costs(mapping_row_gb_s=mapping_row, call_gb_s=call, pull_row_gb_s=pull_row, idle_gb_s=idle,
                              pull_capacity_rows_s=capacity)
        units = {"mapping_gb_s_per_row": mapping_row, "pull_gb_s_per_row": pull_row, "idle_pull_gb_s": round(idle, 6),
                 "call_gb_s": round(call, 6), "epu_hour_usd": _epu_hour(),
                 "pull_capacity_rows_s": round(capacity, 1),
                 "pull_cheaper_at_idle_than_alone": costs["pull_cheaper_at_idle_than_alone"],
                 "pull_cheaper_at_idle_than_poller_group": costs["pull_cheaper_at_idle_than_poller_group"],
                 "crossover_alone_rows_s": [round(r, 1) for r in costs["crossover_alone_rows_s"]],
                 "crossover_poller_group_rows_s": [round(r, 1) for r in costs["crossover_poller_group_rows_s"]]}
        for rate, month in costs["rates"].items():
            out.append(common.Result(
                f"6t trigger, {sink} @{rate:,.0f} rows/s: pull mode vs provisioned mapping ($)", month["pull"],
                "provisioned mapping alone (1 event poller unit)", month["provisioned_alone"],
                int(rate * SECONDS_PER_MONTH), 1, unit="$/month", higher_is_better=False,
                extra={"rows_per_s": rate, "provisioned_poller_group": round(month["provisioned_poller_group"], 4),
                       "pull": round(month["pull"], 4), "provisioned_alone": round(month["provisioned_alone"], 4)}
                | units))
    return out

