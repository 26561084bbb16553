"""Case 6: cost per million rows moved, Lambda (+ Scheduler) versus MSK Connect, from this run's measurements.

Lambda: a function sized at 1,769 MB (the size that gets one full vCPU; our runners use one core) runs
``1e6 / ours_per_s`` seconds per million rows (wall time: Lambda bills wall time, waits included), at
$0.0000166667 per GB-s (x86), plus $0.20 per million requests: sinks make ``1e6 / BENCH_BATCH`` invocations per
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
LAMBDA_REQUEST = 0.20 / 1e6
SCHEDULER_INVOCATION = 1.0 / 1e6
MCU_HOUR = 0.11
LAMBDA_GB = 1769 / 1024
MILLION = 1e6


def _rate(results: list[Result], prefix: str, field: str = "ours_per_s") -> float | None:
    for result in results:
        if result.name.startswith(prefix) and result.skipped is None:
            value = getattr(result, field) if field in ("ours_per_s", "baseline_per_s") else result.extra.get(field)
            return float(value) if value else None
    return None


def lambda_cost(per_s: float, invocations: float, *, scheduled: bool) -> tuple[float, float]:
    """($ per million rows, GB-s per million rows)."""
    gb_s = LAMBDA_GB * MILLION / per_s
    requests = invocations * (LAMBDA_REQUEST + (SCHEDULER_INVOCATION if scheduled else 0.0))
    return gb_s * LAMBDA_GB_S + requests, gb_s


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
        results.append(common.Result(
            name, ours, "MSK Connect at the case-4 Java rate", msk_cost(java), 0, 1, unit="$/M rows",
            higher_is_better=False,
            extra={"gb_s_per_m_rows": round(gb_s, 1), "invocations_per_m_rows": round(invocations),
                   "ours_rows_per_s": round(per_s, 1), "java_rows_per_cpu_s": round(java, 1),
                   "msk_connect_always_on_month_1_mcu": round(730 * MCU_HOUR, 2)}))
    return results
