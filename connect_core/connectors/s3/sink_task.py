"""``S3SinkTask``: files of exactly ``flush.size`` records, as Confluent's sink cuts them, exactly once under retries.

Records of files not full yet wait in a staging area outside ``topics.dir`` (``_staging``) under a head object that
is swapped with ``If-Match`` only after every file and segment it implies is written; closed files are written once
(``If-None-Match``). The design, step by step and why each is safe: ``README.md`` beside this module. Requests go
out beside the encoding (``api/in_flight_writes``): a partition's one at a time and in order, partitions side by side.
"""

from __future__ import annotations

import functools
import logging
import re
import time
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from connect_core.api.config import parse_config
from connect_core.api.errors import ConnectError, DataError, RetriableError
from connect_core.api.in_flight_writes import InFlightWrites
from connect_core.api.task import SinkTask, TopicPartition
from connect_core.connectors.s3._format import build_format
from connect_core.connectors.s3._object_key import KeyLayout
from connect_core.connectors.s3._partitioner import Partitioner, build_partitioner
from connect_core.connectors.s3._path_format import parse_zone
from connect_core.connectors.s3._rounds import plan_rounds, schedule_due, schedule_due_at
from connect_core.connectors.s3._staging import Head, StageLayout, pack_segment, unpack_segment
from connect_core.connectors.s3._storage import (
    END_OFFSET_META,
    PARTS_META,
    RECORD_COUNT_META,
    FileExistsRetriableError,
    S3Storage,
)
from connect_core.connectors.s3.config import FORMATS, S3SinkConfig

if TYPE_CHECKING:
    from collections.abc import Callable

    from connect_core.api.record import SinkRecord
    from connect_core.connectors.s3._rounds import Fresh
    from connect_core.connectors.s3._staging import Part, Round

__all__ = ["S3SinkTask"]

log = logging.getLogger(__name__)

_NAME = re.compile(r"^(\d+)(.*)$", re.DOTALL)


class S3SinkTask(SinkTask):
    """Buffers ``put`` records per partition and writes them at ``flush`` (Confluent ``S3SinkTask``)."""

    def __init__(self, s3_client: Any = None, clock: Any = None) -> None:
        """Create the task; ``s3_client`` replaces the shared boto3 client (tests and fault injection), ``clock``
        the wall clock in epoch ms (tests of ``rotate.schedule.interval.ms``)."""
        self._s3_client = s3_client
        self._clock = clock or (lambda: time.time_ns() // 1_000_000)
        self._buffer: dict[TopicPartition, list[SinkRecord]] = {}
        self._heads: dict[TopicPartition, tuple[Head, str]] = {}  # the head this instance last swapped, its ETag
        self._writes = InFlightWrites(1, "s3-put")
        self._waited = 0.0
        self._topics: list[str] = []
        self._check_at: dict[TopicPartition, int] = {}  # when (wall ms) a partition's head is read again for rotation
        self._listed_at: int | None = None  # when (wall ms) the staging area was last listed for partitions

    def start(self, props: dict[str, str]) -> None:
        """Parse the connector's config model, build partitioner and formats, and check the bucket."""
        config = self.config = parse_config(S3SinkConfig, props)
        self._partitioner = build_partitioner(config)
        self._layout = KeyLayout(config.topics_dir, config.directory_delim, config.file_delim,
                                 config.filename_offset_zero_pad_width)
        self._values = build_format(FORMATS[config.format_class], "value", config)
        self._keys = build_format(FORMATS[config.keys_format_class], "key", config)
        self._headers = build_format(FORMATS[config.headers_format_class], "headers", config)
        self._rotate_ms = config.rotate_interval_ms if self._partitioner.time_based else -1
        self._schedule_ms = config.rotate_schedule_interval_ms
        self._zone = parse_zone(config.timezone) if self._schedule_ms > 0 else None
        self._views_of: dict[str, list[tuple[str, Any]]] = {}
        self._schemas = FORMATS[config.format_class] in ("avro", "parquet") or (
            config.behavior_on_null_values == "write" and FORMATS[config.keys_format_class] in ("avro", "parquet"))
        self._storage = S3Storage(config, self._s3_client)
        self._storage.check_bucket()
        self._buffer = {}
        self._heads = {}
        self._topics = [t.strip() for t in str(props.get("topics") or "").split(",") if t.strip()]
        self._check_at = {}
        self._listed_at = None
        self._writes.close()
        self._writes = InFlightWrites(config.lambda_connect_max_in_flight_requests, "s3-put", isolate=True)

    def wants_json_text(self) -> bool:
        """JSON lines take each value's text as the converter read it, where it is what they would write (the text
        has BASE64 decimals: NUMERIC lines would take it only for schemas without a decimal, so they do not ask)."""
        return FORMATS[self.config.format_class] == "json" and self.config.json_decimal_format == "BASE64"

    @property
    def network_wait_seconds(self) -> float:
        """Seconds this task's calling thread spent blocked on S3 (reads, and writes it had to wait for)."""
        return self._waited + self._writes.waiting_seconds

    def put(self, records: list[SinkRecord]) -> None:
        """Buffer records; a tombstone fails here under ``behavior.on.null.values=fail``."""
        fail_on_null = self.config.behavior_on_null_values == "fail"
        last: tuple[str, int | None] | None = None
        buffered: list[SinkRecord] = []
        for record in records:
            if record.value is None and fail_on_null:
                raise DataError(f"Null valued records are not writeable with current behavior.on.null.values "
                                f"'fail' setting: topic {record.topic}, partition {record.kafka_partition}, "
                                f"offset {record.kafka_offset}")
            key = (record.topic, record.kafka_partition)
            if key != last:  # an event lists each partition's records together: one lookup per run of them
                last = key
                buffered = self._buffer.setdefault(TopicPartition(*key), [])  # type: ignore[arg-type]
            if buffered and record.kafka_offset <= buffered[-1].kafka_offset:
                buffered.clear()  # redelivered from the committed offset: the old attempt's records are stale
            buffered.append(record)

    def flush(self, current_offsets: dict[TopicPartition, int]) -> None:
        """Write every buffered record and wait for every request; on failure the buffer stays, and a re-flush
        re-reads S3 first. With requests in flight a partition's failure does not stop the others' writes. Then,
        as Confluent's task checks every partition's writer at each ``put``, the open files of the other partitions
        whose ``rotate.schedule.interval.ms`` has passed are closed (:meth:`_rotate_on_schedule`): with nothing
        buffered (an idle tick, ``runtime/idle_tick.py``) those of any partition it can find."""
        written = set(self._buffer)
        if written:
            self._flush_buffer()
        if self._zone is not None:
            self._rotate_on_schedule(current_offsets, written)

    def _flush_buffer(self) -> None:
        """Write the buffered records of every partition and wait for every request (``flush``)."""
        try:
            failed: Exception | None = None
            for tp in list(self._buffer):
                try:
                    self._write_partition(tp, self._buffer[tp])
                except Exception as error:
                    if self._writes.limit == 1:
                        raise
                    failed = failed or error
            self._writes.wait()
            if failed is not None:
                raise failed
        except BaseException:
            self._writes.cancel()
            self._heads = {}  # whatever failed, the next invocation reads every head again
            raise
        self._buffer = {}

    def discard_buffer(self) -> None:
        """Drop buffered records (the invocation failed and its batch will be redelivered)."""
        self._writes.cancel()
        self._buffer = {}
        self._heads = {}

    def close(self, partitions: list[TopicPartition]) -> None:
        """Drop the buffers of revoked partitions."""
        for tp in partitions:
            self._buffer.pop(tp, None)
            self._heads.pop(tp, None)

    def stop(self) -> None:
        """Nothing is held open between invocations; the shared client stays for warm starts."""
        self._writes.close()
        self._buffer = {}
        self._heads = {}

    # -- rotation on the wall clock, with nothing put ------------------------------------------------
    def _rotate_on_schedule(self, current_offsets: dict[TopicPartition, int], written: set[TopicPartition]) -> None:
        """Close the open files of each partition whose scheduled rotation has come, with no record in hand.

        The records of open files wait in the staging area, not here, so any instance can close them: the partitions
        it was given (``current_offsets``) and those the staging area holds for its topics (listed at most once an
        interval: the container that staged a round may never run again, and this one may only ever be given other
        partitions), but those it just ``written``. A head is
        read only when its round is due by what this instance last saw of it (else at most once an interval: another
        instance may have opened a round). A head another attempt moved on meanwhile (412) is left to it."""
        zone = self._zone
        assert zone is not None
        now = self._clock()
        partitions = (set(current_offsets) | self._staged_partitions(now)) - written
        for tp in sorted(partitions):
            if self._check_at.get(tp, 0) > now:
                continue
            stage = StageLayout.of(self.config.lambda_connect_staging_dir, self.config.topics_dir, tp.topic,
                                    tp.partition)
            found = self._storage.get(stage.head)
            if found is None:  # nothing staged yet: no head is made for it here
                self._check_at[tp] = now + self._schedule_ms
                continue
            head = Head.from_bytes(found[0])
            due_at = schedule_due_at(head.round.opened_ms, self._schedule_ms, zone) \
                if head.round is not None and head.round.count else None
            if not head.pending and (due_at is None or due_at > now):
                self._check_at[tp] = due_at if due_at is not None else now + self._schedule_ms
                continue
            try:
                self._write_partition(tp, [], known=(head, found[1]))
                self._writes.wait()
            except RetriableError as error:  # a 412: another attempt moved the head on and closes the files itself
                self._writes.cancel()
                self._heads.pop(tp, None)
                log.info("s3 scheduled rotation of %s-%d left to the next tick or batch: %s", tp.topic, tp.partition,
                         error)
                continue
            except BaseException:
                self._writes.cancel()
                self._heads = {}
                raise
            self._check_at[tp] = now + self._schedule_ms

    def _staged_partitions(self, now: int) -> set[TopicPartition]:
        """The partitions of this task's ``topics`` that have a staging head (one LIST per topic and interval)."""
        if self._listed_at is not None and now - self._listed_at < self._schedule_ms:
            return set(self._check_at)
        self._listed_at = now
        found: set[TopicPartition] = set()
        for topic in self._topics:
            prefix = StageLayout.of(self.config.lambda_connect_staging_dir, self.config.topics_dir, topic, 0).root
            prefix = prefix[: -len("0/")]  # <staging>/<topics.dir>/<topic>+
            for sub in self._storage.list_prefixes(prefix):
                partition = sub[len(prefix):].rstrip("/")
                if partition.isdigit():
                    found.add(TopicPartition(topic, int(partition)))
        return found | set(self._check_at)

    # -- one topic-partition -----------------------------------------------------------------------
    def _write_partition(self, tp: TopicPartition, records: list[SinkRecord],
                         known: tuple[Head, str] | None = None) -> None:
        """Read the head (``known``: just read), cut rounds, write closed files and the new segment, then swap it."""
        stage = StageLayout.of(self.config.lambda_connect_staging_dir, self.config.topics_dir, tp.topic,
                                tp.partition)
        started = time.monotonic()
        try:
            head, etag = known if known is not None else self._head(stage, tp, records)
        finally:
            self._waited += time.monotonic() - started
        if records and records[0].kafka_offset < head.since:
            self._heads.pop(tp, None)  # a plain failure: a real reset fails every retry until the breaker holds it
            raise ConnectError(
                f"S3 sink: the batch of {tp.topic}-{tp.partition} starts at offset {records[0].kafka_offset}, before "
                f"offset {head.since} where the batch that already went through began: the consumer group's offsets "
                f"were reset or the topic was recreated, and these records would be skipped as already written. To "
                f"rewrite them, delete the staging head s3://{self.config.s3_bucket_name}/{stage.head} (and the "
                f"files of partition {tp.partition} under {self._layout.directory(tp.topic, '')} to be replaced), "
                "then restart the connector; to keep the files, set the offsets back past "
                f"{head.last} (PATCH /connectors/<name>/offsets).")
        last = max(head.last, records[-1].kafka_offset) if records else head.last
        fresh_records = self._fresh(head, records)
        now = self._clock()
        due = bool(self._zone and head.round and head.round.count
                   and schedule_due(head.round.opened_ms, self._schedule_ms, self._zone, now))
        if not fresh_records and not head.pending and not due:
            return
        plan = plan_rounds(head.round, fresh_records, flush_size=self.config.flush_size, rotate_ms=self._rotate_ms,
                           directory=self._directory, timestamp=self._partitioner.timestamp,
                           schema_id=self._schema_id if self._schemas else None, now_ms=now, close_first=due,
                           one_directory=self._one_directory(fresh_records))
        if not plan.closed and not plan.fresh and not head.pending:
            return
        cache: dict[str, bytes] = {}
        for pending in head.pending:  # sealed by an earlier invocation that did not finish them
            self._finalize(tp, stage, pending, {}, cache)
        sealed = self._schedule_ms > 0  # the cut depends on the clock: record it before writing any file
        for closing, fresh in plan.closed:
            if sealed:
                if fresh:
                    closing.segments.append(self._stage(tp, stage, closing, fresh, cache))
            else:
                self._finalize(tp, stage, closing, fresh, cache)
        if plan.open is not None and plan.fresh:
            plan.open.segments.append(self._stage(tp, stage, plan.open, plan.fresh, cache))
        closed = [closing for closing, _ in plan.closed]
        takeover = head.takeover if head.takeover and last < max(head.takeover.values()) else {}
        since = max(head.since, records[0].kafka_offset) if fresh_records else head.since
        new_head = Head(last=last, round=plan.open, pending=closed if sealed else [], takeover=takeover, since=since)
        self._swap(tp, stage, etag=etag, new_head=new_head, done=[*head.pending, *closed], cache=cache)

    def _swap(self, tp: TopicPartition, stage: StageLayout, *, etag: str, new_head: Head, done: list[Round],
              cache: dict[str, bytes]) -> None:
        """Queue the head swap after the files and segments it implies; with sealed rounds (``pending``) their
        files and a head without them follow; then the finished rounds' segments are deleted."""
        closed = new_head.pending
        swapped: list[str] = []  # the ETag of the head written (queued after every file and segment it lists)

        def swap(body: bytes) -> None:
            swapped.append(self._storage.put(stage.head, body, exclusive=False, if_match=etag, plain=True))
            self._heads[tp] = new_head, swapped[0]

        self._write(tp, functools.partial(swap, new_head.to_bytes()))
        if closed:
            for closing in closed:
                self._finalize(tp, stage, closing, {}, cache)
            cleared = Head(last=new_head.last, round=new_head.round, pending=[], takeover=new_head.takeover,
                           since=new_head.since)

            def clear(body: bytes) -> None:
                self._heads.pop(tp, None)
                try:
                    self._heads[tp] = cleared, self._storage.put(stage.head, body, exclusive=False,
                                                                 if_match=swapped[0], plain=True)
                except FileExistsRetriableError:
                    pass  # another attempt moved the head on; it finishes whatever it still lists as pending

            self._write(tp, functools.partial(clear, cleared.to_bytes()))
        for rnd in done:
            if rnd.segments:
                self._write(tp, functools.partial(self._clean_up, stage, rnd))

    def _write(self, tp: TopicPartition, request: Callable[[], object]) -> None:
        """Send ``request`` beside the encoding, after every earlier request of ``tp`` has finished."""
        self._writes.submit(request, keys=(tp,))

    def _head(self, stage: StageLayout, tp: TopicPartition, records: list[SinkRecord]) -> tuple[Head, str]:
        """The head and its ETag: the one this instance swapped last when ``records`` continue it without a gap
        (never with ``rotate.schedule.interval.ms``), else read from S3 ("Warm heads" in the README)."""
        cached = self._heads.pop(tp, None)  # popped: a failure from here on leaves nothing cached
        # With rotate.schedule.interval.ms another instance's idle tick may have moved the head on with no record.
        if cached is not None and records and records[0].kafka_offset == cached[0].last + 1 and self._zone is None:
            return cached
        return self._read_head(stage, tp, records)

    def _read_head(self, stage: StageLayout, tp: TopicPartition, records: list[SinkRecord]) -> tuple[Head, str]:
        """The head and its ETag; created (exclusively) on the first invocation, with what a takeover skips."""
        found = self._storage.get(stage.head)
        if found is not None:
            return Head.from_bytes(found[0]), found[1]
        legacy = StageLayout.legacy(self.config.topics_dir, tp.topic, tp.partition)
        moved = self._storage.get(legacy.head) if legacy.root != stage.root else None
        head = Head.from_bytes(moved[0]) if moved is not None else Head(takeover=self._takeover(tp, records))
        etag = self._storage.put(stage.head, head.to_bytes(), exclusive=True, plain=True)
        if moved is not None:  # its segments keep their keys (the head lists them) and go when their round closes
            log.info("s3 staging head %s moved out of topics.dir to %s", legacy.head, stage.head)
            self._storage.delete_keys([legacy.head])
        return head, etag

    def _fresh(self, head: Head, records: list[SinkRecord]) -> list[SinkRecord]:
        """The records past what the head accounts for (``last``, and files found when it was created)."""
        if head.takeover:
            return [r for r in records if r.kafka_offset > head.last and not self._taken_over(head, r)]
        if records and records[0].kafka_offset > head.last:
            return records  # the common case: the buffer's offsets only grow (put drops a redelivered one)
        return [r for r in records if r.kafka_offset > head.last]

    def _taken_over(self, head: Head, record: SinkRecord) -> bool:
        """Whether files written before the head existed already hold ``record``."""
        if not head.takeover:
            return False
        d = self._directory(record)
        return d is not None and record.kafka_offset <= head.takeover.get(d, -1)

    def _one_directory(self, records: list[SinkRecord]) -> str | None:
        """The directory ``_directory`` gives every record of one partition's ``records`` that has a value (the
        default partitioner's, tombstones skipped), or None where it may differ between them."""
        if not records or type(self._partitioner) is not Partitioner or self.config.behavior_on_null_values != "ignore":
            return None
        return self._partitioner.encode(records[0])

    def _directory(self, record: SinkRecord) -> str | None:
        if record.value is None:
            return None if self.config.behavior_on_null_values == "ignore" else self.config.tombstone_encoded_partition
        return self._partitioner.encode(record)

    def _views(self, d: str) -> list[tuple[str, Any]]:
        """(view, format) of a directory's files, the primary (the one written once, with metadata) last."""
        views = self._views_of.get(d)
        if views is None:
            views = self._views_of[d] = self._list_views(d)
        return views

    def _list_views(self, d: str) -> list[tuple[str, Any]]:
        tombstones = self.config.behavior_on_null_values == "write" and d == self.config.tombstone_encoded_partition
        views: list[tuple[str, Any]] = []
        if self.config.store_kafka_keys and not tombstones:
            views.append(("key", self._keys))
        if self.config.store_kafka_headers:
            views.append(("headers", self._headers))
        return [*views, ("key", self._keys) if tombstones else ("value", self._values)]  # tombstones: keys only

    def _schema_id(self, record: SinkRecord, d: str) -> str | None:
        if not self._schemas:  # JSON Lines and ByteArray never rotate on a schema change
            return None
        schema: str | None = self._views(d)[-1][1].schema_id(record)
        return schema

    # -- staging and files -------------------------------------------------------------------------
    def _stage(self, tp: TopicPartition, stage: StageLayout, rnd: Round, fresh: Fresh, cache: dict[str, bytes]) -> str:
        """Write this invocation's records of ``rnd`` as one segment; its key."""
        parts: list[Part] = []
        first, last = None, -1
        for d, records in fresh.items():
            for view, fmt in self._views(d):
                data, schema = fmt.stage(records)
                parts.append((d, view, data, schema, len(records)))
            first = records[0].kafka_offset if first is None else min(first, records[0].kafka_offset)
            last = max(last, records[-1].kafka_offset)
        key = stage.segment(rnd.id, first or 0, last)
        body = pack_segment(parts)
        self._write(tp, functools.partial(self._storage.put, key, body, exclusive=False, plain=True))
        cache[key] = body
        return key

    def _finalize(self, tp: TopicPartition, stage: StageLayout, rnd: Round, fresh: Fresh,
                  cache: dict[str, bytes]) -> None:
        """Write the files of a closed round (segments first, then records in hand), each value file once."""
        parts: dict[tuple[str, str], list[tuple[bytes, str]]] = {}
        missing = [key for key in rnd.segments if key not in cache]
        started = time.monotonic()
        if missing:  # one per earlier invocation of the round: read them in parallel
            with ThreadPoolExecutor(max_workers=min(16, len(missing))) as pool:
                for key, found in zip(missing, pool.map(self._storage.get, missing), strict=True):
                    if found is None:
                        raise RetriableError(f"S3 staging segment {key} is gone: another attempt closed this round")
                    cache[key] = found[0]
            self._waited += time.monotonic() - started
        for key in rnd.segments:
            for d, view, data, schema, _ in unpack_segment(cache[key]):
                parts.setdefault((d, view), []).append((data, schema))
        for d, records in fresh.items():
            for view, fmt in self._views(d):
                parts.setdefault((d, view), []).append(fmt.stage(records))
        for d, state in rnd.dirs.items():
            head = f"{self._layout.file_prefix(tp.topic, d, tp.partition)}{state.start:0{self._layout.pad_width}d}"
            tags = {"startOffset": str(state.start), "endOffset": str(rnd.end), "recordCount": str(state.count)} \
                if self.config.s3_object_tagging else None
            views = self._views(d)
            *secondaries, (view, primary) = views
            listed = {PARTS_META: ",".join(v for v, _ in views)}  # the source restores a file once all are there
            for sview, fmt in secondaries:  # before the value object, as readers listing meanwhile expect
                self._write(tp, functools.partial(
                    self._storage.put, head + fmt.extension, fmt.assemble(parts[(d, sview)], state.count), listed,
                    exclusive=False, tags=tags))
            metadata = {END_OFFSET_META: str(rnd.end), RECORD_COUNT_META: str(state.count), **listed}
            self._write(tp, functools.partial(self._put_once, head + primary.extension,
                                              primary.assemble(parts[(d, view)], state.count), metadata, tags))

    def _put_once(self, key: str, body: bytes, metadata: dict[str, str], tags: dict[str, str] | None) -> None:
        """Write a file's value object unless an earlier attempt already did."""
        try:
            self._storage.put(key, body, metadata, exclusive=True, tags=tags)
        except FileExistsRetriableError:
            log.debug("s3 file %s was already written by an earlier attempt", key)

    def _clean_up(self, stage: StageLayout, rnd: Round) -> None:
        """Delete a finished round's segments (with any a failed attempt left beside them); a failure only leaves
        garbage. A round that never had a segment listed is not swept (the common, aligned case costs nothing)."""
        if not rnd.segments:
            return
        try:
            self._storage.delete_prefix(stage.round_prefix(rnd.id))
            for prefix in {key.rpartition("/")[0] + "/" for key in rnd.segments if not key.startswith(stage.root)}:
                self._storage.delete_prefix(prefix)  # a round staged where the area sat before it moved
        except Exception:
            log.warning("could not delete the staging segments of round %d under %s", rnd.id, stage.root,
                        exc_info=True)

    # -- taking over a prefix ----------------------------------------------------------------------
    def _takeover(self, tp: TopicPartition, records: list[SinkRecord]) -> dict[str, int]:
        """Per directory of the first batch, the last offset files already there cover (none: absent)."""
        if not records:
            return {}
        first, last = records[0].kafka_offset, records[-1].kafka_offset
        cell_start = first - first % self.config.flush_size  # older lambda-connect files never start before this
        covered: dict[str, int] = {}
        for d in dict.fromkeys(self._directory(r) for r in records):
            if d is None:
                continue
            end = self._covered_end(self._layout.file_prefix(tp.topic, d, tp.partition), cell_start, last + 1,
                                    keys_primary=self._views(d)[-1][0] == "key")
            if end >= 0:
                covered[d] = end
        return covered

    def _covered_end(self, prefix: str, range_start: int, range_end: int, *, keys_primary: bool) -> int:
        """The highest offset accounted for by files of this directory starting in the range (-1: none)."""
        best_start, best_key = -1, ""
        for key in self._storage.list_keys(self._layout.range_prefix(prefix, range_start, range_end - 1)):
            match = _NAME.match(key[len(prefix):])
            if match is None:
                continue
            start, suffix = int(match.group(1)), match.group(2)
            if suffix.startswith(".keys") != keys_primary or suffix.startswith(".headers"):
                continue
            if start >= range_end:
                if self._layout.sorts_by_offset(start):
                    break
                continue
            if start >= range_start and start > best_start:
                best_start, best_key = start, key
        if not best_key:
            return -1
        end = self._storage.end_offset(best_key)
        if end is None:
            # A file Confluent's sink wrote (no end-offset): taking over its prefix, the consumer group resumes at
            # Confluent's committed offset, above every record of its files; the name gives the start offset.
            log.info("s3 file %s was not written by lambda-connect: resuming after its start offset", best_key)
            return best_start
        return end
