"""The messages path (``SourceTask.messages_poll``): a poll given as ``SourceMessages`` is produced as the records it
stands for would be (the same messages, offsets and counts), ``commit_messages`` gets where each record went as the
records path's ``commit_record`` does, and the path is taken only where the pipeline writes the bytes as they are."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any, ClassVar

import pytest

from connect_core.api.header import BytesHeaders
from connect_core.api.record import FieldOffsets, RecordMetadata, SourceMessages, SourceRecord, WrittenOffsets
from connect_core.api.schema import BYTES_SCHEMA, OPTIONAL_BYTES_SCHEMA
from connect_core.runtime.source_commits import IndexedDeliveries, MessageDeliveries, RunDeliveries
from tests.unit.runtime import fakes
from tests.unit.runtime.test_source_commits import (
    CommittingConnector,
    CommittingTask,
    OffsetsReadingTask,
    _Message,
    _run,
    _where,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from connect_core.api.task import SourceTask

BYTES = "org.apache.kafka.connect.converters.ByteArrayConverter"
CONNECTOR = f"{__name__}:MessagesConnector"
CONFIG = {"connector.class": CONNECTOR, "tasks.max": "1", "key.converter": BYTES, "value.converter": BYTES,
          "header.converter": BYTES}


def as_messages(records: list[SourceRecord]) -> SourceMessages:
    """The ``SourceMessages`` standing for ``records`` (BYTES keys and values, headers as pairs)."""
    return SourceMessages(
        [r.topic for r in records], [r.kafka_partition for r in records], [r.key for r in records],
        [r.value for r in records], [r.timestamp for r in records],
        [r.headers.pairs() if isinstance(r.headers, BytesHeaders) else None for r in records],
        [r.source_partition for r in records], [r.source_offset for r in records])


def byte_records(rng: random.Random, first: int, count: int) -> list[SourceRecord]:
    """Runs to named partitions of two topics, records to the partitioner's partition, records carrying only an
    offset; null keys, tombstones, headers (a null value, a repeated key) or none, timestamps or none."""
    records: list[SourceRecord] = []
    n = first
    while len(records) < count:
        kind = rng.random()
        source = {"p": rng.randint(0, 2)}
        if kind < 0.08:
            records.append(SourceRecord(source, {"n": n}, None))
            n += 1
            continue
        topic, partition = rng.choice(["users", "orders"]), (None if kind < 0.2 else rng.randint(0, 2))
        for _ in range(rng.choice([1, 2, 3, 7, 30])):
            pairs = rng.choice([None, [], [("trace", b"%d" % n)], [("a", None), ("a", b"\x00"), ("b", b"")]])
            records.append(SourceRecord(
                source, {"n": n}, topic, partition, OPTIONAL_BYTES_SCHEMA, None if n % 5 == 0 else b"k%d" % n,
                BYTES_SCHEMA, None if n % 11 == 0 else b"v" * (n % 13),
                None if n % 4 == 0 else 1_700_000_000_000 + n, None if pairs is None else BytesHeaders(pairs)))
            n += 1
    return records


class MessagesTask(OffsetsReadingTask):
    """``OffsetsReadingTask`` whose ``messages_poll`` gives each of ``POLLS`` as ``SourceMessages`` (``MESSAGES``
    False: no such hook); ``POLLED`` and ``BATCHES`` note each batch polled and handed to ``commit_messages``."""

    MESSAGES: ClassVar[bool] = True
    BATCHES: ClassVar[list[SourceMessages]] = []
    POLLED: ClassVar[list[SourceMessages]] = []

    def messages_poll(self) -> Callable[[], SourceMessages | None] | None:
        if not self.MESSAGES:
            return None
        return self._next_messages

    def _next_messages(self) -> SourceMessages | None:
        if not self.POLLS:
            return None
        self.POLLED.append(as_messages(self.POLLS.pop(0)))
        return self.POLLED[-1]

    def commit_messages(self, batch: SourceMessages, written: WrittenOffsets) -> None:
        self.BATCHES.append(batch)
        super().commit_messages(batch, written)


class MessagesConnector(CommittingConnector):
    """The committing connector's, with ``MessagesTask``."""

    def task_class(self) -> type[SourceTask]:
        return MessagesTask


@pytest.fixture(autouse=True)
def _plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAMBDA_CONNECT_PLUGINS", f"{fakes.PLUGINS},{CONNECTOR}")
    MessagesTask.BATCHES.clear()
    MessagesTask.POLLED.clear()
    monkeypatch.setattr(MessagesTask, "MESSAGES", True)


def _polls(seed: int) -> list[list[SourceRecord]]:
    rng = random.Random(seed)
    polls, first = [], 0
    for _ in range(rng.randint(2, 6)):
        size = rng.randint(1, 120)
        polls.append(byte_records(rng, first, size))
        first += len(polls[-1])
    return polls


def _wire(produced: list[tuple[str, bytes | None, bytes | None, Any]]) -> list[tuple[Any, ...]]:
    """Produced messages as Kafka stores them: an empty header list is no headers."""
    return [(topic, key, value, headers or None) for topic, key, value, headers in produced]


def _both(monkeypatch: pytest.MonkeyPatch, seed: int, **kwargs: Any) -> tuple[Any, Any]:
    """``_run`` on the records path (``messages_poll`` off, two reports a run) and on the messages path."""
    monkeypatch.setattr(MessagesTask, "MESSAGES", False)
    records = _run(RunDeliveries, monkeypatch, seed, _polls(seed), config=CONFIG, **kwargs)
    assert not MessagesTask.POLLED
    monkeypatch.setattr(MessagesTask, "MESSAGES", True)
    messages = _run(RunDeliveries, monkeypatch, seed, _polls(seed), config=CONFIG, **kwargs)
    assert MessagesTask.POLLED, "the messages path was not taken"
    return records, messages


@pytest.mark.parametrize("seed", range(6))
def test_messages_are_produced_and_committed_as_their_records(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same messages produced (keys, values, headers, to the same topics), the same source offsets committed,
    the same counts, and ``commit_record`` of each record with the same topic, partition and offset as the records
    path gives it (reports shuffled across partitions)."""
    records, messages = _both(monkeypatch, seed)
    assert messages[1] == records[1] and _wire(messages[2]) == _wire(records[2])
    assert _where(messages[0]) == _where(records[0])
    indexed = _run(IndexedDeliveries, monkeypatch, seed, _polls(seed), config={**CONFIG, "connector.class": CONNECTOR})
    assert _where(messages[0]) == _where(indexed[0])  # every run landed unbroken: each record placed


def test_a_run_another_writer_wrote_into_places_only_its_ends(monkeypatch: pytest.MonkeyPatch) -> None:
    """Another writer's records among a run's: that run's records between its ends get None, on both paths."""
    records, messages = _both(monkeypatch, 3, others=frozenset({5, 40, 90}))
    assert _where(messages[0]) == _where(records[0])
    assert any(metadata is None for offset, metadata in messages[0] if offset != "commit" and offset["n"] > 0)


def test_a_failed_delivery_fails_the_invocation_on_the_messages_path(monkeypatch: pytest.MonkeyPatch) -> None:
    fail: Callable[[bytes | None], bool] = lambda value: value == b"v" * 7  # noqa: E731
    records, messages = _both(monkeypatch, 1, fail=fail)
    assert messages == records and "were not delivered: broker said no" in str(messages)
    assert CommittingTask.CALLS == []


def test_the_messages_path_builds_no_record_when_the_task_reads_the_offsets(monkeypatch: pytest.MonkeyPatch) -> None:
    """A task that reads ``written.offsets`` itself: no ``SourceRecord`` is made for its messages."""
    noted: list[tuple[list[Any], list[int | None]]] = []

    def reading(self: MessagesTask, batch: SourceMessages, written: WrittenOffsets) -> None:
        noted.append((list(batch.source_offsets), list(written.offsets)))

    polls = _polls(2)
    monkeypatch.setattr(MessagesTask, "commit_messages", reading)
    monkeypatch.setattr(SourceMessages, "records", lambda _self: pytest.fail("records built"))
    monkeypatch.setattr(SourceRecord, "__init__", lambda *_args, **_kwargs: pytest.fail("a record built"))
    expected = sum(len(poll) for poll in polls)
    _calls, results, produced = _run(RunDeliveries, monkeypatch, 2, polls, config=CONFIG)
    assert sum(len(offsets) for offsets, _written in noted) == expected
    assert results[0][0] + results[0][1] == expected and produced


@pytest.mark.parametrize("change", [
    {"value.converter": "org.apache.kafka.connect.storage.StringConverter"},
    {"header.converter": "org.apache.kafka.connect.storage.SimpleHeaderConverter"},
    {"key.converter": "org.apache.kafka.connect.json.JsonConverter"},
    {"transforms": "route", "transforms.route.type": "org.apache.kafka.connect.transforms.RegexRouter",
     "transforms.route.regex": "(.*)", "transforms.route.replacement": "$1"},
])
def test_the_messages_path_is_taken_only_where_the_bytes_are_written_as_they_are(
        change: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Another converter or an SMT: records are polled (``poll``), never messages."""
    monkeypatch.setattr(MessagesTask, "messages_poll", lambda _self: pytest.fail("messages polled"))
    rng = random.Random(0)
    polls = [[r for r in byte_records(rng, 0, 20) if r.key is not None and r.value is not None]]
    calls, results, _produced = _run(RunDeliveries, monkeypatch, 0, polls, config={**CONFIG, **change})
    assert results[0][0] > 0 and calls


def test_source_messages_stand_for_their_records() -> None:
    rng = random.Random(5)
    records = byte_records(rng, 0, 200)
    batch = as_messages(records)
    assert batch.records() == records
    for got, want in zip(batch.records(), records, strict=True):
        assert [(h.key, h.schema, h.value) for h in got.headers] == [(h.key, h.schema, h.value) for h in want.headers]
    lazy = batch._replace(source_offsets=FieldOffsets("n", [offset["n"] for offset in batch.source_offsets]))
    assert lazy.records() == records


def test_written_offsets_read_as_record_metadata() -> None:
    written = WrittenOffsets(["a", None, "b", "b"], [0, None, None, 2], [5, None, 7, None])
    assert list(written) == [RecordMetadata("a", 0, 5), None, None, None]
    assert written[0:1] == [RecordMetadata("a", 0, 5)] and len(written) == 4


@pytest.mark.parametrize(("last", "expected"), [(14, [10, 11, 12, 13, 14]), (15, [10, None, None, None, 15])])
def test_message_deliveries_place_a_run_only_when_it_landed_unbroken(last: int, expected: list[int | None]) -> None:
    """Two reports for a run of five: the three between placed when the ends are four apart, else unknown."""
    plan = MessageDeliveries(lambda error, message: pytest.fail(f"{error}"))
    records = [SourceRecord({"p": 0}, {"n": n}, "t", 0, None, b"k", None, b"v") for n in range(5)]
    callbacks = plan.callbacks(as_messages(records))
    assert [callback is None for callback in callbacks] == [False, True, True, True, False]
    callbacks[4](None, _Message("t", 0, last, 1))
    callbacks[0](None, _Message("t", 0, 10, 1))
    committed: list[list[int | None]] = []
    plan.commit(lambda batch, written: committed.append(list(written.offsets)))
    assert committed == [expected]
