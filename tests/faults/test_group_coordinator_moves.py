"""A group's committed offsets read while its coordinator moves (the private three-broker cluster of
tests/faults/conftest.py: the broker leading the group's ``__consumer_offsets`` partition killed, then started again).

librdkafka's admin ListConsumerGroupOffsets crashed the reading process (SIGSEGV) on the first such move
(confluentinc/librdkafka#5040), and its admin AlterConsumerGroupOffsets aborted a process whose request's connection
dropped (confluentinc/librdkafka#4605); the readers and writers of ``kafka/group_offsets.py`` (a source task's
offsets snapshot, a sink connector's group through the coordinator) must keep answering instead.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import uuid
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from confluent_kafka.admin import AdminClient

    from infra.local.kafka_cluster import Cluster

pytestmark = pytest.mark.integration  # kills brokers of the private cluster (a unit of its own: tests/_parallel.py)

PARTITIONS = 3
OFFSETS_PARTITIONS = 10  # the private cluster's offsets.topic.num.partitions (infra/local/kafka_cluster.py)
# Both production readers in turn until the parent closes stdin: a JSON line per read, the child's exit code says
# whether the process survived.
READER = r"""
import json, logging, sys, threading, time
from connect_core.coordinator.cluster.consumer_groups import KafkaConsumerGroups
from connect_core.kafka.settings import KafkaClientSettings
from connect_core.storage._topic_log import KafkaTopicLog, TopicSpec

logging.basicConfig(level=logging.INFO, format="reader %(created).3f %(name)s %(message)s")  # retries, on failure
bootstrap, group, topic = sys.argv[1:4]
settings = KafkaClientSettings(bootstrap_servers=bootstrap)
groups = KafkaConsumerGroups(settings, timeout_s=60)
log = KafkaTopicLog(settings, TopicSpec(topic, 3, 3, "test"), create_topic=False, timeout_s=60)
stop = threading.Event()
threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()  # until the test closes stdin
while not stop.is_set():
    started = time.monotonic()
    try:
        listed = {f"{t}:{p}": o for (t, p), o in groups.list_offsets(group).items()}
        read = log.read_bookmarks(group)
        written = log.write_bookmarks(group, read)  # the same marks again: the write path through the moves
        marks = {str(p): list(mark) for p, mark in read.items()}
        print(json.dumps({"at": started, "took": time.monotonic() - started, "listed": listed, "marks": marks,
                          "written": written}), flush=True)
    except Exception as error:
        print(json.dumps({"at": started, "error": repr(error)}), flush=True)
    time.sleep(0.05)
"""


def test_committed_offsets_are_read_while_the_groups_coordinator_is_killed_and_restarted(
    whole: Cluster,
) -> None:
    from confluent_kafka.admin import AdminClient

    from connect_core.kafka.admin import ensure_topic

    run = uuid.uuid4().hex[:8]
    topic, group = f"coordinator-moves-{run}", f"coordinator-moves-{run}-group"
    admin = AdminClient({"bootstrap.servers": whole.bootstrap})
    ensure_topic(admin, topic, PARTITIONS, 3)
    _commit(whole.bootstrap, group, topic, {p: (10 + p, f"m{p}") for p in range(PARTITIONS)})
    expected_listed = {f"{topic}:{p}": 10 + p for p in range(PARTITIONS)}
    expected_marks = {str(p): [10 + p, f"m{p}"] for p in range(PARTITIONS)}

    child = subprocess.Popen([sys.executable, "-c", READER, whole.bootstrap, group, topic],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    stdin, stdout = child.stdin, child.stdout
    assert stdin is not None and stdout is not None
    reads: list[dict[str, Any]] = []
    collector = threading.Thread(target=lambda: reads.extend(json.loads(line) for line in stdout), daemon=True)
    collector.start()

    def answered_since(moment: float, timeout_s: float) -> bool:
        """Whether a read that started after ``moment`` is answered within ``timeout_s`` (the reader still alive)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and child.poll() is None:
            if any(r["at"] > moment and "error" not in r for r in list(reads)):
                return True
            time.sleep(0.2)
        return False

    try:
        assert answered_since(0, 60), f"the reader never answered (exit {child.poll()})"
        for _ in range(2):
            coordinator = _coordinator(whole, group)
            killed_at = time.monotonic()
            whole.kill(coordinator)
            assert answered_since(killed_at, 60), f"no read answered after node {coordinator} was killed " \
                                                  f"(exit {child.poll()}; -11: SIGSEGV, -6: abort)"
            whole.restart(coordinator)
            moved_back_at = _elect_preferred_leader(admin, group)  # the coordinator moves back while reads run
            assert answered_since(moved_back_at, 90), f"no read answered after node {coordinator} led the group " \
                                                      f"again (exit {child.poll()}; -11: SIGSEGV, -6: abort)"
    finally:
        for node in range(1, 4):
            whole.restart(node)
        stdin.close()
        child.wait(timeout=180)
        collector.join(timeout=10)
        admin.delete_topics([topic])
    assert child.returncode == 0, f"the reader died: exit {child.returncode}"
    answered = [r for r in reads if "error" not in r]
    wrong = [r for r in answered if r["listed"] != expected_listed or r["marks"] != expected_marks]
    assert not wrong, wrong[:3]
    assert all(sorted(r["written"]) == list(range(PARTITIONS)) for r in answered), answered[:3]
    errors = [r["error"] for r in reads if "error" in r]
    assert len(errors) <= 2, errors  # at most a read per move outlives its retries


def _commit(bootstrap: str, group: str, topic: str, marks: dict[int, tuple[int, str]]) -> None:
    """Commit through the source runtime's own writer until every partition is written (a fresh cluster's group
    coordinator may still be elected)."""
    from connect_core.kafka.settings import KafkaClientSettings
    from connect_core.storage._topic_log import KafkaTopicLog, TopicSpec

    log = KafkaTopicLog(KafkaClientSettings(bootstrap_servers=bootstrap), TopicSpec(topic, PARTITIONS, 3, "test"),
                        create_topic=False, timeout_s=60)
    try:
        assert sorted(log.write_bookmarks(group, marks)) == sorted(marks)
    finally:
        log.close()


def _offsets_partition(group: str) -> int:
    """The group's ``__consumer_offsets`` partition: ``abs(group.hashCode()) % offsets.topic.num.partitions``."""
    from connect_core.api.java_objects import java_hash_code

    hash_code = java_hash_code(group) or 0
    return (0 if hash_code == -(2**31) else abs(hash_code)) % OFFSETS_PARTITIONS  # Kafka's Utils.abs


def _elect_preferred_leader(admin: AdminClient, group: str) -> float:
    """Move the group's coordinator back to its preferred broker once that is in sync again; returns when."""
    from confluent_kafka import ElectionType, KafkaError, TopicPartition

    partition = [TopicPartition("__consumer_offsets", _offsets_partition(group))]
    deadline, last = time.monotonic() + 90, None
    while True:
        try:
            result = admin.elect_leaders(ElectionType.PREFERRED, partition).result(30)
            # each partition's outcome: None, or a KafkaError (a KafkaException wrapping one in other versions)
            errors = [error if isinstance(error, KafkaError) else error.args[0]
                      for error in result.values() if error is not None]
            if all(error.code() == KafkaError.ELECTION_NOT_NEEDED for error in errors):
                return time.monotonic()
            last = errors
        except Exception as error:  # the controller is still settling after the restart
            last = error
        assert time.monotonic() < deadline, f"the preferred leader of the group's partition was never elected: {last}"
        time.sleep(0.5)


def _coordinator(cluster: Cluster, group: str) -> int:
    """The node coordinating ``group``: the leader of its ``__consumer_offsets`` partition, waited for while the
    cluster elects one."""
    partition = _offsets_partition(group)
    deadline = time.monotonic() + 60
    while (leader := cluster.leader("__consumer_offsets", partition)) < 0:
        assert time.monotonic() < deadline, "__consumer_offsets has no leader"
        time.sleep(0.5)
    return leader
