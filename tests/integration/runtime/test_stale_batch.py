"""A failed batch the consumer group moved on from, against the real broker: the group's commits and the log's end
read through ``kafka/group_offsets.py``, the batch ended as a no-op; a reset or a commit past the log end fails."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import pytest
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic

from connect_core.kafka.group_offsets import GroupReaders, commit_offsets
from connect_core.runtime.sink_runner import SinkRunner
from tests.integration.runtime.test_sink_runner import FILE_SINK, msk_event

if TYPE_CHECKING:
    from pathlib import Path

    from tests.integration.runtime.conftest import Cluster

pytestmark = pytest.mark.integration


def _topic_of_six(bootstrap: str) -> str:
    topic = f"stale-{uuid.uuid4().hex[:10]}"
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(topic, 1, 1)])[topic].result(30)
    producer = Producer({"bootstrap.servers": bootstrap})
    for i in range(6):
        producer.produce(topic, value=f'{{"a":{i}}}'.encode())
    assert producer.flush(30) == 0
    return topic


def test_a_failed_batch_the_group_moved_past_is_a_no_op_and_a_reset_or_truncation_still_fails(
    cluster: Cluster, tmp_path: Path, kafka_bootstrap: str
) -> None:
    topic = _topic_of_six(kafka_bootstrap)
    name = f"stale-{uuid.uuid4().hex[:6]}"
    out = tmp_path / "out.txt"
    config = {"connector.class": FILE_SINK, "file": str(out), "topics": topic, "tasks.max": "1",
              "key.converter": "org.apache.kafka.connect.storage.StringConverter",
              "value.converter": "org.apache.kafka.connect.json.JsonConverter",
              "value.converter.schemas.enable": "false"}
    cluster.deploy(name, config, [{"file": str(out), "topics": topic}])
    runner = SinkRunner(cluster.worker, name, config_store=cluster.configs, status_store=cluster.statuses)
    readers = GroupReaders(cluster.worker.kafka)
    group = readers.reader(f"connect-{name}")
    stale_batch = msk_event(topic, [b'{"a":2}', b"{broken"], first_offset=2)  # fails in the converter
    try:
        assert commit_offsets(group, {(topic, 0): (5, "")}, 10.0) == [(topic, 0)]  # others went on to offset 5
        result = runner.handle(stale_batch)
        assert (result.stale, result.put, result.offsets, result.response()) == (True, 0, {}, {})
        cluster.statuses.refresh()
        assert cluster.statuses.task_status(name, 0) is None  # nothing written: no FAILED
        assert not out.exists() or out.read_text() == ""

        commit_offsets(group, {(topic, 0): (50, "")}, 10.0)  # a commit beyond the log's end (a truncated log)
        with pytest.raises(Exception, match="Tolerance exceeded"):
            runner.handle(stale_batch)
        commit_offsets(group, {(topic, 0): (0, "")}, 10.0)  # the group reset to the start: a real failure
        with pytest.raises(Exception, match="Tolerance exceeded"):
            runner.handle(stale_batch)
        cluster.statuses.refresh()
        assert cluster.statuses.task_status(name, 0).state.value == "FAILED"
    finally:
        readers.close()
        runner.close()
