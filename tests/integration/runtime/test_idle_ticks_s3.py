"""A quiet topic's S3 file closes on the wall clock behind the local event source mapping (``lambda-connect up``'s
``LocalDeployment``: the mapping, its idle-tick schedule and the sink function's process; LocalStack S3).

Confluent's sink rotates on ``rotate.schedule.interval.ms`` whether records come or not; a mapping invokes the
function only with records, so the file of 5 records (``flush.size`` 1000) appears only through the idle ticks
(``runtime/idle_tick.py``), while the consumer group stays where the mapping committed it.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from confluent_kafka import Consumer, TopicPartition

from connect_core.local.deployment import LocalDeployment
from connect_core.local.kafka_trigger import KafkaTrigger
from connect_core.runtime import env
from tests.integration.functions._sink_harness import KafkaTopics, Out

if TYPE_CHECKING:
    from pathlib import Path

    from tests.integration.runtime.conftest import Cluster

pytestmark = pytest.mark.integration

INTERVAL_MS = 2_000
WAIT_S = 90.0  # how long the test waits for the file before it fails (not a bound it asserts)


def _files(client: Any, bucket: str) -> dict[str, bytes]:
    listed = client.list_objects_v2(Bucket=bucket, Prefix="topics/").get("Contents", [])
    return {o["Key"]: client.get_object(Bucket=bucket, Key=o["Key"])["Body"].read() for o in listed}


def _committed(bootstrap: str, group: str, topic: str) -> int:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False})
    try:
        return int(consumer.committed([TopicPartition(topic, 0)], timeout=10)[0].offset)
    finally:
        consumer.close()


def test_five_records_then_nothing_close_their_file_through_idle_ticks(
        cluster: Cluster, topics: KafkaTopics, aws_settings: dict[str, str], kafka_bootstrap: str,
        tmp_path: Path) -> None:
    s3 = boto3.client("s3", **aws_settings)
    bucket = f"idle-ticks-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=bucket)
    name = f"quiet-{uuid.uuid4().hex[:8]}"
    topic = topics.create(f"{name}.t", partitions=1)
    config = {
        "connector.class": "io.confluent.connect.s3.S3SinkConnector", "topics": topic, "tasks.max": "1",
        "s3.bucket.name": bucket, "store.url": aws_settings["endpoint_url"], "s3.region": aws_settings["region_name"],
        "aws.access.key.id": aws_settings["aws_access_key_id"],
        "aws.secret.access.key": aws_settings["aws_secret_access_key"],
        "format.class": "io.confluent.connect.s3.format.json.JsonFormat", "flush.size": "1000",
        "rotate.schedule.interval.ms": str(INTERVAL_MS), "timezone": "UTC",
        "key.converter": "org.apache.kafka.connect.storage.StringConverter",
        "value.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable": "false",
        "lambda.starting.position": "TRIM_HORIZON", "lambda.maximum.batching.window.ms": "200",
    }
    topics.produce(topic, [Out(None, json.dumps({"i": i}).encode()) for i in range(5)])
    cluster.deploy(name, config, [config])
    storage = cluster.worker.storage
    function_env = {env.BOOTSTRAP_SERVERS: kafka_bootstrap, env.CONFIG_TOPIC: storage.config_storage_topic,
                    env.OFFSET_TOPIC: storage.offset_storage_topic, env.STATUS_TOPIC: storage.status_storage_topic,
                    env.GROUP_ID: cluster.worker.group_id}
    deployment = LocalDeployment(cluster.worker, function_env, tmp_path / "logs")
    try:
        deployment.reconcile()
        trigger = deployment.running[("sink", name)][1]
        assert isinstance(trigger, KafkaTrigger) and trigger.idle_tick_ms == INTERVAL_MS  # the schedule beside it
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline and not _files(s3, bucket):
            time.sleep(0.5)
        files = _files(s3, bucket)
        batches = trigger.invocations
    finally:
        deployment.close()
    assert files == {f"topics/{topic}/partition=0/{topic}+0+0000000000.json":
                     b"".join(b'{"i":%d}\n' % i for i in range(5))}
    assert batches == 1  # one batch brought the records; the file closed on a tick, with no record
    assert trigger.ticks >= 1
    assert _committed(kafka_bootstrap, f"connect-{name}", topic) == 5  # what the mapping committed, no more, no less
