"""A sink's lag against the real broker: records not yet delivered, as a worker consumer's ``records-lag``.

A transactional producer leaves a commit marker after its records; a caught-up group (committed after the last
record, as the event source mapping commits) sits before it. The marker is no record: the lag is 0, not 1.
"""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING

import pytest
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic

from connect_core.coordinator.cluster.consumer_groups import KafkaConsumerGroups

if TYPE_CHECKING:
    from connect_core.runtime.worker import WorkerSettings
    from tests.integration.coordinator.conftest import Client

pytestmark = pytest.mark.integration

SINK_CLASS = "io.confluent.connect.jdbc.JdbcSinkConnector"


def _transactions(bootstrap: str, topic: str) -> None:
    """Partition 0: 5 committed records (offsets 0-4, marker 5). Partition 1: 3 aborted records (0-2, marker 3),
    then 2 committed (4-5, marker 6)."""
    producer = Producer({"bootstrap.servers": bootstrap, "transactional.id": f"lag-{uuid.uuid4().hex}"})
    producer.init_transactions(30)
    producer.begin_transaction()
    for i in range(5):
        producer.produce(topic, value=b"%d" % i, partition=0)
    producer.commit_transaction(30)
    producer.begin_transaction()
    for i in range(3):
        producer.produce(topic, value=b"aborted %d" % i, partition=1)
    producer.flush(30)
    producer.abort_transaction(30)
    producer.begin_transaction()
    for i in range(2):
        producer.produce(topic, value=b"late %d" % i, partition=1)
    producer.commit_transaction(30)


def test_a_caught_up_sink_on_a_transactional_topic_has_no_lag(client: Client, worker: WorkerSettings,
                                                              kafka_bootstrap: str, prefix: str) -> None:
    topic, name = f"{prefix}-lag", f"lag-{uuid.uuid4().hex[:6]}"
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    admin.create_topics([NewTopic(topic, 2, 1)])[topic].result(30)
    _transactions(kafka_bootstrap, topic)
    overview = client.coordinator.overview
    assert overview is not None
    overview.configs.put_connector_config(name, {"connector.class": SINK_CLASS, "topics": topic,
                                                 "connection.url": "jdbc:sqlite::memory:"})
    groups = KafkaConsumerGroups(worker.kafka, timeout_s=10)
    groups.alter_offsets(f"connect-{name}", {(topic, 0): 5, (topic, 1): 0})  # p0 past its last record; p1 behind
    assert overview.lag_totals()[name] == 7 - 4  # p1 from its first record a consumer gets (4) to the end (7)

    groups.alter_offsets(f"connect-{name}", {(topic, 0): 5, (topic, 1): 6})  # both after their last record
    assert overview.lag_totals()[name] == 0
    page = json.loads(client.call("GET", "/ui/api/overview").body_text())
    lag = next(c for c in page["connectors"] if c["name"] == name)["lag"]
    assert lag["total"] == 0 and {p["lag"] for p in lag["partitions"]} == {0}
    assert {(p["partition"], p["committed"], p["end"]) for p in lag["partitions"]} == {(0, 5, 6), (1, 6, 7)}
