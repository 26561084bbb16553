"""Runs in a fresh interpreter for case 5: prints one JSON line of timings and peak RSS.

Modes (argv[1]): ``import <module>``; ``sink <event-small> <event-10k>`` and ``source <file>`` (handlers of
functions/*, environment prepared by the parent); ``coordinator [query]``; ``raw-sink <event-10k> <out>``.
"""

from __future__ import annotations

import importlib
import json
import resource
import sys
import time
from typing import Any


class Context:
    """The attributes of a Lambda context object that Powertools reads."""

    function_name = "bench"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:bench"
    memory_limit_in_mb = 1769
    aws_request_id = "00000000-0000-0000-0000-000000000000"
    log_group_name = log_stream_name = "bench"

    def get_remaining_time_in_millis(self) -> int:
        """A full 15-minute budget."""
        return 900_000


def _rss_mib() -> float:
    """Peak RSS of this process: VmHWM, which exec resets (ru_maxrss keeps the forking parent's peak on Linux)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _timed(call: Any) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def _handler(module: str) -> tuple[Any, float]:
    started = time.perf_counter()
    handler = importlib.import_module(module).handler
    return handler, time.perf_counter() - started


def main(argv: list[str]) -> dict[str, Any]:
    """Dispatch on the mode."""
    mode = argv[1]
    if mode == "import":
        started = time.perf_counter()
        importlib.import_module(argv[2])
        return {"import_s": time.perf_counter() - started}
    if mode == "raw-sink":
        import base64

        import orjson

        started = time.perf_counter()
        event = orjson.loads(open(argv[2], "rb").read())  # the child exits right after
        with open(argv[3], "a") as out:
            for records in event["records"].values():
                for record in records:
                    out.write(str(orjson.loads(base64.b64decode(record["value"]))["payload"]) + "\n")
        return {"batch_s": time.perf_counter() - started, "peak_rss_mib": _rss_mib()}
    if mode == "sink":
        handler, imported = _handler("functions.sink_task.app")
        small, large = (json.loads(open(path).read()) for path in argv[2:4])
        first = _timed(lambda: handler(small, Context()))
        warm = _timed(lambda: handler(small, Context()))
        rss_before = _rss_mib()
        batch = _timed(lambda: handler(large, Context()))
        return {"import_s": imported, "first_s": first, "warm_s": warm, "batch_s": batch,
                "rss_before_mib": rss_before, "peak_rss_mib": _rss_mib()}
    if mode == "source":
        handler, imported = _handler("functions.source_task.app")
        event = {"connector": argv[3], "task": 0}
        first = _timed(lambda: handler(event, Context()))
        warm = _timed(lambda: handler(event, Context()))
        with open(argv[2], "a") as source:
            source.write("".join(f"line {i} lorem ipsum dolor sit amet consectetur\n" for i in range(10_000)))
        rss_before = _rss_mib()
        batch = _timed(lambda: handler(event, Context()))
        return {"import_s": imported, "first_s": first, "warm_s": warm, "batch_s": batch,
                "rss_before_mib": rss_before, "peak_rss_mib": _rss_mib()}
    if mode == "coordinator":  # optional argv[2]: the query string (case 9: "expand=status")
        handler, imported = _handler("functions.coordinator.app")
        event = {"rawPath": "/connectors", "rawQueryString": argv[2] if len(argv) > 2 else "",
                 "requestContext": {"http": {"method": "GET"}}, "headers": {}}
        answers = []
        first = _timed(lambda: answers.append(handler(event, Context())))
        warm = _timed(lambda: handler(event, Context()))
        return {"import_s": imported, "first_s": first, "warm_s": warm, "peak_rss_mib": _rss_mib(),
                "status_code": answers[0].get("statusCode")}
    raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    print(json.dumps(main(sys.argv)))
