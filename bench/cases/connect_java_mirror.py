"""Case 4m: MirrorMaker 2 replication, ours vs Apache Kafka's connect-mirror, exactly once on the target alike.

The source is the second local cluster (``kafka2``), the target the shared broker, where both sides run (MM2 on a
Connect cluster runs on the target's). Every repetition makes one fresh source topic of one partition for its three
sides, and both connectors on it, their tasks running and idle (ours' started by a first invocation, Kafka's then
paused), before its records are produced, once (keys, values of the realistic line set, one header, fixed
timestamps); then each side's timed replication to ``<alias>.<topic>`` on the target until every record is committed
there. Ours: ``MirrorSourceConnector`` created through our coordinator, its task invoked through ``SourceRunner`` as a
schedule invokes it (records and source offsets in one transaction per chunk). Theirs: Kafka's
``MirrorSourceConnector`` (connect-mirror, the worker's release) on a ``ConnectDistributed`` worker with
``exactly.once.source.support=enabled`` (a transaction per poll, records and offsets together), paused while its
records are produced and resumed when the JVM's CPU count starts. ``ByteArrayConverter`` on both sides, the same
keys. The raw floor, on the same source topic: a consumer of the source and a transactional producer to the target.
"""

from __future__ import annotations

import dataclasses
import json
import time
from typing import TYPE_CHECKING, Any

from bench import common, dataset, jvm_worker, side_by_side
from bench.counting import WAIT_S, CommittedCount, ours_and_floor, started, topics
from infra.local.versions import KAFKA_VERSION

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from bench.common import Result, Sample, Settings

CONNECT_MIRROR = f"org.apache.kafka:connect-mirror:{KAFKA_VERSION}"
MIRROR_SOURCE = "org.apache.kafka.connect.mirror.MirrorSourceConnector"
BYTES = "org.apache.kafka.connect.converters.ByteArrayConverter"
EXACTLY_ONCE = "exactly.once.source.support=enabled\n"
# The start of today (UTC), fixed at import: every side of a case (one process) writes the same bytes, and the
# records are recent: a year-old timestamp is past the brokers' 7-day retention, whose next check (every 5 min)
# deletes the records before a side has read them.
_BASE_TIMESTAMP_MS = int(time.time()) // 86_400 * 86_400_000


def mirror_records(count: int) -> Iterator[tuple[bytes, bytes, list[tuple[str, str | bytes | None]], int]]:
    """(key, value, headers, timestamp) of the replicated records, the same for the same ``count``: values are
    the realistic lines (UTF-8, 20-2,000 bytes), one trace header each."""
    for i, line in enumerate(dataset.realistic_lines(count)):
        yield f"key-{i:08d}".encode(), line.encode(), [("trace-id", f"{i:016x}".encode())], _BASE_TIMESTAMP_MS + i


def produce_source(bootstrap: str, topic: str, count: int) -> None:
    """Write the ``count`` records to ``topic`` (made beforehand, one partition), outside every measured span."""
    from confluent_kafka import Producer

    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 20, "batch.num.messages": 10_000,
                         "queue.buffering.max.messages": 500_000})
    for key, value, headers, timestamp in mirror_records(count):
        while True:
            try:
                producer.produce(topic, value, key, partition=0, headers=headers, timestamp=timestamp)
                break
            except BufferError:
                producer.poll(0.05)
    if producer.flush(300):
        raise RuntimeError(f"{topic}: not every record was written")


def mirror_config(alias: str, source: str, target: str, topic: str) -> dict[str, str]:
    """The keys both sides get alike (Kafka's docs' MM2 on a Connect cluster; one task, one partition)."""
    return {"connector.class": MIRROR_SOURCE, "source.cluster.alias": alias, "target.cluster.alias": f"t{alias}",
            "source.cluster.bootstrap.servers": source, "target.cluster.bootstrap.servers": target,
            "topics": topic, "tasks.max": "1", "replication.factor": "1",
            "offset-syncs.topic.replication.factor": "1", "heartbeats.replication.enabled": "false",
            "sync.topic.acls.enabled": "false", "key.converter": BYTES, "value.converter": BYTES,
            "header.converter": BYTES}


class MirrorFloor:
    """The raw floor of 4m: the source topic read from its start (one consumer, assigned, no group commits) and
    every record written with its key, value, headers and timestamp to a target topic through a transactional
    producer (one transaction), until the source's end offset. No offsets stored, no offset syncs: nothing moves
    the same bytes exactly once with less."""

    def __init__(self, source: str, target: str, topic: str) -> None:
        """The target topic and the producer (outside the measured span, as ours' task is warm)."""
        from confluent_kafka import Producer

        self.source, self.topic = source, topic
        self.target = f"raw.{topic}"
        topics(target, create=[self.target])
        self.producer = Producer({"bootstrap.servers": target, "transactional.id": common.unique("raw-mm2-tx"),
                                  "linger.ms": 5, "delivery.report.only.error": True})
        self.producer.init_transactions(60)

    def run(self, records: int) -> int:
        """Copy the source topic's ``records`` records; commit. Returns the records copied."""
        from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

        consumer = Consumer({"bootstrap.servers": self.source, "group.id": common.unique("raw-mm2"),
                             "enable.auto.commit": False, "fetch.max.bytes": 52_428_800})
        consumer.assign([TopicPartition(self.topic, 0, OFFSET_BEGINNING)])
        producer, target = self.producer, self.target
        produce, poll = producer.produce, producer.poll
        copied = 0
        deadline = time.monotonic() + WAIT_S
        producer.begin_transaction()
        try:
            while copied < records:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"raw floor: {copied} of {records} records within {WAIT_S} s")
                for message in consumer.consume(10_000, timeout=0.5):
                    if message.error() is not None:
                        continue
                    while True:
                        try:
                            produce(target, message.value(), message.key(), partition=message.partition() or 0,
                                    headers=message.headers(), timestamp=message.timestamp()[1])
                            break
                        except BufferError:
                            poll(0.05)
                    copied += 1
            producer.commit_transaction(60)
        finally:
            consumer.close()
        return copied


class _Coordinator:
    """Our coordinator on the bench cluster's internal topics: connectors are created and deleted through it, as
    ``lambda-connect`` does (``MirrorSourceConnector.start`` makes the remote topic and the task config)."""

    def __init__(self, cluster: common.Cluster) -> None:
        from connect_core.coordinator import RecordingDeployer, coordinator_from_settings

        self.coordinator = coordinator_from_settings(cluster.worker, RecordingDeployer())

    def rest(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        from connect_core.coordinator import Request

        raw = None if body is None else json.dumps(body)
        response = self.coordinator.handle(Request.build(method, path, "", {"Content-Type": "application/json"}, raw))
        return response.status, response.body


@dataclasses.dataclass
class _Rep:
    """One repetition's source topic, shared by the three sides, and each side's connector on it."""

    topic: str
    records: int
    ours: str  # our connector's name; its alias is ``ours_alias``
    ours_alias: str
    runner: Any  # the SourceRunner whose first invocation started ours' task before the records existed
    jvm: str  # the JVM's connector (paused), its alias ``jvm_alias``
    jvm_alias: str
    left: int = 2  # sides still to run on the topic (the last one deletes it)


class _Sides:
    """4m's sides: ``ours`` (with the raw floor) and ``theirs``, on one source topic per repetition: the first
    side of a repetition to run prepares it for both (``_prepared``), each side deletes what only it used."""

    def __init__(self, settings: Settings, worker: jvm_worker.Worker, cluster: common.Cluster, bootstrap: str) -> None:
        self.settings, self.worker, self.cluster, self.target = settings, worker, cluster, bootstrap
        self.source = common.services("kafka2")["kafka2"]["bootstrap.servers"]
        self.coordinator = _Coordinator(cluster)
        self.raw: list[Sample] = []
        self.invocations: list[int] = []
        self.reps: list[_Rep] = []  # in call order: the k-th call of either side belongs to the k-th repetition
        self.calls = {"ours": 0, "jvm": 0}
        # the JVM's deleted connector's topics, dropped once its task has surely stopped (a consumer still fetching
        # would create them again): after the next connector's task runs (a rebalance stops the old one), or at the
        # end of the row
        self.doomed: dict[str, list[str]] = {"source": [], "target": []}

    def records(self, rep: int) -> int:

        return side_by_side.warmup_size(self.settings.records) if rep < 0 else self.settings.records

    def _prepared(self, side: str, rep: int) -> _Rep:
        """The repetition ``side`` runs now, prepared by the first of the two sides to get there: a fresh source
        topic; our connector, whose task a first invocation starts on the empty topic; Kafka's connector on it,
        paused once its task runs; then the records, produced once for all three sides."""
        index = self.calls[side]
        self.calls[side] += 1
        if index < len(self.reps):
            return self.reps[index]
        records = self.records(rep)
        topic = common.unique("mm2src")
        ours, ours_alias = common.unique("mm2ours"), f"bpy{common.unique('a')[-6:]}"
        jvm, jvm_alias = common.unique("mm2jvm"), f"bjvm{common.unique('a')[-6:]}"
        topics(self.source, create=[topic])
        status, body = self.coordinator.rest("POST", "/connectors", {
            "name": ours, "config": mirror_config(ours_alias, self.source, self.target, topic)})
        if status >= 300:
            raise RuntimeError(f"creating {ours} failed: {status} {body}")
        runner = started(self.cluster, ours)
        self.reps.append(_Rep(topic, records, ours, ours_alias, runner, jvm, jvm_alias))
        count = CommittedCount(self.target, f"{jvm_alias}.{topic}")
        try:
            with common.phase("jvm: connector start"):
                self._put(jvm, mirror_config(jvm_alias, self.source, self.target, topic))
                self.worker.wait(f"{jvm}'s task", lambda: self._state(jvm) == "RUNNING" and count.drain() == 0
                                 and count.partition is not None, 180, every_s=0.5)
                self.worker.rest("PUT", f"/connectors/{jvm}/pause")
                self.worker.wait(f"{jvm} paused", lambda: self._state(jvm) == "PAUSED", 120, every_s=0.5)
        finally:
            count.close()
        self._drop_doomed()
        with common.phase("prepare: produce source"):
            produce_source(self.source, topic, records)
        return self.reps[-1]

    def _done(self, rep: _Rep) -> None:
        """One side is through with ``rep``'s source topic: the second one has it deleted."""
        rep.left -= 1
        if rep.left == 0:
            self.doomed["source"].append(rep.topic)

    def _drop_doomed(self) -> None:
        topics(self.source, delete=self.doomed["source"])
        topics(self.target, delete=self.doomed["target"])
        self.doomed = {"source": [], "target": []}

    def ours(self, rep: int) -> Sample:
        """Ours and the raw floor on the repetition's source topic, one after the other (the order flipped every
        repetition)."""
        shared = self._prepared("ours", rep)
        counts: list[CommittedCount] = []
        try:
            with common.phase("prepare: floor"):
                floor = MirrorFloor(self.source, self.target, shared.topic)
                counts = [CommittedCount(self.target, f"{shared.ours_alias}.{shared.topic}"),
                          CommittedCount(self.target, floor.target)]
            return ours_and_floor(rep, shared.runner, shared.ours, floor.run, counts, records=shared.records,
                                  raw=self.raw, invocations=self.invocations)
        finally:
            shared.runner.close()
            shared.runner = None
            for count in counts:
                count.close()
            self.coordinator.rest("DELETE", f"/connectors/{shared.ours}")
            topics(self.source, delete=[f"mm2-offset-syncs.t{shared.ours_alias}.internal"])
            topics(self.target, delete=[f"{shared.ours_alias}.{shared.topic}", f"raw.{shared.topic}"])
            self._done(shared)

    def theirs(self, rep: int) -> Sample:
        """Kafka's MM2 on the worker (created on the empty topic, paused once its task ran, the records produced:
        ``_prepared``), resumed and timed until every record is committed on the target (JVM CPU from the
        resume on)."""
        shared = self._prepared("jvm", rep)
        name, worker, records = shared.jvm, self.worker, shared.records
        remote = f"{shared.jvm_alias}.{shared.topic}"
        count = CommittedCount(self.target, remote)
        try:
            resume = f"/connectors/{name}/resume"
            sample = worker.span(f"{name}'s {records} records", lambda: worker.rest("PUT", resume),
                                 lambda: count.drain() >= records, records, WAIT_S)
            with common.phase("count"):
                count.exact(records, "connect-mirror")
            return sample
        finally:
            count.close()
            with common.phase("jvm connectors deleted"):
                worker.rest("DELETE", f"/connectors/{name}")
            self.doomed["source"].append(f"mm2-offset-syncs.t{shared.jvm_alias}.internal")
            self.doomed["target"].append(remote)
            self._done(shared)

    def _put(self, name: str, config: dict[str, str]) -> None:
        """Create ``name`` on the distributed worker (a rebalance in progress answers 409: again)."""
        deadline = time.monotonic() + 120
        while True:
            status, body = self.worker.rest("PUT", f"/connectors/{name}/config", config)
            if status < 300:
                return
            if status != 409 or time.monotonic() > deadline:
                raise RuntimeError(f"creating {name} failed: {status} {body}")
            time.sleep(1)

    def _state(self, name: str) -> str | None:
        """The state of ``name``'s only task (None before it has one)."""
        status, body = self.worker.rest("GET", f"/connectors/{name}/status")
        tasks = body.get("tasks") if status == 200 and isinstance(body, dict) else None
        return tasks[0]["state"] if tasks else None

    def close(self) -> None:
        """Release what a failed repetition left (our runner, its source topic), and, once the JVM's last connector
        is gone, the topics still doomed."""
        for rep in self.reps:
            if rep.runner is not None:
                rep.runner.close()
            if rep.left:
                self.doomed["source"].append(rep.topic)
        with common.phase("jvm connectors deleted"):
            for rep in self.reps:  # deleted already unless its repetition failed: then 404
                self.worker.rest("DELETE", f"/connectors/{rep.jvm}")
            try:
                for rep in self.reps:
                    self.worker.wait(f"{rep.jvm} deleted", lambda rep=rep: self.worker.rest(
                        "GET", f"/connectors/{rep.jvm}/status")[0] == 404, 60, every_s=0.5)
                time.sleep(2)  # its task stops after the connector is gone
            except RuntimeError:  # best effort: the topics are dropped all the same
                pass
        self._drop_doomed()


def mirror_case(settings: Settings, worker: jvm_worker.Worker, cluster: common.Cluster, bootstrap: str) -> Result:
    """One size of 4m, interleaved by the method."""

    sides = _Sides(settings, worker, cluster, bootstrap)
    try:
        mine, java, load = side_by_side.interleaved(settings, sides.ours, sides.theirs)
    finally:
        sides.close()
    return side_by_side.method_row(f"4m mirrormaker 2 vs connect-mirror {side_by_side.size_label(settings.records)}",
                      f"Kafka Connect {KAFKA_VERSION} distributed, exactly.once.source.support=enabled + "
                      f"{CONNECT_MIRROR}", mine, java, raw=sides.raw, raw_kind="floor", load_avg_1m=load,
                      warmup_records=sides.records(-1), ours_invocations=sides.invocations,
                      converter="ByteArrayConverter (both sides)")


def mirror_cases(settings: Settings, cluster: common.Cluster, bootstrap: str, plugins: Path) -> list[Result]:
    """4m at every size of the sweep on one distributed worker of its own, stopped at the end."""

    results: list[Result] = []
    try:
        wall0 = time.perf_counter()
        worker = jvm_worker.Worker(bootstrap, plugins, distributed=True, extra=EXACTLY_ONCE)
        print(f"4m: the distributed worker started in {time.perf_counter() - wall0:.1f} s", flush=True)
    except Exception as error:  # every size's row says why
        return [
            common.Result(
                f"4m mirrormaker 2 vs connect-mirror @{size}",
                None,
                CONNECT_MIRROR,
                None,
                size,
                0,
                skipped=f"failed: the distributed worker: {error}"[:500],
            )
            for size in side_by_side.sizes(settings)
        ]
    try:
        for size in side_by_side.sizes(settings):
            at = dataclasses.replace(settings, records=size)
            results.append(side_by_side.guarded("4m mirrormaker 2 vs connect-mirror", size,
                                    lambda at=at: mirror_case(at, worker, cluster, bootstrap)))
    finally:
        worker.close()
    return results
