"""tests/_parallel.py: which tests share a worker under pytest-xdist, in which order, and the timing report."""

from __future__ import annotations

import subprocess
import sys
from types import SimpleNamespace
from typing import Any

import pytest

from tests import _parallel
from tests import conftest as tests_conftest
from tests.compat.connect_worker import conftest as worker_conftest
from tests.compat.mirror import conftest as mirror_conftest


def _fixture(scope: str, func: Any) -> SimpleNamespace:
    """What pytest's FixtureDef holds: the scope and the plain function under the fixture decorator."""
    return SimpleNamespace(scope=scope, func=getattr(func, "__wrapped__", func))


def _item(nodeid: str, **fixtures: SimpleNamespace) -> Any:
    return SimpleNamespace(nodeid=nodeid,
                           _fixtureinfo=SimpleNamespace(name2fixturedefs={n: [d] for n, d in fixtures.items()}))


def _module_fixture() -> None:
    """A session fixture of a test module itself: it serves that module alone."""


def test_the_users_of_a_conftest_session_harness_share_one_unit_and_others_stay_by_module() -> None:
    worker = _fixture("session", worker_conftest.connect_worker)
    mirror = _fixture("session", mirror_conftest.mirror_worker)
    items = [
        _item("tests/unit/test_a.py::test_1"),
        _item("tests/compat/connect_worker/test_x.py::test_1", connect_worker=worker),
        _item("tests/compat/connect_worker/test_x.py::test_2"),  # same module: same unit, harness or not
        _item("tests/compat/connect_worker/test_y.py::test_1", connect_worker=worker),
        _item("tests/compat/mirror/test_m.py::test_1", mirror_worker=mirror),
        _item("tests/compat/test_own.py::test_1", oracle=_fixture("session", _module_fixture)),
        _item("tests/compat/test_other.py::test_1", oracle=_fixture("session", _module_fixture)),
        _item("tests/integration/test_fn.py::test_1", connect_worker=_fixture("function", worker_conftest.free_port)),
        _item("tests/unit/test_b.py::test_1", kafka_bootstrap=_fixture("session", _parallel.run_lock)),
    ]
    units = _parallel._units(items)
    assert units["tests/compat/connect_worker/test_x.py"] == units["tests/compat/connect_worker/test_y.py"] \
        == "harness:connect_worker"
    assert units["tests/compat/mirror/test_m.py"] == "harness:mirror_worker"
    assert [units[f"tests/compat/test_{name}.py"] for name in ("own", "other")] == \
        ["tests/compat/test_own.py", "tests/compat/test_other.py"]
    assert units["tests/integration/test_fn.py"] == "tests/integration/test_fn.py"
    assert units["tests/unit/test_b.py"] == "tests/unit/test_b.py"


def test_two_harnesses_one_module_uses_join_into_one_unit() -> None:
    worker = _fixture("session", worker_conftest.connect_worker)
    mirror = _fixture("session", mirror_conftest.mirror_worker)
    items = [_item("tests/compat/a/test_1.py::t", connect_worker=worker),
             _item("tests/compat/b/test_2.py::t", mirror_worker=mirror),
             _item("tests/compat/c/test_3.py::t", connect_worker=worker, mirror_worker=mirror)]
    assert set(_parallel._units(items).values()) == {"harness:connect_worker"}


def test_units_run_longest_first(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    durations = tmp_path / "durations.json"
    durations.write_text('{"tests/unit/test_slow.py": 500, "harness:connect_worker": 90}')
    monkeypatch.setattr(_parallel, "DURATIONS", durations)
    worker = _fixture("session", worker_conftest.connect_worker)
    items = [_item("tests/unit/test_fast.py::t1"), _item("tests/compat/w/test_w.py::t1", connect_worker=worker),
             _item("tests/unit/test_slow.py::t1"), _item("tests/unit/test_fast.py::t2"),
             _item("tests/e2e/test_new.py::t1"),  # unknown: 20 s a test in tests/e2e
             _item("tests/compat/v/test_v.py::t1", mirror_worker=_fixture("session", mirror_conftest.mirror_worker))]
    units = _parallel.group_and_order(items)
    assert [item.nodeid for item in items] == [
        "tests/unit/test_slow.py::t1", "tests/compat/w/test_w.py::t1", "tests/compat/v/test_v.py::t1",  # 60 s + 10
        "tests/e2e/test_new.py::t1", "tests/unit/test_fast.py::t1", "tests/unit/test_fast.py::t2"]
    assert units["tests/compat/v/test_v.py"] == "harness:mirror_worker"


def test_the_controller_reads_the_units_the_workers_shared(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    monkeypatch.setattr(_parallel, "RUN", tmp_path)
    _parallel.share_units("run1", {"tests/compat/w/test_w.py": "harness:connect_worker"})
    units = _parallel.shared_units("run1")
    assert _parallel.unit_of("tests/compat/w/test_w.py::test_a[x]", units) == "harness:connect_worker"
    assert _parallel.unit_of("tests/unit/test_a.py::C::test_b", units) == "tests/unit/test_a.py"
    assert _parallel.shared_units("serial") == {}


def _report(nodeid: str, when: str, seconds: float, worker: str = "gw0", outcome: str = "passed", *,
            cpu_s: float | None = None) -> Any:
    return SimpleNamespace(nodeid=nodeid, when=when, duration=seconds, outcome=outcome, failed=outcome == "failed",
                           node=SimpleNamespace(gateway=SimpleNamespace(id=worker)),
                           user_properties=[] if cpu_s is None else [("other", 1), (_parallel.CPU_PROPERTY, cpu_s)])


def test_the_timing_report_sums_by_unit_worker_and_directory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_parallel, "machine_cpu_s", lambda: 0.0)
    timing = _parallel.Timing()
    for nodeid, when, seconds, worker in (("tests/unit/test_a.py::t", "call", 1.0, "gw0"),
                                          ("tests/unit/test_a.py::t", "setup", 0.5, "gw0"),
                                          ("tests/e2e/test_b.py::t", "call", 30.0, "gw1")):
        timing.add(_report(nodeid, when, seconds, worker))
    lines = timing.lines()
    assert lines[0].endswith("32 s in tests (setup + call + teardown), 2 tests run")
    assert lines[1] == "timing: per worker gw0 2 s, gw1 30 s"
    assert lines[2] == "timing: by directory tests/e2e 30 s, tests/unit 2 s"
    assert lines[4:6] == ["     30.0 s  tests/e2e/test_b.py", "      1.5 s  tests/unit/test_a.py"]
    assert lines[6].startswith("timing: the 15 slowest tests")
    assert lines[7:] == ["     30.0 s  tests/e2e/test_b.py::t", "      1.5 s  tests/unit/test_a.py::t"]


def test_the_report_says_how_busy_the_machine_was(monkeypatch: pytest.MonkeyPatch) -> None:
    busy = iter([100.0, 160.0])
    monkeypatch.setattr(_parallel, "machine_cpu_s", lambda: next(busy))
    timing = _parallel.Timing()
    timing.started -= 30.0
    timing.add(_report("tests/unit/test_a.py::t", "call", 1.0))
    line = timing.lines()[1]
    assert line.startswith("timing: the machine's CPU busy 60 s (everything on it: services, JVMs, functions), 2.0")


def test_the_report_names_the_units_whose_test_processes_used_most_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_parallel, "machine_cpu_s", lambda: 0.0)
    timing = _parallel.Timing()
    for nodeid, when, cpu_s in (("tests/unit/test_a.py::t", "setup", 0.25), ("tests/unit/test_a.py::t", "call", 2.0),
                                ("tests/e2e/test_b.py::t", "call", 0.5), ("tests/e2e/test_c.py::t", "call", None)):
        timing.add(_report(nodeid, when, 1.0, cpu_s=cpu_s))
    lines = timing.lines()
    at = lines.index(next(line for line in lines if "of CPU in the test processes" in line))
    assert lines[at].startswith("timing: 3 s of CPU in the test processes")
    assert lines[at + 1:] == ["      2.2 s  tests/unit/test_a.py", "      0.5 s  tests/e2e/test_b.py",
                              "      0.0 s  tests/e2e/test_c.py"]


def test_a_process_counts_its_own_cpu_and_its_waited_for_childrens() -> None:
    before = _parallel.process_cpu_s()
    sum(i * i for i in range(2_000_000))
    mine = _parallel.process_cpu_s()
    subprocess.run([sys.executable, "-c", "sum(i * i for i in range(4_000_000))"], check=True)
    assert _parallel.process_cpu_s() - mine > mine - before > 0


def test_each_phases_report_gets_the_cpu_its_process_used_since_the_last_report() -> None:
    """tests/conftest.py's hook (a wrapper around pytest's report): a figure on a list of the report's own."""
    item_properties: list[tuple[str, Any]] = [("kept", 1)]
    report = SimpleNamespace(user_properties=item_properties)
    hook = tests_conftest.pytest_runtest_makereport(SimpleNamespace(), SimpleNamespace())
    next(hook)
    sum(i * i for i in range(2_000_000))
    with pytest.raises(StopIteration) as done:
        hook.send(report)
    assert done.value.value is report
    assert report.user_properties[0] == ("kept", 1) and report.user_properties[1][0] == _parallel.CPU_PROPERTY
    assert report.user_properties[1][1] > 0
    assert item_properties == [("kept", 1)]  # the item's list, which every phase's report starts from


def test_the_machines_busy_seconds_grow_while_it_works() -> None:
    before = _parallel.machine_cpu_s()
    sum(i * i for i in range(2_000_000))
    assert _parallel.machine_cpu_s() > before > 0


def test_the_rerun_report_names_what_passed_only_alone_and_what_failed_again(monkeypatch: pytest.MonkeyPatch,
                                                                             tmp_path: Any) -> None:
    monkeypatch.setattr(_parallel, "PHASE", "rerun")
    monkeypatch.setattr(_parallel, "machine_cpu_s", lambda: 0.0)
    monkeypatch.setattr(_parallel, "RUN", tmp_path)
    monkeypatch.setattr(_parallel, "REPORT", tmp_path / "test-timing.txt")
    monkeypatch.setattr(_parallel, "MEASURED", tmp_path / "test-durations.json")
    (tmp_path / "test-timing.txt").write_text("the parallel session's report\n")
    timing = _parallel.Timing()
    timing.add(_report("tests/e2e/test_b.py::flaky", "setup", 1.0))
    timing.add(_report("tests/e2e/test_b.py::flaky", "call", 9.0))
    timing.add(_report("tests/e2e/test_c.py::broken", "call", 2.0, outcome="failed"))
    timing.add(_report("tests/e2e/test_d.py::bad_teardown", "call", 1.0))
    timing.add(_report("tests/e2e/test_d.py::bad_teardown", "teardown", 1.0, outcome="failed"))
    lines = timing.lines()
    assert lines[1] == "timing: 1 passed alone after failing in the parallel session, 2 failed again"
    assert lines[2:5] == ["  passed alone: tests/e2e/test_b.py::flaky",
                          "  failed again: tests/e2e/test_c.py::broken",
                          "  failed again: tests/e2e/test_d.py::bad_teardown"]
    timing.save(lines)
    report = (tmp_path / "test-timing.txt").read_text().splitlines()
    assert report[:2] == ["the parallel session's report",
                          "timing: the tests that failed in the parallel session, run again one at a time:"]
    assert not (tmp_path / "test-durations.json").exists()  # a rerun measures parts of units, not units


def test_a_units_harnesses_stop_after_its_last_test_not_at_the_sessions_end() -> None:
    finished: list[Any] = []
    worker = _fixture("session", worker_conftest.connect_worker)
    worker.finish = finished.append
    first, last = _item("tests/compat/w/test_w.py::t1", connect_worker=worker), _item("tests/compat/v/test_v.py::t1")
    other = _item("tests/unit/test_b.py::t1")
    for item in (first, last, other):
        item._request = f"request of {item.nodeid}"
    units = {"tests/compat/w/test_w.py": "harness:connect_worker", "tests/compat/v/test_v.py": "harness:connect_worker"}
    _parallel.end_finished_harnesses(first, last, units)
    assert finished == []  # the unit goes on
    _parallel.end_finished_harnesses(last, other, units)  # its last test uses no harness itself; an earlier one did
    assert finished == ["request of tests/compat/v/test_v.py::t1"]
    _parallel.end_finished_harnesses(other, None, units)
    assert len(finished) == 1
