"""The three-broker cluster of `make services` (``infra/local/kafka_cluster.py``) is configured as MSK's defaults say,
on every broker, and answers on both listeners: plaintext, and SASL_SSL (SCRAM-SHA-512) with its own CA."""

from __future__ import annotations

import uuid

import pytest

from infra.local import kafka_cluster
from tests.e2e.cluster.conftest import msk_cluster  # noqa: F401 - the harness: this module joins its work unit

pytestmark = pytest.mark.integration

MSK_DEFAULTS = {"auto.create.topics.enable": "false", "default.replication.factor": "3", "min.insync.replicas": "2",
                "unclean.leader.election.enable": "false", "offsets.topic.replication.factor": "3",
                "transaction.state.log.replication.factor": "3", "transaction.state.log.min.isr": "2"}


@pytest.fixture(scope="module")
def settings(msk_cluster: dict[str, str]) -> dict[str, str]:  # noqa: F811 - the fixture imported above
    return msk_cluster


def test_every_broker_has_msks_defaults(settings: dict[str, str]) -> None:
    from confluent_kafka.admin import AdminClient, ConfigResource

    admin = AdminClient({"bootstrap.servers": settings["bootstrap.servers"]})
    assert sorted(admin.list_topics(timeout=10).brokers) == [1, 2, 3]
    for node in (1, 2, 3):
        described = next(iter(admin.describe_configs([ConfigResource("BROKER", str(node))]).values())).result(30)
        assert {key: described[key].value for key in MSK_DEFAULTS} == MSK_DEFAULTS


def test_a_producer_does_not_create_a_topic(settings: dict[str, str]) -> None:
    from confluent_kafka import Producer
    from confluent_kafka.admin import AdminClient

    topic = f"no-auto-{uuid.uuid4().hex[:8]}"
    errors: list[object] = []
    producer = Producer({"bootstrap.servers": settings["bootstrap.servers"], "message.timeout.ms": 3000})
    producer.produce(topic, b"x", on_delivery=lambda error, _message: errors.append(error))
    producer.flush(15)
    assert errors and errors[0] is not None
    assert topic not in AdminClient({"bootstrap.servers": settings["bootstrap.servers"]}).list_topics(
        timeout=10).topics


def test_the_sasl_ssl_listener_takes_the_scram_user_over_tls(settings: dict[str, str]) -> None:
    from confluent_kafka.admin import AdminClient

    assert settings["sasl.bootstrap.servers"] == kafka_cluster.SHARED.sasl_bootstrap
    admin = AdminClient({"bootstrap.servers": settings["sasl.bootstrap.servers"], "security.protocol": "SASL_SSL",
                         "sasl.mechanism": settings["sasl.mechanism"], "sasl.username": settings["sasl.username"],
                         "sasl.password": settings["sasl.password"], "ssl.ca.location": settings["ssl.ca.location"]})
    assert sorted(admin.list_topics(timeout=20).brokers) == [1, 2, 3]
