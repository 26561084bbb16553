"""OffsetStore against the real broker: Java partitioning, transactions, tombstones, catch-up."""

from __future__ import annotations

import threading
import time
import uuid
from typing import TYPE_CHECKING

import pytest
from confluent_kafka import Message, Producer

from connect_core.kafka.clients import admin_client, producer_config
from connect_core.kafka.partitioner import default_partition
from connect_core.storage.offset_store import OffsetStore

if TYPE_CHECKING:
    from connect_core.kafka.settings import KafkaClientSettings
    from connect_core.storage.config import StorageConfig

pytestmark = pytest.mark.integration


def test_write_and_read_back(settings: KafkaClientSettings, storage_config: StorageConfig) -> None:
    store = OffsetStore(settings, storage_config)
    store.write("src", [({"filename": "/a"}, {"position": 10}), ({"filename": "/b"}, {"position": 20})])
    reader = OffsetStore(settings, storage_config)
    offsets = sorted(reader.offsets("src"), key=lambda pair: pair[0]["filename"])  # 2 partitions: any order
    assert offsets == [({"filename": "/a"}, {"position": 10}), ({"filename": "/b"}, {"position": 20})]
    assert reader.offset("src", {"filename": "/b"}) == {"position": 20}

    store.write("src", {(("filename", "/a"),): None})  # the frozen-partition form, here a tombstone
    assert reader.refresh() == 1
    assert reader.offsets("src") == [({"filename": "/b"}, {"position": 20})]
    topic = storage_config.offset_storage_topic
    assert len(admin_client(settings).list_topics(topic, timeout=10).topics[topic].partitions) == 25


def test_records_land_on_the_partition_java_would_choose(
    settings: KafkaClientSettings, storage_config: StorageConfig
) -> None:
    store = OffsetStore(settings, storage_config).start()
    producer = Producer(producer_config(settings))
    delivered: dict[bytes, int] = {}

    def on_delivery(error: object, message: Message) -> None:
        assert error is None
        delivered[message.key()] = message.partition()

    records = store.offset_records("src", [({"file": f"/f{i}"}, {"position": i}) for i in range(60)])
    for key, value in records:
        producer.produce(store.topic, key=key, value=value, on_delivery=on_delivery)
    assert producer.flush(10) == 0
    assert len(set(delivered.values())) > 10  # spread over the 25 partitions...
    assert all(partition == default_partition(key, 25) for key, partition in delivered.items())  # ...like Java


def test_offsets_follow_the_source_transaction(settings: KafkaClientSettings, storage_config: StorageConfig) -> None:
    store = OffsetStore(settings, storage_config).start()
    producer = Producer(producer_config(settings, transactional_id=f"it-offsets-{uuid.uuid4().hex}"))
    producer.init_transactions(10)

    producer.begin_transaction()
    for key, value in store.offset_records("src", [({"table": "t"}, {"id": 1})]):
        producer.produce(store.topic, key=key, value=value)
    producer.commit_transaction(10)

    assert store.refresh() == 1
    producer.begin_transaction()
    for key, value in store.offset_records("src", [({"table": "t"}, {"id": 2})]):
        producer.produce(store.topic, key=key, value=value)
    producer.flush(10)
    # As Kafka's KafkaBasedLog, the read goes to the log end: it waits for the open transaction (aborted here).
    aborter = threading.Timer(1.5, lambda: producer.abort_transaction(10))
    aborter.start()
    assert store.refresh() == 0  # waited for the abort, and the aborted offset is not visible
    aborter.join()
    assert store.offset("src", {"table": "t"}) == {"id": 1}

    producer.begin_transaction()
    for key, value in store.offset_records("src", [({"table": "t"}, {"id": 3})]):
        producer.produce(store.topic, key=key, value=value)
    producer.flush(10)
    committer = threading.Timer(1.5, lambda: producer.commit_transaction(10))
    committer.start()
    assert store.refresh() == 1  # waited for the commit: never the stale offset 1 while 3 is being committed
    committer.join()
    assert store.offset("src", {"table": "t"}) == {"id": 3}


def test_a_cold_connector_read_starts_at_its_snapshot(settings: KafkaClientSettings,
                                                      storage_config: StorageConfig) -> None:
    """The snapshot lives in the never-joined group's commits; a new container reads only what followed it."""
    from connect_core.storage.connector_offsets import ConnectorOffsets

    writer = OffsetStore(settings, storage_config)
    writer.write("src", [({"file": f"/f{i}"}, {"position": i}) for i in range(40)])
    writer.write("other", [({"file": f"/f{i}"}, {"position": -i}) for i in range(300)])
    first = ConnectorOffsets(OffsetStore(settings, storage_config).log, "src", snapshot_after=10)
    assert first.refresh() == 340  # no snapshot yet: the whole topic, then the snapshot is written
    # written as a JVM worker writes them (OffsetStore.write reads its tombstones back into the snapshot at once)
    writer.log.send(writer.offset_records("src", [({"file": "/f1"}, None), ({"file": "/f2"}, {"position": 99})]))
    writer.write("other", [({"file": "/f2"}, {"position": 0})])

    cold = OffsetStore(settings, storage_config).for_connector("src")  # new clients, as a new container
    assert cold.refresh() == 3  # only the records written after the snapshot
    expected = {i: i for i in range(40) if i != 1} | {2: 99}
    assert {int(p["file"][2:]): o["position"] for p, o in cold.offsets() if o} == expected
    assert cold.offset({"file": "/f2"}) == {"position": 99}
    assert cold.offset({"file": "/f1"}) is None
    full = OffsetStore(settings, storage_config)
    assert sorted(map(str, cold.offsets())) == sorted(map(str, full.offsets("src")))
    cold.log.admin.delete_consumer_groups([cold.group])[cold.group].result(30)


def test_a_new_connectors_first_snapshot_makes_its_first_read_a_tail_read_and_a_returning_name_keeps_its_offsets(
        settings: KafkaClientSettings, storage_config: StorageConfig) -> None:
    """The key index proves a name new; a name the topic holds (a deleted connector created again) gets no empty
    snapshot, so its first read still finds its old offsets; an existing snapshot is kept."""
    from connect_core.storage.offset_key_index import OffsetKeyIndex

    writer = OffsetStore(settings, storage_config)
    writer.write("old", [({"file": f"/f{i}"}, {"position": i}) for i in range(30)])  # deleted long ago, offsets kept
    writer.write("other", [({"file": f"/f{i}"}, {"position": -i}) for i in range(300)])

    creating = OffsetStore(settings, storage_config)
    assert creating.first_snapshot("new") == "written"
    assert creating.first_snapshot("old") == "history"
    writer.write("new", [({"file": "/n"}, {"position": 7})])  # its first task commits after the snapshot
    writer.write("other", [({"file": "/f0"}, {"position": 1})])

    first = OffsetStore(settings, storage_config).for_connector("new")  # a new container's first read
    assert first.refresh() == 2  # the tail only, not the 331 records before the snapshot
    assert first.offsets() == [({"file": "/n"}, {"position": 7})]
    returning = OffsetStore(settings, storage_config).for_connector("old")
    assert returning.refresh() == 332  # no snapshot: from the start, so the old offsets are found
    assert len(returning.offsets()) == 30
    assert OffsetStore(settings, storage_config).first_snapshot("new") == "kept"

    index = OffsetKeyIndex(OffsetStore(settings, storage_config).log, max_records=100)  # a budget: stepwise
    assert index.advance() is True  # from the committed index: only the 2 records written since
    assert index.scanned == 2 and index.has_history("new") and not index.has_history("never")
    for group in (first.group, index.group):
        first.log.admin.delete_consumer_groups([group])[group].result(30)


def test_the_key_index_is_built_over_budgeted_advances_and_knows_every_name(
        settings: KafkaClientSettings, storage_config: StorageConfig) -> None:
    from connect_core.storage.offset_key_index import OffsetKeyIndex

    writer = OffsetStore(settings, storage_config)
    writer.write("a", [({"file": f"/f{i}"}, {"position": i}) for i in range(250)])
    writer.write('we"ird', [({"file": "/x"}, {"position": 1})])  # an escaped name is parsed, not sliced
    log = OffsetStore(settings, storage_config).log
    steps = []
    while not (done := OffsetKeyIndex(log, max_records=100).advance()) and len(steps) < 10:
        steps.append(done)  # each step commits its progress; a fresh index (a new container) goes on from there
    index = OffsetKeyIndex(log, max_records=100)
    assert index.advance() and len(steps) == 2  # 251 records, 100 per advance
    assert index.has_history("a") and index.has_history('we"ird') and index.has_history("b") is False
    assert OffsetStore(settings, storage_config).first_snapshot("b") == "written"
    log.admin.delete_consumer_groups([index.group])[index.group].result(30)


def test_a_create_does_not_wait_for_a_transaction_open_on_the_offsets_topic(
        settings: KafkaClientSettings, storage_config: StorageConfig) -> None:
    """A killed source leaves its transaction open up to its timeout (60 s), and a read_committed read waits for it:
    the create's read of the key index gives up after CREATE_READ_TIMEOUT_S instead (the coordinator answers within its
    30 s; the connector only loses its first snapshot), and no snapshot is written."""
    from connect_core.storage.connector_offsets import snapshot_group

    store = OffsetStore(settings, storage_config).start()
    producer = Producer(producer_config(settings, transactional_id=f"it-offsets-{uuid.uuid4().hex}"))
    producer.init_transactions(10)
    producer.begin_transaction()
    for key, value in store.offset_records("src", [({"table": "t"}, {"id": 1})]):
        producer.produce(store.topic, key=key, value=value)
    producer.flush(10)
    try:
        started = time.monotonic()
        assert OffsetStore(settings, storage_config).first_snapshot("new") == "unknown"  # the index stopped short
        assert time.monotonic() - started < store.log.timeout_s  # the create's bound, not the log's own 30 s
        assert not store.log.read_bookmarks(snapshot_group(store.topic, "new"))
    finally:
        producer.abort_transaction(10)


def test_deleted_offsets_stay_deleted_once_the_log_cleaner_has_removed_their_tombstones(
        settings: KafkaClientSettings, storage_config: StorageConfig) -> None:
    """DELETE /connectors/<name>/offsets writes tombstones (``OffsetStore.write``, as the herder's reset does). The
    broker's log cleaner removes the offsets they delete and then, after ``delete.retention.ms``, the tombstones
    themselves. A snapshot taken before the reset must not hand the deleted offsets back to a cold task or to
    ``GET /offsets`` then. The topic compacts within seconds here (segment.ms, dirty ratio, retention near 0)."""
    from confluent_kafka import Consumer, TopicPartition
    from confluent_kafka.admin import NewTopic

    from connect_core.kafka.clients import admin_client
    from connect_core.storage.connector_offsets import ConnectorOffsets

    topic = storage_config.offset_storage_topic
    admin = admin_client(settings)
    admin.create_topics([NewTopic(topic, 1, 1, config={
        "cleanup.policy": "compact", "segment.ms": "100", "min.cleanable.dirty.ratio": "0.0001",
        "delete.retention.ms": "0", "min.compaction.lag.ms": "0"})])[topic].result(30)
    writer = OffsetStore(settings, storage_config)
    writer.write("src", [({"file": "/a"}, {"position": 7}), ({"file": "/b"}, {"position": 8})])
    task = ConnectorOffsets(OffsetStore(settings, storage_config).log, "src", snapshot_after=1)
    task.refresh()  # the task's snapshot holds /a and /b

    OffsetStore(settings, storage_config).write("src", [({"file": "/a"}, None), ({"file": "/b"}, None)])  # reset

    reader = Consumer({"bootstrap.servers": settings.bootstrap_servers, "group.id": f"peek-{uuid.uuid4().hex}",
                       "enable.auto.commit": False, "enable.partition.eof": True})

    def src_records_left() -> int:
        reader.assign([TopicPartition(topic, 0, 0)])
        found = 0
        while True:
            message = reader.poll(5)
            if message is None or message.error() is not None:
                return found
            found += (message.key() or b"").startswith(b'["src",')

    filler = OffsetStore(settings, storage_config)
    deadline = time.monotonic() + 150
    try:
        while src_records_left() and time.monotonic() < deadline:
            for _ in range(10):  # new records roll the segments the cleaner may clean
                filler.log.send(filler.offset_records("other", [({"n": "x"}, {"t": time.time()})]))
                time.sleep(0.2)
        assert src_records_left() == 0, "the log cleaner did not remove the tombstones in time"
    finally:
        reader.close()

    cold = OffsetStore(settings, storage_config)
    assert cold.for_connector("src").offsets() == []  # what a cold task and GET /offsets read
    assert cold.offsets("src") == []  # a full read agrees
