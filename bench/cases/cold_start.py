"""Case 5: cold start and memory of each handler, every figure from fresh interpreters (``bench/cases/_child.py``).

- Import time of ``functions.<name>.app``, median of 10 fresh interpreters, against importing
  ``confluent_kafka`` alone (the one client library every handler needs): what the framework adds to an init.
- First-invocation latency (a fresh container's first event, clients and stores built; the internal topics exist,
  as in a running stack) against a warm second
  invocation of the same event in the same process.
- Peak RSS (``ru_maxrss``) after a 10,000-record batch: the sink handler on a Lambda event of 10,000 records
  (FileStreamSink), against a raw child that decodes the same event and writes the same file; the source handler
  reading 10,000 new lines (FileStreamSource), against the sink's raw child as the floor of a Python function.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench import common

if TYPE_CHECKING:
    from bench.common import Result, Settings

REPO = Path(__file__).resolve().parents[2]
HANDLERS = ("source_task", "sink_task", "coordinator")
IMPORT_RUNS = 10


def child(*args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run ``_child.py`` in a fresh interpreter and parse its JSON line."""
    done = subprocess.run([sys.executable, "-m", "bench.cases._child", *args], cwd=REPO, capture_output=True,
                          text=True, check=False, env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})},
                          timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"child {args[0]} failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _median(runs: int, *args: str, key: str = "import_s") -> float:
    return statistics.median(child(*args)[key] for _ in range(runs))


def run(settings: Settings) -> list[Result]:
    """Import times, first/warm invocation latency and peak RSS, as ratios against their baselines."""
    results: list[Result] = []
    baseline_import = _median(IMPORT_RUNS, "import", "confluent_kafka")
    for name in HANDLERS:
        ours = _median(IMPORT_RUNS, "import", f"functions.{name}.app")
        results.append(common.Result(f"5 import {name} handler (ms)", ours * 1000, "import confluent_kafka",
                                     baseline_import * 1000, 0, IMPORT_RUNS, unit="ms", higher_is_better=False))
    bootstrap = common.services("kafka")["kafka"]["bootstrap.servers"]
    cluster = common.Cluster.create(bootstrap)
    common.allow_bench_files()  # the FileStream connectors' files live under .run/bench (children inherit it)
    directory = REPO / ".run" / "bench" / f"cold-{common.RUN_ID}"
    directory.mkdir(parents=True, exist_ok=True)
    try:
        _create_internal_topics(cluster, directory)
        env = cluster.env(bootstrap) | {"POWERTOOLS_METRICS_NAMESPACE": "bench", "POWERTOOLS_LOG_LEVEL": "WARNING",
                                        "LOG_LEVEL": "WARNING"}
        results += _sink(cluster, bootstrap, directory, env)
        results += _source(cluster, directory, env)
        coordinator = child("coordinator", env=env)
        results.append(_latency("coordinator", coordinator))
    finally:
        cluster.close()
    return results


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


def _latency(name: str, measured: dict[str, Any]) -> Result:
    return common.Result(f"5 first invocation {name} (ms)", measured["first_s"] * 1000, "warm invocation (ms)",
                         measured["warm_s"] * 1000, 1, 1, unit="ms", higher_is_better=False,
                         extra={"import_ms": round(measured["import_s"] * 1000, 1)})


def _event(path: Path, topic: str, count: int) -> Path:
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

    path.write_text(json.dumps(build_event([Message(i) for i in range(count)], "127.0.0.1:9092")))
    return path


def _sink(cluster: common.Cluster, bootstrap: str, directory: Path, env: dict[str, str]) -> list[Result]:
    name, topic = common.unique("cold-sink"), common.unique("cold")
    cluster.deploy(name, {"connector.class": "FileStreamSink", "file": str(directory / "sink.txt"), "topics": topic,
                          "tasks.max": "1", "key.converter": "org.apache.kafka.connect.storage.StringConverter",
                          "value.converter": "org.apache.kafka.connect.json.JsonConverter",
                          # the events below are built here, their records are not in the topic: nothing for the
                          # read_committed check to fetch (its own cost is measured in docs/deploy.md)
                          "lambda.sink.read.committed": "false"})
    small, large = _event(directory / "small.json", topic, 1), _event(directory / "large.json", topic, 10_000)
    ours = child("sink", str(small), str(large), env=env | {"CONNECTOR_NAME": name})
    raw = child("raw-sink", str(large), str(directory / "raw.txt"))
    rss = common.Result("5 peak rss sink handler, 10k-record event (MiB)", ours["peak_rss_mib"],
                        "raw decode + file write of the same event", raw["peak_rss_mib"], 10_000, 1, unit="MiB",
                        higher_is_better=False, extra={"ours_batch_s": round(ours["batch_s"], 3),
                                                       "raw_batch_s": round(raw["batch_s"], 3),
                                                       "ours_rss_before_batch_mib": round(ours["rss_before_mib"], 1)})
    return [_latency("sink_task", ours), rss]


def _source(cluster: common.Cluster, directory: Path, env: dict[str, str]) -> list[Result]:
    name = common.unique("cold-src")
    source = directory / "source.txt"
    source.write_text("first line\n")
    cluster.deploy(name, {"connector.class": "FileStreamSource", "file": str(source), "topic": common.unique("cold"),
                          "tasks.max": "1", "batch.size": "2000"})
    ours = child("source", str(source), name, env=env)
    raw = child("raw-sink", str(directory / "large.json"), str(directory / "raw2.txt"))
    rss = common.Result("5 peak rss source handler, 10k lines (MiB)", ours["peak_rss_mib"],
                        "raw decode + file write of a 10k event", raw["peak_rss_mib"], 10_000, 1, unit="MiB",
                        higher_is_better=False, extra={"ours_batch_s": round(ours["batch_s"], 3),
                                                       "ours_rss_before_batch_mib": round(ours["rss_before_mib"], 1)})
    return [_latency("source_task", ours), rss]
