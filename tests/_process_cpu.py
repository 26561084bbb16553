"""Where the machine's CPU went during `make test`, by kind of process: the timing report's answer to "the services
or the tests?" (the broker, each cluster, the Connect JVM workers, LocalStack and the functions it runs, the workers).

A thread in the controller samples ``/proc`` every few seconds and keeps each process's last CPU figure, so a
process that exited still counts with what it had used at its last sample; what no sample saw (processes shorter
than the interval, interrupts) is the report's rest.
"""

from __future__ import annotations

import os
import re
import threading
from collections import defaultdict
from pathlib import Path

_PROC = Path("/proc")
_RUN_DIR = re.compile(r"/\.run/([A-Za-z0-9_.-]+)")
_JVM_VALUE_OPTIONS = frozenset({"-cp", "-classpath", "--class-path", "-p", "--module-path", "--add-opens",
                                "--add-exports", "--add-modules"})


def process_kind(argv: list[str], comm: str) -> str:
    """A short name for what a process is, from its command line: ``java Kafka .run/kafka``, ``python -m
    localstack.runtime.main``, ``pytest worker``, ``postgres``; ``kernel`` for a kernel thread."""
    if not argv:
        return "kernel" if not comm.startswith("(") else comm
    program = os.path.basename(argv[0])
    joined = " ".join(argv)
    place = _RUN_DIR.search(joined)
    where = f" .run/{place.group(1)}" if place else ""
    if program == "java":
        main, skip = "?", False
        for arg in argv[1:]:
            if skip:
                skip = False
            elif arg in _JVM_VALUE_OPTIONS:
                skip = True
            elif arg == "-jar":
                main = "-jar"
            elif not arg.startswith("-"):
                main = os.path.basename(arg) if main == "-jar" else arg.rsplit(".", 1)[-1]
                break
        return f"java {main}{where}"
    if program.startswith("python"):
        if "-c" in argv and "exec(eval(sys.stdin" in joined:
            return "pytest worker"
        if "-c" in argv:
            return "python -c"
        if "-m" in argv[:-1]:
            return f"python -m {argv[argv.index('-m') + 1]}"
        script = next((arg for arg in argv[1:] if not arg.startswith("-")), "")
        return f"python {os.path.basename(script)}".rstrip()
    if comm.startswith("postgres") or program.startswith("postgres"):
        return "postgres"
    return program + where


def _sample() -> dict[tuple[int, int], tuple[str, float]]:
    """(pid, start time) -> (kind, CPU seconds it used) of every process now."""
    tick = os.sysconf("SC_CLK_TCK")
    found: dict[tuple[int, int], tuple[str, float]] = {}
    for entry in _PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue  # it exited between the listing and the read
        comm_end = stat.rfind(")")
        fields = stat[comm_end + 2:].split()
        comm = stat[stat.find("(") + 1:comm_end]
        # fields from the state on: utime and stime are the 12th and 13th, the start time the 20th
        cpu = (int(fields[11]) + int(fields[12])) / tick
        kind = process_kind([arg.decode(errors="replace") for arg in argv if arg], comm)
        found[(int(entry.name), int(fields[19]))] = (kind, cpu)
    return found


class ProcessCpu:
    """Samples every process's CPU from ``start()`` to ``stop()``; ``by_kind()`` sums what each kind used between."""

    def __init__(self, interval_s: float = 2.0) -> None:
        self.interval_s = interval_s
        self._before: dict[tuple[int, int], float] = {}
        self._last: dict[tuple[int, int], tuple[str, float]] = {}
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if not _PROC.is_dir():
            return
        self._last = _sample()
        self._before = {key: cpu for key, (_kind, cpu) in self._last.items()}
        self._thread = threading.Thread(target=self._run, name="process-cpu", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stopped.wait(self.interval_s):
            self._note(_sample())

    def _note(self, sample: dict[tuple[int, int], tuple[str, float]]) -> None:
        """Each process's latest CPU; its kind the latest one but ``kernel``: an exited process not yet reaped (a
        zombie) has no command line, and its CPU stays its kind's."""
        for key, (kind, cpu) in sample.items():
            known = self._last.get(key)
            self._last[key] = (known[0] if known is not None and kind == "kernel" else kind, cpu)

    def stop(self) -> None:
        self._stopped.set()
        if self._thread is not None:
            self._thread.join()
            self._note(_sample())

    def by_kind(self) -> dict[str, float]:
        """Kind -> CPU seconds its processes used since ``start()``, most first."""
        used: dict[str, float] = defaultdict(float)
        for key, (kind, cpu) in list(self._last.items()):
            used[kind] += cpu - self._before.get(key, 0.0)
        return dict(sorted(((kind, cpu) for kind, cpu in used.items() if cpu > 0), key=lambda kv: -kv[1]))

    def lines(self, machine_cpu_s: float, top: int = 20) -> list[str]:
        """The report's lines: each kind's CPU seconds and the rest no sample saw."""
        used = self.by_kind()
        if not used:
            return []
        seen = sum(used.values())
        out = [f"timing: the machine's CPU by kind of process ({seen:.0f} s seen by samples every "
               f"{self.interval_s:g} s; {max(machine_cpu_s - seen, 0):.0f} s in processes shorter than that and "
               f"interrupts), the {top} using most:"]
        out += [f"  {cpu:7.1f} s  {kind}" for kind, cpu in list(used.items())[:top]]
        return out
