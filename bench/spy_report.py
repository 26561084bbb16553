"""Where each side's CPU goes in a case-4 row, from py-spy's samples of a ``make bench`` run of that row alone.

``python -m bench.spy_report record <row> <records>`` runs ``make bench`` on that row alone (one warm-up, one
repetition: ``BENCH_CASES=connect_java BENCH_JAVA_CASES=<row> BENCH_JAVA_SIZES=<records> BENCH_JAVA_REPEATS=1``; 4i,
its own case: ``BENCH_CASES=iceberg_java``)
under ``py-spy record --subprocesses --gil -f raw`` (the samples and the run's rows kept in ``.run/bench/profiles``) and
writes its report to ``bench/results/profiles/<row>-<records>-pyspy.txt``. ``python -m bench.spy_report <raw file>
[top]`` reports on such output (one ``frame;frame;... count`` line per distinct stack; on-CPU samples of the
Python threads): the samples split by side, the first frame below the method's side runners (``rotated``,
``alternated``, ``interleaved``) naming the side (``mine`` is ours, ``least`` the raw floor, ``pulled`` ours with a
pull-mode sink, at any depth, ``theirs`` the bench waiting on the JVM), and for each side the functions with the
most samples of their own (self) and in all (inclusive), as shares of that side.
"""

from __future__ import annotations

import collections
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

SIDE_RUNNERS = frozenset({"rotated", "alternated", "interleaved"})
PULLED = "pulled"  # the function that runs ours' sink as a pull-mode task, at any depth below ours' side
SIDE_NAMES = {"mine": "ours", "ours": "ours", "ours_capture": "ours", "least": "raw floor", "floor": "raw floor",
              PULLED: "ours, pull mode", "theirs": "JVM (the bench waiting)"}
# the bench's own reads between a source side's invocations (bench/counting.py): outside every measured span
NOT_MEASURED = frozenset({"CommittedCount.drain", "CommittedCount.exact"})
# the emulated event source mapping's event building (bench/mapping.py: the mapping's work, not the function's)
MAPPING_LOOP, MAPPING_WORK = "consume_as_mapping", frozenset({"build_event", "dumps"})
_FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")


@dataclass(frozen=True)
class Frame:
    """One frame of a sampled stack: the function's qualified name and its file (line numbers dropped)."""

    function: str
    file: str

    @classmethod
    def parse(cls, text: str) -> Frame:
        """``func (path/to/file.py:12)`` as py-spy writes it."""
        match = _FRAME.match(text.strip())
        if match is None:
            return cls(text.strip(), "")
        return cls(match["function"], match["file"])

    @property
    def name(self) -> str:
        """The bare function name (``SinkRunner.handle`` -> ``handle``)."""
        return self.function.rsplit(".", 1)[-1]

    def __str__(self) -> str:
        return f"{self.function} ({self.file})" if self.file else self.function


@dataclass
class Side:
    """The samples of one side: in all, by function's own time and by function inclusive of its callees."""

    samples: int = 0
    self_samples: collections.Counter[Frame] = field(default_factory=collections.Counter)
    inclusive: collections.Counter[Frame] = field(default_factory=collections.Counter)
    mapping_samples: int = 0


def side_of(stack: list[Frame]) -> tuple[str, int] | None:
    """The side a stack belongs to and the index of the side's frame: the first frame below the deepest of
    ``SIDE_RUNNERS`` that is not a lambda (``interleaved`` alone: only its JVM side, ``theirs``), or None outside
    every side (set-up, counting, clean-up)."""
    found = max((i for i, frame in enumerate(stack) if frame.name in SIDE_RUNNERS), default=-1)
    if found < 0:
        return None
    for index in range(found + 1, len(stack)):
        name = stack[index].name
        if name == "<lambda>":
            continue
        if stack[found].name == "interleaved" and name != "theirs":
            return None  # our sides' work outside their measured spans (copies, comparisons, clean-up)
        pulled = next((i for i in range(index + 1, len(stack)) if stack[i].name == PULLED), None)
        if pulled is not None:  # a pull-mode sink run inside ours' side (4u: the source's span, then each sink)
            return SIDE_NAMES[PULLED], pulled
        return SIDE_NAMES.get(name, name), index
    return None


def read(lines: list[str]) -> dict[str, Side]:
    """Each side's samples from py-spy's raw lines."""
    sides: dict[str, Side] = collections.defaultdict(Side)
    for line in lines:
        stack_text, _, count_text = line.rstrip("\n").rpartition(" ")
        if not stack_text or not count_text.isdigit():
            continue
        stack = [Frame.parse(part) for part in stack_text.split(";")]
        if any(frame.function in NOT_MEASURED for frame in stack):
            continue
        found = side_of(stack)
        if found is None:
            continue
        label, index = found
        count = int(count_text)
        side = sides[label]
        side.samples += count
        below = stack[index + 1:] or stack[index:]
        side.self_samples[below[-1]] += count
        for frame in set(below):
            side.inclusive[frame] += count
        if _mapping_work(below):
            side.mapping_samples += count
    return dict(sides)


def _mapping_work(stack: list[Frame]) -> bool:
    """Whether the stack is the emulated mapping building an event (a callee of its loop named in
    ``MAPPING_WORK``)."""
    return any(frame.name == MAPPING_LOOP and index + 1 < len(stack) and stack[index + 1].name in MAPPING_WORK
               for index, frame in enumerate(stack))


def report(sides: dict[str, Side], top: int = 25) -> str:
    """Each side's share of the samples and its top functions (self, then inclusive), largest side first."""
    out: list[str] = []
    total = sum(side.samples for side in sides.values()) or 1
    for label, side in sorted(sides.items(), key=lambda item: -item[1].samples):
        share = side.samples or 1
        out.append(f"== {label}: {side.samples} samples ({100 * side.samples / total:.1f}% of all sides' samples); "
                   f"the emulated mapping's event building: {100 * side.mapping_samples / share:.1f}%")
        out.append(f"top {top} by own time (self):")
        out += [f"  {100 * n / share:5.1f}%  {frame}" for frame, n in side.self_samples.most_common(top)]
        out.append(f"top {top} inclusive (the function and all it calls):")
        out += [f"  {100 * n / share:5.1f}%  {frame}" for frame, n in side.inclusive.most_common(top)]
        out.append("")
    return "\n".join(out)


def record(row: str, records: int) -> Path:
    """Run case-4 row ``row`` at ``records`` under py-spy; returns the report's path."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    from bench import common, jvm_worker

    out, kept = common.RESULTS / "profiles", jvm_worker.RUN_DIR / "profiles"
    out.mkdir(parents=True, exist_ok=True)
    kept.mkdir(parents=True, exist_ok=True)
    raw = kept / f"{row}-{records}.raw"
    case = {"BENCH_CASES": "iceberg_java"} if row == "4i" else {"BENCH_CASES": "connect_java", "BENCH_JAVA_CASES": row}
    env = {**os.environ, **case, "BENCH_JAVA_SIZES": str(records), "BENCH_JAVA_REPEATS": "1"}
    results = kept / f"{row}-{records}-run.json"
    # --gil: the thread holding the GIL only, so a thread blocked in a socket read (a sink waiting on its database,
    # a CDC reader on the server) is no sample; without it such waits counted as CPU
    subprocess.run([spy, "record", "--subprocesses", "--gil", "-r", "100", "-f", "raw", "-o", str(raw), "--",
                    sys.executable, "-m", "bench.run", str(results)], env=env, check=True)
    text = out / f"{row}-{records}-pyspy.txt"
    text.write_text(f"{row} at {records} records: `python -m bench.spy_report record {row} {records}` (one warm-up "
                    f"and one repetition of every side, py-spy --gil at 100 samples a second)\n\n"
                    + report(read(raw.read_text().splitlines())))
    return text


def main(argv: list[str]) -> int:
    """``record <row> <records>``, or print the report of the raw file ``argv[0]`` (``argv[1]``: how many functions
    per list, default 25)."""
    if not argv:
        print(__doc__)
        return 2
    if argv[0] == "record":
        print(record(argv[1], int(argv[2])).read_text())
        return 0
    lines = Path(argv[0]).read_text().splitlines()
    print(report(read(lines), int(argv[1]) if len(argv) > 1 else 25))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
