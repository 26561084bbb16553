"""Runs in a fresh interpreter for case 5: prints one JSON line of timings and peak RSS.

Modes (argv[1]): ``import <module>``; ``sink <event-1> <event-1> <event-10k>`` (first, warm, batch) and
``source <file> <connector>`` (handlers of functions/*, environment prepared by the parent); ``coordinator
[query]``; the raw functions doing the same work, ``raw-sink <event-1> <event-1> <event-10k> <out>`` and
``raw-source <file> <topic> <offsets-topic> <bootstrap>``. Every mode reports ``import_s`` (its imports) and
``first_s`` (its first event, clients built on the way), as a Lambda container's INIT and first INVOKE; the events
are decoded from their files with ``json`` before timing, as the Lambda runtime does before it calls a handler,
and stay in memory in both ours and the raw child."""

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


def _event(path: str) -> Any:
    with open(path, "rb") as file:
        return json.loads(file.read())


def _batch(handler: Any, event: Any, prepare: Any = None) -> dict[str, Any]:
    """First, warm and 10k-record invocations of ``handler`` on ``event``'s three (``prepare`` runs before the
    batch)."""
    first = _timed(lambda: handler(event[0]))
    warm = _timed(lambda: handler(event[1]))
    if prepare is not None:
        prepare()
    rss_before = _rss_mib()
    answers: list[Any] = []
    batch = _timed(lambda: answers.append(handler(event[2])))
    return {"first_s": first, "warm_s": warm, "batch_s": batch, "rss_before_mib": rss_before,
            "peak_rss_mib": _rss_mib(), "batch_answer": answers[0]}


def raw_sink(paths: list[str], out_path: str) -> dict[str, Any]:
    """The least a Python sink function does for a Kafka event: base64- and JSON-decode each value (the converter's
    work) and append its payload to the file."""
    events = [_event(path) for path in paths]
    started = time.perf_counter()
    import base64

    import orjson
    imported = time.perf_counter() - started

    def handle(event: dict[str, Any]) -> dict[str, int]:
        written = 0
        with open(out_path, "a") as out:
            for records in event["records"].values():
                for record in records:
                    out.write(str(orjson.loads(base64.b64decode(record["value"]))["payload"]) + "\n")
                    written += 1
        return {"records": written}

    return {"import_s": imported, **_batch(handle, events)}


def raw_source(path: str, topic: str, offsets_topic: str, bootstrap: str) -> dict[str, Any]:
    """The least an exactly-once Python source function does for new lines of a file: a transactional producer,
    each line in JsonConverter's string envelope, the file position in the same transaction, commit."""
    started = time.perf_counter()
    from confluent_kafka import Producer
    imported = time.perf_counter() - started
    state: dict[str, Any] = {"position": 0}

    def handle(_: object) -> dict[str, int] | None:
        if "producer" not in state:
            state["producer"] = Producer({"bootstrap.servers": bootstrap, "transactional.id": f"raw-{topic}",
                                          "linger.ms": 5})
            state["producer"].init_transactions()
        producer = state["producer"]
        with open(path, "rb") as source:
            source.seek(state["position"])
            data = source.read()
        end = data.rfind(b"\n") + 1
        if not end:  # no complete line: nothing to send
            return None
        producer.begin_transaction()
        lines = data[:end].splitlines()
        for line in lines:
            producer.produce(topic, json.dumps({"schema": {"type": "string", "optional": False},
                                                "payload": line.decode()}).encode())
        state["position"] += end
        producer.produce(offsets_topic, json.dumps({"position": state["position"]}).encode(),
                         json.dumps(["raw", {"filename": path}]).encode())
        producer.commit_transaction()
        return {"records": len(lines)}

    def append() -> None:
        with open(path, "a") as source:
            source.write(LINES)

    return {"import_s": imported, **_batch(handle, (None, None, None), append)}


# Libraries a handler's cold path leaves out (tests/integration/bench checks the handlers' children report none)
LAZY = ("boto3", "configparser", "hashlib", "importlib.abc", "importlib.metadata", "signal")

LINES = "".join(f"line {i} lorem ipsum dolor sit amet consectetur\n" for i in range(10_000))


def main(argv: list[str]) -> dict[str, Any]:
    """Dispatch on the mode."""
    mode = argv[1]
    if mode == "import":
        started = time.perf_counter()
        importlib.import_module(argv[2])
        return {"import_s": time.perf_counter() - started}
    if mode == "raw-sink":
        return raw_sink(argv[2:5], argv[5])
    if mode == "raw-source":
        return raw_source(argv[2], argv[3], argv[4], argv[5])
    if mode == "sink":
        events = [_event(path) for path in argv[2:5]]
        handler, imported = _handler("functions.sink_task.app")
        return {"import_s": imported, **_batch(lambda event: handler(event, Context()), events)}
    if mode == "source":
        handler, imported = _handler("functions.source_task.app")
        event = {"connector": argv[3], "task": 0}

        def append() -> None:
            with open(argv[2], "a") as source:
                source.write(LINES)

        return {"import_s": imported,
                **_batch(lambda event: handler(event, Context()), (event, event, event), append)}
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
    measured = main(sys.argv)
    print(json.dumps({**measured, "lazy_loaded": sorted(name for name in LAZY if name in sys.modules)}))
