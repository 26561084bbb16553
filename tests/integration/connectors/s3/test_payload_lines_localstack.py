"""The S3 sink's files from lines taken from the payloads' bytes (lazy text, no SMT) are the reference path's, byte
for byte, on LocalStack: the same many-shape batch converted both ways and written by two tasks to two buckets."""

from __future__ import annotations

import uuid
from typing import Any

import boto3
import pytest

from connect_core.api.struct import TextStruct
from connect_core.connectors.s3.sink_task import S3SinkTask
from tests.unit.connectors.s3.test_payload_lines import _pipeline, shapes_batch

pytestmark = pytest.mark.integration


def _written(aws_settings: dict[str, str], records: list[Any], **props: str) -> dict[str, bytes]:
    """Each file under ``topics/`` that a task writes for ``records`` (two puts, then a flush), by key."""
    client = boto3.client("s3", **aws_settings)
    name = f"s3-sink-lines-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=name)
    task = S3SinkTask()
    task.start({"s3.bucket.name": name, "format.class": "io.confluent.connect.s3.format.json.JsonFormat",
                "flush.size": "40", "behavior.on.null.values": "ignore", "store.url": aws_settings["endpoint_url"],
                "s3.region": aws_settings["region_name"], "aws.access.key.id": aws_settings["aws_access_key_id"],
                "aws.secret.access.key": aws_settings["aws_secret_access_key"], **props})
    try:
        half = len(records) // 2
        task.put(records[:half])
        task.flush({})
        task.put(records[half:])
        task.flush({})
    finally:
        task.stop()
    listed = client.get_paginator("list_objects_v2").paginate(Bucket=name, Prefix="topics/")
    keys = [o["Key"] for page in listed for o in page.get("Contents", [])]
    return {key: client.get_object(Bucket=name, Key=key)["Body"].read() for key in keys}


@pytest.mark.parametrize("keys", ["false", "true"])
def test_files_from_the_payloads_bytes_are_the_reference_files(aws_settings: dict[str, str], keys: str) -> None:
    consumed = shapes_batch(5)
    if keys == "true":  # a file of keys needs every key
        consumed = [record for record in consumed if record.key is not None]
    fast = _pipeline(True)[0].convert_all(consumed)
    reference = _pipeline(False)[0].convert_all(consumed)
    assert any(type(record.value) is TextStruct for record in fast)
    assert not any(type(record.value) is TextStruct for record in reference)
    files = _written(aws_settings, fast, **{"store.kafka.keys": keys})
    assert len(files) >= 20
    assert files == _written(aws_settings, reference, **{"store.kafka.keys": keys})
