"""Case 9: a fleet of connectors on ``lambda-connect up``: REST latency, coordinator cold start, memory.

One ``lambda-connect up`` (a subprocess, its own internal topics) grows to each size of ``BENCH_FLEET_SIZES`` (10 /
100 / 500 connectors): every second connector is a running FileStream source (one line in its own file; at most
``BENCH_FLEET_RUNNING_MAX`` of them, see bench/README.md), the others are created PAUSED (``initial_state``). At each
size, ``BENCH_FLEET_REQUESTS`` warm requests of each kind, interleaved: ``GET /connectors``,
``GET /connectors?expand=status``, ``GET /connectors/<one>/status``; the creates of that step are timed too. Then a
fresh coordinator process (``_child.py coordinator``) answers its first ``GET /connectors`` and
``GET /connectors?expand=status`` (the cold start: clients, config and status topics read) and its peak RSS is read;
the warm coordinator processes of ``up`` report their peak RSS (VmHWM) as well.

Rows are ``9 fleet <request> @N p50 (ms)``: ours = the p50 at N, baseline = the same at the smallest size (the ratio is
the growth); ``extra`` keeps p99, the count and the goal (``?expand=status`` at 500 <= 200 ms warm).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench import common, fresh_interpreter

if TYPE_CHECKING:
    from collections.abc import Iterator

    from bench.common import Result, Settings

REPO = Path(__file__).resolve().parents[2]
DEFAULT_SIZES = (10, 100, 500)
DEFAULT_REQUESTS = 30
DEFAULT_RUNNING_MAX = 20
STATUS_GOAL_MS = 200.0
FILE_SOURCE = "org.apache.kafka.connect.file.FileStreamSourceConnector"


def run(settings: Settings, sizes: tuple[int, ...] | None = None, requests: int | None = None) -> list[Result]:
    """The fleet rows, one set per size."""
    sizes = tuple(sorted(sizes or tuple(int(n) for n in os.environ.get(
        "BENCH_FLEET_SIZES", ",".join(map(str, DEFAULT_SIZES))).split(",") if n)))
    requests = requests or int(os.environ.get("BENCH_FLEET_REQUESTS", DEFAULT_REQUESTS))
    running_max = int(os.environ.get("BENCH_FLEET_RUNNING_MAX", DEFAULT_RUNNING_MAX))
    bootstrap = common.services("kafka")["kafka"]["bootstrap.servers"]
    directory = Path(common.allow_bench_files()) / f"fleet-{common.RUN_ID}"
    directory.mkdir(parents=True, exist_ok=True)
    figures: list[dict[str, Any]] = []
    with _up(bootstrap, directory) as up:
        created: list[float] = []
        running = 0
        for size in sizes:
            step: list[float] = []
            for i in range(len(created), size):
                name = f"fleet-{i}"
                config = {"connector.class": FILE_SOURCE, "tasks.max": "1", "topic": f"{up.prefix}-data",
                          "file": str(directory / f"in-{i}.txt")}
                (directory / f"in-{i}.txt").write_text(f"line of {name}\n")
                body: dict[str, Any] = {"name": name, "config": config}
                if i % 2 == 0 and running < running_max:
                    running += 1
                else:
                    body["initial_state"] = "PAUSED"
                started = time.perf_counter()
                code, answer = up.http("POST", "/connectors", body)
                step.append((time.perf_counter() - started) * 1000)
                if code != 201:
                    raise RuntimeError(f"create {name}: {code} {answer}")
            created += step
            settled_s = _settle(up, running)
            timings = _requests(up, requests)
            cold = {query or "list": fresh_interpreter.child("coordinator", query, env=up.function_env)
                    for query in ("", "expand=status")}
            figures.append({
                "size": size, "running": running, "settled_s": settled_s, "create": step or created[-1:], **timings,
                "cold_list_ms": round(cold["list"]["first_s"] * 1000, 1),
                "cold_status_ms": round(cold["expand=status"]["first_s"] * 1000, 1),
                "cold_peak_rss_mib": round(cold["expand=status"]["peak_rss_mib"], 1),
                "warm_peak_rss_mib": _coordinator_peak_rss_mib(up.pid),
            })
    return _rows(figures, requests)


def _settle(up: _Up, running: int, timeout_s: float = 300.0) -> float:
    """Wait until every running connector's task reports RUNNING (their processes have started): the requests then
    measure a fleet at rest, not the task processes' cold starts. Returns the seconds waited."""
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        code, answer = up.http("GET", "/connectors?expand=status")
        connectors = (answer or {}).values() if code == 200 else []
        tasks = [t for c in connectors for t in c.get("status", {}).get("tasks", [])]
        if sum(t.get("state") == "RUNNING" for t in tasks) >= running:
            return round(time.monotonic() - started, 1)
        time.sleep(1.0)
    raise RuntimeError(f"not every running connector's task was RUNNING within {timeout_s:.0f} s")


def _requests(up: _Up, count: int) -> dict[str, list[float]]:
    """``count`` of each GET, interleaved so load drifts hit all of them alike."""
    paths = {"list": "/connectors", "expand_status": "/connectors?expand=status",
             "one_status": "/connectors/fleet-0/status"}
    timings: dict[str, list[float]] = {kind: [] for kind in paths}
    for _ in range(count):
        for kind, path in paths.items():
            started = time.perf_counter()
            code, _answer = up.http("GET", path)
            timings[kind].append((time.perf_counter() - started) * 1000)
            if code != 200:
                raise RuntimeError(f"GET {path}: {code}")
    return timings


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _rows(figures: list[dict[str, Any]], requests: int) -> list[Result]:
    smallest = figures[0]
    rows: list[Result] = []
    for f in figures:
        for kind, label in (("create", "create"), ("list", "GET /connectors"),
                            ("expand_status", "GET ?expand=status"), ("one_status", "GET one status")):
            p50, base = statistics.median(f[kind]), statistics.median(smallest[kind])
            extra: dict[str, Any] = {"p99_ms": round(_p(f[kind], 0.99), 1), "count": len(f[kind]),
                                     "connectors": f["size"], "running": f["running"], "settled_s": f["settled_s"]}
            if kind == "expand_status":
                extra |= {"goal_ms": STATUS_GOAL_MS, "goal_met": p50 <= STATUS_GOAL_MS}
            rows.append(common.Result(f"9 fleet {label} @{f['size']} p50 (ms)", p50,
                                      f"the same at {smallest['size']} connectors", base, f["size"], requests,
                                      unit="ms", higher_is_better=False, extra=extra))
        for key, label, unit in (("cold_list_ms", "cold coordinator GET list", "ms"),
                                 ("cold_status_ms", "cold coordinator ?expand=status", "ms"),
                                 ("warm_peak_rss_mib", "peak rss warm coordinator", "MiB"),
                                 ("cold_peak_rss_mib", "peak rss cold coordinator", "MiB")):
            rows.append(common.Result(f"9 fleet {label} @{f['size']} ({unit})", f[key],
                                      f"the same at {smallest['size']} connectors", smallest[key], f["size"], 1,
                                      unit=unit, higher_is_better=False))
    return rows


class _Up:
    """A running ``lambda-connect up`` on a free port and its own topics."""

    def __init__(self, url: str, prefix: str, pid: int, function_env: dict[str, str]) -> None:
        self.url, self.prefix, self.pid, self.function_env = url, prefix, pid, function_env

    def http(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=120) as response:  # loopback
                raw = response.read()
                return response.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as error:
            raw = error.read()
            return error.code, json.loads(raw) if raw else None


@contextlib.contextmanager
def _up(bootstrap: str, directory: Path) -> Iterator[_Up]:
    """``lambda-connect up`` as ``make demo`` runs it, stopped with SIGINT (then its topics are deleted)."""
    prefix = common.unique("fleet")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    function_env = {"LAMBDA_CONNECT_BOOTSTRAP_SERVERS": bootstrap, "LAMBDA_CONNECT_GROUP_ID": prefix,
                    "LAMBDA_CONNECT_CONFIG_TOPIC": f"{prefix}-configs",
                    "LAMBDA_CONNECT_OFFSET_TOPIC": f"{prefix}-offsets",
                    "LAMBDA_CONNECT_STATUS_TOPIC": f"{prefix}-status", "LAMBDA_CONNECT_REPLICATION_FACTOR": "1",
                    "POWERTOOLS_LOG_LEVEL": "WARNING", "LOG_LEVEL": "WARNING"}
    env = {**os.environ, **function_env, "LAMBDA_CONNECT_RUN_DIR": str(directory), "PYTHONPATH": str(REPO)}
    log = (directory / "up.log").open("ab")
    proc = subprocess.Popen([sys.executable, "-m", "connect_core.local.cli", "up", "--port", str(port)],
                            cwd=directory, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    up = _Up(f"http://127.0.0.1:{port}", prefix, proc.pid, function_env)
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"lambda-connect up exited: {(directory / 'up.log').read_text()[-2000:]}")
            with contextlib.suppress(OSError):
                if up.http("GET", "/")[0] == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError("lambda-connect up did not answer within 120 s")
            time.sleep(0.3)
        yield up
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=120)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        _delete_topics(bootstrap, prefix)


def _delete_topics(bootstrap: str, prefix: str) -> None:
    from confluent_kafka.admin import AdminClient

    admin = AdminClient({"bootstrap.servers": bootstrap})
    doomed = [t for t in admin.list_topics(timeout=30).topics if t.startswith(prefix)]
    if doomed:
        for future in admin.delete_topics(doomed, operation_timeout=30).values():
            with contextlib.suppress(Exception):
                future.result()


def _coordinator_peak_rss_mib(up_pid: int) -> float | None:
    """The largest VmHWM among ``up``'s coordinator function processes (its warm 'containers')."""
    peaks = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
            status = (entry / "status").read_text()
        except OSError:
            continue
        if b"connect_core.local.function_host" not in cmdline or b"coordinator" not in cmdline:
            continue
        if f"PPid:\t{up_pid}\n" not in status:
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                peaks.append(int(line.split()[1]) / 1024)
    return round(max(peaks), 1) if peaks else None
