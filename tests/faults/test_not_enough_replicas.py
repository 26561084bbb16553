"""A source task whose topic has fewer in-sync replicas than ``min.insync.replicas`` (the private three-broker
cluster of tests/faults/conftest.py: a topic at replication factor 2 under the broker's min ISR 2, one of its
replicas killed): the broker answers NOT_ENOUGH_REPLICAS, the commit runs out of the invocation's time and the task
is FAILED with a trace that names the topic, the required and available replicas and what to do.

(Kafka 4 caps the effective min ISR at the replication factor, so a topic with ``min.insync.replicas`` above its
replica count is written normally: a replica has to be down.)"""

from __future__ import annotations

import time
import uuid
from typing import TYPE_CHECKING

import pytest
from confluent_kafka import KafkaException

from connect_core.testing.embedded import EmbeddedConnect

if TYPE_CHECKING:
    from pathlib import Path

    from confluent_kafka.admin import AdminClient

    from infra.local.kafka_cluster import Cluster

pytestmark = pytest.mark.integration  # kills brokers of the private cluster (a unit of its own: tests/_parallel.py)


def test_a_topic_short_of_min_insync_replicas_fails_the_task_with_a_trace_that_says_so(
    whole: Cluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from confluent_kafka.admin import AdminClient

    from connect_core.kafka.admin import ensure_topic

    monkeypatch.setenv("LAMBDA_CONNECT_FILE_ROOTS", str(tmp_path))
    lines = tmp_path / "lines.txt"
    lines.write_text("first\nsecond\n")
    run = uuid.uuid4().hex[:8]
    name, topic = f"minisr-{run}", f"minisr-{run}-lines"
    admin = AdminClient({"bootstrap.servers": whole.bootstrap})
    with EmbeddedConnect(whole.bootstrap) as connect:  # its internal topics at RF 3 while every broker is up
        connect.create_connector(name, {"connector.class": "FileStreamSource", "file": str(lines), "topic": topic})
        ensure_topic(admin, topic, 1, 2)  # RF 2 under the broker's min ISR 2; waited for until it has a leader
        victim = _replicas(admin, topic)[-1]
        whole.kill(victim)
        try:
            _wait_for_isr(admin, topic, 1)  # the controller fences the dead broker and shrinks the ISR
            invoked = time.monotonic()
            with pytest.raises(Exception, match="not acknowledged"):
                connect.run_source(name, budget_s=10)
            # within its time, not at the producer's 60 s message timeout (closing it with the failed transaction's
            # records unacknowledged waited for them; a function would have been timed out with no status written)
            took_s = time.monotonic() - invoked
            assert took_s < 45, f"the failed invocation took {took_s:.0f} s of its 10"
            task = connect.status(name)["tasks"][0]
        finally:
            whole.restart(victim)
            admin.delete_topics([topic])[topic].result(timeout=30)
    assert task["state"] == "FAILED"
    trace = task["trace"]
    assert f"Topic '{topic}' partition 0: 1 in-sync replica(s)" in trace, trace
    assert "of 2 (brokers" in trace and "but min.insync.replicas=2" in trace and "NOT_ENOUGH_REPLICAS" in trace, trace
    assert "Bring the missing replicas' brokers back, or lower the topic's min.insync.replicas" in trace, trace


def _replicas(admin: AdminClient, topic: str, timeout_s: float = 60.0) -> list[int]:
    """The partition's replicas, once the broker asked has the new topic's metadata (another broker of the cluster
    may answer before it: the topic without partitions)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            partitions = admin.list_topics(topic=topic, timeout=10).topics[topic].partitions
        except KafkaException:
            partitions = {}
        if 0 in partitions and partitions[0].replicas:
            return list(partitions[0].replicas)
        time.sleep(0.2)
    raise AssertionError(f"{topic}'s partition 0 never showed in the cluster's metadata")


def _wait_for_isr(admin: AdminClient, topic: str, size: int, timeout_s: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            partition = admin.list_topics(topic=topic, timeout=10).topics[topic].partitions.get(0)
        except KafkaException:  # a metadata request that timed out (the killed broker, a loaded machine): ask again
            continue
        if partition is not None and len(partition.isrs) == size:  # (a broker without the topic's metadata: none)
            return
        time.sleep(0.5)
    raise AssertionError(f"{topic}'s ISR never shrank to {size}")
