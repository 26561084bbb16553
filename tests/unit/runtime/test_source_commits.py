"""The ``commit_record`` plans: a poll's records produced at once (``IndexedDeliveries``) give a task the same calls as
the record-by-record reference (``RecordByRecord``), whatever order the delivery reports come in; with two reports a
partition's run (``RunDeliveries``) the same topics, partitions and offsets where the run's records landed together."""

from __future__ import annotations

import gc
import random
from collections import defaultdict
from typing import TYPE_CHECKING, Any, ClassVar

import pytest

from connect_core.api.header import Headers
from connect_core.api.record import RecordMetadata, SourceRecord
from connect_core.api.schema import STRING_SCHEMA, SchemaBuilder
from connect_core.api.struct import Struct
from connect_core.api.task import SourceTask
from connect_core.runtime.source_commits import IndexedDeliveries, RecordByRecord, RunDeliveries
from connect_core.runtime.source_runner import SourceRunner
from tests.unit.runtime import fakes
from tests.unit.runtime.fakes import FakeProducer
from tests.unit.runtime.test_source_runner import Harness

if TYPE_CHECKING:
    from collections.abc import Callable

USER = SchemaBuilder.struct().name("User").field("id", SchemaBuilder.int32().build()).build()
CONNECTOR = f"{__name__}:CommittingConnector"
CONFIG = {
    "connector.class": CONNECTOR, "tasks.max": "1", "errors.tolerance": "all",
    "key.converter": "org.apache.kafka.connect.storage.StringConverter",
    "value.converter": "org.apache.kafka.connect.json.JsonConverter",
    "transforms": "drop", "transforms.drop.type": "org.apache.kafka.connect.transforms.Filter",
    "transforms.drop.predicate": "marked", "predicates": "marked",
    "predicates.marked.type": "org.apache.kafka.connect.transforms.predicates.HasHeaderKey",
    "predicates.marked.name": "drop",
}
WITHOUT_SMTS = {k: v for k, v in CONFIG.items() if not k.startswith(("transforms", "predicates"))}


def mixed_poll(first: int, count: int, topics: tuple[str, str] = ("users", "orders")) -> list[SourceRecord]:
    """Records of every kind: to a partition or the partitioner's, to two topics, with a timestamp or none, one
    an SMT drops, one carrying only its offset, one whose value the converter refuses (tolerated)."""
    records = []
    for n in range(first, first + count):
        partition = {"p": n % 2}
        kind = n % 7
        headers = Headers().add("drop", "yes", STRING_SCHEMA) if kind == 3 else None
        if kind == 4:  # offsets only
            records.append(SourceRecord(partition, {"n": n}, None, None, None, None, None, None))
        elif kind == 5:  # the JsonConverter refuses it: tolerated, skipped
            records.append(SourceRecord(partition, {"n": n}, topics[0], None, STRING_SCHEMA, f"k{n}", USER,
                                        "not a struct"))
        else:
            value = Struct(USER).put("id", n)
            records.append(SourceRecord(partition, {"n": n}, topics[0] if n % 3 else topics[1],
                                        n % 3 if kind in (0, 1) else None, STRING_SCHEMA, f"k{n}", USER, value,
                                        1_700_000_000_000 + n if kind != 2 else None, headers))
    return records


class CommittingTask(SourceTask):
    """Polls ``POLLS`` and notes every ``commit_record`` and ``commit`` in ``CALLS``."""

    POLLS: ClassVar[list[list[SourceRecord]]] = []
    CALLS: ClassVar[list[tuple[Any, RecordMetadata | None]]] = []

    def start(self, props: dict[str, str]) -> None:
        """Nothing to read."""

    def poll(self) -> list[SourceRecord]:
        return self.POLLS.pop(0) if self.POLLS else []

    def commit_record(self, record: SourceRecord, metadata: RecordMetadata | None) -> None:
        self.CALLS.append((record.source_offset, metadata))

    def commit(self) -> None:
        self.CALLS.append(("commit", None))

    def stop(self) -> None:
        """Nothing to release."""


class CommittingConnector(fakes.ScriptedSourceConnector):
    """The scripted connector's, with ``CommittingTask``."""

    def task_class(self) -> type[SourceTask]:
        return CommittingTask


class _Message:
    """A delivered message as confluent-kafka reports it."""

    def __init__(self, topic: str, partition: int, offset: int, timestamp: int) -> None:
        self._where = (topic, partition, offset, timestamp)

    def topic(self) -> str:
        return self._where[0]

    def partition(self) -> int:
        return self._where[1]

    def offset(self) -> int:
        return self._where[2]

    def timestamp(self) -> tuple[int, int]:
        return (1 if self._where[3] >= 0 else 0), self._where[3]


class DeliveringProducer(FakeProducer):
    """Reports deliveries at ``poll`` and before the commit, in an order shuffled across partitions but kept within
    one (as Kafka's idempotent producer keeps it); a partition of -1 is chosen from the key; ``fail`` says which
    values' reports are errors."""

    def __init__(self, config: dict[str, Any], seed: int, fail: Callable[[bytes | None], bool], *,
                 others: frozenset[int] = frozenset(), **kwargs: Any) -> None:
        super().__init__(config, **kwargs)
        self.random = random.Random(seed)
        self.fail = fail
        self.others = others  # the numbers of the produce calls before which another writer wrote to that partition
        self.produce_calls = 0
        self.served = 0  # delivery reports served with a callback
        self.next_offset: dict[tuple[str, int], int] = defaultdict(int)
        self.undelivered: list[tuple[tuple[str, int], Any, Any, bytes | None]] = []

    def produce(  # noqa: PLR0917 - confluent-kafka's positional order
        self, topic: str, value: bytes | None = None, key: bytes | None = None, partition: int = -1,
        callback: Any = None, on_delivery: Any = None, timestamp: int = 0, headers: Any = None,
    ) -> None:
        super().produce(topic, value, key, partition, None, None, timestamp, headers)
        if partition < 0:
            partition = sum(key or b"") % 3
        where = (topic, partition)
        self.produce_calls += 1
        if self.produce_calls in self.others:
            self.next_offset[where] += 1
        offset = self.next_offset[where]
        self.next_offset[where] += 1
        message = _Message(topic, partition, offset, timestamp or 1_800_000_000_000 if timestamp >= 0 else -1)
        self.undelivered.append((where, message, callback or on_delivery, value))

    def poll(self, timeout: float = 0) -> int:
        by_partition: dict[tuple[str, int], list[Any]] = defaultdict(list)
        for where, *rest in self.undelivered:
            by_partition[where].append(rest)
        self.undelivered = []
        queues = list(by_partition.values())
        while queues:
            queue = self.random.choice(queues)
            message, report, value = queue.pop(0)
            if not queue:
                queues.remove(queue)
            if report is not None:
                self.served += 1
                report("broker said no" if self.fail(value) else None, message)
        return 0

    def commit_transaction(self, timeout: float = 0) -> None:
        self.poll()
        super().commit_transaction(timeout)


def _run(plan: type[IndexedDeliveries | RecordByRecord], monkeypatch: pytest.MonkeyPatch, seed: int,
         polls: list[list[SourceRecord]], fail: Callable[[bytes | None], bool] = lambda _value: False, *,
         config: dict[str, str] = CONFIG, others: frozenset[int] = frozenset(),
         reports: list[int] | None = None) -> Any:
    """The calls ``CommittingTask`` gets over ``polls`` (two invocations) with ``plan`` chosen, or the error;
    ``others``: ``DeliveringProducer``'s; ``reports`` gets how many delivery reports had a callback."""

    class _Harness(Harness):
        def _producer(self, config: dict[str, object]) -> FakeProducer:
            producer = DeliveringProducer(dict(config), seed, fail, others=others,
                                          topics={"connect-offsets": self.topics.offsets})
            self.producers.append(producer)
            return producer

    monkeypatch.setattr(SourceRunner, "_commit_plan", staticmethod(lambda task, on_delivery: plan(on_delivery)))
    CommittingTask.POLLS[:] = polls
    del polls  # the task holds them now: each poll's records are freed once the runner is done with them
    CommittingTask.CALLS.clear()
    harness = _Harness(config)
    runner = harness.runner()
    try:
        results = [runner.run("src", 0, lambda: 60_000.0) for _ in range(2)]
    except Exception as error:  # both plans fail alike
        return str(error)
    finally:
        runner.close()
        if reports is not None:
            reports.append(sum(p.served for p in harness.producers if isinstance(p, DeliveringProducer)))
    produced = [(m.topic, m.key, m.value, m.headers) for p in harness.producers for m in p.committed]
    return list(CommittingTask.CALLS), [(r.records, r.skipped, r.bytes) for r in results], produced


@pytest.fixture(autouse=True)
def _plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAMBDA_CONNECT_PLUGINS", f"{fakes.PLUGINS},{CONNECTOR}")


@pytest.mark.parametrize("seed", range(5))
def test_indexed_deliveries_give_the_reference_calls(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Polls of every kind of record, chunked into several transactions (``chunk_records`` is not reached: a poll
    is one send), reports shuffled across partitions: the same ``commit_record`` calls in poll order with the same
    metadata, ``commit`` after each transaction, and the same records produced."""
    rng = random.Random(seed)
    sizes = [rng.randint(1, 40) for _ in range(6)]
    starts = [sum(sizes[:i]) for i in range(len(sizes))]
    reference = _run(RecordByRecord, monkeypatch, seed,
                     [mixed_poll(s, n) for s, n in zip(starts, sizes, strict=True)])
    indexed = _run(IndexedDeliveries, monkeypatch, seed,
                   [mixed_poll(s, n) for s, n in zip(starts, sizes, strict=True)])
    assert indexed == reference
    calls = indexed[0]
    records = [call for call in calls if call[0] != "commit"]
    assert [offset["n"] for offset, _ in records] == list(range(sum(sizes)))  # poll order, every record
    for offset, metadata in records:
        kind = offset["n"] % 7
        assert (metadata is None) == (kind in (3, 4, 5)), offset  # dropped, offsets only, refused: None
        if kind == 2:
            assert metadata is not None and metadata.timestamp == 1_800_000_000_000  # the producer's clock
    assert calls[-1] == ("commit", None)


def test_a_failed_delivery_fails_the_invocation_under_both_plans(monkeypatch: pytest.MonkeyPatch) -> None:
    """A report with an error goes to the transaction's callback: the invocation fails, no ``commit_record``."""
    polls = [mixed_poll(0, 20)]
    fail: Callable[[bytes | None], bool] = lambda value: b'"payload":{"id":6}' in (value or b"")  # noqa: E731
    reference = _run(RecordByRecord, monkeypatch, 1, polls, fail)
    indexed = _run(IndexedDeliveries, monkeypatch, 1, [mixed_poll(0, 20)], fail)
    assert indexed == reference
    assert "were not delivered: broker said no" in indexed
    assert CommittingTask.CALLS == []


def test_the_plan_is_chosen_by_whether_the_task_overrides_commit_record() -> None:
    """No plan (the batch path without reports) for a task keeping the default; indexed deliveries otherwise, two
    reports a run for a task that reads only the offsets."""
    on_delivery = object()
    assert SourceRunner._commit_plan(fakes.ScriptedSourceTask(), on_delivery) is None  # type: ignore[arg-type]
    chosen = SourceRunner._commit_plan(CommittingTask(), on_delivery)  # type: ignore[arg-type]
    assert type(chosen) is IndexedDeliveries and chosen.on_delivery is on_delivery
    chosen = SourceRunner._commit_plan(OffsetsReadingTask(), on_delivery)  # type: ignore[arg-type]
    assert type(chosen) is RunDeliveries and chosen.on_delivery is on_delivery


class OffsetsReadingTask(CommittingTask):
    """``CommittingTask`` whose ``commit_record`` says it reads only the offsets."""

    def commit_record_reads_offsets(self) -> bool:
        return True


def runs_poll(first: int, sizes: list[int], *, refused: int | None = None,
              topics: tuple[str, str] = ("users", "orders")) -> list[SourceRecord]:
    """Runs of records to a named partition (``sizes``: each run's length, partitions 0, 1, 2 in turn, two topics),
    each run followed by a record to the partitioner's partition and one carrying only its offset; ``refused``: the
    record of that number has a value the converter refuses (tolerated)."""
    records: list[SourceRecord] = []
    n = first
    for run, size in enumerate(sizes):
        topic, partition = topics[run % 2], run % 3
        for _ in range(size):
            value: Any = "not a struct" if n == refused else Struct(USER).put("id", n)
            records.append(SourceRecord({"p": partition}, {"n": n}, topic, partition, STRING_SCHEMA, f"k{n}", USER,
                                        value, 1_700_000_000_000 + n))
            n += 1
        records.append(SourceRecord({"p": 9}, {"n": n}, topic, None, STRING_SCHEMA, f"k{n}", USER,
                                    Struct(USER).put("id", n)))
        records.append(SourceRecord({"p": 9}, {"n": n + 1}, None, None, None, None, None, None))
        n += 2
    return records


def _where(calls: list[tuple[Any, RecordMetadata | None]]) -> list[tuple[Any, Any]]:
    return [(offset, None if m is None else (m.topic, m.partition, m.offset)) for offset, m in calls]


def _polls(seed: int, *, refused: int | None = None) -> list[list[SourceRecord]]:
    rng = random.Random(seed)
    sizes = [[rng.choice([1, 2, 3, 5, 40]) for _ in range(rng.randint(1, 5))] for _ in range(4)]
    starts = [0]
    for poll in sizes:
        starts.append(starts[-1] + sum(poll) + 2 * len(poll))
    return [runs_poll(start, poll, refused=refused) for start, poll in zip(starts, sizes, strict=False)]


@pytest.mark.parametrize("seed", range(4))
def test_run_deliveries_place_every_record_as_its_own_report_would_with_two_reports_a_run(
        seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs of every length to named partitions, records to the partitioner's and records carrying only an offset,
    reports shuffled across partitions: the indexed plan's calls in the same order with the same topic, partition
    and offset; a timestamp only where a record had its own report; two reports for a run of three or more."""
    indexed_reports: list[int] = []
    run_reports: list[int] = []
    indexed = _run(IndexedDeliveries, monkeypatch, seed, _polls(seed), config=WITHOUT_SMTS, reports=indexed_reports)
    runs = _run(RunDeliveries, monkeypatch, seed, _polls(seed), config=WITHOUT_SMTS, reports=run_reports)
    assert _where(runs[0]) == _where(indexed[0])
    assert runs[1:] == indexed[1:]  # the same records produced, counted alike
    in_runs = [offset for offset, metadata in runs[0] if metadata is not None and metadata.timestamp is None]
    assert in_runs, "no run of three or more in this seed's polls"
    assert indexed_reports[0] - run_reports[0] == len(in_runs)  # no report for a record between a run's ends


def test_a_run_another_writer_wrote_into_places_only_its_first_and_last(monkeypatch: pytest.MonkeyPatch) -> None:
    """Another writer's record lands inside a run: that run's records between first and last get None (as a record
    an SMT dropped), every other record its place."""
    polls = [runs_poll(0, [6, 4])]  # produce calls 1-6: the first run; 7: the partitioner's; 8-11: the second run
    indexed = _run(IndexedDeliveries, monkeypatch, 0, [runs_poll(0, [6, 4])], config=WITHOUT_SMTS,
                   others=frozenset({4}))
    runs = _run(RunDeliveries, monkeypatch, 0, polls, config=WITHOUT_SMTS, others=frozenset({4}))
    expected = [(offset, None if offset != "commit" and 1 <= offset["n"] <= 4 else where)
                for offset, where in _where(indexed[0])]
    assert _where(runs[0]) == expected
    assert [where for _offset, where in _where(runs[0])[:6]] == [("users", 0, 0), None, None, None, None,
                                                                 ("users", 0, 6)]


def test_a_record_the_converter_refused_leaves_the_polls_runs_unplaced(monkeypatch: pytest.MonkeyPatch) -> None:
    """A tolerated conversion failure skips a record without saying which: the poll's runs place only their first
    and last; the next poll's runs are placed again."""
    refused = 2
    indexed = _run(IndexedDeliveries, monkeypatch, 0, _polls(1, refused=refused), config=WITHOUT_SMTS)
    runs = _run(RunDeliveries, monkeypatch, 0, _polls(1, refused=refused), config=WITHOUT_SMTS)
    first_poll = len(_polls(1)[0])
    for index, ((offset, where), (same, expected)) in enumerate(zip(_where(runs[0]), _where(indexed[0]), strict=True)):
        assert offset == same
        if where != expected:
            assert where is None and index < first_poll and offset["n"] != refused
    assert _where(runs[0])[first_poll:] == _where(indexed[0])[first_poll:]
    assert _where(runs[0]) != _where(indexed[0])


def test_run_deliveries_under_smts_give_each_record_its_report(monkeypatch: pytest.MonkeyPatch) -> None:
    """An SMT may move a record to another topic or partition: with a chain, a report each, the indexed plan's calls."""
    reports: list[int] = []
    indexed_reports: list[int] = []
    indexed = _run(IndexedDeliveries, monkeypatch, 2, _polls(2), reports=indexed_reports)
    runs = _run(RunDeliveries, monkeypatch, 2, _polls(2), reports=reports)
    assert runs == indexed and reports == indexed_reports


class _Key(str):
    """A record's key that notes, when it is freed, whether the collector was running."""

    __slots__ = ()
    FREED: ClassVar[list[bool]] = []

    def __del__(self) -> None:
        _Key.FREED.append(gc.isenabled())


def test_a_transaction_kept_for_commit_record_runs_and_is_freed_with_the_collector_paused(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The records a task keeps until its ``commit_record`` calls are alive for the whole transaction: the collector
    stays paused from its first poll until they are freed after its last call (each poll's pause ended with them
    alive before, and the collections that followed traversed them), and runs again after it."""
    seen: list[bool] = []
    commit_record = CommittingTask.commit_record

    def noting(self: CommittingTask, record: SourceRecord, metadata: RecordMetadata | None) -> None:
        seen.append(gc.isenabled())
        commit_record(self, record, metadata)

    monkeypatch.setattr(CommittingTask, "commit_record", noting)
    _Key.FREED.clear()
    was = gc.isenabled()
    gc.enable()
    try:
        calls, results, _produced = _run(IndexedDeliveries, monkeypatch, 0, [  # no reference kept here
            [SourceRecord({"p": 0}, {"n": n}, "users", None, STRING_SCHEMA, _Key(f"k{n}"), USER,
                          Struct(USER).put("id", n)) for n in range(first, first + 5)] for first in (0, 5)])
        assert gc.isenabled()
    finally:
        if not was:
            gc.disable()
    assert len([c for c in calls if c[0] != "commit"]) == 10 and results[0][0] == 10
    assert seen == [False] * 10
    assert _Key.FREED == [False] * 10
