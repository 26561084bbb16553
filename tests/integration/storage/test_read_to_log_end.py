"""Internal topics are read to the log end, as Kafka's KafkaBasedLog does.

A reader that stops at the last stable offset returns while another task's transaction is still open on the
offsets topic, and so reads an offset that is about to be replaced; reading to the log end waits for the
transaction's end. A topic created in the same breath as its first read answers with retriable errors for a moment
(``UNKNOWN_LEADER_EPOCH``): they are retried, never an error.
"""

from __future__ import annotations

import threading
import time
import uuid
from typing import TYPE_CHECKING

import pytest
from confluent_kafka import Producer

from connect_core.kafka.clients import admin_client
from connect_core.storage._topic_log import KafkaTopicLog, TopicSpec
from connect_core.storage.status_store import StatusStore

if TYPE_CHECKING:
    from connect_core.kafka.settings import KafkaClientSettings
    from connect_core.storage.config import StorageConfig

pytestmark = pytest.mark.integration


def _log(settings: KafkaClientSettings, name: str) -> KafkaTopicLog:
    return KafkaTopicLog(settings, TopicSpec(name, 1, 1, "a test", {"cleanup.policy": "compact"}))


def _drop(settings: KafkaClientSettings, names: list[str]) -> None:
    admin = admin_client(settings)  # kept alive until every future is answered
    for future in admin.delete_topics(names, operation_timeout=10).values():
        future.result()


def test_a_reader_waits_for_a_transaction_open_on_the_topic(settings: KafkaClientSettings) -> None:
    name = f"it-log-end-{uuid.uuid4().hex[:10]}"
    log = _log(settings, name)
    log.start()
    producer = Producer({**settings.client_config(), "transactional.id": f"it-{uuid.uuid4().hex}"})
    producer.init_transactions(30)
    producer.begin_transaction()
    producer.produce(name, key=b"k", value=b"offset-2")
    producer.flush(30)  # written, not committed: the last stable offset stays before it
    seen: list[bytes | None] = []
    reader = threading.Thread(target=lambda: log.read_to_end(lambda _k, value, _o: seen.append(value)))
    try:
        reader.start()
        time.sleep(1.5)  # the reader has asked for the end offsets by now (if not, the test proves less, not wrong)
        producer.commit_transaction(30)
        reader.join(60)
        assert not reader.is_alive()
        assert seen == [b"offset-2"]  # the committed offset, not the stale state before it
    finally:
        log.close()
        _drop(settings, [name])


def test_a_warm_reader_waits_for_a_transaction_open_on_the_topic_and_reads_what_was_just_written(
    settings: KafkaClientSettings,
) -> None:
    """A log read once already asks only the log end (``end_offsets`` from a read_uncommitted consumer, not the
    admin client's ListOffsets): a record written just before the next read is read by it, and a transaction open
    on the topic is waited for, as on the first read."""
    name = f"it-log-end-{uuid.uuid4().hex[:10]}"
    log = _log(settings, name)
    log.send([(b"k", b"first")])
    seen: list[bytes | None] = []
    assert log.read_to_end(lambda _k, value, _o: seen.append(value)) == 1
    log.send([(b"k", b"second")])  # acknowledged: the very next read has it
    assert log.read_to_end(lambda _k, value, _o: seen.append(value)) == 1
    assert seen == [b"first", b"second"]
    producer = Producer({**settings.client_config(), "transactional.id": f"it-{uuid.uuid4().hex}"})
    producer.init_transactions(30)
    producer.begin_transaction()
    producer.produce(name, key=b"k", value=b"third")
    producer.flush(30)  # written, not committed: the last stable offset stays before it
    reader = threading.Thread(target=lambda: log.read_to_end(lambda _k, value, _o: seen.append(value)))
    try:
        reader.start()
        time.sleep(1.5)  # the reader has asked for the end offsets by now (if not, the test proves less, not wrong)
        assert reader.is_alive()  # waiting for the transaction's end
        producer.commit_transaction(30)
        reader.join(60)
        assert not reader.is_alive()
        assert seen == [b"first", b"second", b"third"]
    finally:
        log.close()
        _drop(settings, [name])


def test_topics_created_and_read_in_the_same_breath(settings: KafkaClientSettings) -> None:
    names = [f"it-breath-{uuid.uuid4().hex[:10]}" for _ in range(10)]
    try:
        for name in names:
            log = _log(settings, name)
            assert log.read_to_end(lambda _k, _v, _o: None) == 0  # created by start(), read at once
            log.send([(b"k", b"v")])
            assert log.read_to_end(lambda _k, _v, _o: None) == 1
            log.close()
    finally:
        _drop(settings, names)


def test_a_status_store_on_fresh_topics_refreshes_at_once(
    settings: KafkaClientSettings, storage_config: StorageConfig,
) -> None:
    store = StatusStore(settings, storage_config)
    try:
        store.refresh()  # what the herder's _start_connector does on a fresh cluster
        assert store.task_status("none", 0) is None
    finally:
        store.close()
