"""The S3 sink behind the runner, its records read from Kafka: with lines from the payloads' bytes (the runner's lazy
text for a task that writes JSON lines, no SMT) the files on LocalStack are the reference path's (the same runner with
the converters keeping no text), byte for byte, on the many-shape batch of ``test_payload_lines``."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import boto3
import pytest

from connect_core.api.struct import TextStruct
from connect_core.connectors.s3.sink_task import S3SinkTask
from connect_core.kafka.lambda_event import build_event
from connect_core.runtime.sink_runner import SinkRunner
from tests.integration.functions._sink_harness import KafkaTopics, Out
from tests.unit.connectors.s3.test_payload_lines import JSON, shapes_batch

if TYPE_CHECKING:
    from tests.integration.runtime.conftest import Cluster

pytestmark = pytest.mark.integration


def _files(client: Any, bucket: str) -> dict[str, bytes]:
    listed = client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="topics/")
    keys = [o["Key"] for page in listed for o in page.get("Contents", [])]
    return {key: client.get_object(Bucket=bucket, Key=key)["Body"].read() for key in keys}


def test_the_runner_writes_the_reference_files_from_the_payloads_bytes(
        cluster: Cluster, topics: KafkaTopics, aws_settings: dict[str, str], kafka_bootstrap: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    consumed = shapes_batch(6)
    topic = topics.create(f"s3-lines-{uuid.uuid4().hex[:8]}", partitions=2)
    topics.produce(topic, [Out(c.key, c.value, timestamp=c.timestamp, partition=c.partition) for c in consumed])
    messages = topics.consume(topic, len(consumed), partitions=2)
    events = [build_event(messages[start:start + 97], kafka_bootstrap) for start in range(0, len(messages), 97)]
    put, wants_text = S3SinkTask.put, S3SinkTask.wants_json_text
    seen: list[type] = []

    def recording_put(self: S3SinkTask, records: list[Any]) -> None:
        seen.extend(type(record.value) for record in records)
        put(self, records)

    monkeypatch.setattr(S3SinkTask, "put", recording_put)
    s3 = boto3.client("s3", **aws_settings)
    files, kinds = {}, {}
    for name in ("fast", "reference"):
        if name == "reference":  # the same runner and task, the converters asked for no text
            monkeypatch.setattr(S3SinkTask, "wants_json_text", lambda self: False)
        bucket = f"s3-lines-{name}-{uuid.uuid4().hex[:12]}"
        s3.create_bucket(Bucket=bucket)
        connector = f"s3-lines-{name}-{uuid.uuid4().hex[:6]}"
        config = {"connector.class": "io.confluent.connect.s3.S3SinkConnector", "topics": topic, "tasks.max": "1",
                  "s3.bucket.name": bucket, "store.url": aws_settings["endpoint_url"],
                  "s3.region": aws_settings["region_name"], "aws.access.key.id": aws_settings["aws_access_key_id"],
                  "aws.secret.access.key": aws_settings["aws_secret_access_key"],
                  "format.class": "io.confluent.connect.s3.format.json.JsonFormat", "flush.size": "40",
                  "behavior.on.null.values": "ignore", "key.converter": JSON, "value.converter": JSON}
        cluster.deploy(connector, config, [config])
        runner = SinkRunner(cluster.worker, connector, config_store=cluster.configs, status_store=cluster.statuses)
        seen.clear()
        try:
            assert sum(runner.handle(event).put for event in events) == len(consumed)
        finally:
            runner.close()
        files[name], kinds[name] = _files(s3, bucket), set(seen)
    monkeypatch.setattr(S3SinkTask, "wants_json_text", wants_text)
    assert TextStruct in kinds["fast"] and TextStruct not in kinds["reference"]
    assert len(files["fast"]) >= 20
    assert files["fast"] == files["reference"]
