"""Fault-injection replay: an event-source-mapping look-alike drives S3SinkTask through failures and retries.

The simulated mapping keeps a committed position per partition and only advances it after ``put`` + ``flush``
succeeded. A failed batch is retried from the committed position with other boundaries (more records appended,
or bisected), in a fresh task (cold start) or the same instance (warm, with or without ``discard_buffer``).
Failures: botocore errors before a write, a lost response after a write succeeded, list/head/get/delete throttling
(including the conditional swap of the staging head: a lost response there makes the retry lose the swap), a crash
between ``put`` and ``flush``, and a crash after ``flush`` but before the commit. Like Lambda, several warm
containers (task instances) take a partition's batches in turn, so an instance often gets a batch after another one
moved the head on; and a failed attempt may come back later as a zombie that runs its whole batch again on its
container (its head swap wins when nobody moved the head, and that container goes on serving batches). Every run
takes a seed.
"""

from __future__ import annotations

import dataclasses
import gzip
import json
import random as pyrandom
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError

from connect_core.api.config import parse_config
from connect_core.api.record import SinkRecord
from connect_core.connectors.s3._partitioner import build_partitioner
from connect_core.connectors.s3._staging import STAGING_DIR, Head, StageLayout, unpack_segment
from connect_core.connectors.s3.config import S3SinkConfig
from connect_core.connectors.s3.sink_task import S3SinkTask

if TYPE_CHECKING:
    import random
    from collections.abc import Iterable

TOPIC = "orders"
REGIONS = ("eu", "us", "apac")


class InjectedCrash(Exception):
    """The simulated Lambda died (timeout, OOM, runtime error) at a chosen point."""


class FaultyS3:
    """Wraps a real boto3 S3 client and fails some calls, before or after the real call happens."""

    def __init__(self, client: Any, rng: random.Random, rate: float) -> None:
        self._client = client
        self._rng = rng
        self.rate = rate
        self.writes: dict[str, int] = {}
        self._seed = rng.random()
        self._gets: dict[str, int] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def _roll(self, op: str, key: str) -> float:
        """A draw by operation, key and attempt, not by the shared generator: requests run side by side (the
        sink's in-flight writes), in an order no seed fixes."""
        self._gets[f"{op}:{key}"] = attempt = self._gets.get(f"{op}:{key}", 0) + 1
        return pyrandom.Random(f"{self._seed}:{op}:{key}:{attempt}").random()

    def put_object(self, **kwargs: Any) -> Any:
        roll = self._roll("put", kwargs["Key"])
        if roll < self.rate / 2:
            raise EndpointConnectionError(endpoint_url="http://injected")
        result = self._client.put_object(**kwargs)
        self.writes[kwargs["Key"]] = self.writes.get(kwargs["Key"], 0) + 1
        if roll > 1 - self.rate / 2:  # written, but the response is lost
            raise ReadTimeoutError(endpoint_url="http://injected")
        return result

    def _maybe_throttle(self, op: str) -> None:
        if self._rng.random() < self.rate / 4:
            raise ClientError({"Error": {"Code": "SlowDown", "Message": "injected"},
                               "ResponseMetadata": {"HTTPStatusCode": 503}}, op)

    def list_objects_v2(self, **kwargs: Any) -> Any:
        if self._roll("list", kwargs["Prefix"]) < self.rate / 4:
            raise ClientError({"Error": {"Code": "SlowDown", "Message": "injected"},
                               "ResponseMetadata": {"HTTPStatusCode": 503}}, "ListObjectsV2")
        return self._client.list_objects_v2(**kwargs)

    def head_object(self, **kwargs: Any) -> Any:
        self._maybe_throttle("HeadObject")
        return self._client.head_object(**kwargs)

    def get_object(self, **kwargs: Any) -> Any:
        # segments are read in parallel: decide by key and attempt, not by the shared generator, to stay reproducible
        if self._roll("get", kwargs["Key"]) < self.rate / 4:
            raise ClientError({"Error": {"Code": "SlowDown", "Message": "injected"},
                               "ResponseMetadata": {"HTTPStatusCode": 503}}, "GetObject")
        return self._client.get_object(**kwargs)

    def delete_objects(self, **kwargs: Any) -> Any:
        if self._roll("delete", kwargs["Delete"]["Objects"][0]["Key"]) < self.rate / 4:
            raise ClientError({"Error": {"Code": "SlowDown", "Message": "injected"},
                               "ResponseMetadata": {"HTTPStatusCode": 503}}, "DeleteObjects")
        return self._client.delete_objects(**kwargs)


def count_remembered_heads(monkeypatch: Any) -> dict[str, int]:
    """Count ``S3SinkTask._head`` calls (``head``) and S3 reads (``read``); the rest used a remembered head."""
    calls = {"head": 0, "read": 0}
    head, read = S3SinkTask._head, S3SinkTask._read_head

    def counting_head(self: S3SinkTask, *args: Any) -> Any:
        calls["head"] += 1
        return head(self, *args)

    def counting_read(self: S3SinkTask, *args: Any) -> Any:
        calls["read"] += 1
        return read(self, *args)

    monkeypatch.setattr(S3SinkTask, "_head", counting_head)
    monkeypatch.setattr(S3SinkTask, "_read_head", counting_read)
    return calls


def make_stream(rng: random.Random, partitions: int, length: int) -> dict[int, list[SinkRecord]]:
    """Per partition, records with gaps in the offsets (compaction), timestamps that advance, some tombstones."""
    stream: dict[int, list[SinkRecord]] = {}
    for p in range(partitions):
        offset, ts, records = rng.randrange(0, 30), 1_700_000_000_000 + p, []
        for _ in range(length):
            offset += 1 if rng.random() < 0.9 else rng.randrange(2, 9)
            ts += rng.randrange(0, 90_000)
            value = None if rng.random() < 0.03 else {"p": p, "o": offset, "region": rng.choice(REGIONS)}
            records.append(SinkRecord(TOPIC, p, None, f"k{offset}", None, value, offset, timestamp=ts,
                                      timestamp_type="CreateTime"))
        stream[p] = records
    return stream


@dataclasses.dataclass
class Replay:
    """The simulated event source mapping and its bookkeeping."""

    client: Any
    config: dict[str, str]
    rng: random.Random
    stream: dict[int, list[SinkRecord]]
    fault_rate: float = 0.3
    max_batch: int = 60
    committed: dict[int, int] = dataclasses.field(default_factory=dict)
    invocations: int = 0
    failures: int = 0
    zombies: int = 0
    writes: dict[str, int] = dataclasses.field(default_factory=dict)
    now_ms: int = 1_714_605_000_000

    def run(self, max_invocations: int = 5000) -> None:
        """Invoke until every partition is committed to its end."""
        faulty = FaultyS3(self.client, self.rng, self.fault_rate)
        self.writes = faulty.writes
        self.committed = dict.fromkeys(self.stream, 0)
        retry_sizes: dict[int, int] = {}
        containers: list[S3SinkTask] = []
        zombies: list[tuple[S3SinkTask, dict[int, list[SinkRecord]]]] = []
        while any(self.committed[p] < len(rs) for p, rs in self.stream.items()):
            self.invocations += 1
            assert self.invocations < max_invocations, "no progress"
            if zombies and self.rng.random() < 0.3:  # an attempt the mapping gave up on runs (again) now
                zombie, old_batch = zombies.pop(self.rng.randrange(len(zombies)))
                self.zombies += 1
                try:
                    self._invoke(zombie, old_batch)
                except Exception:
                    zombie.discard_buffer()
            batch = self._batch(retry_sizes)
            self.now_ms += self.rng.randrange(0, 120_000)  # rotate.schedule.interval.ms: the clock moves on
            if not containers or self.rng.random() < 0.3:  # a cold start, beside or instead of a warm container
                cold = S3SinkTask(s3_client=faulty, clock=lambda: self.now_ms)
                cold.start(self.config)
                if len(containers) < 3:
                    containers.append(cold)
                else:
                    containers[self.rng.randrange(len(containers))] = cold
                task = cold
            else:
                task = self.rng.choice(containers)
            try:
                self._invoke(task, batch)
            except Exception:  # any failure means: the mapping retries the batch
                self.failures += 1
                for p, records in batch.items():
                    bisect = self.rng.random() < 0.4
                    retry_sizes[p] = max(1, len(records) // 2) if bisect else self.rng.randrange(1, self.max_batch)
                if self.rng.random() < 0.3:
                    zombies.append((task, batch))
                elif self.rng.random() < 0.5:
                    task.discard_buffer()
                continue
            for p, records in batch.items():
                self.committed[p] += len(records)
                retry_sizes.pop(p, None)

    def _batch(self, retry_sizes: dict[int, int]) -> dict[int, list[SinkRecord]]:
        open_partitions = [p for p, rs in self.stream.items() if self.committed[p] < len(rs)]
        chosen = self.rng.sample(open_partitions, self.rng.randrange(1, len(open_partitions) + 1))
        batch = {}
        for p in chosen:
            size = retry_sizes.get(p) or self.rng.randrange(1, self.max_batch)
            start = self.committed[p]
            batch[p] = self.stream[p][start:start + size]
        return batch

    def _invoke(self, task: S3SinkTask, batch: dict[int, list[SinkRecord]]) -> None:
        order = list(batch)
        self.rng.shuffle(order)  # an event lists its topic-partitions in any order, each in offset order
        records = [r for p in order for r in batch[p]]
        task.put(records)
        if self.rng.random() < self.fault_rate / 6:
            raise InjectedCrash("between put and flush")
        for attempt in range(3):
            try:
                task.flush({})
                break
            except Exception:
                if attempt == 2 or self.rng.random() < 0.5:
                    raise
        if self.rng.random() < self.fault_rate / 6:
            raise InjectedCrash("after flush, before the offsets were committed")


def read_back(client: Any, bucket: str, prefix: str) -> dict[str, list[dict[str, Any]]]:
    """Every value file under ``prefix``: key -> its JSON lines, in key order."""
    files: dict[str, list[dict[str, Any]]] = {}
    kwargs: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix}
    while True:
        page = client.list_objects_v2(**kwargs)
        for item in page.get("Contents", ()):
            key = item["Key"]
            if ".keys." in key or ".headers." in key:
                continue
            body = client.get_object(Bucket=bucket, Key=key)["Body"].read()
            if key.endswith(".gz"):
                body = gzip.decompress(body)
            files[key] = [json.loads(line) for line in body.decode().splitlines()]
        if not page.get("IsTruncated"):
            return files
        kwargs["ContinuationToken"] = page["NextContinuationToken"]


def read_staged(client: Any, bucket: str, topics_dir: str, partitions: Iterable[int]) -> dict[int, list[int]]:
    """Per partition, the offsets of the open round waiting in the staging area (its value parts, in order)."""
    staged: dict[int, list[int]] = {}
    for p in partitions:
        stage = StageLayout.of(STAGING_DIR, topics_dir, TOPIC, p)
        found = client.get_object(Bucket=bucket, Key=stage.head)["Body"].read()
        head = Head.from_bytes(found)
        assert head.pending == [], f"partition {p}: rounds left half-written: {head.pending}"
        offsets: list[int] = []
        for key in head.round.segments if head.round else ():
            for _, view, data, _, _ in unpack_segment(client.get_object(Bucket=bucket, Key=key)["Body"].read()):
                if view == "value":
                    offsets += [json.loads(line)["o"] for line in data.decode().splitlines()]
        staged[p] = sorted(offsets)
    return staged


def expected_files(stream: dict[int, list[SinkRecord]], config: dict[str, str]) -> tuple[
        dict[int, list[tuple[str, int, list[int]]]], dict[int, list[int]]]:
    """Confluent's cut, written independently of the sink: per partition the closed files (directory, start
    offset, offsets) and the offsets still open. A file set closes after flush.size records of the partition, or
    before a record that is rotate.interval.ms past the set's first record or in another directory than the
    previous one (time-based partitioners only)."""
    flush_size = int(config["flush.size"])
    partitioner = build_partitioner(parse_config(S3SinkConfig, config))
    rotate_ms = int(config.get("rotate.interval.ms", "-1")) if partitioner.time_based else -1
    closed: dict[int, list[tuple[str, int, list[int]]]] = {}
    still_open: dict[int, list[int]] = {}
    for p, records in stream.items():
        rounds: list[list[tuple[str, SinkRecord]]] = [[]]
        for record in (r for r in records if r.value is not None):
            d = partitioner.encode(record)
            current = rounds[-1]
            if current and rotate_ms > 0 and (
                    record.timestamp - current[0][1].timestamp >= rotate_ms or d != current[-1][0]):
                rounds.append(current := [])
            current.append((d, record))
            if len(current) == flush_size:
                rounds.append([])
        closed[p] = []
        for members in rounds[:-1]:
            by_dir: dict[str, list[int]] = {}
            for d, record in members:
                by_dir.setdefault(d, []).append(record.kafka_offset)
            closed[p] += [(d, offsets[0], offsets) for d, offsets in by_dir.items()]
        still_open[p] = [r.kafka_offset for _, r in rounds[-1]]
    return closed, still_open


def assert_exactly_once(files: dict[str, list[dict[str, Any]]], staged: dict[int, list[int]],
                        stream: dict[int, list[SinkRecord]], config: dict[str, str]) -> None:
    """Every non-tombstone offset exactly once, in order, in exactly the files Confluent's sink would have cut
    (``flush.size`` records unless a rotation closed them, named after their first offset), the rest staged."""
    seen: dict[int, list[tuple[str, int, list[int]]]] = {p: [] for p in stream}
    for key, rows in files.items():
        offsets = [row["o"] for row in rows]
        p = rows[0]["p"]
        assert offsets == sorted(offsets), key
        assert all(row["p"] == p for row in rows), key
        directory, name = key.split("/orders/", 1)[1].rsplit("/", 1)
        assert int(name.rsplit("+", 1)[1].split(".")[0]) == offsets[0], key
        seen[p].append((directory, offsets[0], offsets))
    closed, still_open = expected_files(stream, config)
    for p, records in stream.items():
        got = sorted(o for _, _, offsets in seen[p] for o in offsets) + staged[p]
        expected = [r.kafka_offset for r in records if r.value is not None]
        duplicates = sorted({o for o in got if got.count(o) > 1})
        assert not duplicates, f"partition {p}: duplicated offsets {duplicates[:20]}"
        assert sorted(got) == expected, f"partition {p}: missing {sorted(set(expected) - set(got))[:20]}"
        if "rotate.schedule.interval.ms" in config:  # the clock cuts too: files are runs of at most flush.size
            runs = sorted([offsets for _, _, offsets in seen[p]]) + [staged[p]]
            assert [o for run in runs for o in run] == expected, f"partition {p}: files are not consecutive runs"
            assert max(len(run) for run in runs) <= int(config["flush.size"])
            continue
        assert sorted(seen[p]) == sorted(closed[p]), f"partition {p}: files not cut as Confluent cuts them"
        assert staged[p] == still_open[p], f"partition {p}: staged {staged[p][:5]}.., expected {still_open[p][:5]}.."
        if "partitioner.class" not in config:  # one directory: every file is exactly flush.size records
            assert {len(offsets) for _, _, offsets in seen[p]} <= {int(config["flush.size"])}


def assert_value_files_written_once(writes: dict[str, int]) -> None:
    """No value file was ever overwritten: S3 event consumers and bucket versions see each record once too."""
    rewritten = {k: n for k, n in writes.items()
                 if n > 1 and ".keys." not in k and ".headers." not in k and "+staging/" not in k}
    assert not rewritten, f"value files written more than once: {sorted(rewritten)[:10]}"


def scenario_configs(bucket: str, endpoint: dict[str, str] | None = None) -> dict[str, dict[str, str]]:
    """Configs covering one and many directories per partition, time buckets and rotation (record time and wall
    clock: the clock advances 0-2 minutes per invocation), gzip."""
    base = {"s3.bucket.name": bucket, "format.class": "io.confluent.connect.s3.format.json.JsonFormat",
            "flush.size": "25", "behavior.on.null.values": "ignore"}
    if endpoint:
        base |= endpoint
    return {
        "default": base | {"topics.dir": "default"},
        "field": base | {"topics.dir": "field", "store.kafka.keys": "true",
                         "partitioner.class": "io.confluent.connect.storage.partitioner.FieldPartitioner",
                         "partition.field.name": "region"},
        "hourly": base | {"topics.dir": "hourly", "s3.compression.type": "gzip", "rotate.interval.ms": "600000",
                          "partitioner.class": "io.confluent.connect.storage.partitioner.HourlyPartitioner",
                          "locale": "en-US", "timezone": "UTC", "timestamp.extractor": "Record"},
        "scheduled": base | {"topics.dir": "scheduled", "rotate.schedule.interval.ms": "300000", "timezone": "UTC"},
    }
