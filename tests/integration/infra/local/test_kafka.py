"""Smoke test: the local broker does transactions and read_committed isolation for real."""

from __future__ import annotations

import uuid

import pytest
from confluent_kafka import Consumer, Producer
from confluent_kafka.admin import AdminClient, NewTopic

pytestmark = pytest.mark.integration


def test_aborted_record_stays_invisible_to_read_committed_consumer(kafka_bootstrap: str) -> None:
    topic = f"smoke-{uuid.uuid4().hex[:8]}"
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])[topic].result(timeout=30)

    producer = Producer({"bootstrap.servers": kafka_bootstrap, "transactional.id": f"smoke-{topic}"})
    producer.init_transactions(30)
    producer.begin_transaction()
    producer.produce(topic, key=b"k1", value=b"committed")
    producer.commit_transaction(30)
    producer.begin_transaction()
    producer.produce(topic, key=b"k2", value=b"aborted")
    producer.abort_transaction(30)
    producer.begin_transaction()
    producer.produce(topic, key=b"k3", value=b"committed-after-abort")
    producer.commit_transaction(30)

    consumer = Consumer({
        "bootstrap.servers": kafka_bootstrap, "group.id": f"smoke-{topic}", "auto.offset.reset": "earliest",
        "isolation.level": "read_committed", "enable.auto.commit": False,
    })
    consumer.subscribe([topic])
    values: list[bytes] = []
    try:
        for _ in range(60):
            message = consumer.poll(1.0)
            if message is None:
                if len(values) >= 2:
                    break
                continue
            assert message.error() is None, message.error()
            values.append(message.value())
    finally:
        consumer.close()

    assert values == [b"committed", b"committed-after-abort"]


def test_an_existing_scram_user_keeps_its_password(kafka_settings: dict[str, str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Every session's ``services.ensure`` checks the SCRAM user; another checkout's state directory holds another
    random password, and resetting the shared broker's user to it would refuse every other session's logins."""
    from infra.local import kafka

    altered: list[list[str]] = []
    monkeypatch.setattr(kafka.proc, "run", lambda argv, **_: altered.append(argv))
    assert kafka._ensure_sasl_user("unused-classpath", "another-checkouts-password") is False
    assert altered == []
    admin = AdminClient({"bootstrap.servers": kafka_settings["sasl.bootstrap.servers"], "security.protocol": "SASL_SSL",
                         "ssl.ca.location": kafka_settings["ssl.ca.location"],
                         **{key: kafka_settings[key] for key in ("sasl.mechanism", "sasl.username", "sasl.password")}})
    assert admin.list_topics(timeout=30).brokers  # the session's own password still logs in


def test_a_user_without_credentials_is_created(kafka_settings: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """A fresh broker (CI's): the describe answers RESOURCE_NOT_FOUND and ConfigCommand adds the user's credentials."""
    from infra.local import kafka

    altered: list[list[str]] = []
    monkeypatch.setattr(kafka.proc, "run", lambda argv, **_: altered.append(argv))
    monkeypatch.setattr(kafka, "SASL_USER", f"nobody-{uuid.uuid4().hex[:8]}")
    assert kafka._ensure_sasl_user("the-classpath", "its-password") is True
    [argv] = altered
    assert argv[:4] == ["java", "-cp", "the-classpath", "kafka.admin.ConfigCommand"]
    assert f"{kafka.SASL_MECHANISM}=[password=its-password]" in argv and kafka.SASL_USER in argv
