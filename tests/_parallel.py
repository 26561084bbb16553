"""How `make test` spreads the suite over pytest-xdist workers, and the timing report it prints at the end.

Work units: a test module stays on one worker (its module fixtures run once), and every module that uses one of
the suite's session harnesses (a Kafka Connect JVM worker, a deployed stack: a session fixture of a conftest.py under
tests/ other than the services of tests/conftest.py) shares one unit with the other users of that harness, so each
harness starts once per run and stops after its unit's last test. Units run longest first
(``tests/durations.json``, measured), so the long ones do not end the run alone.
"""

from __future__ import annotations

import fcntl
import inspect
import json
import os
import resource
import time
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterator

    import pytest

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
RUN = ROOT / ".run"
DURATIONS = TESTS / "durations.json"  # seconds per work unit of a measured run (the timing report writes a new one)
MEASURED = RUN / "test-durations.json"
TESTS_MEASURED = RUN / "test-durations-by-test.json"  # the last parallel session's seconds per test, slowest first
REPORT = RUN / "test-timing.txt"
# After the parallel session `make test` runs two more, one test at a time, each report following the first's in
# REPORT: "rerun", the tests that failed in the parallel session, once more (as Kafka's own build retries a failed
# test; one that fails again fails the run, and the report names each that passed only alone); "alone", the tests
# marked ``alone`` (they keep to a schedule's ticks: another worker's load would stretch them)
PHASE = os.environ.get("LAMBDA_CONNECT_TEST_PHASE", "")
ALONE_PHASE = PHASE == "alone"
_PHASE_HEADERS = {"rerun": "timing: the tests that failed in the parallel session, run again one at a time:",
                  "alone": "timing: the tests run alone, after the parallel session:"}
# a work unit's estimated seconds per test when tests/durations.json does not know it (a new module)
_HARNESS_S = 60.0
_PER_TEST_S = {"unit": 0.02, "compat": 0.1, "docs": 1.0, "integration": 4.0, "e2e": 20.0, "faults": 30.0}


@contextmanager
def run_lock(name: str) -> Iterator[None]:
    """An exclusive lock on ``.run/<name>.lock``, across workers and sessions: what must happen once at a time
    (a service start, a Maven resolution writing a shared classpath file)."""
    RUN.mkdir(parents=True, exist_ok=True)
    with (RUN / f"{name}.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def module_of(nodeid: str) -> str:
    """``tests/a/test_b.py`` of ``tests/a/test_b.py::test_c[x]@group``."""
    return nodeid.split("::", 1)[0]


def unit_of(nodeid: str, units: dict[str, str]) -> str:
    """The work unit of a test: its module's (``units``: module -> unit), else its module."""
    return units.get(module_of(nodeid), module_of(nodeid))


def _harnesses(item: pytest.Item) -> dict[str, Any]:
    """The session fixtures (name -> its FixtureDef) of the conftest.py files under tests/ (but tests/conftest.py's
    services) that ``item`` uses: what several modules share. (A test module's own session fixture serves that
    module alone.)"""
    info = getattr(item, "_fixtureinfo", None)
    found = {}
    for name, definitions in (info.name2fixturedefs.items() if info is not None else ()):
        definition = definitions[-1]
        if definition.scope != "session":
            continue
        source = Path(inspect.getsourcefile(definition.func) or "").resolve()
        if source.is_relative_to(TESTS) and source.name == "conftest.py" and source != TESTS / "conftest.py":
            found[name] = definition
    return dict(sorted(found.items()))


def _units(items: list[pytest.Item]) -> dict[str, str]:
    """Module -> its work unit: modules that share a harness are joined (union-find), named by their harnesses."""
    parent: dict[str, str] = {}

    def find(node: str) -> str:
        while parent.setdefault(node, node) != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for item in items:
        module = find(module_of(item.nodeid))
        for harness in _harnesses(item):
            root = find(f"harness:{harness}")
            if root != module:
                parent[max(root, module)] = min(root, module)  # "harness:..." sorts first: it names the unit
                module = min(root, module)
    return {module: find(module) for module in {module_of(item.nodeid) for item in items}}


def _estimate(unit: str, tests: int, known: dict[str, float]) -> float:
    if unit in known:
        return known[unit]
    if unit.startswith("harness:"):  # a JVM worker or a stack to start, then tests that drive it
        return _HARNESS_S + tests * 10.0
    parts = unit.split("/")
    return tests * _PER_TEST_S.get(parts[1] if len(parts) > 1 else "", 1.0)


def group_and_order(items: list[pytest.Item]) -> dict[str, str]:
    """Put the work units longest first (stable); returns module -> work unit."""
    units = _units(items)
    known = json.loads(DURATIONS.read_text()) if DURATIONS.exists() else {}
    counts: dict[str, int] = defaultdict(int)
    for item in items:
        counts[units[module_of(item.nodeid)]] += 1
    cost = {unit: _estimate(unit, count, known) for unit, count in counts.items()}
    first: dict[str, int] = {}
    for index, item in enumerate(items):
        first.setdefault(units[module_of(item.nodeid)], index)
    items.sort(key=lambda item: (-cost[units[module_of(item.nodeid)]], first[units[module_of(item.nodeid)]]))
    return units


def share_units(run_id: str, units: dict[str, str]) -> None:
    """Hand the workers' module -> unit map to the controller's scheduler, which sees node ids only. (xdist's own
    ``xdist_group`` suffix on node ids is lost on pytest 9.2, whose node ids no longer come from ``_nodeid``.)"""
    (RUN / "xdist").mkdir(parents=True, exist_ok=True)
    partial = RUN / "xdist" / f"{run_id}.{os.getpid()}"
    partial.write_text(json.dumps(units))
    partial.replace(RUN / "xdist" / f"{run_id}.json")


_SHARED: dict[str, dict[str, str]] = {}


def shared_units(run_id: str) -> dict[str, str]:
    """The map the workers shared for run ``run_id`` (empty in a serial run)."""
    if run_id not in _SHARED:
        path = RUN / "xdist" / f"{run_id}.json"
        _SHARED[run_id] = json.loads(path.read_text()) if path.exists() else {}
    return _SHARED[run_id]


_UNIT_HARNESSES: dict[str, dict[str, Any]] = defaultdict(dict)  # on a worker: a unit -> the harnesses its tests used


def end_finished_harnesses(item: pytest.Item, nextitem: pytest.Item | None, units: dict[str, str]) -> None:
    """On a worker, once the last test of ``item``'s unit ran (the next is another unit's), stop the harnesses the
    unit used: otherwise a JVM worker, a private cluster or a deployed stack idles on until the session ends,
    taking CPU from the units still running."""
    unit = unit_of(item.nodeid, units)
    _UNIT_HARNESSES[unit].update(_harnesses(item))
    if nextitem is not None and unit_of(nextitem.nodeid, units) == unit:
        return
    for definition in _UNIT_HARNESSES.pop(unit, {}).values():
        definition.finish(item._request)  # its dependents' finalizers first, as at the session's end


def make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``--dist loadgroup`` with the work units above (a module, or a harness's modules; xdist's own runs a test
    without a group alone, so a module fixture would start on every worker), in collection order (longest first)."""
    from xdist.scheduler import LoadGroupScheduling

    class ModulesAndHarnesses(LoadGroupScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return unit_of(nodeid, shared_units(config.option.testrunuid))

    config.option.loadscopereorder = False
    return ModulesAndHarnesses(config, log)


def machine_cpu_s() -> float:
    """Seconds of CPU the whole machine has been busy since boot (``/proc/stat``; 0 where there is none)."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return 0.0
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


CPU_PROPERTY = "cpu_s"  # a test report's user property: the CPU its process used in that phase (process_cpu_s)


def process_cpu_s() -> float:
    """Seconds of CPU this process and the child processes it waited for have used (``getrusage``): a worker's own
    share of the machine's busy seconds, without the services' and the deployed functions'."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


class Timing:
    """Collects every test's call time by work unit and worker; prints the report at the end of the run."""

    def __init__(self) -> None:
        self.run_id = ""  # the xdist run's id (its workers' units), "" in a serial run
        self.started = time.monotonic()
        self.units: dict[str, float] = defaultdict(float)
        self.workers: dict[str, float] = defaultdict(float)
        self.tests: dict[str, float] = defaultdict(float)  # node id -> setup + call + teardown
        self.unit_cpu: dict[str, float] = defaultdict(float)  # unit -> CPU its worker process used for it
        self.ran = 0  # tests whose call ran (not skipped at setup)
        self.failed: set[str] = set()  # node ids with a failed setup, call or teardown
        self.outcomes: dict[str, str] = {}  # node id -> "passed" or "failed" (its worst phase)
        self.cpu_started = machine_cpu_s()

    def start(self) -> None:
        self.started = time.monotonic()
        self.cpu_started = machine_cpu_s()

    def add(self, report: pytest.TestReport) -> None:
        unit = unit_of(report.nodeid, shared_units(self.run_id) if self.run_id else {})
        self.units[unit] += report.duration
        self.unit_cpu[unit] += dict(getattr(report, "user_properties", ())).get(CPU_PROPERTY, 0.0)
        node = getattr(report, "node", None)  # the xdist worker that ran it (none in a serial run)
        self.workers[node.gateway.id if node is not None else "main"] += report.duration
        self.tests[report.nodeid] += report.duration
        self.ran += report.when == "call"
        if report.failed:
            self.failed.add(report.nodeid)
        if report.when == "call" or report.failed:
            self.outcomes[report.nodeid] = "failed" if report.nodeid in self.failed else report.outcome

    def lines(self, slowest: int = 15) -> list[str]:
        wall = time.monotonic() - self.started
        busy = sum(self.units.values())
        out = [f"timing: {wall:.0f} s wall, {busy:.0f} s in tests (setup + call + teardown), "
               f"{self.ran} tests run"]
        cpu = machine_cpu_s() - self.cpu_started
        if wall > 0 and cpu > 0:
            out.append(f"timing: the machine's CPU busy {cpu:.0f} s (everything on it: services, JVMs, functions), "
                       f"{cpu / wall:.2f} of its {os.cpu_count()} cores on average")
        if PHASE == "rerun":
            again = sorted(n for n, outcome in self.outcomes.items() if outcome == "passed")
            out.append(f"timing: {len(again)} passed alone after failing in the parallel session, "
                       f"{len(self.failed)} failed again")
            out += [f"  passed alone: {nodeid}" for nodeid in again]
            out += [f"  failed again: {nodeid}" for nodeid in sorted(self.failed)]
        if len(self.workers) > 1:
            out.append("timing: per worker " + ", ".join(f"{name} {seconds:.0f} s"
                                                         for name, seconds in sorted(self.workers.items())))
        by_dir: dict[str, float] = defaultdict(float)
        for unit, seconds in self.units.items():
            parts = unit.removeprefix("harness:").split("/")
            by_dir["/".join(parts[:2]) if unit.startswith("tests/") else unit] += seconds
        out.append("timing: by directory " + ", ".join(f"{name} {seconds:.0f} s" for name, seconds in
                                                        sorted(by_dir.items(), key=lambda kv: -kv[1])[:12]))
        out.append(f"timing: the {slowest} slowest work units (a unit runs on one worker):")
        out += [f"  {seconds:7.1f} s  {unit}" for unit, seconds in
                sorted(self.units.items(), key=lambda kv: -kv[1])[:slowest]]
        out.append(f"timing: the {slowest} slowest tests (setup + call + teardown):")
        out += [f"  {seconds:7.1f} s  {nodeid}" for nodeid, seconds in
                sorted(self.tests.items(), key=lambda kv: -kv[1])[:slowest]]
        in_workers = sum(self.unit_cpu.values())
        if in_workers > 0:
            out.append(f"timing: {in_workers:.0f} s of CPU in the test processes (theirs and the child processes "
                       f"they waited for; not the services' nor the deployed functions'), the {slowest} units "
                       "using most:")
            out += [f"  {seconds:7.1f} s  {unit}" for unit, seconds in
                    sorted(self.unit_cpu.items(), key=lambda kv: -kv[1])[:slowest]]
        return out

    def save(self, lines: list[str]) -> None:
        """The report (``.run/test-timing.txt``, which .ci/run prints again at its end) and the measured seconds per
        work unit over tests/durations.json's (``.run/test-durations.json``: copy it there to refresh the order; a
        partial run changes only the units it ran)."""
        RUN.mkdir(parents=True, exist_ok=True)
        if PHASE in _PHASE_HEADERS:
            with REPORT.open("a") as report:
                report.write(_PHASE_HEADERS[PHASE] + "\n" + "\n".join(lines) + "\n")
        else:
            REPORT.write_text("\n".join(lines) + "\n")
        if PHASE == "rerun":  # a part of each unit, one at a time: not a unit's measured time
            return
        base = MEASURED if ALONE_PHASE and MEASURED.exists() else DURATIONS  # the parallel session's, then ours
        durations = json.loads(base.read_text()) if base.exists() else {}
        durations.update({unit: round(seconds, 1) for unit, seconds in self.units.items()})
        partial = MEASURED.with_suffix(f".{os.getpid()}")
        partial.write_text(json.dumps(dict(sorted(durations.items())), indent=0) + "\n")
        partial.replace(MEASURED)
        if not ALONE_PHASE:
            by_test = sorted(self.tests.items(), key=lambda kv: -kv[1])
            TESTS_MEASURED.write_text(json.dumps({nodeid: round(s, 2) for nodeid, s in by_test}, indent=0) + "\n")
