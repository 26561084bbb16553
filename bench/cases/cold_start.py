"""Case 5: cold start and memory of each handler, every figure from fresh interpreters (``bench/cases/_child.py``).

Each of ``REPEATS`` repetitions starts a fresh interpreter per handler and per raw function, on fresh connectors
(a later repetition must not find the earlier one's offsets), ours and raw back to back, the order flipped every
repetition; rows give the median with its order-statistics interval (``bench/stats.py``). The repository's
modules are fresh_interpreter.compiled first, as the deployed artifact ships them (``infra/sam/Makefile``'s compileall).

- Import time of ``functions.<name>.app`` against importing ``confluent_kafka`` alone.
- First invocation: the handler's import plus its first event (clients and stores built; the internal topics
  exist, as in a running stack), Lambda's INIT and first INVOKE, against the warm second invocation of the same
  event; the raw function's import + first event beside it.
- Peak RSS (VmHWM) after a 10,000-record batch, ours over raw per repetition: the sink handler on a Lambda event
  of 10,000 records (FileStreamSink) against a raw function that decodes the same event and writes each payload
  to a file; the source handler reading 10,000 new lines (FileStreamSource) against a raw exactly-once function
  (transactional producer, JsonConverter's envelope, the file position in the same transaction).
"""

from __future__ import annotations

import json
import os
import statistics
from typing import TYPE_CHECKING, Any

from bench import common, fresh_interpreter, mapping, stats

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from pathlib import Path

    from bench.common import Result, Settings

HANDLERS = ("source_task", "sink_task", "coordinator")
IMPORT_RUNS = 10
REPEATS = int(os.environ.get("BENCH_COLD_REPEATS", "7"))  # 7: [min, max] covers the median with 98.4%
GOAL_FIRST_MS = 300.0  # the goals bench/README.md lists: first invocation <= 300 ms
GOAL_RSS_RATIO = 1.5  # and peak RSS <= 1.5x raw


def _ms(values: Sequence[float]) -> list[float]:
    return [round(v * 1000, 1) for v in values]


def _interval(values: Sequence[float], digits: int = 1) -> dict[str, Any]:
    """The median's order-statistics interval, as case 4's rows carry it."""
    found = stats.median_interval(values)
    return {"repeats": found.samples, "ci95": [round(found.low, digits), round(found.high, digits)],
            "ci_coverage": round(found.coverage, 4), "ci_method": "order statistics of the repetitions"}


def run(settings: Settings, repeats: int = REPEATS) -> list[Result]:
    """Import times, first/warm invocation latency and peak RSS, each from ``repeats`` fresh interpreters."""
    del settings  # case 5 sizes are fixed: one event, then 10,000 records
    results = [_import_row(name) for name in HANDLERS]
    bootstrap = common.services("kafka")["kafka"]["bootstrap.servers"]
    cluster = common.Cluster.create(bootstrap)
    common.allow_bench_files()  # the FileStream connectors' files live under .run/bench (children inherit it)
    directory = fresh_interpreter.REPO / ".run" / "bench" / f"cold-{common.RUN_ID}"
    directory.mkdir(parents=True, exist_ok=True)
    try:
        _create_internal_topics(cluster, directory)
        env = cluster.env(bootstrap) | {"POWERTOOLS_METRICS_NAMESPACE": "bench", "POWERTOOLS_LOG_LEVEL": "WARNING",
                                        "LOG_LEVEL": "WARNING"}
        coordinator = [
            fresh_interpreter.child("coordinator", env=env) for _ in range(repeats)
        ]  # before the cases add connectors
        sink: list[tuple[dict[str, Any], dict[str, Any]]] = []
        source: list[tuple[dict[str, Any], dict[str, Any]]] = []
        for i in range(repeats):
            sink.append(_paired(i, lambda: _sink(cluster, directory, env)))
            source.append(_paired(i, lambda: _source(cluster, bootstrap, directory, env)))
    finally:
        cluster.close()
    results.append(_latency("sink_task", [o for o, _ in sink], [r for _, r in sink]))
    results.append(_rss("5 peak rss sink handler, 10k-record event (MiB)",
                        "raw function: decode the same event, write each payload", sink))
    results.append(_latency("source_task", [o for o, _ in source], [r for _, r in source]))
    results.append(_rss("5 peak rss source handler, 10k lines (MiB)",
                        "raw exactly-once function: transactional produce of the same lines + position", source))
    results.append(_latency("coordinator", coordinator, None))
    return results


def _paired(i: int, prepare: Callable[[], tuple[Callable[[], Any], Callable[[], Any]]]) -> tuple[Any, Any]:
    """Ours and raw back to back, raw first on odd repetitions."""
    ours, raw = prepare()
    if i % 2:
        raw_result = raw()
        return ours(), raw_result
    ours_result = ours()
    return ours_result, raw()


def _import_row(name: str) -> Result:
    """The handler's import against confluent_kafka's, one of each in turn."""
    baseline: list[float] = []
    ours: list[float] = []
    for _ in range(IMPORT_RUNS):
        baseline.append(fresh_interpreter.child("import", "confluent_kafka")["import_s"])
        ours.append(fresh_interpreter.child("import", f"functions.{name}.app")["import_s"])
    return common.Result(f"5 import {name} handler (ms)", statistics.median(ours) * 1000, "import confluent_kafka",
                         statistics.median(baseline) * 1000, 0, IMPORT_RUNS, unit="ms", higher_is_better=False,
                         extra={**_interval(_ms(ours)), "ours_ms": _ms(ours), "baseline_ms": _ms(baseline)})


def _create_internal_topics(cluster: common.Cluster, directory: Path) -> None:
    """One source invocation in this process first, so every internal topic exists: a new container of a running
    stack finds them (they are created once per stack), and its first invocation should not pay for that."""
    from connect_core.runtime.task_invocation import SourceInvocation

    name = common.unique("topics")
    (directory / "topics.txt").write_text("x\n")
    cluster.deploy(name, {"connector.class": "FileStreamSource", "file": str(directory / "topics.txt"),
                          "topic": common.unique("topics"), "tasks.max": "1"})
    invocation = SourceInvocation(cluster.worker)
    try:
        invocation.run(name, 0, common.budget(), 512)
    finally:
        invocation.close()


def _latency(name: str, ours: list[dict[str, Any]], raw: list[dict[str, Any]] | None) -> Result:
    """Import + first event per repetition (the goal's figure), against the warm invocation."""
    total = [m["import_s"] + m["first_s"] for m in ours]
    warm = [m["warm_s"] for m in ours]
    median_ms = statistics.median(total) * 1000
    extra: dict[str, Any] = {
        **_interval(_ms(total)), "total_ms": _ms(total), "import_ms": _ms([m["import_s"] for m in ours]),
        "first_event_ms": _ms([m["first_s"] for m in ours]), "warm_ms": _ms(warm),
        "peak_rss_mib": [round(m["peak_rss_mib"], 1) for m in ours],
        "goal_ms": GOAL_FIRST_MS, "goal_met_median": median_ms <= GOAL_FIRST_MS,
        "lazy_loaded": sorted({name for m in ours for name in m["lazy_loaded"]})}
    if raw is not None:
        raw_total = [m["import_s"] + m["first_s"] for m in raw]
        extra.update(raw_total_ms=_ms(raw_total), raw_total_median_ms=round(statistics.median(raw_total) * 1000, 1))
    return common.Result(f"5 first invocation {name}, import + first event (ms)", median_ms, "warm invocation (ms)",
                         statistics.median(warm) * 1000, 1, len(ours), unit="ms", higher_is_better=False,
                         extra=extra)


def _rss(name: str, baseline: str, pairs: list[tuple[dict[str, Any], dict[str, Any]]]) -> Result:
    """Peak RSS, the ratio the median of the per-repetition ours / raw ratios."""
    ours, raw = [o["peak_rss_mib"] for o, _ in pairs], [r["peak_rss_mib"] for _, r in pairs]
    ratios = [o / r for o, r in zip(ours, raw, strict=True)]
    found = stats.median_interval(ratios)
    return common.Result(name, statistics.median(ours), baseline, statistics.median(raw), 10_000, len(pairs),
                         unit="MiB", higher_is_better=False, ratio=round(found.median, 3),
                         extra={**_interval(ratios, 3), "ratios": [round(r, 3) for r in ratios],
                                "ours_mib": [round(v, 1) for v in ours], "raw_mib": [round(v, 1) for v in raw],
                                "ours_rss_before_batch_mib": [round(o["rss_before_mib"], 1) for o, _ in pairs],
                                "raw_rss_before_batch_mib": [round(r["rss_before_mib"], 1) for _, r in pairs],
                                "ours_batch_s": [round(o["batch_s"], 3) for o, _ in pairs],
                                "ours_batch_records": [o["batch_records"] for o, _ in pairs],
                                "raw_batch_records": [r["batch_records"] for _, r in pairs],
                                "raw_batch_s": [round(r["batch_s"], 3) for _, r in pairs],
                                "goal_ratio": GOAL_RSS_RATIO, "goal_met_median": found.median <= GOAL_RSS_RATIO})


def _event(path: Path, topic: str, count: int, start: int = 0) -> Path:
    """A Lambda Kafka event of ``count`` JsonConverter records (schemaless), offsets from ``start``."""
    from connect_core.local.kafka_trigger import build_event

    class Message:
        def __init__(self, offset: int) -> None:
            self._offset = offset

        def topic(self) -> str:
            return topic

        def partition(self) -> int:
            return 0

        def offset(self) -> int:
            return self._offset

        def timestamp(self) -> tuple[int, int]:
            return 0, 1_700_000_000_000 + self._offset

        def headers(self) -> None:
            return None

        def key(self) -> bytes:
            return f"k{self._offset}".encode()

        def value(self) -> bytes:
            payload = {"id": self._offset, "name": f"name-{self._offset}", "note": "lorem ipsum dolor sit amet"}
            return json.dumps({"schema": None, "payload": payload}).encode()

    path.write_text(json.dumps(build_event([Message(i) for i in range(start, start + count)], "127.0.0.1:9092")))
    return path


def _sink(cluster: common.Cluster, directory: Path,
          env: dict[str, str]) -> tuple[Callable[[], Any], Callable[[], Any]]:
    """A fresh sink connector and its events: ours' child, the raw child."""
    name, topic = common.unique("cold-sink"), common.unique("cold")
    cluster.deploy(name, {"connector.class": "FileStreamSink", "file": str(directory / f"{name}.txt"),
                          "topics": topic, "tasks.max": "1",
                          "key.converter": "org.apache.kafka.connect.storage.StringConverter",
                          "value.converter": "org.apache.kafka.connect.json.JsonConverter",
                          # the events below are built here, their records are not in the topic: nothing for the
                          # read_committed check to fetch (its own cost is measured in docs/deploy.md)
                          "lambda.sink.read.committed": "false"})
    events = [str(_event(directory / f"{name}-{kind}.json", topic, count, start))  # each goes on from the one before
              for kind, count, start in (("first", 1, 0), ("warm", 1, 1), ("large", 10_000, 2))]
    ours_file, raw_file = directory / f"{name}.txt", directory / f"{name}-raw.txt"
    return (lambda: _lines(fresh_interpreter.child("sink", *events, env=env | {"CONNECTOR_NAME": name}), ours_file),
            lambda: _lines(fresh_interpreter.child("raw-sink", *events, str(raw_file)), raw_file))


def _lines(measured: dict[str, Any], written: Path) -> dict[str, Any]:
    """The lines the child's sink wrote in all (1 + 1 + 10,000: the same for ours and raw)."""
    with written.open("rb") as file:
        return {**measured, "batch_records": sum(1 for _ in file)}


def _source(cluster: common.Cluster, bootstrap: str, directory: Path,
            env: dict[str, str]) -> tuple[Callable[[], Any], Callable[[], Any]]:
    """A fresh source connector and file, topics created up front for both: ours' child, the raw child."""
    name, topic, raw_topic, raw_offsets = (common.unique(kind) for kind in ("cold-src", "cold", "cold-raw",
                                                                            "cold-raw-offsets"))
    for made in (topic, raw_topic, raw_offsets):
        mapping.create_topic(bootstrap, made)
    ours_file, raw_file = directory / f"{name}.txt", directory / f"{name}-raw.txt"
    for path in (ours_file, raw_file):
        path.write_text("first line\n")
    cluster.deploy(name, {"connector.class": "FileStreamSource", "file": str(ours_file), "topic": topic,
                          "tasks.max": "1", "batch.size": "2000"})
    return (lambda: _records(fresh_interpreter.child("source", str(ours_file), name, env=env)),
            lambda: _records(fresh_interpreter.child("raw-source", str(raw_file), raw_topic, raw_offsets, bootstrap)))


def _records(measured: dict[str, Any]) -> dict[str, Any]:
    """The records the 10,000-line invocation sent, as its answer says (10,000 for ours and raw)."""
    return {**measured, "batch_records": measured["batch_answer"]["records"]}
