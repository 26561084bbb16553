"""An in-memory ``OffsetStorageReader`` and context helpers for connector tests (no Kafka, no mocks)."""

from __future__ import annotations

import tempfile
import time
from typing import TYPE_CHECKING, Any

from connect_core.api.file_roots import FileRoots
from connect_core.api.task import OffsetStorageReader, PartitionKey, SourceTask, SourceTaskContext, partition_key

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from connect_core.api.record import SourceRecord

# What tests/conftest.py gives the worker: files in the temporary directory (where tmp_path lives).
TEMP_ROOTS = FileRoots.of([tempfile.gettempdir()])


class MemoryOffsetReader(OffsetStorageReader):
    """Committed offsets held in a dict; ``commit`` plays the runtime's part after a successful produce."""

    def __init__(self, offsets: Mapping[PartitionKey, dict[str, Any]] | None = None) -> None:
        self.committed: dict[PartitionKey, dict[str, Any]] = dict(offsets or {})
        self.requested: list[dict[str, Any]] = []

    def offsets(self, partitions: Iterable[Mapping[str, Any]]) -> dict[PartitionKey, dict[str, Any]]:
        out = {}
        for partition in partitions:
            self.requested.append(dict(partition))
            key = partition_key(partition)
            if key in self.committed:
                out[key] = self.committed[key]
        return out

    def commit(self, records: Iterable[SourceRecord]) -> None:
        """Keep the last offset per partition, as the runtime does after the transaction commits."""
        for record in records:
            if record.source_partition is not None and record.source_offset is not None:
                self.committed[partition_key(record.source_partition)] = dict(record.source_offset)

    def set(self, partition: Mapping[str, Any], offset: dict[str, Any]) -> None:
        self.committed[partition_key(partition)] = offset


def start_task(task: SourceTask, props: dict[str, str], reader: MemoryOffsetReader) -> SourceTask:
    """Initialize ``task`` with a context over ``reader`` and start it."""
    task.initialize(SourceTaskContext(props, reader, file_roots=TEMP_ROOTS))
    task.start(props)
    return task


def drain(task: SourceTask, reader: MemoryOffsetReader | None = None, max_polls: int = 1000) -> list[SourceRecord]:
    """Poll until ``poll`` returns nothing (what one invocation does); commit offsets into ``reader`` if given."""
    out: list[SourceRecord] = []
    for _ in range(max_polls):
        batch = task.poll()
        if not batch:
            return out
        out.extend(batch)
        if reader is not None:
            reader.commit(batch)
    raise AssertionError("poll() never returned an empty batch")


def invocation_batches(task: SourceTask, props: dict[str, str], reader: MemoryOffsetReader, polls: int, *,
                       pause_after: int | None = None, pause_s: float = 0.0,
                       commit_last: bool = True) -> list[list[SourceRecord]]:
    """Start ``task`` and poll it as one invocation does, committing each batch (not the last when ``commit_last``
    is False: killed before its commit); a pause after poll ``pause_after``, as in a warm container between ticks."""
    start_task(task, props, reader)
    out: list[list[SourceRecord]] = []
    try:
        for index in range(polls):
            batch = task.poll()
            if not batch:
                task.commit()
                break
            out.append(batch)
            if commit_last or index < polls - 1:
                reader.commit(batch)
                task.commit()
            if index == pause_after:
                time.sleep(pause_s)
    finally:
        task.stop()
    return out
