"""MirrorSourceTask's message conversion: the one-loop ``_records_of`` (the fast path) builds what
``_convert_reference`` (one message at a time) builds, from real confluent-kafka messages."""

from __future__ import annotations

from confluent_kafka import KafkaError, Message

from connect_core.api.config import parse_config
from connect_core.api.header import BytesHeaders
from connect_core.api.record import RecordMetadata, WrittenOffsets
from connect_core.api.schema import BYTES_SCHEMA, OPTIONAL_BYTES_SCHEMA
from connect_core.api.task import TopicPartition
from connect_core.connectors.mirror.config import MirrorSourceConfig
from connect_core.connectors.mirror.source_task import MirrorSourceTask


def _task() -> MirrorSourceTask:
    task = MirrorSourceTask()
    task._alias = "src"
    task._policy = parse_config(MirrorSourceConfig, {"source.cluster.alias": "src"}).policy()
    return task


def _messages() -> list[Message]:
    """Both partitions of two topics interleaved: no headers, an empty header list, null header values, repeated
    header keys, null keys, tombstones, a record without timestamp, and a poll error between them."""
    out = []
    for i in range(40):
        topic, partition = ("orders", i % 2) if i % 3 else ("audit.log", 0)
        kinds: list[list[tuple[str, str | bytes | None]] | None] = [
            None, [], [("trace", f"{i}".encode())], [("a", None), ("a", b"\x00\xff"), ("b", b"")]]
        headers = kinds[i % 4]
        timestamp = (0, -1) if i == 7 else ((1, 1_700_000_000_000 + i) if i % 5 else (2, i))
        out.append(Message(topic=topic, partition=partition, offset=100 + i, key=None if i % 6 == 0 else b"k%d" % i,
                           value=None if i % 7 == 0 else b"v" * i, headers=headers, timestamp=timestamp))
        if i == 20:
            out.append(Message(topic=topic, partition=partition, offset=-1, error=KafkaError(KafkaError._TRANSPORT)))
    return out


def test_records_of_builds_what_convert_reference_builds() -> None:
    messages = _messages()
    fast, reference = _task(), _task()
    records = fast._records_of(messages)
    expected = [reference._convert_reference(m) for m in messages if m.error() is None]
    assert records == expected
    assert len(records) == 40 and fast._next == reference._next and fast._fetched
    for got, want in zip(records, expected, strict=True):  # equality holds across Headers' empty forms: the exact ones
        assert [(h.key, h.schema, h.value) for h in got.headers] == [(h.key, h.schema, h.value) for h in want.headers]
        assert got.timestamp == want.timestamp and got.topic == want.topic
    assert records[0].topic == "src.audit.log" and records[0].key is None and records[0].value is None
    assert [(h.key, h.schema) for h in records[3].headers] == [("a", OPTIONAL_BYTES_SCHEMA), ("a", BYTES_SCHEMA),
                                                               ("b", BYTES_SCHEMA)]
    assert records[7].timestamp is None
    # the headers stay as the consumer read them until read: ByteArrayConverter writes those pairs as they are
    unread = _task()._records_of(messages)
    assert [type(r.headers).__name__ for r in unread[:4]] == ["Headers", "BytesHeaders", "BytesHeaders", "BytesHeaders"]
    pairs = [r.headers.pairs() for r in unread[1:4] if isinstance(r.headers, BytesHeaders)]
    assert pairs == [[], [("trace", b"2")], [("a", None), ("a", b"\x00\xff"), ("b", b"")]]
    assert records[1].source_partition == {"cluster": "src", "partition": 1, "topic": "orders"}
    assert records[1].source_offset == {"offset": 101}


def test_records_of_nothing_is_not_a_fetch() -> None:
    task = _task()
    assert task._records_of([]) == [] and not task._fetched and task._next == {}


class _Writer:
    def __init__(self) -> None:
        self.runs: list[tuple[TopicPartition, list[tuple[int, int]]]] = []

    def queue_run(self, source: TopicPartition, copied: object) -> None:
        self.runs.append((source, list(copied)))  # type: ignore[call-overload]


def test_noted_records_reach_the_writer_a_partition_run_at_a_time_in_order() -> None:
    """``commit_record``'s notes (ints, not a tuple per record) give ``queue_run`` what a partition-run grouping of
    (source partition, upstream, downstream) per record gives: runs split where the partition changes, a record an
    SMT dropped (no metadata) left out, equal partition dicts of different records in one run."""
    task = _task()
    task._writer = object()  # type: ignore[assignment]
    records = task._records_of(_messages())
    records.insert(5, _task()._records_of(_messages()[5:6])[0])  # an equal but distinct partition dict
    expected: list[tuple[TopicPartition, list[tuple[int, int]]]] = []
    for downstream, record in enumerate(records):
        dropped = downstream % 9 == 4
        task.commit_record(record, None if dropped else RecordMetadata("t", 0, 1000 + downstream, None))
        if dropped:
            continue
        source = TopicPartition(record.source_partition["topic"], record.source_partition["partition"])
        if not expected or expected[-1][0] != source:
            expected.append((source, []))
        expected[-1][1].append((record.source_offset["offset"], 1000 + downstream))
    writer = _Writer()
    task._sync_copied(writer)  # type: ignore[arg-type]
    assert writer.runs == expected and len(expected) > 10
    task._sync_copied(writer)  # nothing noted since: nothing queued
    assert len(writer.runs) == len(expected)


def test_messages_of_stand_for_what_records_of_builds() -> None:
    """The messages path (``SourceMessages``, no record a message) stands for ``_records_of``'s records, with the
    same next offsets; no message that is a record: None."""
    messages = _messages()
    fast, reference = _task(), _task()
    batch = fast._messages_of(messages)
    assert batch is not None
    expected = reference._records_of(messages)
    assert batch.records() == expected
    for got, want in zip(batch.records(), expected, strict=True):
        assert type(got.headers) is type(want.headers) and got.timestamp == want.timestamp
        assert [(h.key, h.schema, h.value) for h in got.headers] == [(h.key, h.schema, h.value) for h in want.headers]
    assert fast._next == reference._next and fast._fetched
    assert batch.headers[:2] == [None, []] and batch.source_offsets[1] == {"offset": 101}
    empty = _task()
    assert empty._messages_of([]) is None and not empty._fetched
    assert empty._messages_of([m for m in messages if m.error() is not None]) is None


def test_commit_messages_notes_what_commit_record_of_each_record_notes() -> None:
    """``commit_messages`` reading the offsets (every record placed) and its fall-back (a record unplaced) note
    for the writer what ``commit_record`` of each record notes, runs included, across batches."""
    messages = _messages()
    for unplaced in (None, 3):
        fast, reference = _task(), _task()
        fast._writer = reference._writer = object()  # type: ignore[assignment]
        for first in (0, 1000):
            batch = fast._messages_of(messages)
            assert batch is not None
            offsets: list[int | None] = [first + i for i in range(len(batch.topics))]
            if unplaced is not None:
                offsets[unplaced] = None
            written = WrittenOffsets(batch.topics, batch.partitions, offsets)
            fast.commit_messages(batch, written)
            for record, metadata in zip(reference._records_of(messages), written, strict=True):
                reference.commit_record(record, metadata)
        assert (fast._copied_runs, fast._upstream, fast._downstream) == (
            reference._copied_runs, reference._upstream, reference._downstream)
        assert len(fast._upstream) == 80 - (0 if unplaced is None else 2)
