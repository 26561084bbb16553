"""A source function process for the fault suite: EventBridge Scheduler's ticks over Lambda containers.

``python -m tests.faults._source_driver schedule <connector> <tick_ms> <max_ticks> [<stall_ticks>]`` fires an
invocation of task 0 every tick, in a warm container (a ``SourceRunner``) when one is idle, else in a new one: like
the scheduler, a tick never waits for the previous invocation, so one that overruns is fenced by the next. Each tick
opens a window of ``tick_ms`` and its invocation's budget ends at the runner's share of it (``TICK_SHARE``), as a
deployed invocation's budget ends with its heartbeat window (``runtime/source_ticks.py`` ``window_budget``). It
stops after the first invocation that found nothing left (a poll that raised a retriable error, e.g. the
database restarting, is not that; or after ``stall_ticks`` ticks in a row without a record),
and prints one JSON line: invocations, failures, records, peak RSS.

``python -m tests.faults._source_driver invoke <connector>`` runs one invocation in this process (a cold start) and
prints its summary; the fault tests kill it with ``LAMBDA_CONNECT_FAULT`` at a step of the invocation.

The internal topics come from the ``LAMBDA_CONNECT_*`` environment, as in a deployed function.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from typing import Any

from connect_core.runtime.source_runner import DEFAULT_CHUNK_RECORDS, TICK_SHARE, SourceRunner
from connect_core.runtime.worker import WorkerSettings
from infra.local._process import peak_rss_mib

LAMBDA_BUDGET_MS = 290_000  # a 300 s function minus the default safety margin


def _budget(window_ms: float | None = None) -> Any:
    """A function's remaining milliseconds (minus the safety margin), cut to its share of a window of ``window_ms``."""
    now_ms = time.monotonic() * 1000
    deadline = now_ms + LAMBDA_BUDGET_MS
    if window_ms is not None:  # a tick's share of its window, as the runner keeps to a schedule's (TICK_SHARE)
        deadline = min(deadline, now_ms + window_ms * TICK_SHARE)
    return lambda: deadline - time.monotonic() * 1000


def schedule(connector: str, tick_ms: int, max_ticks: int, stall_ticks: int = 0) -> dict[str, Any]:
    """Tick until an invocation comes back empty, or ``max_ticks``, or (``stall_ticks`` > 0) that many ticks in a
    row without a record committed: a bound by progress, which a loaded machine slows but does not trip; the
    totals."""
    idle: list[SourceRunner] = []
    lock = threading.Lock()
    totals: dict[str, Any] = {"ticks": 0, "invocations": 0, "failed": 0, "records": 0, "containers": 0,
                              "done": False, "errors": []}

    def invoke(runner: SourceRunner) -> None:
        try:
            result = runner.run(connector, 0, _budget(tick_ms))
        except Exception as error:
            with lock:
                totals["failed"] += 1
                totals["errors"] = (totals["errors"] + [repr(error)[:200]])[-5:]
        else:
            with lock:
                totals["records"] += result.records
                if result.polls and result.records == result.skipped == result.retried_polls == 0:  # found nothing
                    totals["done"] = True
        finally:
            with lock:
                idle.append(runner)

    threads: list[threading.Thread] = []
    started = time.monotonic()
    progress = (0, 0)  # (records, tick) when the records last grew
    while totals["ticks"] < max_ticks and not totals["done"]:
        with lock:
            if totals["records"] > progress[0]:
                progress = (totals["records"], totals["ticks"])
        if stall_ticks and totals["ticks"] - progress[1] >= stall_ticks:
            totals["stalled"] = True
            break
        with lock:
            runner = idle.pop() if idle else None
            if runner is None:
                totals["containers"] += 1
        runner = runner or SourceRunner(WorkerSettings.from_env())
        totals["ticks"] += 1
        totals["invocations"] += 1
        thread = threading.Thread(target=invoke, args=(runner,), daemon=True)
        thread.start()
        threads.append(thread)
        next_tick = started + totals["ticks"] * tick_ms / 1000.0
        while time.monotonic() < next_tick and not totals["done"]:
            time.sleep(0.05)
    for thread in threads:
        thread.join(LAMBDA_BUDGET_MS / 1000.0)
    for runner in idle:
        runner.close()
    totals["peak_rss_mb"] = round(peak_rss_mib() or 0.0, 1)
    return totals


def invoke_once(connector: str) -> dict[str, Any]:
    """One cold invocation of task 0 (``FAULTS_CHUNK_RECORDS``: several transactions per invocation)."""
    chunk = int(os.environ.get("FAULTS_CHUNK_RECORDS", "0")) or DEFAULT_CHUNK_RECORDS
    runner = SourceRunner(WorkerSettings.from_env(), chunk_records=chunk)
    try:
        return runner.run(connector, 0, _budget()).as_dict()
    finally:
        runner.close()


def main(argv: list[str]) -> None:
    """Dispatch on the mode; print the JSON summary."""
    if argv[0] == "schedule":
        out = schedule(argv[1], int(argv[2]), int(argv[3]), *(int(a) for a in argv[4:5]))
    else:
        out = invoke_once(argv[1])
    sys.stdout.write(json.dumps(out, default=str) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main(sys.argv[1:])
