"""``make bench``: run the benchmark cases, write bench/results/latest.json and print the table.

Usage: ``python -m bench.run`` with ``BENCH_RECORDS``, ``BENCH_REPEATS``, ``BENCH_BATCH``, ``BENCH_CASES`` and
``BENCH_JAVA`` in the environment (see bench/README.md). A case that fails is recorded with its error and the run
goes on, so one broken service never hides the other figures.
"""

from __future__ import annotations

import importlib
import json
import logging
import platform
import sys
import time
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench import checkpoint, common, stats
from bench.cases import CASES, OPT_IN
from connect_core.runtime.allocator import TUNABLES
from connect_core.runtime.env import GC_FREEZE, GLIBC_TUNABLES

if TYPE_CHECKING:
    from bench.common import Result, Settings



def run_cases(settings: Settings) -> list[Result]:
    """Every selected case in order; ``cost`` receives what ran before it."""
    results: list[Result] = []
    for name in (*CASES, *OPT_IN):
        if (settings.cases or name in OPT_IN) and name not in settings.cases:
            continue
        started = time.perf_counter()
        print(f"== {name} ...", flush=True)
        produced = (run_case(name, settings, results) if name == "cost" else
                    checkpoint.rows_or_run(name, "all", lambda name=name: _run_in_child(name, settings)))
        for result in produced:
            result.extra.setdefault("case_wall_s", round(time.perf_counter() - started, 1))
        results.extend(produced)
        print(table(produced), flush=True)
    return results


def run_case(name: str, settings: Settings, before: list[Result]) -> list[Result]:
    """One case in this process (``cost`` reads the rows of the cases ``before`` it); a failure is its row."""
    try:
        module = importlib.import_module(f"bench.cases.{name}")
        return list(module.run(settings, before) if name == "cost" else module.run(settings))
    except Exception as error:  # report and go on with the other cases
        traceback.print_exc()
        return [common.Result(name, None, "", None, settings.records, 0,
                              skipped=f"failed: {type(error).__name__}: {error}"[:500])]


def _run_in_child(name: str, settings: Settings) -> list[Result]:
    """One case in a fresh interpreter (``python -m bench.run --case``), as a Lambda container is one: a case run
    after others in one process measures our side slower per CPU-second (the earlier cases' heap and caches), while
    the JVM side always has a process of its own. Same run id and settings; the rows come back as JSON."""
    import os
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory() as directory:
        out = Path(directory) / "rows.json"
        # the functions' allocator setting (template.yaml's Globals) and their collector's freeze at the second batch
        # (runtime/gc_pause.py, on in a function's process): ours runs as a function's process does
        env = {**os.environ, "BENCH_RUN_ID": common.RUN_ID, GLIBC_TUNABLES: TUNABLES, GC_FREEZE: "true"}
        code = subprocess.run([sys.executable, "-m", "bench.run", "--case", name, str(out)], env=env,
                              check=False).returncode
        if not out.exists():
            return [common.Result(name, None, "", None, settings.records, 0,
                                  skipped=f"failed: the case's process exited with {code} and no rows")]
        return [common.Result(**row) for row in json.loads(out.read_text())]


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}" if abs(value) < 1 else f"{value:.1f}"


def table(results: list[Result]) -> str:
    """A fixed-width table: name, records, ours, baseline, ratio (ours/baseline), the same ratio per CPU-second
    (throughput rows measured in this process), unit, baseline description."""
    lines = [f"{'case':<50} {'records':>9} {'ours':>10} {'baseline':>10} {'ratio':>7} {'cpu-r':>6}  {'unit':<14} "
             "baseline / note"]
    for r in results:
        note = r.skipped and f"SKIPPED: {r.skipped}" or r.baseline
        ratio = "-" if r.ratio is None else f"{r.ratio:.3f}"
        per_cpu = r.extra.get("ratio_per_cpu_s")
        cpu_ratio = f"{r.ratio:.3f}" if r.unit == "records/cpu-s" and r.ratio is not None else (
            "-" if per_cpu is None else f"{per_cpu:.3f}")
        lines.append(f"{r.name[:50]:<50} {r.records:>9,} {_fmt(r.ours_per_s):>10} {_fmt(r.baseline_per_s):>10} "
                     f"{ratio:>7} {cpu_ratio:>6}  {r.unit:<14} {note[:80]}")
    return "\n".join(lines)


def method_table(results: list[Result]) -> str:
    """The side-by-side rows by the method (bench/README "Method"): per total CPU-second, the median of the
    interleaved repetitions' ratios with its interval, the function-only ratio, raw/JVM of the same repetitions,
    ours/raw, the load average after each repetition, and the drift flag."""
    rows = [r for r in results if r.extra.get("cpu_basis") == "total" and r.skipped is None]
    if not rows:
        return ""

    def cell(value: float | None, interval: list[float] | None = None) -> str:
        if value is None:
            return "-"
        return f"{value:.2f}" + (f" [{interval[0]:.2f}-{interval[1]:.2f}]" if interval else "")

    from infra.local.versions import KAFKA_VERSION

    lines = [f"side by side with Kafka Connect {KAFKA_VERSION}, records per CPU-second of ALL the CPU of each side "
             "(ours: functions + the emulated event source mapping of a sink; JVM: the worker process); median of n "
             "interleaved "
             "repetitions after a discarded warm-up, [95% interval: order statistics of the per-repetition ratios; "
             "cov = its exact coverage]; fn-only: ours without the mapping's event building",
             f"{'case':<58} {'n':>2} {'ours/JVM total [95%]':>22} {'cov':>5} {'fn-only':>7} "
             f"{'raw/JVM [95%]':>19} {'ours/raw':>8}  {'load 1m':>11}  drift"]
    for r in rows:
        x = r.extra
        load = x.get("load_avg_1m") or []
        drift = x.get("drift")
        flag = ("-" if drift is None else
                f"FLAGGED: raw/JVM {drift['previous']:.2f} -> {x['raw_over_jvm']:.2f} (run {drift['run_id']})"
                if drift["flagged"] else f"ok (prev {drift['previous']:.2f})")
        lines.append(f"{r.name[:58]:<58} {x['repeats']:>2} {cell(r.ratio, x['ci95']):>22} {x['ci_coverage']:>5.3f} "
                     f"{cell(x['function_only_ratio']):>7} {cell(x['raw_over_jvm'], x.get('raw_over_jvm_ci95')):>19} "
                     f"{cell(x.get('ours_over_raw')):>8}  "
                     f"{(f'{min(load):.1f}-{max(load):.1f}' if load else '-'):>11}  {flag}")
    return "\n".join(lines)


def flag_drift(results: list[Result], history: Path) -> None:
    """Compare each row's raw/JVM with the same row's in the last run recorded in ``history`` (one JSON line per
    row and run) and set ``extra.drift`` (``flagged`` when it moved more than ``stats.DRIFT_LIMIT``): neither
    side's code changes the raw floor or the JVM, so a move that large is the machine, and the run's ratios are
    suspect. Then append this run's rows to ``history``."""
    previous: dict[str, dict[str, Any]] = {}
    if history.exists():
        for line in history.read_text().splitlines():
            if line.strip():
                entry = json.loads(line)
                previous[entry["name"]] = entry
    entries = []
    for result in results:
        value = result.extra.get("raw_over_jvm")
        if result.skipped is not None or value is None:
            continue
        before = previous.get(result.name)
        if before is not None:
            result.extra["drift"] = {"previous": before["raw_over_jvm"], "run_id": before["run_id"],
                                     "flagged": stats.drifted(value, before["raw_over_jvm"])}
        entries.append({"name": result.name, "run_id": common.RUN_ID, "raw_over_jvm": value,
                        "ratio": result.ratio, "finished": time.strftime("%Y-%m-%dT%H:%M:%S")})
    if entries:
        history.parent.mkdir(parents=True, exist_ok=True)
        with history.open("a") as out:
            out.writelines(json.dumps(entry) + "\n" for entry in entries)


def write(results: list[Result], settings: Settings, wall_s: float, path: Path,
          load_before: tuple[float, float, float] | None = None) -> None:
    """The list of result objects the issue asks for; run metadata sits in each row's ``extra.run``."""
    import os

    meta: dict[str, Any] = {"run_id": common.RUN_ID, "records": settings.records, "repeats": settings.repeats,
                            "batch": settings.batch, "wall_s": round(wall_s, 1), "python": platform.python_version(),
                            "cpus": os.cpu_count(), "cpu_model": common.cpu_model(),
                            "resumed": bool(os.environ.get("BENCH_RESUME")),  # rows of earlier parts: checkpointed
                            "load_avg_start": [round(v, 2) for v in load_before] if load_before else None,
                            "load_avg_end": [round(v, 2) for v in os.getloadavg()],
                            "finished": time.strftime("%Y-%m-%dT%H:%M:%S")}
    rows = []
    for result in results:
        row = result.as_dict()
        row["extra"]["run"] = meta
        rows.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(rows, indent=1) + "\n")


def main(argv: list[str] | None = None) -> int:
    """Run, write, print; exit 1 when a case failed (skips for documented reasons are fine)."""
    logging.basicConfig(level=logging.WARNING)
    settings = common.Settings.from_env()
    common.allow_bench_files()  # cases 4a and 5 run FileStream connectors over files under .run/bench
    if argv and argv[0] == "--case":  # one case in its own process (_run_in_child): its rows to argv[2]
        rows = [result.as_dict() for result in run_case(argv[1], settings, [])]
        Path(argv[2]).write_text(json.dumps(rows))
        return 0
    import os

    out = Path(argv[0]) if argv else common.RESULTS / "latest.json"
    load = os.getloadavg()
    print(f"bench: records={settings.records} repeats={settings.repeats} batch={settings.batch} "
          f"cases={','.join(settings.cases) or 'all'}; {common.machine()}, load average "
          f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}", flush=True)
    started = time.perf_counter()
    results = run_cases(settings)
    wall = time.perf_counter() - started
    flag_drift(results, out.parent / "history.jsonl")
    write(results, settings, wall, out, load)
    method = method_table(results)
    print(f"\n{table(results)}\n{chr(10) + method if method else ''}\nwrote {out} in {wall:.0f} s", flush=True)
    failed = [r for r in results if r.skipped and r.skipped.startswith("failed")]
    if not failed:
        checkpoint.discard()
        _delete_run_topics()
    return 1 if failed else 0


def _delete_run_topics() -> None:
    """The finished run's topics go (a resumed run keeps them until its last part: their cases are done already)."""
    from bench import mapping

    try:
        doomed = mapping.delete_run_topics(common.services("kafka")["kafka"]["bootstrap.servers"])
    except Exception as error:  # the results are written: a broker gone by now only leaves disk used
        print(f"bench: could not delete the run's topics: {error}", flush=True)
        return
    print(f"bench: deleted the run's {len(doomed)} topics", flush=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
