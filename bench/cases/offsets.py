"""Case 8: a cold source task's offset read against the history of ``connect-offsets``.

For each size of ``BENCH_OFFSET_SIZES`` (1,000 / 100,000 / 1,000,000 records by default) a fresh offsets topic (25
partitions, compacted, as Kafka Connect creates it) is filled with a producer: the measured connector's 10 source
partitions first (the oldest records of the topic, as a connector created long ago), then the offsets of 2,000 other
connectors' partitions. A first read of the connector (no snapshot yet: the whole topic) writes its snapshot, the
fleet then writes 200 more records, and each repetition is what a new container does: fresh clients, topic checked,
then the timed part, the connector's offsets read (``OffsetStore.for_connector(...).refresh()``) and one lookup.

Rows: ``8 cold offset read @N (ms)``, ours = that read, baseline = the same read at the smallest size (the goal: at
1M at most 100 ms more than at 1k; ``extra.minus_smallest_ms``). The whole-topic read a task did before (every
record parsed, ``OffsetStore.start``) is measured up to ``BENCH_OFFSET_FULL_MAX`` records (``extra.full_read_ms``;
100,000 by default: a million records take about a minute here).

Rows ``8 first read after creation @N (ms)``: the key index is built first (``storage/offset_key_index.py``, what
the coordinator's heartbeats do once per topic, a budget per beat: ``extra.index_build_ms`` / ``index_advances``),
then a connector is created as the coordinator creates one (``OffsetStore.first_snapshot``, ``extra.
create_snapshot_ms``), the fleet writes 200 more records, and its first task's first read is timed (a new
container); baseline: the first read of a connector without a snapshot (the whole topic), measured in the same run.
"""

from __future__ import annotations

import os
import statistics
import time
from typing import TYPE_CHECKING

from bench import common

if TYPE_CHECKING:
    from collections.abc import Iterator

    from bench.common import Result, Settings
    from connect_core.storage.offset_store import OffsetStore

DEFAULT_SIZES = (1_000, 100_000, 1_000_000)
DEFAULT_FULL_MAX = 100_000
PARTITIONS = 25  # Kafka Connect's offset.storage.partitions default
CONNECTOR = "bench-src"
NEW_CONNECTOR = "bench-new"  # created after the history was written: its first snapshot comes with the create
OWN_PARTITIONS = 10
FLEET_CONNECTORS = 2_000
AFTER_SNAPSHOT = 200


def run(settings: Settings, sizes: tuple[int, ...] | None = None) -> list[Result]:
    """One row per size; the baseline of each is the smallest size's read."""
    sizes = sizes or tuple(int(n) for n in os.environ.get(
        "BENCH_OFFSET_SIZES", ",".join(map(str, DEFAULT_SIZES))).split(",") if n)
    full_max = int(os.environ.get("BENCH_OFFSET_FULL_MAX", DEFAULT_FULL_MAX))
    bootstrap = common.services("kafka")["kafka"]["bootstrap.servers"]
    measured = [_measure(bootstrap, size, settings.repeats, full=size <= full_max) for size in sorted(sizes)]
    smallest = measured[0]
    rows = []
    for m in measured:
        rows.append(common.Result(
            f"8 cold offset read @{_label(m['size'])} (ms)", m["cold_ms"],
            f"the same read at {_label(smallest['size'])} records", smallest["cold_ms"], m["records"],
            settings.repeats, unit="ms", higher_is_better=False,
            extra={"minus_smallest_ms": round(m["cold_ms"] - smallest["cold_ms"], 1), **m}))
    for m in measured:
        rows.append(common.Result(
            f"8 first read after creation @{_label(m['size'])} (ms)", m["created_first_ms"],
            "a first read without a snapshot (the whole topic)", m["first_read_ms"], m["records"], 1, unit="ms",
            higher_is_better=False,
            extra={k: m[k] for k in ("size", "created_first_ms", "create_snapshot_ms", "index_build_ms",
                                      "index_advances", "records_read_created", "first_read_ms")}))
    return rows


def _label(records: int) -> str:
    return f"{records // 1_000_000}M" if records >= 1_000_000 and records % 1_000_000 == 0 else (
        f"{records // 1000}k" if records >= 1000 and records % 1000 == 0 else str(records))


def _measure(bootstrap: str, size: int, repeats: int, *, full: bool) -> dict[str, float | int | None]:
    from confluent_kafka.admin import AdminClient

    from connect_core.kafka.settings import KafkaClientSettings
    from connect_core.storage.config import StorageConfig
    from connect_core.storage.connector_offsets import snapshot_group
    from connect_core.storage.offset_key_index import index_group
    from connect_core.storage.offset_store import OffsetStore

    topic = common.unique("offsets")
    settings = KafkaClientSettings(bootstrap_servers=bootstrap)
    storage = StorageConfig(offset_storage_topic=topic, offset_storage_partitions=PARTITIONS)
    admin = AdminClient({"bootstrap.servers": bootstrap})
    try:
        started = time.perf_counter()
        _fill(bootstrap, topic, size)
        fill_s = time.perf_counter() - started

        def store() -> OffsetStore:
            fresh = OffsetStore(settings, storage)
            fresh.log.start()  # a new container checks the topic anyway (and connects) before it reads
            return fresh

        created = _create_new(store())  # the key index built as heartbeats do, then a create
        first = store()
        started = time.perf_counter()
        first.for_connector(CONNECTOR).refresh()  # no snapshot yet: the whole topic, then the snapshot
        first_ms = (time.perf_counter() - started) * 1000
        first.close()
        _fill(bootstrap, topic, AFTER_SNAPSHOT, create=False, own=False, start=size)
        cold: list[float] = []
        scanned = 0
        for _ in range(repeats):
            fresh = store()
            started = time.perf_counter()
            view = fresh.for_connector(CONNECTOR)
            view.refresh()
            found = view.offset({"file": "/data/own-3"})
            cold.append((time.perf_counter() - started) * 1000)
            scanned = view.scanned
            fresh.close()
            if found != {"position": 3}:
                raise RuntimeError(f"wrong offset read back: {found}")
        created |= _first_read_after_creation(store())
        full_ms = None
        if full:
            whole = store()
            started = time.perf_counter()
            whole.start()
            if whole.offset(CONNECTOR, {"file": "/data/own-3"}) != {"position": 3}:
                raise RuntimeError("the whole-topic read found another offset")
            full_ms = round((time.perf_counter() - started) * 1000, 1)
            whole.close()
        return {"size": size, "records": size + OWN_PARTITIONS + AFTER_SNAPSHOT, "cold_ms": statistics.median(cold),
                "cold_runs_ms": [round(c, 1) for c in cold], "first_read_ms": round(first_ms, 1),
                "full_read_ms": full_ms, "records_read_cold": scanned, "fill_s": round(fill_s, 1),
                **created}
    finally:
        admin.delete_topics([topic])
        admin.delete_consumer_groups([snapshot_group(topic, CONNECTOR), snapshot_group(topic, NEW_CONNECTOR),
                                      index_group(topic)])


def _create_new(store: OffsetStore) -> dict[str, float | int | None]:
    """The coordinator's heartbeats build the key index once per topic (a budget per beat); then a create finds the
    new name absent and writes its first snapshot at the log end."""
    from connect_core.storage.offset_key_index import OffsetKeyIndex

    started = time.perf_counter()
    advances = 1
    while not OffsetKeyIndex(store.log).advance():
        advances += 1
        if advances > 100:
            raise RuntimeError("the offsets key index did not reach the log end in 100 advances")
    index_build_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    outcome = store.first_snapshot(NEW_CONNECTOR)
    create_ms = (time.perf_counter() - started) * 1000
    store.close()
    if outcome != "written":
        raise RuntimeError(f"no first snapshot for the new connector: {outcome}")
    return {"create_snapshot_ms": round(create_ms, 1), "index_build_ms": round(index_build_ms, 1),
            "index_advances": advances}


def _first_read_after_creation(store: OffsetStore) -> dict[str, float | int | None]:
    """The new connector's first task's first read (a new container), after the fleet wrote more."""
    started = time.perf_counter()
    view = store.for_connector(NEW_CONNECTOR)
    view.refresh()
    if view.offsets():
        raise RuntimeError(f"the new connector has offsets: {view.offsets()}")
    elapsed_ms = (time.perf_counter() - started) * 1000
    store.close()
    return {"created_first_ms": round(elapsed_ms, 1), "records_read_created": view.scanned}


def _fill(bootstrap: str, topic: str, count: int, *, create: bool = True, own: bool = True, start: int = 0) -> None:
    """The connector's own offsets first (when ``own``), then ``count`` offsets of the fleet, as Kafka's producer
    partitions them (murmur2 of the key)."""

    def pairs() -> Iterator[tuple[bytes | None, bytes]]:
        if own:
            for i in range(OWN_PARTITIONS):
                yield b'["%s",{"file":"/data/own-%d"}]' % (CONNECTOR.encode(), i), b'{"position":%d}' % i
        for i in range(start, start + count):
            yield b'["fleet-%d",{"file":"/data/f%d"}]' % (i % FLEET_CONNECTORS, i), b'{"position":%d}' % i

    common.produce(bootstrap, topic, pairs(), PARTITIONS, create=create, topic_config={"cleanup.policy": "compact"},
                   partitioner="murmur2_random", **{"linger.ms": 50, "compression.type": "lz4",
                                                    "queue.buffering.max.messages": 1_000_000})
