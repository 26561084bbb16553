"""MirrorSourceConnector on the runtime: byte-for-byte copies from the second cluster to the worker's (the target),
topics created and followed, Kafka's offsets and offset syncs."""

from __future__ import annotations

import json
import os
import uuid
from typing import TYPE_CHECKING

import pytest
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, ConfigResource, ConfigSource, NewPartitions

from connect_core.connectors.mirror._formats import OffsetSync
from connect_core.runtime.config_providers.resolver import clear_provider_cache
from tests.integration.connectors.mirror._mm2 import (
    LambdaWorker,
    mirror_config,
    produce_sample,
    read_all,
    record_view,
)

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.integration


def test_records_are_copied_byte_for_byte_with_kafkas_offsets_and_offset_syncs(
    lambda_worker: LambdaWorker, kafka_bootstrap: str, kafka2_bootstrap: str,
) -> None:
    alias = f"s{uuid.uuid4().hex[:6]}"
    topic = f"mm2-{alias}-orders"
    produce_sample(kafka2_bootstrap, topic)
    name = f"{alias}-source"
    lambda_worker.create(name, mirror_config(alias, kafka2_bootstrap, kafka_bootstrap, f"mm2-{alias}-.*"))

    assert lambda_worker.task_count(name) == 2
    assert lambda_worker.run_until_idle(name) == 10
    remote = f"{alias}.{topic}"
    copies = read_all(kafka_bootstrap, remote)
    assert [record_view(m) for m in copies] == [record_view(m) for m in read_all(kafka2_bootstrap, topic)]
    assert copies[4].value() is None and copies[0].key() is None
    assert copies[1].headers() == [("h", b"1"), ("h", b"2"), ("empty", b""), ("null", None)]

    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    remote_configs = admin.describe_configs([ConfigResource("TOPIC", remote)])
    entries = next(iter(remote_configs.values())).result(30)
    assert entries["retention.ms"].value == "7200000"
    # excluded by Kafka's default property filter: not a config of the remote topic
    assert entries["min.insync.replicas"].source != ConfigSource.DYNAMIC_TOPIC_CONFIG.value
    assert entries["retention.ms"].source == ConfigSource.DYNAMIC_TOPIC_CONFIG.value
    assert len(admin.list_topics(remote, timeout=10).topics[remote].partitions) == 2

    offsets = lambda_worker.rest("GET", f"/connectors/{name}/offsets")[1]["offsets"]
    assert sorted((o["partition"]["partition"], o["offset"]["offset"]) for o in offsets) == [(0, 6), (1, 2)]
    assert all(o["partition"] == {"cluster": alias, "partition": o["partition"]["partition"], "topic": topic}
               for o in offsets)
    syncs = [OffsetSync.decode(m.key(), m.value())
             for m in read_all(kafka2_bootstrap, f"mm2-offset-syncs.t{alias}.internal")]
    downstream = {(m.partition(), m.offset()) for m in copies}
    assert {(s.partition, s.upstream_offset) for s in syncs} == {(0, 0), (0, 6), (1, 0), (1, 2)}
    assert all(s.topic == topic and (s.partition, s.downstream_offset) in downstream for s in syncs)

    # a second invocation finds nothing new: no duplicate
    assert lambda_worker.run_until_idle(name) == 0
    assert len(read_all(kafka_bootstrap, remote)) == 10


def test_new_topics_and_partitions_are_followed_when_the_connector_is_refreshed(
    lambda_worker: LambdaWorker, kafka_bootstrap: str, kafka2_bootstrap: str,
) -> None:
    alias = f"s{uuid.uuid4().hex[:6]}"
    first, second = f"mm2-{alias}-a", f"mm2-{alias}-b"
    produce_sample(kafka2_bootstrap, first, partitions=1)
    name = f"{alias}-source"
    lambda_worker.create(name, mirror_config(alias, kafka2_bootstrap, kafka_bootstrap, f"mm2-{alias}-.*",
                                             **{"refresh.topics.interval.seconds": "1"}))
    assert lambda_worker.run_until_idle(name) == 7

    source_admin = AdminClient({"bootstrap.servers": kafka2_bootstrap})
    source_admin.create_partitions([NewPartitions(first, 2)])[first].result(30)
    produce_sample(kafka2_bootstrap, second, partitions=1)
    producer = Producer({"bootstrap.servers": kafka2_bootstrap})
    producer.produce(first, key=b"new", value=b"in the new partition", partition=1)
    producer.flush(30)
    assert lambda_worker.coordinator.herder.reconfigure_due(now_s=10**9) == [name]

    assert lambda_worker.run_until_idle(name) == 8
    target = AdminClient({"bootstrap.servers": kafka_bootstrap}).list_topics(timeout=10).topics
    assert len(target[f"{alias}.{first}"].partitions) == 2
    assert [(m.partition(), m.value()) for m in read_all(kafka_bootstrap, f"{alias}.{first}")][-1] == \
        (1, b"in the new partition")
    assert len(read_all(kafka_bootstrap, f"{alias}.{second}")) == 7


def test_a_target_other_than_the_workers_cluster_fails_the_task_naming_the_key(
    lambda_worker: LambdaWorker, kafka_bootstrap: str, kafka2_bootstrap: str,
) -> None:
    alias = f"s{uuid.uuid4().hex[:6]}"
    produce_sample(kafka2_bootstrap, f"mm2-{alias}-x", partitions=1)
    name = f"{alias}-source"
    # the worker writes to kafka_bootstrap; a "target" on the second cluster would get the topics but not the records
    lambda_worker.create(name, mirror_config(alias, kafka2_bootstrap, kafka2_bootstrap, f"mm2-{alias}-.*"))
    with pytest.raises(Exception, match="target.cluster.bootstrap.servers"):
        lambda_worker.run_tasks(name)
    status = lambda_worker.rest("GET", f"/connectors/{name}/status")[1]
    assert status["tasks"][0]["state"] == "FAILED"
    assert "runs on the target" in status["tasks"][0]["trace"] or "Connect workers" in status["tasks"][0]["trace"]


def test_a_topic_deleted_at_the_source_does_not_fail_the_task_and_is_dropped_at_the_refresh(
    lambda_worker: LambdaWorker, kafka_bootstrap: str, kafka2_bootstrap: str,
) -> None:
    alias = f"s{uuid.uuid4().hex[:6]}"
    kept, doomed = f"mm2-{alias}-kept", f"mm2-{alias}-doomed"
    produce_sample(kafka2_bootstrap, kept, partitions=1)
    produce_sample(kafka2_bootstrap, doomed, partitions=1)
    name = f"{alias}-source"
    lambda_worker.create(name, mirror_config(alias, kafka2_bootstrap, kafka_bootstrap, f"mm2-{alias}-.*",
                                             **{"tasks.max": "1"}))
    assert lambda_worker.run_until_idle(name) == 14
    admin = AdminClient({"bootstrap.servers": kafka2_bootstrap})
    admin.delete_topics([doomed])[doomed].result(30)
    producer = Producer({"bootstrap.servers": kafka2_bootstrap})
    producer.produce(kept, value=b"after the delete", partition=0)
    producer.flush(30)
    assert lambda_worker.run_until_idle(name) == 1
    assert lambda_worker.rest("GET", f"/connectors/{name}/status")[1]["tasks"][0]["state"] == "RUNNING"
    assert lambda_worker.coordinator.herder.reconfigure_due(now_s=10**9) == [name]
    tasks = lambda_worker.rest("GET", f"/connectors/{name}/tasks")[1]
    assert [t["config"]["task.assigned.partitions"] for t in tasks] == [f"{kept}-0"]


def test_a_sasl_ssl_target_with_its_login_from_a_config_provider(
    lambda_worker: LambdaWorker, kafka_settings: dict[str, str], kafka2_bootstrap: str, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Kafka's docs' way: ``target.cluster.security.protocol`` / ``sasl.*`` / ``ssl.*`` keys, the login in a file the
    worker's FileConfigProvider reads; the coordinator starts the connector with it resolved, the task configs and the
    config topic keep the placeholder."""
    clear_provider_cache()
    secrets = tmp_path / "mm2-secrets.properties"
    secrets.write_text(f'jaas=org.apache.kafka.common.security.scram.ScramLoginModule required '
                       f'username="{kafka_settings["sasl.username"]}" password="{kafka_settings["sasl.password"]}";\n')
    monkeypatch.setenv("LAMBDA_CONNECT_CONFIG_PROVIDERS", json.dumps({
        "config.providers": "file",
        "config.providers.file.class": "org.apache.kafka.common.config.provider.FileConfigProvider"}))
    ca_dir = os.path.dirname(kafka_settings["ssl.ca.location"])  # a trust store file lies under the file roots
    monkeypatch.setenv("LAMBDA_CONNECT_FILE_ROOTS", f"{os.environ.get('LAMBDA_CONNECT_FILE_ROOTS', '')},{ca_dir}")
    alias = f"s{uuid.uuid4().hex[:6]}"
    topic = f"mm2-{alias}-orders"
    produce_sample(kafka2_bootstrap, topic)
    placeholder = f"${{file:{secrets}:jaas}}"
    name = f"{alias}-source"
    lambda_worker.create(name, mirror_config(
        alias, kafka2_bootstrap, kafka_settings["sasl.bootstrap.servers"], f"mm2-{alias}-.*", **{
            "target.cluster.security.protocol": "SASL_SSL",
            "target.cluster.sasl.mechanism": kafka_settings["sasl.mechanism"],
            "target.cluster.sasl.jaas.config": placeholder,
            "target.cluster.ssl.truststore.type": "PEM",
            "target.cluster.ssl.truststore.location": kafka_settings["ssl.ca.location"]}))
    try:
        assert lambda_worker.run_until_idle(name) == 10  # the task's target admin logged in: the worker's cluster
        assert len(read_all(kafka_settings["bootstrap.servers"], f"{alias}.{topic}")) == 10
        tasks = lambda_worker.rest("GET", f"/connectors/{name}/tasks")[1]
        assert {t["config"]["target.cluster.sasl.jaas.config"] for t in tasks} == {placeholder}
        assert kafka_settings["sasl.password"] not in json.dumps(lambda_worker.rest("GET", f"/connectors/{name}")[1])
    finally:
        clear_provider_cache()


def test_the_messages_path_copies_and_syncs_as_the_records_path(
    lambda_worker: LambdaWorker, kafka_bootstrap: str, kafka2_bootstrap: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The same topic copied twice, once through ``messages_poll`` (no record a message: ByteArrayConverter both
    ways, no SMT) and once with the hook off: the same copies, source offsets and offset syncs."""
    from connect_core.connectors.mirror.source_task import MirrorSourceTask

    base = f"s{uuid.uuid4().hex[:6]}"
    topic = f"mm2-{base}-orders"
    produce_sample(kafka2_bootstrap, topic)
    producer = Producer({"bootstrap.servers": kafka2_bootstrap})
    for n in range(300):  # runs long enough for two delivery reports a run
        producer.produce(topic, key=b"k%d" % n, value=b"v%d" % n, partition=n % 2, headers=[("n", b"%d" % n)])
    producer.flush(30)
    batches: list[int] = []
    messages_of = MirrorSourceTask._messages_of

    def counting(self: MirrorSourceTask, messages: list[object]) -> object:
        batch = messages_of(self, messages)
        batches.append(0 if batch is None else len(batch.topics))
        return batch

    monkeypatch.setattr(MirrorSourceTask, "_messages_of", counting)
    seen = {}
    for path in ("messages", "records"):
        if path == "records":
            monkeypatch.setattr(MirrorSourceTask, "messages_poll", lambda _self: None)
        alias = f"{base}{path[0]}"
        name = f"{alias}-source"
        lambda_worker.create(name, mirror_config(alias, kafka2_bootstrap, kafka_bootstrap, topic))
        assert lambda_worker.run_until_idle(name) == 310
        copies = read_all(kafka_bootstrap, f"{alias}.{topic}")
        offsets = lambda_worker.rest("GET", f"/connectors/{name}/offsets")[1]["offsets"]
        syncs = [OffsetSync.decode(m.key(), m.value())
                 for m in read_all(kafka2_bootstrap, f"mm2-offset-syncs.t{alias}.internal")]
        seen[path] = ([(m.partition(), m.offset(), *record_view(m)) for m in copies],
                      sorted((o["partition"]["partition"], o["offset"]["offset"]) for o in offsets),
                      sorted((s.partition, s.upstream_offset, s.downstream_offset) for s in syncs))
        if path == "messages":
            assert sum(batches) == 310
    assert seen["messages"] == seen["records"]
    assert seen["messages"][1] == [(0, 156), (1, 152)] and len(seen["messages"][2]) >= 4
    assert sum(batches) == 310  # the records path polled no messages
