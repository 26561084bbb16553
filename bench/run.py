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

from bench import common
from bench.cases import CASES, OPT_IN

if TYPE_CHECKING:
    from bench.common import Result, Settings

RESULTS = Path(__file__).resolve().parent / "results"


def run_cases(settings: Settings) -> list[Result]:
    """Every selected case in order; ``cost`` receives what ran before it."""
    results: list[Result] = []
    for name in (*CASES, *OPT_IN):
        if (settings.cases or name in OPT_IN) and name not in settings.cases:
            continue
        started = time.perf_counter()
        print(f"== {name} ...", flush=True)
        produced = run_case(name, settings, results) if name == "cost" else _run_in_child(name, settings)
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
    after others in this process measured our side ~20-35% slower per CPU-second (4a after cases 1-3: 8.3-9.4
    against 7.0 us a line fresh; bench/README "Speed against a warm JVM", 31), while the JVM side always has a
    process of its own. Same run id and settings; the rows come back as JSON."""
    import os
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory() as directory:
        out = Path(directory) / "rows.json"
        env = {**os.environ, "BENCH_RUN_ID": common.RUN_ID}
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


def write(results: list[Result], settings: Settings, wall_s: float, path: Path) -> None:
    """The list of result objects the issue asks for; run metadata sits in each row's ``extra.run``."""
    meta: dict[str, Any] = {"run_id": common.RUN_ID, "records": settings.records, "repeats": settings.repeats,
                            "batch": settings.batch, "wall_s": round(wall_s, 1), "python": platform.python_version(),
                            "cpus": __import__("os").cpu_count(), "finished": time.strftime("%Y-%m-%dT%H:%M:%S")}
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
    out = Path(argv[0]) if argv else RESULTS / "latest.json"
    print(f"bench: records={settings.records} repeats={settings.repeats} batch={settings.batch} "
          f"cases={','.join(settings.cases) or 'all'}", flush=True)
    started = time.perf_counter()
    results = run_cases(settings)
    wall = time.perf_counter() - started
    write(results, settings, wall, out)
    from bench.cases.connect_java import sweep

    sizes = sweep(results)
    print(f"\n{table(results)}\n{chr(10) + sizes if sizes else ''}\nwrote {out} in {wall:.0f} s", flush=True)
    failed = [r for r in results if r.skipped and r.skipped.startswith("failed")]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
