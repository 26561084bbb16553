"""``kafka/group_offsets.py`` on the shared broker: a never-joining consumer of the group commits and reads its
offsets with their metadata; a partition the broker refuses is reported as not written, the others are."""

from __future__ import annotations

import uuid

import pytest

pytestmark = pytest.mark.integration


def test_commit_and_read_back_through_a_reader_of_the_group_with_a_refused_partition_left_out(
    kafka_bootstrap: str,
) -> None:
    from confluent_kafka.admin import AdminClient

    from connect_core.kafka.admin import ensure_topic
    from connect_core.kafka.group_offsets import GroupReaders, commit_offsets, committed_offsets, every_partition
    from connect_core.kafka.settings import KafkaClientSettings

    run = uuid.uuid4().hex[:8]
    topic, group = f"group-offsets-{run}", f"group-offsets-{run}-group"
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    ensure_topic(admin, topic, 3, 1)
    readers = GroupReaders(KafkaClientSettings(bootstrap_servers=kafka_bootstrap))
    try:
        reader = readers.reader(group)
        assert readers.reader(group) is reader  # kept for the next invocation
        assert committed_offsets(reader, [(topic, p) for p in range(3)], 10) == {}  # nothing committed yet
        too_long = "x" * 5000  # above the broker's offset.metadata.max.bytes (4096)
        marks = {(topic, 0): (10, "m0"), (topic, 1): (11, too_long), (topic, 2): (12, "")}
        assert sorted(commit_offsets(reader, marks, 10)) == [(topic, 0), (topic, 2)]
        assert committed_offsets(reader, [(topic, p) for p in range(3)], 10) == {
            (topic, 0): (10, "m0"), (topic, 2): (12, "")}
        every = every_partition(reader, 10)
        assert {(topic, p) for p in range(3)} <= set(every)
        whole_group = committed_offsets(reader, every, 10)  # a whole group's offsets, as the coordinator asks
        assert whole_group == {(topic, 0): (10, "m0"), (topic, 2): (12, "")}
        others = [readers.reader(f"{group}-{n}") for n in range(4)]  # four more groups: the least recent is closed
        assert others[0] is readers.reader(f"{group}-0")
        assert readers.reader(group) is not reader
    finally:
        readers.close()
        admin.delete_topics([topic])


def test_a_connectors_group_offsets_on_a_cluster_it_names_through_its_context(kafka_bootstrap: str) -> None:
    """MirrorMaker 2's checkpoints reach the same home through the api (``context.group_offsets``): a topic filter
    picks the partitions, a refused partition is read back as not written, readers stay warm until closed."""
    from confluent_kafka.admin import AdminClient

    from connect_core.api.task import SourceTaskContext
    from connect_core.kafka.admin import ensure_topic
    from connect_core.kafka.group_offsets import ClusterGroupOffsets
    from tests.unit.connectors._memory_offsets import MemoryOffsetReader

    run = uuid.uuid4().hex[:8]
    topic, other, group = f"cluster-offsets-{run}", f"cluster-other-{run}", f"cluster-offsets-{run}-group"
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    ensure_topic(admin, topic, 2, 1)
    ensure_topic(admin, other, 1, 1)
    context = SourceTaskContext({}, MemoryOffsetReader(), group_offsets=ClusterGroupOffsets)
    offsets = context.group_offsets({"bootstrap.servers": kafka_bootstrap, "client.id": "checkpoint-source-offsets"})
    try:
        marks = {(topic, 0): (5, "kept"), (topic, 1): (6, "x" * 5000), (other, 0): (7, "")}
        assert set(offsets.commit(group, marks, 10)) == {(other, 0), (topic, 0)}
        assert offsets.committed(group, 10, topics=lambda name: name == topic) == {(topic, 0): (5, "kept")}
        assert offsets.committed(group, 10, partitions=[(other, 0)]) == {(other, 0): (7, "")}
    finally:
        offsets.close()
        admin.delete_topics([topic, other])
