"""Case 9s (opt-in: ``BENCH_CASES=fleet_stack``): a fleet on the deployed stack on LocalStack.

The SAM stack (``infra/local/stack.py``) is deployed under a name of its own (or ``BENCH_FLEET_STACK`` names one that
is up already and is then kept), and grows through the coordinator's Function URL to each size of
``BENCH_FLEET_STACK_SIZES`` (10 / 50 by default: every create is also an AWS apply, about a second each here) of
FileStream sources, all PAUSED but ``BENCH_FLEET_STACK_RUNNING`` (2), plus one mapping-triggered FileStream sink, so
every kind of per-connector resource is counted. At each size:

- cold ``GET /connectors?expand=status`` (and, for comparison, a cold ``GET /connectors``): the coordinator
  function's configuration is touched first (a new environment variable value), so Lambda starts a new execution
  environment, as after a deploy or an idle spell (the median of 3; failed attempts are kept in ``cold_errors``);
- warm ``GET /connectors?expand=status`` p50 over ``BENCH_FLEET_REQUESTS`` requests;
- one reconcile pass: the heartbeat event invoked on the coordinator function, warm (its answer lists what converged);
- AWS resources per connector: schedules in the stack's group, connector functions and their event source mappings.

Rows ``9s stack <what> @N``: ours = the figure at N, baseline = the same at the smallest size (the growth); the cold
row's goal is <= 1.5 s. The stack is taken down at the end unless it was named.
"""

from __future__ import annotations

import json
import os
import statistics
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench import common

if TYPE_CHECKING:
    from bench.common import Result, Settings

DEFAULT_SIZES = (10, 50)
DEFAULT_REQUESTS = 10
DEFAULT_RUNNING = 2
COLD_REPEATS = 3
COLD_GOAL_MS = 1500.0
FILE_SOURCE = "org.apache.kafka.connect.file.FileStreamSourceConnector"
FILE_SINK = "org.apache.kafka.connect.file.FileStreamSinkConnector"


def run(settings: Settings) -> list[Result]:
    """Deploy (or reuse) the stack, grow the fleet, measure; the stack is removed unless it was named."""
    from infra.local import stack as stacks

    sizes = tuple(sorted(int(n) for n in os.environ.get(
        "BENCH_FLEET_STACK_SIZES", ",".join(map(str, DEFAULT_SIZES))).split(",") if n))
    requests = int(os.environ.get("BENCH_FLEET_REQUESTS", DEFAULT_REQUESTS))
    running = int(os.environ.get("BENCH_FLEET_STACK_RUNNING", DEFAULT_RUNNING))
    named = os.environ.get("BENCH_FLEET_STACK", "")
    name = named or f"bench-{common.RUN_ID}"
    started = time.perf_counter()
    outputs = stacks.outputs(name) if named else stacks.deploy(name)
    deploy_s = time.perf_counter() - started
    directory = Path(common.allow_bench_files()) / f"fleet-stack-{common.RUN_ID}"
    directory.mkdir(parents=True, exist_ok=True)
    try:
        url = stacks.FunctionUrl(outputs["CoordinatorUrl"])
        figures = _grow_and_measure(stacks, name, outputs["CoordinatorFunctionName"], url, directory, sizes=sizes,
                                    requests=requests, running=running)
    finally:
        if not named:
            stacks.destroy(name)
    smallest = figures[0]
    rows = []
    for fig in figures:
        for key, what in (("cold_ms", "cold ?expand=status (ms)"), ("warm_p50_ms", "warm ?expand=status p50 (ms)"),
                          ("reconcile_ms", "reconcile pass (ms)"),
                          ("resources_per_connector", "AWS resources per connector")):
            rows.append(common.Result(
                f"9s stack {what} @{fig['connectors']}", fig[key], f"the same at {smallest['connectors']}",
                smallest[key], fig["connectors"], COLD_REPEATS if key == "cold_ms" else requests,
                unit="count" if key == "resources_per_connector" else "ms", higher_is_better=False,
                extra={**fig, "deploy_s": round(deploy_s, 1), "cold_goal_ms": COLD_GOAL_MS}))
    return rows


def _grow_and_measure(stacks: Any, stack: str, function: str, url: Any, directory: Path, *, sizes: tuple[int, ...],
                      requests: int, running: int) -> list[dict[str, Any]]:
    lam = stacks.client("lambda")
    _clear(url)
    figures = []
    created = 0
    sink = f"fleet-sink-{common.RUN_ID}"
    code, answer = url.request("POST", "/connectors", {"name": sink, "config": {
        "connector.class": FILE_SINK, "topics": f"{stack}-fleet-data", "file": str(directory / "out.txt")}})
    if code != 201:
        raise RuntimeError(f"create {sink}: {code} {answer}")
    for size in sizes:
        create_ms = []
        while created < size - 1:  # the sink counts as one
            connector = f"fleet-{created}"
            (directory / f"in-{created}.txt").write_text(f"line of {connector}\n")
            body: dict[str, Any] = {"name": connector, "config": {
                "connector.class": FILE_SOURCE, "tasks.max": "1", "topic": f"{stack}-fleet-data",
                "file": str(directory / f"in-{created}.txt")}}
            if created >= running:
                body["initial_state"] = "PAUSED"
            begun = time.perf_counter()
            code, answer = url.request("POST", "/connectors", body, timeout=120)
            create_ms.append((time.perf_counter() - begun) * 1000)
            if code != 201:
                raise RuntimeError(f"create {connector}: {code} {answer}")
            created += 1
        errors: list[str] = []
        cold = [_cold(lam, function, url, "/connectors?expand=status", size=size, errors=errors)
                for _ in range(COLD_REPEATS)]
        cold_list = [_cold(lam, function, url, "/connectors", size=size, errors=errors) for _ in range(COLD_REPEATS)]
        warm = []
        for _ in range(requests):
            begun = time.perf_counter()
            code, answer = url.request("GET", "/connectors?expand=status")
            warm.append((time.perf_counter() - begun) * 1000)
            if code != 200 or len(answer) != size:
                raise RuntimeError(f"warm ?expand=status: {code}, {len(answer or {})} connectors, not {size}")
        begun = time.perf_counter()
        beat = lam.invoke(FunctionName=function, Payload=json.dumps({"lambda-connect": "heartbeat"}).encode())
        reconcile_ms = (time.perf_counter() - begun) * 1000
        summary = json.loads(beat["Payload"].read() or b"{}").get("reconcile")
        resources = _resources(stacks, stack, lam)
        figures.append({
            "connectors": size, "cold_ms": statistics.median(cold), "cold_runs_ms": [round(c, 1) for c in cold],
            "cold_list_ms": statistics.median(cold_list), "cold_errors": errors,
            "warm_p50_ms": statistics.median(warm), "warm_p99_ms": max(warm), "reconcile_ms": round(reconcile_ms, 1),
            "reconcile": summary, "create_p50_ms": statistics.median(create_ms) if create_ms else None,
            "resources": resources, "resources_per_connector": round(sum(resources.values()) / size, 2)})
    return figures


def _cold(lam: Any, function: str, url: Any, path: str, *, size: int, errors: list[str]) -> float:
    """``path`` answered by a new execution environment of the coordinator; an attempt that fails (a 502 of the
    Function URL happens here now and then right after the update) is counted in ``errors`` and tried again."""
    for _attempt in range(3):
        config = lam.get_function_configuration(FunctionName=function)
        variables = dict(config.get("Environment", {}).get("Variables", {}))
        variables["BENCH_COLD_TOKEN"] = str(time.time_ns())  # any change: Lambda starts new environments
        lam.update_function_configuration(FunctionName=function, Environment={"Variables": variables})
        lam.get_waiter("function_updated_v2").wait(FunctionName=function,
                                                   WaiterConfig={"Delay": 1, "MaxAttempts": 120})
        begun = time.perf_counter()
        code, answer = url.request("GET", path, timeout=120)
        elapsed = (time.perf_counter() - begun) * 1000
        if code == 200 and len(answer) == size:
            return elapsed
        errors.append(f"{path}: {code} {str(answer)[:200]}")
    raise RuntimeError(f"cold {path}: {errors[-3:]}")


def _clear(url: Any) -> None:
    """Delete the connectors a previous run left on a named stack."""
    code, names = url.request("GET", "/connectors")
    for connector in names if code == 200 else []:
        url.request("DELETE", f"/connectors/{connector}", timeout=120)


def _resources(stacks: Any, stack: str, lam: Any) -> dict[str, int]:
    """What the coordinator created for the connectors: schedules, functions, event source mappings."""
    scheduler = stacks.client("scheduler")
    schedules = [s for page in scheduler.get_paginator("list_schedules").paginate(GroupName=stack)
                 for s in page["Schedules"]]
    prefix = f"{stack}-connector-"
    functions = [f["FunctionName"] for page in lam.get_paginator("list_functions").paginate()
                 for f in page["Functions"] if f["FunctionName"].startswith(prefix)]
    mappings = sum(len(lam.list_event_source_mappings(FunctionName=f)["EventSourceMappings"]) for f in functions)
    # the stack's own schedules (heartbeat, static source) are not connectors'
    own = sum(1 for s in schedules if s["Name"].startswith(f"{stack}-"))
    return {"schedules": len(schedules) - own, "functions": len(functions), "event_source_mappings": mappings}
