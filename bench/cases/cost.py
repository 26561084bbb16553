"""Case 6: cost per million rows moved, Lambda (+ Scheduler) versus MSK Connect, from this run's measurements.

Lambda: a function sized at 1,769 MB (the size that gets one full vCPU; our runners use one core) runs
``1e6 / ours_per_s`` seconds per million rows (wall time: Lambda bills wall time, waits included), at
$0.0000166667 per GB-s (x86; each row also gives the arm64 price, $0.0000133334, for the same GB-s: measured on this
machine's x86, not on Graviton), plus $0.20 per million requests: sinks make ``1e6 / BENCH_BATCH`` invocations per
million rows, sources ``1e6 / BENCH_SOURCE_ROWS_PER_INVOCATION`` (default 10,000), each also an EventBridge
Scheduler invocation at $1 per million. Below 1,769 MB Lambda scales CPU with memory, so for CPU-bound work the
GB-s per million rows stay about the same at any size.
MSK Connect: $0.11 per MCU-hour, 1 MCU = 1 vCPU + 4 GiB; the Java worker of case 4 needs ``1e6 / its
records-per-CPU-second`` vCPU-seconds per million rows (Debezium's rate for the MariaDB sink, connect-file's for
the others), billed as MCU-hours with perfect packing, which flatters MSK Connect: a real connector pays for at
least one MCU around the clock (~$80/month) whether rows move or not.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from bench import common

if TYPE_CHECKING:
    from bench.common import Result, Settings

LAMBDA_GB_S = 0.0000166667
LAMBDA_GB_S_ARM64 = 0.0000133334  # Graviton (the template's Architecture=arm64)
LAMBDA_REQUEST = 0.20 / 1e6
SCHEDULER_INVOCATION = 1.0 / 1e6
MCU_HOUR = 0.11
LAMBDA_GB = 1769 / 1024
MILLION = 1e6


def _rate(results: list[Result], prefix: str, field: str = "ours_per_s") -> float | None:
    """``field`` of the row named ``prefix...``; of case 4's size sweep the largest size (the warmest JVM)."""
    rows = [r for r in results if r.name.startswith(prefix) and r.skipped is None]
    if not rows:
        return None
    result = max(rows, key=lambda r: r.records)
    value = getattr(result, field) if field in ("ours_per_s", "baseline_per_s") else result.extra.get(field)
    return float(value) if value else None


def lambda_cost(per_s: float, invocations: float, *, scheduled: bool,
                gb_s_price: float = LAMBDA_GB_S) -> tuple[float, float]:
    """($ per million rows, GB-s per million rows) at ``gb_s_price`` (x86 by default)."""
    gb_s = LAMBDA_GB * MILLION / per_s
    requests = invocations * (LAMBDA_REQUEST + (SCHEDULER_INVOCATION if scheduled else 0.0))
    return gb_s * gb_s_price + requests, gb_s


def msk_cost(per_cpu_s: float) -> float:
    """$ per million rows on MSK Connect at the Java worker's measured records per CPU-second."""
    return MILLION / per_cpu_s / 3600 * MCU_HOUR


def run(settings: Settings, earlier: list[Result] | None = None) -> list[Result]:
    """One row per throughput case measured earlier in this run; skipped rows say what was missing."""
    earlier = earlier or []
    rows_per_invocation = int(os.environ.get("BENCH_SOURCE_ROWS_PER_INVOCATION", "10000"))
    java_file = _rate(earlier, "4a", "baseline_per_s")
    java_jdbc = _rate(earlier, "4b", "baseline_per_s")
    plan = (("1a", "jdbc source", MILLION / rows_per_invocation, True, java_file),
            ("2a", "s3 sink", MILLION / settings.batch, False, java_file),
            ("2b", "opensearch sink", MILLION / settings.batch, False, java_file),
            ("2c", "mariadb upsert sink", MILLION / settings.batch, False, java_jdbc or java_file))
    results: list[Result] = []
    for prefix, label, invocations, scheduled, java in plan:
        name = f"6 cost per M rows, {label} ($)"
        per_s = _rate(earlier, prefix)
        if per_s is None or java is None:
            results.append(common.Result(name, None, "MSK Connect", None, 0, 0, unit="$/M rows",
                                         skipped=f"needs case {prefix} and case 4 in the same run"))
            continue
        ours, gb_s = lambda_cost(per_s, invocations, scheduled=scheduled)
        arm64, _ = lambda_cost(per_s, invocations, scheduled=scheduled, gb_s_price=LAMBDA_GB_S_ARM64)
        results.append(common.Result(
            name, ours, "MSK Connect at the case-4 Java rate", msk_cost(java), 0, 1, unit="$/M rows",
            higher_is_better=False,
            extra={"gb_s_per_m_rows": round(gb_s, 1), "invocations_per_m_rows": round(invocations),
                   "usd_per_m_rows_arm64": round(arm64, 8),
                   "arm64_over_msk_connect": round(arm64 / msk_cost(java), 3),
                   "ours_rows_per_s": round(per_s, 1), "java_rows_per_cpu_s": round(java, 1),
                   "msk_connect_always_on_month_1_mcu": round(730 * MCU_HOUR, 2)}))
    return results + monthly(earlier)


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
