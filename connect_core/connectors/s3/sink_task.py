"""``S3SinkTask``: writes each invocation's records to S3 so that retries never duplicate or lose one.

Exactly once under retries
--------------------------
The event source mapping retries a failed batch from the committed offset, possibly with other boundaries
(more records, bisected halves), in a fresh or a warm process, after the failed attempt may already have written
some files. Every file written is durable and visible, so a retry must never write those records again and must
write every record the failed attempt did not. The design:

1. **Offset grid.** Offsets of a Kafka partition are cut into cells ``[k*F, (k+1)*F)`` (F = ``flush.size``). A file
   never spans two cells and holds the records of one encoded partition (directory) X, so files stay <= F records
   and where they may start is a function of offsets only, not of batch arrival.
2. **Files describe their coverage.** A file starting at offset s (its key) carries metadata ``end-offset`` = e:
   *every* record of X with an offset in [s, e] is in this file. The last file of an invocation in a cell claims up
   to the last offset the invocation saw in that cell, so the claim includes records that were not X records.
3. **Recovery by listing, not by state.** At flush, for each (cell, X) in the batch, one ListObjectsV2 on
   ``<dir X>/<topic>+<p>+<leading digits of the cell's offsets>`` finds the files already in that cell; the one with
   the highest start has the highest coverage (files in a cell are written in offset order), read with one HEAD
   (never cached: a reprocessed key can keep its ETag). Records of X at or below it are skipped, the rest are
   written. This works the same cold or warm, whatever an earlier attempt wrote before failing, and with records
   that start before it.
4. **Write once.** Files are written with ``If-None-Match: *``: a zombie or concurrent attempt that computed the
   same key gets 412 (``FileExistsRetriableError``) instead of replacing data, and the retry re-lists. Key/header
   files are written before their value file (the file carrying the coverage), so a crash between them leaves
   only files the retry rewrites under the same key.
5. **Taking over from Confluent's sink.** A file without ``end-offset`` metadata (Confluent's sink writes the same
   names, ``<topic>+<partition>+<start offset>``) counts as covering up to its start offset: the consumer group
   resumes at Confluent's committed offset, above every record Confluent wrote, so new files follow its files.
6. **Requirements.** The record -> directory mapping must be deterministic (Record/RecordField timestamps, fields,
   Kafka partition; Wallclock is not) and SMTs must drop the same records on a retry, as Confluent requires.

Within one task instance ``put`` only buffers, and a redelivery (an offset at or below one already buffered for
that partition) drops the stale buffer first, so a warm retry never sees the failed attempt's records.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

from connect_core.api.config import parse_config
from connect_core.api.errors import DataError
from connect_core.api.task import SinkTask, TopicPartition
from connect_core.connectors.s3._format import build_format
from connect_core.connectors.s3._object_key import KeyLayout
from connect_core.connectors.s3._partitioner import build_partitioner
from connect_core.connectors.s3._storage import END_OFFSET_META, RECORD_COUNT_META, S3Storage
from connect_core.connectors.s3.config import FORMATS, S3SinkConfig

if TYPE_CHECKING:
    from connect_core.api.record import SinkRecord

__all__ = ["S3SinkTask"]

log = logging.getLogger(__name__)

_NAME = re.compile(r"^(\d+)(.*)$", re.DOTALL)
_SECONDARY = (".keys", ".headers")


class S3SinkTask(SinkTask):
    """Buffers ``put`` records per partition and writes them at ``flush`` (Confluent ``S3SinkTask``)."""

    def __init__(self, s3_client: Any = None) -> None:
        """Create the task; ``s3_client`` replaces the shared boto3 client (tests and fault injection)."""
        self._s3_client = s3_client
        self._buffer: dict[TopicPartition, list[SinkRecord]] = {}

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
        self._storage = S3Storage(config, self._s3_client)
        self._storage.check_bucket()
        self._buffer = {}

    def put(self, records: list[SinkRecord]) -> None:
        """Buffer records; a tombstone fails here under ``behavior.on.null.values=fail``."""
        fail_on_null = self.config.behavior_on_null_values == "fail"
        for record in records:
            if record.value is None and fail_on_null:
                raise DataError(f"Null valued records are not writeable with current behavior.on.null.values "
                                f"'fail' setting: topic {record.topic}, partition {record.kafka_partition}, "
                                f"offset {record.kafka_offset}")
            tp = TopicPartition(record.topic, record.kafka_partition)  # type: ignore[arg-type]
            buffered = self._buffer.setdefault(tp, [])
            if buffered and record.kafka_offset <= buffered[-1].kafka_offset:
                buffered.clear()  # redelivered from the committed offset: the old attempt's records are stale
            buffered.append(record)

    def flush(self, current_offsets: dict[TopicPartition, int]) -> None:
        """Write every buffered record; on failure the buffer stays, and a re-flush re-reads S3 first."""
        for tp in list(self._buffer):
            self._write_partition(tp, self._buffer[tp])
            del self._buffer[tp]

    def discard_buffer(self) -> None:
        """Drop buffered records (the invocation failed and its batch will be redelivered)."""
        self._buffer = {}

    def close(self, partitions: list[TopicPartition]) -> None:
        """Drop the buffers of revoked partitions."""
        for tp in partitions:
            self._buffer.pop(tp, None)

    def stop(self) -> None:
        """Nothing is held open between invocations; the shared client stays for warm starts."""
        self._buffer = {}

    # -- writing -----------------------------------------------------------------------------------
    def _write_partition(self, tp: TopicPartition, records: list[SinkRecord]) -> None:
        """Group by (cell, directory), skip what S3 already covers, write the rest."""
        size = self.config.flush_size
        ignore_nulls = self.config.behavior_on_null_values == "ignore"
        tombstone_dir = self.config.tombstone_encoded_partition
        cell_last: dict[int, int] = {}
        groups: dict[tuple[int, str], list[SinkRecord]] = {}
        for record in records:
            cell = record.kafka_offset // size
            cell_last[cell] = max(cell_last.get(cell, -1), record.kafka_offset)
            if record.value is None:
                if ignore_nulls:
                    continue
                directory = tombstone_dir
            else:
                directory = self._partitioner.encode(record)
            groups.setdefault((cell, directory), []).append(record)
        for (cell, directory), group in groups.items():
            tombstones = group[0].value is None and directory == tombstone_dir
            self._write_group(tp, cell, directory, group, cell_last[cell], tombstones=tombstones)

    def _write_group(self, tp: TopicPartition, cell: int, directory: str, group: list[SinkRecord],
                     last_seen: int, *, tombstones: bool) -> None:
        size = self.config.flush_size
        prefix = self._layout.file_prefix(tp.topic, directory, tp.partition)
        covered = self._covered_end(prefix, cell * size, (cell + 1) * size, keys_primary=tombstones)
        pending = [r for r in group if r.kafka_offset > covered]
        if not pending:
            return
        primary = self._keys if tombstones else self._values
        files = [run for rotated in self._rotate(pending) for run in primary.split(rotated)]  # schema changes
        for i, file_records in enumerate(files):
            end = file_records[-1].kafka_offset if i < len(files) - 1 else last_seen
            self._write_file(prefix, file_records, end, tombstones=tombstones)

    def _rotate(self, records: list[SinkRecord]) -> list[list[SinkRecord]]:
        """Split on ``rotate.interval.ms`` (record timestamps, time-based partitioners only)."""
        if self._rotate_ms <= 0:
            return [records]
        files: list[list[SinkRecord]] = [[]]
        base: int | None = None
        for record in records:
            ts = self._partitioner.timestamp(record)
            if base is None or ts is None:
                base = ts
            elif ts - base >= self._rotate_ms:
                files.append([])
                base = ts
            files[-1].append(record)
        return files

    def _write_file(self, prefix: str, records: list[SinkRecord], end: int, *, tombstones: bool) -> None:
        """Secondary files first (overwritable), then the primary file with its coverage, exclusively."""
        start = records[0].kafka_offset
        head = f"{prefix}{start:0{self._layout.pad_width}d}"
        primary = self._keys if tombstones else self._values
        secondaries = [] if tombstones or not self.config.store_kafka_keys else [self._keys]
        if self.config.store_kafka_headers:
            secondaries.append(self._headers)
        tags = {"startOffset": str(start), "endOffset": str(end), "recordCount": str(len(records))} \
            if self.config.s3_object_tagging else None
        for fmt in secondaries:
            self._storage.put(head + fmt.extension, fmt.encode(records), exclusive=False, tags=tags)
        key = head + primary.extension
        metadata = {END_OFFSET_META: str(end), RECORD_COUNT_META: str(len(records))}
        self._storage.put(key, primary.encode(records), metadata, exclusive=True, tags=tags)

    def _covered_end(self, prefix: str, cell_start: int, cell_end: int, *, keys_primary: bool) -> int:
        """The highest offset already accounted for by files of this directory in the cell (-1: none)."""
        best_start, best_key = -1, ""
        for key in self._storage.list_keys(self._layout.range_prefix(prefix, cell_start, cell_end - 1)):
            match = _NAME.match(key[len(prefix):])
            if match is None:
                continue
            start, suffix = int(match.group(1)), match.group(2)
            if suffix.startswith(".keys") != keys_primary or suffix.startswith(".headers"):
                continue
            if start >= cell_end:
                if self._layout.sorts_by_offset(start):
                    break
                continue
            if start >= cell_start and start > best_start:
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
