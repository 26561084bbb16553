"""The Lambda event source mapping as the bench emulates it, our side's CPU measured with it, and the topics a
repetition makes and drops."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from bench import common

if TYPE_CHECKING:
    from collections.abc import Callable

    from bench.common import Sample

MADE_TOPICS: list[str] = []  # 4a/4r's topics, deleted after each repetition (a million 2 KB lines is 430 MB each)
ESM_CPU_S = [0.0]  # CPU seconds this thread spent building Lambda events (the mapping's work, see ``measure_ours``)


def measure_ours(action: Callable[[], int]) -> Sample:
    """``common.measure`` of our side: all the CPU of this process, the functions' and the emulated event source
    mapping's (consuming, building each batch's event JSON) alike, as the JVM's figure is all its worker's; the
    part spent building the events is kept in ``esm_cpu_s`` for the function-only column (on AWS the mapping's
    pollers do it, outside the function's bill)."""
    ESM_CPU_S[0] = 0.0
    sample = common.measure(action)
    sample.esm_cpu_s = ESM_CPU_S[0]
    return sample


def sink_from_topic(cluster: common.Cluster, name: str, bootstrap: str, topic: str, *, records: int,
                     batch: int) -> int:
    """Consume ``topic`` as the event source mapping does, ``batch`` records at a time, each batch one warm
    ``SinkRunner`` invocation (memory stays one batch deep at any size)."""
    from connect_core.runtime.sink_runner import SinkRunner

    runner = SinkRunner(cluster.worker, name, config_store=cluster.configs, status_store=cluster.statuses)
    try:
        return consume_as_mapping(
            bootstrap, topic, lambda event: runner.handle(event).put, records=records, batch=batch
        )
    finally:
        runner.close()


def pull_sample(cluster: common.Cluster, name: str, *, records: int, idle: list[Sample] | None = None,
                then: Callable[[], object] | None = None) -> Sample:
    """``measure_ours`` of connector ``name`` as a pull-mode sink task (``runtime/sink_pull.py`` ``SinkPullTask``, as
    the scheduled function runs it): warm invocations of one task, each reading its partition from the committed
    offset until caught up, until ``records`` are put, then ``then()`` inside the span (an invocation that ends the
    work, such as the Iceberg sink's last commit); the function consumes and builds its batches itself (no mapping:
    ``esm_cpu_s`` 0). ``idle`` gets one more invocation that finds nothing (outside the measured span)."""
    from connect_core.runtime.sink_pull import SinkPullTask

    tasks: list[SinkPullTask] = []

    def pulled() -> int:
        tasks.append(SinkPullTask(cluster.worker, name, 0, config_store=cluster.configs,
                                  status_store=cluster.statuses))
        put = _pulled(tasks[0], name, records)
        if then is not None:
            then()
        return put

    try:
        sample = measure_ours(pulled)
        if idle is not None:
            idle.append(common.measure(lambda: tasks[0].run(common.budget()).put))
    finally:
        for task in tasks:
            task.close()
    return sample


def pull_from_topic(cluster: common.Cluster, name: str, *, records: int) -> int:
    """``pull_sample``'s work unmeasured, inside a caller's measured span (4a: the source, then the sink pulling)."""
    from connect_core.runtime.sink_pull import SinkPullTask

    task = SinkPullTask(cluster.worker, name, 0, config_store=cluster.configs, status_store=cluster.statuses)
    try:
        return _pulled(task, name, records)
    finally:
        task.close()


def _pulled(task: Any, name: str, records: int) -> int:
    """Invoke ``task`` (a ``SinkPullTask``) until it has put ``records``."""
    put, deadline = 0, time.monotonic() + 900
    while put < records:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{name}: put {put} of {records} records within 900 s")
        put += task.run(common.budget()).put
    return put


PULL_CONFIG = {"lambda.sink.trigger": "schedule"}  # what makes a deployed sink a pull-mode task (trigger_config.py)


def consume_as_mapping(bootstrap: str, topic: str, invoke: Callable[[dict[str, Any]], int], *, records: int,
             batch: int) -> int:
    """The event source mapping emulated: ``topic`` consumed (read_committed) ``batch`` records at a time, each
    batch encoded as the Lambda event's JSON text (its CPU kept in ``ESM_CPU_S``), parsed as the Lambda runtime
    does and handed to ``invoke``, which returns the records it wrote."""
    from confluent_kafka import Consumer

    from connect_core.local.kafka_trigger import build_event

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": common.unique("esm"),
                         "auto.offset.reset": "earliest", "enable.auto.commit": False,
                         "isolation.level": "read_committed", "fetch.max.bytes": 52_428_800})
    consumer.subscribe([topic])
    put = seen = 0
    pending: list[Any] = []
    thread_time = time.thread_time
    deadline = time.monotonic() + 900
    try:
        while seen < records:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{topic}: read {seen} of {records} records within 900 s")
            for message in consumer.consume(min(batch, records - seen) - len(pending), timeout=1.0):
                if message.error() is None:
                    pending.append(message)
            if len(pending) >= batch or seen + len(pending) >= records:
                seen += len(pending)
                encode0 = thread_time()
                text = json.dumps(build_event(pending, bootstrap))  # the mapping's poller builds the event
                ESM_CPU_S[0] += thread_time() - encode0
                put += invoke(json.loads(text))  # the Lambda runtime parses it in the function
                pending = []
    finally:
        consumer.close()
    return put


def produce_waiting(producer: Any, topic: str, value: bytes) -> None:
    """``producer.produce`` of one value, letting librdkafka send while its local queue is full (no poll per
    record: delivery reports only for errors, the floors' producers are made with ``delivery.report.only.error``)."""
    while True:
        try:
            producer.produce(topic, value)
            return
        except BufferError:
            producer.poll(0.05)


def create_topic(bootstrap: str, topic: str) -> None:
    """One partition, created up front for both sides (neither pays for auto-creation)."""
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient({"bootstrap.servers": bootstrap})  # kept alive until the futures resolve
    for future in admin.create_topics([NewTopic(topic, 1, 1)]).values():
        future.result()


def first_value(bootstrap: str, topic: str) -> bytes | None:
    """The first committed value of ``topic``."""
    messages = common.consume(bootstrap, topic, 1, timeout_s=30)
    return messages[0].value()


def drop_made_topics(bootstrap: str) -> None:
    """Delete the topics of ``MADE_TOPICS`` (outside any measured span) and forget them."""
    if MADE_TOPICS:
        with common.phase("clean-up"):
            delete_topics(bootstrap, MADE_TOPICS)
        MADE_TOPICS.clear()


def delete_topics(bootstrap: str, doomed: list[str]) -> None:
    from confluent_kafka.admin import AdminClient

    if doomed:
        admin = AdminClient({"bootstrap.servers": bootstrap})
        for future in admin.delete_topics(list(doomed), operation_timeout=30).values():
            try:
                future.result()
            except Exception:  # a topic the run never got to create: nothing to free
                pass


def delete_run_topics(bootstrap: str) -> list[str]:
    """Delete every topic this run named (``bench-<run id>-``, Debezium's too): cases that keep theirs until the end
    would otherwise leave a full run's tens of GB in the local broker, and a disk past 90% blocks OpenSearch."""
    from confluent_kafka.admin import AdminClient

    prefix = f"bench-{common.RUN_ID}-"
    doomed = sorted(t for t in AdminClient({"bootstrap.servers": bootstrap}).list_topics(timeout=30).topics
                    if t.startswith(prefix))
    delete_topics(bootstrap, doomed)
    return doomed


def records_in(consumer: Any, topic: str) -> int:
    """Records in ``topic`` (one partition, no transactions: the high watermark); 0 while it does not exist."""
    from confluent_kafka import KafkaException, TopicPartition

    try:
        if not consumer.list_topics(topic, timeout=5).topics[topic].partitions:  # metadata of a topic made since
            return 0
        return int(consumer.get_watermark_offsets(TopicPartition(topic, 0), timeout=5, cached=False)[1])
    except KafkaException:
        return 0


def committed(bootstrap: str, group: str, topic: str) -> int:
    """Records the group has committed on ``topic`` (every partition)."""
    from confluent_kafka import Consumer, TopicPartition

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False})
    try:
        partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
        committed = consumer.committed([TopicPartition(topic, p) for p in partitions], timeout=10)
        return sum(max(tp.offset, 0) for tp in committed)
    finally:
        consumer.close()
