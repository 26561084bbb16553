"""What a transaction keeps for ``SourceTask.commit_record``: each polled record and where Kafka wrote it.

Kafka's ``ExactlyOnceWorkerSourceTask`` calls ``commitRecord(record, metadata)`` for the records of a transaction once
it has committed, ``metadata`` null for a record an SMT dropped, then ``commit()``. Here every polled record (as
polled, before SMTs) gets its call, in poll order; a record dropped by an SMT or a tolerated failure, or carrying only
an offset, gets None. The plans, chosen in one place (``SourceRunner._commit_plan``): ``RecordByRecord`` (the
reference: a record at a time, each its own report object), ``IndexedDeliveries`` (a poll at once, each report
writing its record's slot) and, for a task reading only the offsets (``SourceTask.commit_record_reads_offsets``),
``RunDeliveries`` (two reports a run of records to one partition, the records between at the offsets between).
``MessageDeliveries`` is ``RunDeliveries`` for a poll given as ``SourceMessages`` (``SourceTask.commit_messages``).
"""

from __future__ import annotations

from collections import deque
from functools import partial
from itertools import groupby, repeat
from typing import TYPE_CHECKING, Any

from connect_core.api.record import RecordMetadata, WrittenOffsets

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from connect_core.api.record import SourceMessages, SourceRecord
    from connect_core.runtime.source_pipeline import ProduceArgs, SourcePipeline

__all__ = ["IndexedDeliveries", "MessageDeliveries", "RecordByRecord", "RunDeliveries", "run_reports"]

_new_tuple = tuple.__new__


def _metadata(message: Any) -> RecordMetadata:
    """Where a delivered ``message`` was written (a timestamp Kafka did not give: None)."""
    _kind, timestamp = message.timestamp()
    # RecordMetadata without its generated __new__ (one per delivered record)
    return _new_tuple(RecordMetadata, (message.topic(), message.partition(), message.offset(),
                                       timestamp if timestamp >= 0 else None))


class _Delivery:
    """One record's delivery report: an error goes to the transaction's callback, the written position is kept."""

    __slots__ = ("metadata", "on_error")

    def __init__(self, on_error: Callable[[Any, Any], None]) -> None:
        self.on_error = on_error
        self.metadata: RecordMetadata | None = None

    def __call__(self, error: Any, message: Any) -> None:
        if error is not None:
            self.on_error(error, message)
            return
        self.metadata = _metadata(message)


class RecordByRecord:
    """The reference plan: each record converted on its own with its own delivery report object. Never chosen by
    ``_commit_plan`` (the plans below make the same calls for less); tests hold them to it."""

    def __init__(self, on_delivery: Callable[[Any, Any], None]) -> None:
        """Keep records for one transaction whose failed deliveries go to ``on_delivery``."""
        self.on_delivery = on_delivery
        self.polled: list[tuple[SourceRecord, _Delivery]] = []

    def produce_args(self, pipeline: SourcePipeline, records: list[SourceRecord]) -> tuple[list[ProduceArgs], int, int]:
        """``pipeline.produce_args`` of ``records``, each record's report kept for its ``commit_record``."""
        args: list[ProduceArgs] = []
        skipped = size = 0
        for record in records:
            slot = _Delivery(self.on_delivery)
            produced, dropped, written = pipeline.produce_args([record], slot)
            args.extend(produced)
            skipped += dropped
            size += written
            self.polled.append((record, slot))
        return args, skipped, size

    def commit(self, commit_record: Callable[[SourceRecord, RecordMetadata | None], None]) -> None:
        """``commit_record`` of every polled record, in order, with where it was written (None: not produced)."""
        for record, slot in self.polled:
            commit_record(record, slot.metadata)


class IndexedDeliveries:
    """A poll's records converted at once; one shared report function writes where the record of index ``i`` went
    into slot ``i`` (a ``partial`` per record binds its index), and ``commit`` hands the slots out in one loop."""

    def __init__(self, on_delivery: Callable[[Any, Any], None]) -> None:
        """Keep records for one transaction whose failed deliveries go to ``on_delivery``."""
        self.on_delivery = on_delivery
        self.records: list[SourceRecord] = []
        self.written: list[RecordMetadata | None] = []  # by index into ``records``; None until delivered

    def produce_args(self, pipeline: SourcePipeline, records: list[SourceRecord]) -> tuple[list[ProduceArgs], int, int]:
        """``pipeline.produce_args`` of ``records``, each record's report writing its slot."""
        first = len(self.records)
        self.records.extend(records)
        self.written.extend(repeat(None, len(records)))
        each = list(map(partial, repeat(self._delivered), range(first, first + len(records))))
        return pipeline.produce_args(records, self.on_delivery, each=each)

    def _delivered(self, index: int, error: Any, message: Any) -> None:
        if error is not None:
            self.on_delivery(error, message)
            return
        self.written[index] = _metadata(message)

    def commit(self, commit_record: Callable[[SourceRecord, RecordMetadata | None], None]) -> None:
        """``RecordByRecord.commit``: the same calls, from C."""
        deque(map(commit_record, self.records, self.written), 0)


def _destination(record: SourceRecord) -> tuple[str | None, int | None]:
    """Where ``record`` asks to be written: its topic and partition (None: the partitioner decides)."""
    return record.topic, record.kafka_partition


class RunDeliveries(IndexedDeliveries):
    """``IndexedDeliveries``' calls for a task whose ``commit_record`` reads only the topic, partition and offset,
    with two delivery reports a run instead of one a record.

    A run is a poll's records one after another to one named partition (no SMT between: they go where they say).
    Only its first and last records get a report; the others are produced without one (a failed delivery still
    fails the transaction's commit). When the last's offset is the first's plus the run's length less one, the run
    landed with nothing of another writer's between: each record between gets the offset between, and no timestamp.
    Otherwise, or when a converter's tolerated failure skipped a record of the poll (which record that was is then
    unknown), the records between get None, as records an SMT dropped."""

    def __init__(self, on_delivery: Callable[[Any, Any], None]) -> None:
        """Keep records for one transaction whose failed deliveries go to ``on_delivery``."""
        super().__init__(on_delivery)
        self.runs: list[tuple[int, int]] = []  # (first, last) indexes into ``records`` with records between them

    def produce_args(self, pipeline: SourcePipeline, records: list[SourceRecord]) -> tuple[list[ProduceArgs], int, int]:
        """``pipeline.produce_args`` of ``records``: a report writing its slot for each record but those inside a
        run."""
        if len(pipeline.chain):  # an SMT may move a record: a report each
            return super().produce_args(pipeline, records)
        first = len(self.records)
        self.records.extend(records)
        self.written.extend(repeat(None, len(records)))
        each, runs = run_reports(map(_destination, records), partial(partial, self._delivered), first)
        args, skipped, size = pipeline.produce_args(records, self.on_delivery, each=each)
        if runs and skipped > sum(1 for record in records if record.topic is None):
            runs = []  # a record a converter refused: not produced, so which offsets the others took is unknown
        self.runs.extend(runs)
        return args, skipped, size

    def commit(self, commit_record: Callable[[SourceRecord, RecordMetadata | None], None]) -> None:
        """The runs' records between first and last placed, then ``IndexedDeliveries.commit``."""
        written = self.written
        for start, end in self.runs:
            head, tail = written[start], written[end]
            if head is None or tail is None or tail[2] - head[2] != end - start:
                continue
            topic, partition, offset = head[0], head[1], head[2]
            written[start + 1:end] = [_new_tuple(RecordMetadata, (topic, partition, at, None))
                                      for at in range(offset + 1, offset + end - start)]
        super().commit(commit_record)


def run_reports(destinations: Iterable[tuple[str | None, int | None]], report: Callable[[int], Any],
                first: int = 0) -> tuple[list[Any], list[tuple[int, int]]]:
    """The delivery callback of each record given by its ``(topic, partition)``, ``report(i)`` for record
    ``first + i`` or None, and the runs: a run is three or more records one after another to one named partition,
    and only its first and last get a report."""
    each: list[Any] = []
    runs: list[tuple[int, int]] = []
    start = 0
    for (topic, partition), members in groupby(destinations):
        count = len(list(members))
        end = start + count - 1
        if topic is None or partition is None or count < 3:  # no run: a report each
            each.extend(map(report, range(first + start, first + end + 1)))
        else:
            each.append(report(first + start))
            each.extend(repeat(None, count - 2))
            each.append(report(first + end))
            runs.append((first + start, first + end))
        start = end + 1
    return each, runs


class MessageDeliveries:
    """``RunDeliveries`` for polls given as ``SourceMessages``: each batch's runs get two reports, a record outside
    a run one; ``commit`` hands each batch with where its records were written to ``SourceTask.commit_messages``."""

    def __init__(self, on_delivery: Callable[[Any, Any], None]) -> None:
        """Keep batches for one transaction whose failed deliveries go to ``on_delivery``."""
        self.on_delivery = on_delivery
        self.batches: list[tuple[SourceMessages, WrittenOffsets, list[tuple[int, int]]]] = []

    def callbacks(self, batch: SourceMessages) -> list[Any]:
        """The delivery callback of each record of ``batch`` (None inside a run), in order; ``batch`` is kept."""
        partitions = batch.partitions
        written = WrittenOffsets(batch.topics, list(partitions) if None in partitions else partitions,
                                 [None] * len(partitions))
        each, runs = run_reports(zip(batch.topics, partitions, strict=True), partial(partial, self._delivered, written))
        self.batches.append((batch, written, runs))
        return each

    def _delivered(self, written: WrittenOffsets, index: int, error: Any, message: Any) -> None:
        if error is not None:
            self.on_delivery(error, message)
            return
        written.offsets[index] = message.offset()
        written.partitions[index] = message.partition()

    def commit(self, commit_messages: Callable[[SourceMessages, WrittenOffsets], None]) -> None:
        """The runs' records between first and last placed (when the run landed unbroken), then ``commit_messages``
        of each batch, in order."""
        for batch, written, runs in self.batches:
            offsets = written.offsets
            for start, end in runs:
                head, tail = offsets[start], offsets[end]
                if head is not None and tail is not None and tail - head == end - start:
                    offsets[start + 1:end] = range(head + 1, tail)
            commit_messages(batch, written)
