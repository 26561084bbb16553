"""``kill -9`` of a MirrorSourceConnector invocation at each step: every source record on the target exactly once.

The source is the second local cluster, the target the worker's (the shared broker). Each case kills a fresh function
process at its step several times (several transactions per invocation, so kills land mid-batch), then lets
invocations run until the partitions are drained, and counts the copies on the target (read_committed).
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import pytest
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic

from connect_core.connectors.mirror.source_connector import MirrorSourceConnector
from connect_core.runtime import env
from tests.faults.conftest import BIG, function_env, run_function
from tests.integration.connectors.mirror._mm2 import mirror_config, read_all

if TYPE_CHECKING:
    from tests.faults.conftest import Tally
    from tests.integration.runtime.conftest import Cluster

pytestmark = pytest.mark.integration

KILLED = -9
REPEATS = 5 if BIG else 2
RECORDS = 5_000 if BIG else 600
CHUNK = RECORDS // (4 * REPEATS)


def _source_topic(bootstrap: str, topic: str) -> None:
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(topic, num_partitions=2, replication_factor=1)])[topic].result(30)
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 20})
    for i in range(RECORDS):
        producer.produce(topic, key=str(i).encode(), value=f"record-{i}".encode(), partition=i % 2)
    producer.flush(30)


@pytest.mark.parametrize("step", ["source.after_poll", "source.after_produce", "source.before_commit",
                                  "source.after_commit"])
def test_kill_9_of_a_mirror_source_invocation(
    step: str, *, cluster: Cluster, kafka_bootstrap: str, kafka2_bootstrap: str, tally: Tally,
) -> None:
    alias = f"k{uuid.uuid4().hex[:6]}"
    topic = f"mm2-{alias}-events"
    _source_topic(kafka2_bootstrap, topic)
    name = f"{alias}-source"
    config = {"name": name, **mirror_config(alias, kafka2_bootstrap, kafka_bootstrap, topic, **{
        "tasks.max": "1", "source.consumer.max.poll.records": "50"})}  # polls of 50: kills land between chunks
    connector = MirrorSourceConnector()
    connector.start(config)
    cluster.deploy(name, config, connector.task_configs(1))
    environment = function_env(cluster, FAULTS_CHUNK_RECORDS=str(CHUNK))
    for repeat in range(REPEATS):
        arrival = 1 + repeat % 3
        code, _summary, stderr = run_function("tests.faults._source_driver", ["invoke", name],
                                              {**environment, env.FAULT: f"{step}:{arrival}"})
        assert code == KILLED, f"{step}:{arrival} did not kill the function: {stderr}"
        tally.runs += 1
    for _ in range(10):
        code, summary, stderr = run_function("tests.faults._source_driver", ["invoke", name], environment)
        assert code == 0 and summary is not None, stderr
        tally.runs += 1
        if summary["polls"] and summary["records"] == summary["retried_polls"] == 0:  # caught up
            break
    copies = read_all(kafka_bootstrap, f"{alias}.{topic}", timeout_s=30)
    tally.count((f"record-{i}".encode() for i in range(RECORDS)), (m.value() for m in copies))
    assert (tally.lost, tally.duplicated) == (0, 0), tally.line()
