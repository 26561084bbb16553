"""Cases 4c and 4q without services: Camel's sink configured as ours (converters, records per object, JSON without
schemas), and the read-back that proves every record landed once (moto's S3 in memory)."""

from __future__ import annotations

from typing import Any

import boto3
import orjson
import pytest
from moto import mock_aws

from bench.cases import connect_java, connect_java_s3

BUCKET = "bench-bucket"
AWS = {"endpoint_url": "http://localhost.localstack.cloud:4566", "region_name": "us-east-1",
       "aws_access_key_id": "test", "aws_secret_access_key": "test"}


def test_camel_is_configured_as_ours() -> None:
    ours = connect_java_s3.ours_config(AWS, BUCKET, "t", "p", 1000)
    camel = connect_java_s3.camel_config(AWS, BUCKET, "t", "p", 1000)
    assert {k: camel[k] for k in ("key.converter", "value.converter", "topics", "tasks.max")} == \
        {k: ours[k] for k in ("key.converter", "value.converter", "topics", "tasks.max")}
    assert camel["camel.aggregation.size"] == ours["flush.size"] == "1000"  # N records an object on both sides
    assert ours["format.class"].endswith(".json.JsonFormat")  # JsonConverter's shape without schemas
    assert camel["transforms.json.schemas.enable"] == "false"
    assert camel["transforms.json.type"].endswith(".SchemaAndStructToJsonTransform")
    assert camel["camel.beans.aggregate"] == f"#class:{connect_java_s3.AGGREGATOR}"
    assert camel["camel.beans.aggregate.keyPrefix"] == "p/"
    assert int(connect_java_s3.AGGREGATION_TIMEOUT_MS) >= 600_000  # objects close by size, as ours' files do
    assert "keyName" not in camel["camel.sink.url"]  # the aggregator names each object


def test_4c_and_4q_are_sub_cases_run_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BENCH_JAVA_CASES", raising=False)
    assert {"4c", "4q"} <= set(connect_java.sub_cases())


def _put(client: Any, key: str, ids: list[int], *, newline: bool = True) -> None:
    body = b"\n".join(orjson.dumps({"id": i, "name": f"name-{i}"}) for i in ids) + (b"\n" if newline else b"")
    client.put_object(Bucket=BUCKET, Key=key, Body=body)


@mock_aws
def test_landed_reads_every_object_and_needs_every_id_once() -> None:
    client = boto3.client("s3", region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    _put(client, "ok/t/partition=0/t+0+0000000000.json", [1, 2])
    _put(client, "ok/t/partition=0/t+0+0000000002.json", [3])
    client.put_object(Bucket=BUCKET, Key="ok/_lambda-connect+staging/t+0/head", Body=b"{}")  # ours' staging: skipped
    digest = connect_java_s3.landed(client, BUCKET, "ok/", 3)
    _put(client, "same/0000000000.json", [2, 1, 3])  # the same lines in another order and objects: the same digest
    assert connect_java_s3.landed(client, BUCKET, "same/", 3) == digest
    _put(client, "twice/a.json", [1, 2])
    _put(client, "twice/b.json", [2, 3])
    with pytest.raises(RuntimeError, match="id 2 landed twice"):
        connect_java_s3.landed(client, BUCKET, "twice/", 3)
    _put(client, "short/a.json", [1, 3])
    with pytest.raises(RuntimeError, match="2 distinct ids landed, not ids 1..3"):
        connect_java_s3.landed(client, BUCKET, "short/", 3)
    _put(client, "cut/a.json", [1, 2, 3], newline=False)
    with pytest.raises(RuntimeError, match="no newline"):
        connect_java_s3.landed(client, BUCKET, "cut/", 3)
    connect_java_s3.clear(client, BUCKET, "ok/")
    assert connect_java_s3.keys(client, BUCKET, "ok/") == []
