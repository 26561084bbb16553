"""Counting what a side wrote, exactly: the committed records of a topic (outside every measured span), a source
task invoked again, as its schedule would, until every change is in, and the topics a row makes and drops.

A capture that ends on a time budget (an invocation's share of its tick) would count fewer changes than the other
side moved; every CDC and MM2 row here ends on the count instead, and fails when it cannot reach it.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from bench import common, side_by_side

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from bench.common import Sample

WAIT_S = 900.0  # a side that has not every change in by then fails its row


class CommittedCount:
    """The records of one single-partition topic a ``read_committed`` reader sees, and their distinct keys (a
    duplicate shows as fewer keys than records); read outside every measured span."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        """A reader from the topic's start (the topic may not exist yet)."""
        from confluent_kafka import Consumer

        self.topic = topic
        self.records = 0
        self.keys: set[bytes | None] = set()
        self.consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": common.unique("count"),
                                  "enable.auto.commit": False, "isolation.level": "read_committed",
                                  "fetch.max.bytes": 52_428_800, "max.partition.fetch.bytes": 52_428_800})
        self.partition: Any = None

    def drain(self) -> int:
        """Read every record committed now: until the reader's position reaches the partition's end offset (a
        position passes transaction markers). The records so far."""
        from confluent_kafka import OFFSET_BEGINNING, KafkaException, TopicPartition

        if self.partition is None:
            try:
                if not self.consumer.list_topics(self.topic, timeout=5).topics[self.topic].partitions:
                    return 0
            except KafkaException:
                return 0
            self.partition = TopicPartition(self.topic, 0, OFFSET_BEGINNING)
            self.consumer.assign([self.partition])
        end = self.consumer.get_watermark_offsets(TopicPartition(self.topic, 0), timeout=10, cached=False)[1]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            fresh = [m for m in self.consumer.consume(10_000, timeout=0.2) if m.error() is None]
            self.records += len(fresh)
            self.keys.update(m.key() for m in fresh)
            # nothing read yet: the position is OFFSET_INVALID (negative), the start of an empty partition
            if not fresh and max(self.consumer.position([TopicPartition(self.topic, 0)])[0].offset, 0) >= end:
                break
        return self.records

    def exact(self, expected: int, who: str) -> None:
        """Fail unless exactly ``expected`` records with ``expected`` distinct keys arrived."""
        self.drain()
        if self.records != expected or len(self.keys) != expected:
            raise RuntimeError(f"{who}: {self.records} records with {len(self.keys)} distinct keys in {self.topic}, "
                               f"expected {expected}")

    def close(self) -> None:
        """Release the reader."""
        self.consumer.close()


def until_all_in(invoke: Callable[[], object], count: CommittedCount, records: int,
                 who: str) -> tuple[Sample, int]:
    """Invocations of one task, as its schedule calls them, until every one of ``records`` changes is committed in
    its topic: an invocation may end on its share of the tick (``SourceRunner``'s ``TICK_SHARE``) or at an empty
    poll before then, and the next one goes on. The CPU and wall time of the invocations only (each
    ``common.measure``d; the count between them is not), and how many invocations it took."""
    from bench.common import Sample

    def call() -> int:
        invoke()
        return 0

    total = Sample(0.0, 0.0, records)
    deadline = time.monotonic() + WAIT_S
    invocations = 0
    while True:
        with common.phase("ours"):
            sample = common.measure(call)
        invocations += 1
        total.wall_s += sample.wall_s
        total.cpu_s += sample.cpu_s
        with common.phase("count"):
            if count.drain() >= records:
                break
        if time.monotonic() > deadline:
            raise RuntimeError(f"{who}: {count.records} of {records} changes in {count.topic} within {WAIT_S} s")
    with common.phase("count"):
        count.exact(records, who)
    return total, invocations


def beside_floor(rep: int, cluster: common.Cluster, name: str,
                 prepare: Callable[[], tuple[Callable[[int], int], list[CommittedCount]]], *, records: int,
                 raw: list[Sample], invocations: list[int]) -> Sample:
    """A source row's repetition ``rep``: connector ``name``'s task started by a first, unmeasured invocation, then
    ``prepare()`` (the changes made, the floor set up) returns the floor and the counts of ours' and the floor's
    topics; ours (invoked until all ``records`` are in ``counts[0]``'s topic) and the floor (``floor(records)``, then
    exactly ``records`` in ``counts[1]``'s) run one after the other, the order flipped every repetition
    (``side_by_side.alternated``). A measured repetition's floor sample goes to ``raw`` and ours' number of
    invocations to ``invocations``. Returns ours' sample."""
    runner = started(cluster, name)
    counts: list[CommittedCount] = []
    try:
        with common.phase("prepare: changes"):
            floor, counts = prepare()
        return ours_and_floor(rep, runner, name, floor, counts, records=records, raw=raw, invocations=invocations)
    finally:
        runner.close()
        for count in counts:
            count.close()


def started(cluster: common.Cluster, name: str) -> Any:
    """A ``SourceRunner`` whose first, unmeasured invocation of connector ``name`` started its task (a CDC slot's
    position stored, a mirror task's consumer assigned) before any change exists; the caller closes it."""
    from connect_core.runtime.source_runner import SourceRunner

    runner = SourceRunner(cluster.worker, config_store=cluster.configs, status_store=cluster.statuses)
    try:
        with common.phase("ours: task start"):
            runner.run(name, 0, common.budget())  # nothing to move yet
    except BaseException:
        runner.close()
        raise
    return runner


def ours_and_floor(rep: int, runner: Any, name: str, floor: Callable[[int], int], counts: Sequence[CommittedCount],
                   *, records: int, raw: list[Sample], invocations: list[int]) -> Sample:
    """Ours (``runner`` invoked until all ``records`` are in ``counts[0]``'s topic) and the floor
    (``floor(records)``, then exactly ``records`` in ``counts[1]``'s), in the order of ``beside_floor``."""

    def mine() -> Sample:
        sample, calls = until_all_in(lambda: runner.run(name, 0, common.budget()), counts[0], records, "ours")
        if rep >= 0:
            invocations.append(calls)
        return sample

    def least() -> Sample:
        sample = common.measure(lambda: floor(records))
        with common.phase("count"):
            counts[1].exact(records, "raw floor")
        return sample

    return side_by_side.alternated(rep, mine, least, raw)


def topics(bootstrap: str, create: Sequence[str] = (), delete: Sequence[str] = ()) -> None:
    """Create (one partition) or delete topics (a row's 100,000-record topics must not pile up on the shared
    broker); a delete of a topic never made is no error."""
    with common.phase("topics created" if create else "clean-up"):
        _topics(bootstrap, create, delete)


def _topics(bootstrap: str, create: Sequence[str], delete: Sequence[str]) -> None:
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient({"bootstrap.servers": bootstrap})  # kept alive until its futures are done
    if create:
        for future in admin.create_topics([NewTopic(t, 1, 1) for t in create]).values():
            future.result(30)
    if delete:
        for future in admin.delete_topics(list(delete), operation_timeout=30).values():
            try:
                future.result()
            except Exception:  # best effort
                pass
