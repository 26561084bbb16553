"""The method of the side-by-side rows (bench/README "Method"): sizes and warm-ups, interleaved repetitions, ours
beside its raw floor, and a row's statistics."""

from __future__ import annotations

import os
import statistics
import time
import traceback
from typing import TYPE_CHECKING, Any

from bench import checkpoint, common, stats

if TYPE_CHECKING:
    from collections.abc import Callable

    from bench.common import Result, Sample, Settings

COLD_BELOW = 100_000  # a sweep size below this measures a JIT-cold JVM: labelled "cold start", never a headline


def warmup_size(records: int) -> int:
    """Records of the discarded warm-up repetition at one size of the sweep: the size itself up to
    ``BENCH_JAVA_WARMUP_MAX`` (100,000), that many above it (by then the JVM has run the same connectors over
    the smaller sizes' 400,000+ records; a million-record warm-up would add ~6 minutes per side and case)."""
    return min(records, int(os.environ.get("BENCH_JAVA_WARMUP_MAX", "100000")))


def size_label(records: int, *, sweep: bool = True) -> str:
    """``@100k``, ``@1M``: the size a row was measured at, in its name (the JVM's rate depends on it); a sweep
    size below ``COLD_BELOW`` adds "cold start" (the JVM pays its JIT's warm-up there, not its steady state)."""
    if records >= 1_000_000 and records % 1_000_000 == 0:
        label = f"@{records // 1_000_000}M"
    else:
        label = f"@{records // 1000}k" if records >= 1000 and records % 1000 == 0 else f"@{records}"
    return f"{label} cold start" if sweep and records < COLD_BELOW else label


def sizes(settings: Settings) -> list[int]:
    """Case 4's sweep (``BENCH_JAVA_SIZES``, ascending), or ``BENCH_RECORDS`` alone."""
    return sorted(set(settings.java_sizes)) or [settings.records]


def java_repeats() -> int:
    """Measured repetitions of every sub-case at every size: ``BENCH_JAVA_REPEATS`` (6: the fewest whose
    order-statistics interval of the median, [min, max], covers 95%; bench/stats.py)."""
    return int(os.environ.get("BENCH_JAVA_REPEATS", "6"))


def warmups() -> int:
    """Discarded warm-up repetitions of both sides before the measured ones: ``BENCH_JAVA_WARMUPS`` (1; at least 1).
    The JVM of 4e and 4m was still getting faster repetition by repetition after one (bench/README)."""
    return max(1, int(os.environ.get("BENCH_JAVA_WARMUPS", "1")))


def interleaved(settings: Settings, ours: Callable[[int], Sample], theirs: Callable[[int], Sample],
                 ) -> tuple[list[Sample], list[Sample], list[float]]:
    """``common.interleave`` after ``warmups()`` discarded warm-ups of both sides (one, by default), with the
    1-minute load average read after each measured repetition (the machine is shared: a loaded repetition shows in
    the row)."""
    load: list[float] = []

    def side(who: str, call: Callable[[int], Sample], rep: int) -> Sample:
        """One side's repetition, its phases' wall time printed as progress (the rest of it counts as
        ``<who> side, other``)."""
        before, wall0 = dict(common.phase.wall), time.perf_counter()
        with common.phase(f"{who} side, other"):
            sample = call(rep)
        spent = {k: v - before.get(k, 0.0) for k, v in common.phase.wall.items() if v - before.get(k, 0.0) >= 0.05}
        print(
            f"  {CURRENT_ROW[0]} {'warm-up' if rep < 0 else f'rep {rep}'} {who}: {time.perf_counter() - wall0:.1f} s ("
            + ", ".join(f"{k} {v:.1f}" for k, v in sorted(spent.items(), key=lambda kv: -kv[1]))
            + ")",
            flush=True,
        )
        return sample

    for _ in range(warmups() - 1):  # the last warm-up is common.interleave's
        side("ours", ours, -1)
        side("jvm", theirs, -1)

    def ours_noted(rep: int) -> Sample:
        sample = side("ours", ours, rep)
        if rep >= 0 and rep % 2 == 1:  # theirs ran first in odd repetitions: the pair is complete now
            load.append(round(os.getloadavg()[0], 2))
        return sample

    def theirs_noted(rep: int) -> Sample:
        sample = side("jvm", theirs, rep)
        if rep >= 0 and rep % 2 == 0:
            load.append(round(os.getloadavg()[0], 2))
        return sample

    mine, java = common.interleave(settings.repeats, ours_noted, theirs_noted, warmup=True)
    return mine, java, load


def method_row(name: str, baseline: str, mine: list[Sample], java: list[Sample], *, raw: list[Sample] | None = None,
               raw_kind: str | None = None, **extra: Any) -> Result:
    """One side-by-side row by the method (bench/README "Method"): records per CPU-second, ours counting all its
    CPU (``cpu_basis`` "total"), the ratio the median of the per-repetition ratios with its order-statistics
    interval (``ci95``, its exact ``ci_coverage``), the function-only ratio beside it, and raw/JVM of the same
    repetitions (None where the case has no raw floor)."""
    records = mine[0].records if mine else 0
    ours_total = [s.cpu_s for s in mine]
    ours_function = [s.cpu_s - s.esm_cpu_s for s in mine]
    jvm = [s.cpu_s for s in java]
    total = stats.median_interval(stats.paired_ratios(ours_total, jvm))
    function_only = stats.median_interval(stats.paired_ratios(ours_function, jvm))

    def rate(cpu: list[float]) -> float:
        return round(statistics.median(records / max(c, 1e-9) for c in cpu), 1)

    def rounded(values: list[float]) -> list[float]:
        return [round(v, 3) for v in values]

    row: dict[str, Any] = {
        "cpu_basis": "total", "repeats": total.samples, "ci95": [round(total.low, 3), round(total.high, 3)],
        "ci_coverage": round(total.coverage, 4), "ci_method": "order statistics of the per-repetition ratios",
        "ratios": rounded(stats.paired_ratios(ours_total, jvm)),
        "function_only_ratio": round(function_only.median, 3),
        "function_only_ci95": [round(function_only.low, 3), round(function_only.high, 3)],
        "ours_per_cpu_s": rate(ours_total), "ours_per_cpu_s_function_only": rate(ours_function),
        "baseline_per_cpu_s": rate(jvm),
        "ours_cpu_s": rounded(ours_total), "ours_esm_cpu_s": rounded([s.esm_cpu_s for s in mine]),
        "baseline_cpu_s": rounded(jvm), "ours_wall_s": rounded([s.wall_s for s in mine]),
        "baseline_wall_s": rounded([s.wall_s for s in java]),
        "raw_over_jvm": None, "raw_kind": raw_kind or "none: this case has no raw floor yet",
    }
    if raw:
        raw_cpu = [s.cpu_s for s in raw]
        raw_over_jvm = stats.median_interval(stats.paired_ratios(raw_cpu, jvm))
        ours_over_raw = stats.median_interval(stats.paired_ratios(ours_total, raw_cpu))
        row.update(raw_over_jvm=round(raw_over_jvm.median, 3),
                   raw_over_jvm_ci95=[round(raw_over_jvm.low, 3), round(raw_over_jvm.high, 3)],
                   ours_over_raw=round(ours_over_raw.median, 3),
                   ours_over_raw_ci95=[round(ours_over_raw.low, 3), round(ours_over_raw.high, 3)],
                   raw_per_cpu_s=rate(raw_cpu), raw_cpu_s=rounded(raw_cpu))
    row.update(extra)
    return common.Result(name, row["ours_per_cpu_s"], baseline, row["baseline_per_cpu_s"], records, len(mine),
                         unit="records/cpu-s", ratio=round(total.median, 3), extra=row)


CURRENT_ROW = [""]  # the row running now, in the progress lines


def guarded(name: str, records: int, sub_case: Callable[[], Result]) -> Result:
    """Run one sub-case; a failure is its own row (``skipped`` "failed: ..."), so it never loses the rows of the
    sub-cases that ran before it in the same worker. Its wall time by phase is printed and kept in
    ``extra.phase_wall_s`` (``common.phase``: where the run's time goes, never a figure)."""
    return guarded_rows(name, records, lambda: [sub_case()])[0]


def guarded_rows(name: str, records: int, sub_case: Callable[[], list[Result]]) -> list[Result]:
    """``guarded`` for a sub-case of several rows measured in the same repetitions (a mapping row and its pull-mode
    row); a failure is one row named ``name``."""
    CURRENT_ROW[0] = f"{name.split(maxsplit=1)[0]} {size_label(records, sweep=False)}"
    common.phase.reset()
    wall0 = time.perf_counter()
    try:
        with common.phase("row set-up and clean-up"):
            results = sub_case()
    except Exception as error:  # report and go on with the other sub-cases
        traceback.print_exc()
        results = [common.Result(f"{name} {size_label(records, sweep=False)}", None, "", None, records, 0,
                                 skipped=f"failed: {type(error).__name__}: {error}"[:500])]
    phases = common.phase.reset()
    for result in results:
        result.extra["phase_wall_s"] = phases
    print(f"{CURRENT_ROW[0]}: {time.perf_counter() - wall0:.0f} s: "
          + ", ".join(f"{k} {v:.0f}" for k, v in sorted(phases.items(), key=lambda kv: -kv[1])), flush=True)
    return results


def checkpointed(results: list[Result], key: str, make: Callable[[], list[Result]]) -> None:
    """One sub-case at one size (``key``: ``4a@100000``) into ``results``: measured, or the rows an earlier part of
    this run kept (bench/checkpoint.py)."""
    results.extend(checkpoint.rows_or_run("connect_java", key, make))


def alternated(rep: int, ours: Callable[[], Sample], floor: Callable[[], Sample], floors: list[Sample]) -> Sample:
    """Ours and the raw floor one after the other, the order flipped every repetition; the floor's sample of a
    measured repetition (``rep`` >= 0) goes to ``floors``. Returns ours'."""
    def mine() -> Sample:
        with common.phase("ours"):
            return ours()

    def least() -> Sample:
        with common.phase("raw"):
            return floor()

    if rep % 2:
        floor_sample, sample = least(), mine()
    else:
        sample, floor_sample = mine(), least()
    if rep >= 0:
        floors.append(floor_sample)
    return sample


def rotated(rep: int, sides: list[tuple[str, Callable[[], Sample]]], kept: dict[str, list[Sample]]) -> Sample:
    """Our sides of one repetition (the mapping's ours first in ``sides``, then the raw floor, pull mode...) one after
    the other, the order rotated every repetition; each other side's sample of a measured repetition (``rep`` >= 0)
    goes to ``kept[name]``. Returns the first side's."""
    order = list(range(len(sides)))
    shift = rep % len(sides)
    samples: dict[int, Sample] = {}
    for index in order[shift:] + order[:shift]:
        side, call = sides[index]
        with common.phase(side):
            samples[index] = call()
    if rep >= 0:
        for index, (side, _) in enumerate(sides[1:], start=1):
            kept.setdefault(side, []).append(samples[index])
    return samples[0]


def pull_row(mapping_row: Result, pulled: list[Sample], java: list[Sample], *, raw: list[Sample] | None,
             idle: list[Sample], **extra: Any) -> Result:
    """The pull-mode row beside ``mapping_row`` (the same repetitions, the same JVM samples, the mapping's raw floor):
    our sink as a pull-mode task consuming its own copy of the topic, with ``pull_over_mapping`` (its total CPU rate
    over the mapping row's, median of the per-repetition ratios) and its idle invocation (wall and CPU ms: case 6's
    per-tick cost)."""
    name = mapping_row.name.split(" ", 1)
    mapped = [common.Sample(w, c, mapping_row.records) for w, c in
              zip(mapping_row.extra["ours_wall_s"], mapping_row.extra["ours_cpu_s"], strict=True)]
    over = stats.median_interval(stats.paired_ratios([s.cpu_s for s in pulled], [s.cpu_s for s in mapped]))
    idle_ms = ([round(statistics.median(s.wall_s for s in idle) * 1000, 2),
                round(statistics.median(s.cpu_s for s in idle) * 1000, 2)] if idle else None)
    return method_row(f"{name[0]} pull-mode {name[1]}", mapping_row.baseline, pulled, java, raw=raw,
                      raw_kind="the mapping row's floor, same repetitions", pull_over_mapping=round(over.median, 3),
                      pull_over_mapping_ci95=[round(over.low, 3), round(over.high, 3)],
                      idle_pull_invocation_ms=idle_ms, trigger="schedule (pull mode, runtime/sink_pull.py)",
                      **extra)
