"""A poison record on one of four partitions, with one concurrent sink invocation per partition (as Lambda's Kafka
event source mapping runs them), all running task 0 of one sink, against the real Kafka.

``none``: the poison batch's breaker counts its own failures (a success on another partition never resets it), opens
after ``lambda.restart.max.attempts``, and the coordinator's guard would hold the trigger, while the other three
partitions deliver every record and the shown status stays FAILED from the first failure on. ``all`` + DLQ: the
dead letter queue takes the record, all four partitions flow, and the status stays RUNNING.
"""

from __future__ import annotations

import threading
import uuid
from typing import TYPE_CHECKING

import pytest

from connect_core.runtime import env
from connect_core.runtime.task_invocation import SinkInvocation, TaskBackoffError
from connect_core.storage.run_store import RunStore
from connect_core.storage.status_state import State, TaskStatus
from tests.faults.conftest import BIG
from tests.integration.functions._sink_harness import KafkaTopics, Out, build_event

if TYPE_CHECKING:
    from pathlib import Path

    from tests.faults.conftest import Tally
    from tests.integration.runtime.conftest import Cluster

pytestmark = pytest.mark.integration

PARTITIONS = 4
POISON_PARTITION, POISON_AT = 0, 3  # the poison record's position in its partition


def _shown(runs: RunStore, cluster: Cluster, name: str) -> State:
    """The task status the REST API would show (the coordinator's honest status)."""
    from connect_core.coordinator.health.effective_status import effective_task_status

    runs.refresh()
    cluster.configs.refresh()
    epoch = list(cluster.configs.state.task_epoch(name))
    streaks = [s for s in runs.state.task_streaks(name, 0) if s.restart.epoch == epoch]
    reported = TaskStatus(name, 0, State.RUNNING, "w", 0, None)
    return effective_task_status(reported, runs.state.run(name, 0), now_ms=0, streaks=streaks).state


@pytest.mark.parametrize("tolerance", ["none", "all"])
def test_one_poison_record_among_four_partitions(  # noqa: PLR0915 - one scenario, read top to bottom
    tolerance: str, *, cluster: Cluster, kafka_bootstrap: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
    tally: Tally,
) -> None:
    per_partition, batch = (2_000, 100) if BIG else (24, 4)
    kafka = KafkaTopics(kafka_bootstrap)
    topic = kafka.create(f"faults-poison-{uuid.uuid4().hex[:8]}", PARTITIONS)
    records = [Out(None, f'{{"id": {p * per_partition + i}}}'.encode(), partition=p)
               for p in range(PARTITIONS) for i in range(per_partition)]
    records[POISON_PARTITION * per_partition + POISON_AT] = Out(None, b"{not json", partition=POISON_PARTITION)
    kafka.produce(topic, records)
    messages = kafka.consume(topic, len(records), PARTITIONS)
    name = f"poison-{tolerance}-{uuid.uuid4().hex[:8]}"
    dlq = f"{name}-dlq"
    out = tmp_path / "out.txt"
    monkeypatch.setenv(env.FILE_ROOTS, str(tmp_path))
    config = {"connector.class": "FileStreamSink", "topics": topic, "file": str(out), "tasks.max": "1",
              "key.converter": "org.apache.kafka.connect.storage.StringConverter",
              "value.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable":
              "false", "errors.tolerance": tolerance, "lambda.restart.max.attempts": "2",
              "lambda.restart.backoff.initial.ms": "0"}
    if tolerance == "all":
        config |= {"errors.deadletterqueue.topic.name": dlq, "errors.deadletterqueue.topic.replication.factor": "1"}
    cluster.deploy(name, config, [config])
    worker = cluster.worker

    first_failure = threading.Event()
    shown_after_failure: list[State] = []
    outcomes: dict[int, str] = {}
    errors: list[BaseException] = []

    def partition_mapping(partition: int) -> None:
        """One partition's side of the mapping: a container of its own, each batch retried until it goes through."""
        invocation = SinkInvocation(worker, name)
        runs = RunStore(worker.kafka, worker.storage)
        mine = [m for m in messages if m.partition() == partition]
        position, attempts = 0, 0
        try:
            while position < len(mine):
                tally.runs += 1
                try:
                    invocation.handle(build_event(mine[position:position + batch], kafka_bootstrap), 128)
                except TaskBackoffError:
                    outcomes[partition] = "breaker open"  # the guard holds the trigger: the batch stays in Kafka
                    return
                except Exception:
                    attempts += 1
                    first_failure.set()
                    assert attempts < 20, "the breaker never opened"
                    continue
                position += batch
                if first_failure.is_set():
                    shown_after_failure.append(_shown(runs, cluster, name))
            outcomes[partition] = "delivered"
        except BaseException as error:  # surfaced in the test's thread
            errors.append(error)
        finally:
            invocation.close()
            runs.close()

    threads = [threading.Thread(target=partition_mapping, args=(p,)) for p in range(PARTITIONS)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(600)
        assert not errors, errors
        written = [int(line.split("=")[1].rstrip("}")) for line in out.read_text().splitlines() if line]
        runs = RunStore(worker.kafka, worker.storage)
        try:
            shown_at_end = _shown(runs, cluster, name)
            streaks = runs.state.task_streaks(name)
        finally:
            runs.close()
    finally:
        kafka.delete_all()

    poison_id = POISON_PARTITION * per_partition + POISON_AT
    flowing = [p * per_partition + i for p in range(PARTITIONS) if p != POISON_PARTITION for i in range(per_partition)]
    if tolerance == "none":
        assert outcomes == {0: "breaker open", 1: "delivered", 2: "delivered", 3: "delivered"}
        kept_back = set(range(POISON_AT - POISON_AT % batch, per_partition))  # the poison batch and what follows
        expected = flowing + [i for i in range(per_partition) if i not in kept_back]
        assert [(s.partition, s.first_offset, s.restart.failures, s.restart.breaker_open) for s in streaks] == \
            [(0, POISON_AT - POISON_AT % batch, 3, True)]
        assert shown_at_end is State.FAILED
        assert set(shown_after_failure) <= {State.FAILED}, shown_after_failure  # steady: never back to RUNNING
    else:
        assert outcomes == dict.fromkeys(range(PARTITIONS), "delivered")
        expected = [i for i in range(PARTITIONS * per_partition) if i != poison_id]
        dlq_ids = kafka_dlq_count(kafka_bootstrap, dlq)
        assert dlq_ids == 1
        assert streaks == []
        assert shown_at_end is State.RUNNING and not first_failure.is_set()
    tally.notes = {"tolerance": tolerance, "partitions": PARTITIONS}
    tally.count(expected, written)
    assert (tally.lost, tally.duplicated) == (0, 0), tally.line()


def kafka_dlq_count(bootstrap: str, topic: str) -> int:
    """Records in the dead letter queue topic (one partition)."""
    from confluent_kafka import Consumer, TopicPartition

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"faults-{uuid.uuid4().hex}"})
    try:
        low, high = consumer.get_watermark_offsets(TopicPartition(topic, 0), timeout=10)
    finally:
        consumer.close()
    return int(high - low)
