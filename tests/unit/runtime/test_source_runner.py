"""SourceRunner, one invocation at a time, over in-memory internal topics and a fake transactional producer."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from connect_core.api.errors import NotFoundError
from connect_core.kafka.settings import KafkaClientSettings
from connect_core.runtime.source_runner import SourceRunner
from connect_core.runtime.worker import WorkerSettings
from connect_core.storage.config_state import TargetState
from connect_core.storage.status_state import State
from tests.unit.runtime.fakes import SCRIPTED_SOURCE, FakeProducer, ScriptedSourceTask
from tests.unit.storage.fakes import Topics

WORKER = WorkerSettings(KafkaClientSettings(), group_id="connect-cluster", worker_id="test:1")
CONFIG = {
    "connector.class": SCRIPTED_SOURCE, "topic": "lines", "tasks.max": "1",
    "value.converter": "org.apache.kafka.connect.storage.StringConverter",
}


class Harness:
    """One fake cluster: topics, every producer the runner built, and a runner per 'container'."""

    def __init__(self, config: dict[str, str] | None = None) -> None:
        self.topics = Topics()
        self.producers: list[FakeProducer] = []
        configs = self.topics.config_store()
        configs.put_connector_config("src", config or CONFIG, TargetState.STARTED)
        configs.put_task_configs("src", [config or CONFIG])

    def runner(self) -> SourceRunner:
        return SourceRunner(
            WORKER, config_store=self.topics.config_store(), offset_store=self.topics.offset_store(),
            status_store=self.topics.status_store(), producer_factory=self._producer,
        )

    def _producer(self, config: dict[str, object]) -> FakeProducer:
        producer = FakeProducer(dict(config), topics={"connect-offsets": self.topics.offsets})
        self.producers.append(producer)
        return producer

    def task_state(self) -> State | None:
        status = self.topics.status_store().start().task_status("src", 0)
        return status.state if status else None

    def data(self) -> list[bytes | None]:
        return [m.value for p in self.producers for m in p.committed if m.topic == "lines"]


def _budget() -> float:
    return 60_000.0


def test_records_and_their_offsets_commit_in_one_transaction() -> None:
    harness = Harness()
    ScriptedSourceTask.BATCHES.extend([["a", "b"], ["c"]])
    result = harness.runner().run("src", 0, _budget)
    producer = harness.producers[0]
    assert producer.config["transactional.id"] == "connect-cluster-src-0"
    assert producer.calls == ["init_transactions", "begin_transaction", "commit_transaction"]
    assert harness.data() == [b"a", b"b", b"c"]
    offsets = [m for m in producer.committed if m.topic == "connect-offsets"]
    assert [(json.loads(m.key or b""), json.loads(m.value or b"")) for m in offsets] == [
        (["src", {"file": "in"}], {"line": 3})
    ]
    assert (result.records, result.skipped, result.offsets) == (3, 0, [{"partition": {"file": "in"},
                                                                         "offset": {"line": 3}}])
    assert harness.task_state() is State.RUNNING


def test_a_cold_container_resumes_from_the_committed_offsets() -> None:
    harness = Harness()
    ScriptedSourceTask.BATCHES.append(["a", "b"])
    harness.runner().run("src", 0, _budget)
    ScriptedSourceTask.BATCHES.append(["c"])
    harness.runner().run("src", 0, _budget)  # a new runner: nothing in memory but the topics
    assert ScriptedSourceTask.STARTED == [None, {"line": 2}]
    assert harness.data() == [b"a", b"b", b"c"]


def test_a_warm_container_keeps_its_task_between_invocations() -> None:
    harness = Harness()
    runner = harness.runner()
    ScriptedSourceTask.BATCHES.append(["a"])
    runner.run("src", 0, _budget)
    ScriptedSourceTask.BATCHES.append(["b"])
    runner.run("src", 0, _budget)
    assert len(ScriptedSourceTask.STARTED) == 1
    assert len(harness.producers) == 1  # the fenced producer is reused, not rebuilt
    assert harness.data() == [b"a", b"b"]


def test_a_failed_poll_aborts_the_transaction_and_reports_failed() -> None:
    harness = Harness()
    runner = harness.runner()
    ScriptedSourceTask.BATCHES.extend([["a"], "the source is down"])
    with pytest.raises(RuntimeError, match="the source is down"):
        runner.run("src", 0, _budget)
    assert harness.producers[0].calls[-3:] == [  # aborted, what is left dropped, then released
        "abort_transaction", "purge(in_queue=True, in_flight=True, blocking=False)", "close"]
    assert harness.data() == []  # "a" was produced in the aborted transaction: never visible
    assert harness.task_state() is State.FAILED
    trace = harness.topics.status_store().start().task_status("src", 0)
    assert trace is not None and "the source is down" in (trace.trace or "")
    assert ScriptedSourceTask.STOPPED == ["lines"]
    ScriptedSourceTask.BATCHES.append(["b"])
    runner.run("src", 0, _budget)  # the next invocation restarts the task from the committed offsets
    assert ScriptedSourceTask.STARTED == [None, None]
    assert harness.data() == [b"b"]
    assert harness.task_state() is State.RUNNING


def test_a_started_task_reports_running_once_its_first_poll_went_through(monkeypatch: pytest.MonkeyPatch) -> None:
    """Not before (RUNNING only once the started task did something), and not only when the invocation
    ends (a deployed poll window lasts 50 s: not UNASSIGNED until then)."""
    harness = Harness()
    ScriptedSourceTask.BATCHES.append(["a"])
    seen_while_polling: list[State | None] = []
    seen_at_suspend: list[State | None] = []
    real_poll = ScriptedSourceTask.poll

    def poll(self: ScriptedSourceTask) -> Any:
        seen_while_polling.append(harness.task_state())
        return real_poll(self)

    monkeypatch.setattr(ScriptedSourceTask, "poll", poll)
    monkeypatch.setattr(ScriptedSourceTask, "suspend", lambda self: seen_at_suspend.append(harness.task_state()),
                        raising=False)
    harness.runner().run("src", 0, lambda: 60_000.0)
    assert seen_while_polling[0] is not State.RUNNING
    assert seen_at_suspend == [State.RUNNING]  # written after the first transaction, before the invocation ends


def test_a_paused_connector_returns_without_polling() -> None:
    harness = Harness()
    harness.topics.config_store().put_target_state("src", TargetState.PAUSED)
    ScriptedSourceTask.BATCHES.append(["a"])
    result = harness.runner().run("src", 0, _budget)
    assert result.state == "PAUSED"
    assert harness.producers == []
    assert list(ScriptedSourceTask.BATCHES) == [["a"]]


def test_records_dropped_by_an_smt_are_counted_as_skipped_and_still_advance_offsets() -> None:
    config = {**CONFIG, "transforms": "drop", "transforms.drop.type": "org.apache.kafka.connect.transforms.Filter"}
    harness = Harness(config)
    ScriptedSourceTask.BATCHES.append(["a", "b"])
    result = harness.runner().run("src", 0, _budget)
    assert (result.records, result.skipped) == (0, 2)
    assert harness.data() == []
    assert harness.topics.offset_store().start().offset("src", {"file": "in"}) == {"line": 2}


def test_an_exhausted_budget_commits_what_was_polled_and_stops(monkeypatch: pytest.MonkeyPatch) -> None:
    harness = Harness()
    ScriptedSourceTask.BATCHES.extend([["a"], ["b"]])
    polls: list[int] = []
    real_poll = ScriptedSourceTask.poll

    def poll(self: ScriptedSourceTask) -> Any:
        polls.append(1)
        return real_poll(self)

    monkeypatch.setattr(ScriptedSourceTask, "poll", poll)
    harness.runner().run("src", 0, lambda: 0.0 if polls else 1.0)  # the time ends with the first poll
    assert harness.data() == [b"a"]
    assert list(ScriptedSourceTask.BATCHES) == [["b"]]


def test_an_unknown_task_is_not_found() -> None:
    harness = Harness()
    with pytest.raises(Exception, match="Task src-3 not found"):
        harness.runner().run("src", 3, _budget)


def test_each_source_partition_keeps_its_latest_offset_whatever_dict_objects_carry_it() -> None:
    """The partition key is reused while records share one partition object; equal copies map to the same key."""
    from types import SimpleNamespace

    from connect_core.api.record import SourceRecord
    from connect_core.api.task import partition_key
    from connect_core.runtime.source_runner import SourceInvocationResult

    shared, other = {"file": "a", "n": 1}, {"file": "b"}
    partitions = [shared, shared, other, shared, {"n": 1, "file": "a"}, other, None, other]
    records = [SourceRecord(p, {"line": i}, "t") for i, p in enumerate(partitions, start=1)]
    records[-1].source_offset = None  # a record without an offset leaves its partition's offset as it was
    seen: list[object] = []
    running = SimpleNamespace(
        pipeline=SimpleNamespace(
            produce_args=lambda rs, cb: ([("t", b"v", None, -1, cb, None, 0, None) for _ in rs], 0, len(rs))),
        producer=SimpleNamespace(produce=lambda *a, **k: seen.append(a), poll=lambda t: 0),
        reader=SimpleNamespace(pending={}), topics=set(), ready_topics={"t"},
    )
    latest: dict[object, tuple[dict[str, object], dict[str, object]]] = {}
    result = SourceInvocationResult("src", 0, "RUNNING")
    Harness().runner()._send_all(running, records, result, None, latest)  # type: ignore[arg-type]

    assert result.records == 8 and len(seen) == 8
    assert list(latest) == [partition_key(shared), partition_key(other)]  # first seen first, as in offset records
    assert {key: offset for key, (_, offset) in latest.items()} == {
        partition_key({"file": "a", "n": 1}): {"line": 5}, partition_key({"file": "b"}): {"line": 6},
    }
    assert running.reader.pending == {key: offset for key, (_, offset) in latest.items()}


def test_a_full_producer_queue_waits_and_keeps_the_order() -> None:
    """``produce`` refusing records (``BufferError``) serves delivery reports and retries the refused record, then
    goes on with the next: every record once, in order; any other error propagates."""
    from types import SimpleNamespace

    from connect_core.runtime.source_runner import _produce_all

    produced: list[int] = []
    refusals = {2: 1, 5: 3}  # record -> times its queue is full
    polls: list[float] = []

    def produce(n: int) -> None:
        if refusals.get(n):
            refusals[n] -= 1
            raise BufferError("Local: Queue full")
        produced.append(n)

    producer = SimpleNamespace(produce=produce, poll=polls.append)
    assert _produce_all(producer, [(n,) for n in range(8)]) == 8  # type: ignore[arg-type]
    assert produced == list(range(8)) and polls == [0.1] * 4 + [0]

    def broken(n: int) -> None:
        if n == 1:
            raise ValueError("bad record")
        produced.append(n)

    produced.clear()
    with pytest.raises(ValueError, match="bad record"):
        _produce_all(SimpleNamespace(produce=broken, poll=polls.append), [(0,), (1,), (2,)])  # type: ignore[arg-type]
    assert produced == [0]


def test_a_polls_records_are_freed_before_the_collector_may_run_again() -> None:
    """A poll's records are freed inside its collector pause: a collection after the pause finds none of them alive
    (it would promote them to an older generation, and the older generations' collections would walk them again)."""
    import gc

    from connect_core.api.record import SourceRecord

    ScriptedSourceTask.BATCHES.extend([[f"line {i}" for i in range(3_000)] for _ in range(4)])
    alive: list[int] = []

    def count_records(phase: str, _info: dict[str, int]) -> None:
        if phase == "start":
            alive.append(sum(isinstance(o, SourceRecord) for o in gc.get_objects(0)))

    harness = Harness()
    gc.callbacks.append(count_records)
    try:
        result = harness.runner().run("src", 0, _budget)
    finally:
        gc.callbacks.remove(count_records)
    assert result.records == 12_000 and result.polls == 5
    assert not any(alive)  # no collection found a record (one per poll did before)


@pytest.mark.usefixtures("isolated_logging")
def test_cluster_log_levels_apply_at_the_next_invocation(caplog: pytest.LogCaptureFixture) -> None:
    """KIP-976: a level written to the config topic reaches a warm task container without a redeploy."""
    harness = Harness()
    runner = harness.runner()
    runner.run("src", 0, _budget)
    assert "src-0 produced" not in caplog.text
    harness.topics.config_store().put_logger_level("org.apache.kafka.connect.runtime", "DEBUG")
    runner.run("src", 0, _budget)
    assert logging.getLogger("connect_core.runtime").level == logging.DEBUG
    assert "src-0 produced 0 records" in caplog.text


def _connector(harness: Harness, name: str) -> None:
    config = {**CONFIG, "topic": name}
    configs = harness.topics.config_store()
    configs.put_connector_config(name, config, TargetState.STARTED)
    configs.put_task_configs(name, [config])


def _producer_of(harness: Harness, name: str) -> list[list[str]]:
    return [p.calls for p in harness.producers if p.config["transactional.id"] == f"connect-cluster-{name}-0"]


def test_a_container_keeps_at_most_n_started_tasks_and_stops_the_least_recently_run() -> None:
    harness = Harness()
    for name in ("b", "c"):
        _connector(harness, name)
    runner = SourceRunner(WORKER, config_store=harness.topics.config_store(),
                          offset_store=harness.topics.offset_store(), status_store=harness.topics.status_store(),
                          producer_factory=harness._producer, max_started_tasks=2)
    for name in ("src", "b", "src", "c"):  # "b" is the least recently run when "c" needs room
        runner.run(name, 0, _budget)
    assert runner.started_tasks() == [("src", 0), ("c", 0)]
    assert ScriptedSourceTask.STOPPED == ["b"]
    assert _producer_of(harness, "b")[0][-1] == "close"  # its transactional producer is released too
    assert len(harness.producers) == 3
    runner.run("b", 0, _budget)  # back: started again (from its committed offsets), "src" makes room
    assert runner.started_tasks() == [("c", 0), ("b", 0)]
    assert ScriptedSourceTask.STOPPED == ["b", "lines"]
    assert len(_producer_of(harness, "b")) == 2


def test_the_limit_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAMBDA_CONNECT_MAX_STARTED_TASKS", "3")
    assert Harness().runner().max_started_tasks == 3
    monkeypatch.setenv("LAMBDA_CONNECT_MAX_STARTED_TASKS", "0")
    assert Harness().runner().max_started_tasks == 1


def test_a_deleted_connector_stops_its_started_tasks_at_its_next_invocation() -> None:
    harness = Harness()
    runner = harness.runner()
    runner.run("src", 0, _budget)
    harness.topics.config_store().remove_connector("src")
    with pytest.raises(NotFoundError):
        runner.run("src", 0, _budget)
    assert runner.started_tasks() == []
    assert ScriptedSourceTask.STOPPED == ["lines"]
    assert harness.producers[0].calls[-1] == "close"


def test_pause_and_fewer_tasks_stop_the_task_and_release_its_producer() -> None:
    harness = Harness()
    runner = harness.runner()
    runner.run("src", 0, _budget)
    harness.topics.config_store().put_target_state("src", TargetState.PAUSED)
    assert runner.run("src", 0, _budget).state == "PAUSED"
    assert runner.started_tasks() == [] and harness.producers[0].calls[-1] == "close"
    harness.topics.config_store().put_target_state("src", TargetState.STARTED)
    runner.run("src", 0, _budget)
    harness.topics.config_store().put_task_configs("src", [])  # the connector now has no task 0
    with pytest.raises(NotFoundError):
        runner.run("src", 0, _budget)
    assert runner.started_tasks() == [] and harness.producers[1].calls[-1] == "close"


class _UndeliveredProducer(FakeProducer):
    """Reports every record as failed, as librdkafka's delivery callback would (the callback is passed positionally)."""

    def produce(  # confluent-kafka's positional order
        self, topic: str, value: bytes | None = None, key: bytes | None = None, partition: int = -1,
        on_delivery: object = None, *args: object, **kwargs: object,
    ) -> None:
        super().produce(topic, value, key, partition, None, *args, **kwargs)
        if topic == "lines":
            assert callable(on_delivery)
            on_delivery("broker said no", None)


class _UndeliveredHarness(Harness):
    def _producer(self, config: dict[str, object]) -> FakeProducer:
        producer = _UndeliveredProducer(dict(config), topics={"connect-offsets": self.topics.offsets})
        self.producers.append(producer)
        return producer


def test_a_record_reported_undelivered_fails_the_invocation() -> None:
    harness = _UndeliveredHarness()
    ScriptedSourceTask.BATCHES.extend([["a"] * 70])  # more than one poll(0) interval of the send loop
    with pytest.raises(Exception, match="were not delivered: broker said no"):
        harness.runner().run("src", 0, _budget)


def test_a_failed_commit_purges_the_unacknowledged_records_before_the_producer_is_closed() -> None:
    """Closing a producer that still holds a failed transaction's records waits for them up to message.timeout.ms
    (60 s): they are dropped without blocking first, so the failed invocation ends within its time."""
    harness = Harness()
    original = harness._producer

    def failing(config: dict[str, object]) -> FakeProducer:
        producer = original(config)
        producer.fail_commit = True
        return producer

    harness._producer = failing  # type: ignore[method-assign]
    ScriptedSourceTask.BATCHES.extend([["a"]])
    with pytest.raises(RuntimeError, match="commit failed"):
        harness.runner().run("src", 0, _budget)
    calls = harness.producers[0].calls
    assert calls[-2:] == ["purge(in_queue=True, in_flight=True, blocking=False)", "close"], calls
    assert harness.task_state() is State.FAILED


def test_a_poll_that_raised_a_retriable_error_ends_the_invocation_counted_and_the_next_polls_again() -> None:
    """As Kafka's worker logs a RetriableException from poll and polls again: the invocation ends there, RUNNING,
    its summary counting the retried poll (a task that is not caught up, which a caller must not take for one)."""
    ScriptedSourceTask.BATCHES.extend([["a", "b"], "retriable: the database is restarting", ["c"]])
    harness = Harness()
    runner = harness.runner()
    first = runner.run("src", 0, _budget)
    assert (first.state, first.records, first.polls, first.retried_polls) == ("RUNNING", 2, 2, 1)
    second = runner.run("src", 0, _budget)
    assert (second.state, second.records, second.retried_polls) == ("RUNNING", 1, 0)
    assert second.as_dict()["retried_polls"] == 0
