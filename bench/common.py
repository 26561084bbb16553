"""What every case shares: settings from the environment, timing, results, fresh internal topics, Kafka data.

Why ratios: the machines are shared and noisy, so an absolute records/s says little. Each case measures ours and a
baseline in the same process, interleaved (ours, baseline, ours, baseline, ...), and reports the median of each and
their ratio; the noise that hits both sides cancels out, the framework's overhead does not.
"""

from __future__ import annotations

import base64
import contextlib
import os
import statistics
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from connect_core.runtime.worker import WorkerSettings
    from connect_core.storage.config_store import ConfigStore
    from connect_core.storage.status_store import StatusStore

DEFAULT_RECORDS = 100_000
DEFAULT_REPEATS = 3
DEFAULT_BATCH = 1_000
DEFAULT_JAVA_SIZES = (100_000, 1_000_000)  # case 4; a size below 100,000 is labelled "cold start"
# a case run in its own process keeps the run's id (BENCH_RUN_ID); BENCH_RESUME continues an earlier run's
# (bench/checkpoint.py)
RUN_ID = os.environ.get("BENCH_RUN_ID") or os.environ.get("BENCH_RESUME") or uuid.uuid4().hex[:8]
# The cases' FileStream files live under .run/bench: the worker's file roots (connect_core/runtime/file_roots.py)
# must allow them, in this process and in the function children that inherit its environment.
FILE_ROOT = Path(__file__).resolve().parents[1] / ".run" / "bench"
RESULTS = Path(__file__).resolve().parent / "results"  # latest.json, history.jsonl, a run's checkpoint, profiles
os.environ.setdefault("LAMBDA_CONNECT_FILE_ROOTS", str(FILE_ROOT))


@dataclass(frozen=True)
class Settings:
    """Sizes of one run, from ``BENCH_*`` variables (documented in bench/README.md)."""

    records: int = DEFAULT_RECORDS
    repeats: int = DEFAULT_REPEATS
    batch: int = DEFAULT_BATCH
    cases: tuple[str, ...] = ()
    java: bool = True
    java_sizes: tuple[int, ...] = ()  # case 4's size sweep; empty: ``records`` only

    @classmethod
    def from_env(cls, **overrides: Any) -> Settings:
        """``BENCH_RECORDS`` (rows/records per throughput case), ``BENCH_REPEATS``, ``BENCH_BATCH``
        (records per Lambda Kafka event), ``BENCH_CASES`` (comma-separated case names), ``BENCH_JAVA=0``,
        ``BENCH_JAVA_SIZES`` (case 4's sweep, comma-separated record counts)."""
        values: dict[str, Any] = {
            "records": int(os.environ.get("BENCH_RECORDS", DEFAULT_RECORDS)),
            "repeats": int(os.environ.get("BENCH_REPEATS", DEFAULT_REPEATS)),
            "batch": int(os.environ.get("BENCH_BATCH", DEFAULT_BATCH)),
            "cases": tuple(c for c in os.environ.get("BENCH_CASES", "").split(",") if c),
            "java": os.environ.get("BENCH_JAVA", "1") not in ("0", "false", "no"),
            "java_sizes": tuple(int(n) for n in os.environ.get(
                "BENCH_JAVA_SIZES", ",".join(map(str, DEFAULT_JAVA_SIZES))).split(",") if n),
        }
        values.update(overrides)
        return cls(**values)


@dataclass
class Result:
    """One row of bench/results/latest.json; ``ratio`` is always ours / baseline in the row's ``unit``."""

    name: str
    ours_per_s: float | None
    baseline: str
    baseline_per_s: float | None
    records: int
    repeats: int
    unit: str = "records/s"
    higher_is_better: bool = True
    ratio: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    skipped: str | None = None

    def __post_init__(self) -> None:
        if self.ratio is None and self.ours_per_s is not None and self.baseline_per_s:
            self.ratio = round(self.ours_per_s / self.baseline_per_s, 3)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, rounded to what the noise allows."""
        out = asdict(self)
        for key in ("ours_per_s", "baseline_per_s"):
            if isinstance(out[key], float):
                out[key] = round(out[key], 6 if abs(out[key]) < 1 else 1)
        return out


@dataclass
class Sample:
    """One timed repetition: wall and CPU seconds of this process, and how many records it moved."""

    wall_s: float
    cpu_s: float
    records: int
    esm_cpu_s: float = 0.0  # case 4: building the Lambda events (the event source mapping's work), part of cpu_s


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo (the JVM/ours ratio depends on the core, not only the load)."""
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    import platform

    return platform.processor() or "unknown"


def machine() -> str:
    """The CPU model and core count a row was measured on (a resumed run's parts may run on different machines)."""
    return f"{cpu_model()}, {os.cpu_count()} cpus"


def measure(action: Callable[[], int]) -> Sample:
    """Run ``action`` (returns records moved); CPU is the whole process (librdkafka threads included)."""
    cpu0, wall0 = time.process_time(), time.perf_counter()
    records = action()
    return Sample(time.perf_counter() - wall0, time.process_time() - cpu0, records)


class Phases:
    """Wall seconds of one case-4 row by phase (data preparation, each side's measured span, counting, clean-up),
    printed as the row goes and kept in its ``extra.phase_wall_s``: where a run's hours go. A phase inside another
    counts for the inner one alone, so the phases add up to the row's wall time. Never part of a figure."""

    def __init__(self) -> None:
        """No phases yet."""
        self.wall: dict[str, float] = {}
        self._children: list[float] = []

    def reset(self) -> dict[str, float]:
        """Forget the phases; returns them rounded (seconds)."""
        done = {name: round(seconds, 1) for name, seconds in self.wall.items()}
        self.wall = {}
        return done

    @contextlib.contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        """Time the block as phase ``name`` (less the phases inside it)."""
        self._children.append(0.0)
        wall0 = time.perf_counter()
        try:
            yield
        finally:
            elapsed = time.perf_counter() - wall0
            inner = self._children.pop()
            self.wall[name] = self.wall.get(name, 0.0) + elapsed - inner
            if self._children:
                self._children[-1] += elapsed


phase = Phases()  # the current row's phases (a case runs its rows one after the other)


def median_rate(samples: list[Sample], *, cpu: bool = False) -> float:
    """Median records per wall second (or per CPU second)."""
    return statistics.median(s.records / max(s.cpu_s if cpu else s.wall_s, 1e-9) for s in samples)


def interleave(repeats: int, ours: Callable[[int], Sample], baseline: Callable[[int], Sample], *,
               warmup: bool = False) -> tuple[list[Sample], list[Sample]]:
    """Alternate ours and the baseline so drifting load hits both; the order flips every repetition.

    ``warmup``: one repetition of each side (``rep`` -1) runs first and is discarded (case 4: a warm JVM and a warm
    container are what a user compares)."""
    mine: list[Sample] = []
    theirs: list[Sample] = []
    if warmup:
        ours(-1)
        baseline(-1)
    for rep in range(repeats):
        if rep % 2 == 0:
            mine.append(ours(rep))
            theirs.append(baseline(rep))
        else:
            theirs.append(baseline(rep))
            mine.append(ours(rep))
    return mine, theirs


def throughput_result(name: str, baseline: str, mine: list[Sample], theirs: list[Sample],
                      **extra: Any) -> Result:
    """A records/s row with CPU-second rates and the raw samples kept for the curious."""
    records = mine[0].records if mine else 0
    ours_cpu, theirs_cpu = median_rate(mine, cpu=True), median_rate(theirs, cpu=True)
    return Result(
        name, median_rate(mine), baseline, median_rate(theirs), records, len(mine),
        extra={
            "ours_per_cpu_s": round(ours_cpu, 1),
            "baseline_per_cpu_s": round(theirs_cpu, 1),
            "ratio_per_cpu_s": round(ours_cpu / theirs_cpu, 3) if theirs_cpu else None,
            "ours_cpu_s": [round(s.cpu_s, 3) for s in mine],
            "baseline_cpu_s": [round(s.cpu_s, 3) for s in theirs],
            "ours_wall_s": [round(s.wall_s, 3) for s in mine],
            "baseline_wall_s": [round(s.wall_s, 3) for s in theirs],
            **extra,
        },
    )


BENCH_FILES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), ".run", "bench")


def allow_bench_files() -> str:
    """Add the bench's file directory (``.run/bench``) to the worker's file roots (``LAMBDA_CONNECT_FILE_ROOTS``)
    of this process and the children it starts: the FileStream connectors of cases 4a and 5 read and write there,
    and a worker only offers them with a root that holds their files. Returns the directory."""
    from connect_core.runtime import env

    os.makedirs(BENCH_FILES, exist_ok=True)
    roots = [r for r in os.environ.get(env.FILE_ROOTS, "").split(",") if r.strip()]
    if os.path.realpath(BENCH_FILES) not in {os.path.realpath(r.strip()) for r in roots}:
        os.environ[env.FILE_ROOTS] = ",".join([*roots, BENCH_FILES])
    return BENCH_FILES


def unique(prefix: str) -> str:
    """A name no other run or engineer uses (topics, tables, buckets, indices, connectors)."""
    return f"bench-{RUN_ID}-{prefix}-{uuid.uuid4().hex[:6]}".replace("_", "-")


def services(*names: str) -> dict[str, dict[str, str]]:
    """Start (idempotently) and describe the real local services."""
    from infra.local import services as local

    return local.ensure(list(names))


def budget(ms: float = 900_000.0) -> Callable[[], float]:
    """A Lambda-style remaining-time callable (15 minutes: one invocation drains the whole table)."""
    deadline = time.monotonic() * 1000 + ms
    return lambda: deadline - time.monotonic() * 1000


@dataclass
class Cluster:
    """A worker over its own internal topics, so runs never see each other's connectors or offsets."""

    worker: WorkerSettings
    configs: ConfigStore
    statuses: StatusStore

    @classmethod
    def create(cls, bootstrap: str) -> Cluster:
        """Fresh ``connect-configs/offsets/status`` look-alikes under a unique prefix."""
        from connect_core.kafka.settings import KafkaClientSettings
        from connect_core.runtime.worker import WorkerSettings
        from connect_core.storage.config import StorageConfig
        from connect_core.storage.config_store import ConfigStore
        from connect_core.storage.status_store import StatusStore

        prefix = unique("cluster")
        storage = StorageConfig(config_storage_topic=f"{prefix}-configs", offset_storage_topic=f"{prefix}-offsets",
                                status_storage_topic=f"{prefix}-status", offset_storage_partitions=1,
                                status_storage_partitions=1)
        worker = WorkerSettings(KafkaClientSettings(bootstrap_servers=bootstrap), storage, group_id=prefix)
        return cls(worker, ConfigStore(worker.kafka, storage), StatusStore(worker.kafka, storage))

    def deploy(self, name: str, config: dict[str, str], task_config: dict[str, str] | None = None) -> None:
        """Write a connector as the coordinator does: config, one task config + commit, target state STARTED."""
        from connect_core.storage.config_state import TargetState

        self.configs.put_connector_config(name, {"name": name, **config})
        self.configs.put_task_configs(name, [task_config if task_config is not None else dict(config)])
        self.configs.put_target_state(name, TargetState.STARTED)

    def env(self, bootstrap: str) -> dict[str, str]:
        """The function environment (``LAMBDA_CONNECT_*``) that points a handler at this cluster."""
        storage = self.worker.storage
        return {"LAMBDA_CONNECT_BOOTSTRAP_SERVERS": bootstrap, "LAMBDA_CONNECT_GROUP_ID": self.worker.group_id,
                "LAMBDA_CONNECT_CONFIG_TOPIC": storage.config_storage_topic,
                "LAMBDA_CONNECT_OFFSET_TOPIC": storage.offset_storage_topic,
                "LAMBDA_CONNECT_STATUS_TOPIC": storage.status_storage_topic,
                "LAMBDA_CONNECT_REPLICATION_FACTOR": "1"}

    def close(self) -> None:
        """Release the stores' clients."""
        self.configs.close()
        self.statuses.close()


def produce(bootstrap: str, topic: str, pairs: Iterator[tuple[bytes | None, bytes]], partitions: int = 1, *,
            create: bool = True, topic_config: dict[str, str] | None = None, **overrides: Any) -> int:
    """Create ``topic`` (unless ``create`` is False) and write (key, value) pairs to it; returns the count.
    ``overrides`` change the producer's settings (e.g. ``partitioner``)."""
    from confluent_kafka import Producer
    from confluent_kafka.admin import AdminClient, NewTopic

    if create:
        admin = AdminClient({"bootstrap.servers": bootstrap})
        for future in admin.create_topics([NewTopic(topic, partitions, 1, config=topic_config or {})]).values():
            future.result()
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 20, "batch.num.messages": 10_000,
                         "queue.buffering.max.messages": 500_000, "compression.type": "none", **overrides})
    count = 0
    for key, value in pairs:
        while True:
            try:
                producer.produce(topic, value=value, key=key)
                break
            except BufferError:
                producer.poll(0.05)
        count += 1
        if count % 10_000 == 0:
            producer.poll(0)
    if producer.flush(300):
        raise RuntimeError(f"{topic}: not every record was written")
    return count


def consume(bootstrap: str, topic: str, expected: int, timeout_s: float = 300.0) -> list[Any]:
    """Every message of ``topic`` from the start (read_committed), as confluent-kafka ``Message`` objects."""
    from confluent_kafka import Consumer

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": unique("reader"),
                         "auto.offset.reset": "earliest", "enable.auto.commit": False,
                         "isolation.level": "read_committed", "fetch.max.bytes": 52_428_800})
    consumer.subscribe([topic])
    out: list[Any] = []
    deadline = time.monotonic() + timeout_s
    try:
        while len(out) < expected and time.monotonic() < deadline:
            for message in consumer.consume(10_000, timeout=1.0):
                if message.error() is None:
                    out.append(message)
    finally:
        consumer.close()
    if len(out) < expected:
        raise RuntimeError(f"{topic}: read {len(out)} of {expected} records within {timeout_s}s")
    return out


def events(messages: list[Any], batch: int, bootstrap: str) -> list[str]:
    """Lambda Kafka event payloads (JSON text, as the runtime receives them) of ``batch`` records each."""
    import json

    from connect_core.local.kafka_trigger import build_event

    return [json.dumps(build_event(messages[i:i + batch], bootstrap)) for i in range(0, len(messages), batch)]


def event_values(event: dict[str, Any]) -> Iterator[tuple[str, int, int, bytes | None, bytes | None]]:
    """(topic, partition, offset, key, value) of every record of a decoded Lambda Kafka event (raw baselines)."""
    b64 = base64.b64decode
    for records in event["records"].values():
        for r in records:
            key, value = r.get("key"), r.get("value")
            yield (r["topic"], r["partition"], r["offset"], None if key is None else b64(key),
                   None if value is None else b64(value))


def proc_cpu_s(pid: int) -> float:
    """utime + stime of another process (a JVM), in seconds, from /proc."""
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks
