"""S3 source ``mode=GENERIC`` on LocalStack through the runtime, configured as kafka-docker-playground's
``s3-source-generalized.sh`` (``topics.dir``, ``topic.regex.list``, JsonFormat): files no sink wrote, under any
folders, go to the topic their key maps to, each folder's files in key order, without keys; a read stopped inside a
file resumes from the folder's offset (``{folder}`` -> ``{lastFileRead, fileOffset, eof}``) with no gap and no
duplicate, and a file added later is read by a later invocation."""

from __future__ import annotations

import gzip
import json
import uuid
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from confluent_kafka.admin import AdminClient, NewTopic

from connect_core.runtime.source_runner import SourceRunner
from connect_core.storage.offset_store import OffsetStore
from tests.integration.connectors.s3_source.test_round_trip_localstack import _budget, _consume, _restore

if TYPE_CHECKING:
    from tests.integration.runtime.conftest import Cluster

pytestmark = pytest.mark.integration

BYTES = "org.apache.kafka.connect.converters.ByteArrayConverter"


def _lines(name: str, n: int) -> list[dict[str, Any]]:
    return [{"f1": f"{name}-{i}", "n": i, "nested": {"ok": i % 2 == 0}} for i in range(n)]


def _json_body(rows: list[dict[str, Any]], *, gz: bool = False) -> bytes:
    body = b"".join(json.dumps(r).encode() + b"\n" for r in rows)
    return gzip.compress(body) if gz else body


def _values(messages: list[Any]) -> list[Any]:
    return [json.loads(m.value()) for m in messages]


def test_generic_json_files_by_regex_in_key_order_resumed_inside_a_file_and_a_file_added_later(
    cluster: Cluster, kafka_bootstrap: str, aws_settings: dict[str, str],
) -> None:
    run = uuid.uuid4().hex[:8]
    quick, orders, bucket = f"quick-start-topic-{run}", f"gen-orders-{run}", f"s3-gen-{run}"
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    for future in admin.create_topics([NewTopic(quick, 1, 1), NewTopic(orders, 1, 1)]).values():
        future.result(30)
    s3 = boto3.client("s3", **aws_settings)
    s3.create_bucket(Bucket=bucket)
    files = {
        "quickstart/generalized.quickstart.json": _json_body(_lines("quick", 9)),
        "quickstart/orders/2024/b.json": _json_body(_lines("b", 6)),
        "quickstart/orders/2024/a.json.gz": _json_body(_lines("a", 5), gz=True),  # key order: a before b
        "quickstart/orders/2024/notes.txt": b"not JsonFormat's extension\n",
        "quickstart/unmapped/x.json": _json_body(_lines("x", 3)),  # no regex matches its key
        "elsewhere/y.json": _json_body(_lines("y", 3)),  # outside topics.dir
    }
    for key, body in files.items():
        s3.put_object(Bucket=bucket, Key=key, Body=body)

    source = f"generalized-{run}"
    config = {"connector.class": "io.confluent.connect.s3.source.S3SourceConnector", "tasks.max": "1",
              "s3.bucket.name": bucket, "store.url": aws_settings["endpoint_url"],
              "s3.region": aws_settings["region_name"], "aws.access.key.id": aws_settings["aws_access_key_id"],
              "aws.secret.access.key": aws_settings["aws_secret_access_key"],
              "format.class": "io.confluent.connect.s3.format.json.JsonFormat",
              "value.converter": "org.apache.kafka.connect.json.JsonConverter",
              "value.converter.schemas.enable": "false", "mode": "GENERIC", "topics.dir": "quickstart",
              "topic.regex.list": f"{orders}:quickstart/orders/.*,{quick}:quickstart/[^/]*",
              "record.batch.max.size": "4", "s3.poll.interval.ms": "0"}
    cluster.deploy(source, config, [{**config, "task.index": "0", "task.count": "1"}])
    first = SourceRunner(cluster.worker, config_store=cluster.configs, offset_store=cluster.offsets,
                         status_store=cluster.statuses, max_records=6)
    stopped = first.run(source, 0, _budget())  # polls of at most 4 records: stops inside a file
    assert 6 <= stopped.records < 9 + 11
    assert {tuple(e["partition"]) for e in stopped.offsets} <= {("folder",)}, stopped.offsets
    inside = [e for e in stopped.offsets if e["offset"]["eof"] == "false"]
    assert inside and set(inside[0]["offset"]) == {"lastFileRead", "fileOffset", "eof"}, stopped.offsets

    cold = SourceRunner(cluster.worker, config_store=cluster.configs,
                        offset_store=OffsetStore(cluster.worker.kafka, cluster.worker.storage),
                        status_store=cluster.statuses)
    rest = 9 + 11 - stopped.records
    assert _restore(cold, source, rest) == rest  # no gap, nothing twice

    quick_out, orders_out = _consume(kafka_bootstrap, quick, 9), _consume(kafka_bootstrap, orders, 11)
    assert _values(quick_out) == _lines("quick", 9)
    assert _values(orders_out) == _lines("a", 5) + _lines("b", 6)  # a.json.gz, then b.json
    assert all(m.key() is None for m in quick_out + orders_out)

    s3.put_object(Bucket=bucket, Key="quickstart/orders/2024/c.json", Body=_json_body(_lines("c", 4)))
    assert _restore(cold, source, 4) == 4  # a file added later: read by a later invocation
    assert _values(_consume(kafka_bootstrap, orders, 15)) == _lines("a", 5) + _lines("b", 6) + _lines("c", 4)
    cluster.statuses.refresh()
    assert cluster.statuses.task_status(source, 0).state.value == "RUNNING"


def test_generic_bytearray_lines_to_one_topic(
    cluster: Cluster, kafka_bootstrap: str, aws_settings: dict[str, str],
) -> None:
    run = uuid.uuid4().hex[:8]
    topic, bucket = f"gen-bytes-{run}", f"s3-genb-{run}"
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    admin.create_topics([NewTopic(topic, 1, 1)])[topic].result(30)
    s3 = boto3.client("s3", **aws_settings)
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="in/logs/1.bin", Body=b"alpha\nbeta,1\t\n")
    s3.put_object(Bucket=bucket, Key="in/logs/2.bin", Body=b"\x00\xffgamma\n")
    source = f"generalized-b-{run}"
    config = {"connector.class": "io.confluent.connect.s3.source.S3SourceConnector", "tasks.max": "1",
              "s3.bucket.name": bucket, "store.url": aws_settings["endpoint_url"],
              "s3.region": aws_settings["region_name"], "aws.access.key.id": aws_settings["aws_access_key_id"],
              "aws.secret.access.key": aws_settings["aws_secret_access_key"],
              "format.class": "io.confluent.connect.s3.format.bytearray.ByteArrayFormat", "value.converter": BYTES,
              "mode": "GENERIC", "topics.dir": "in", "topic.regex.list": f"{topic}:.*"}
    cluster.deploy(source, config, [{**config, "task.index": "0", "task.count": "1"}])
    runner = SourceRunner(cluster.worker, config_store=cluster.configs, offset_store=cluster.offsets,
                          status_store=cluster.statuses)
    assert _restore(runner, source, 3) == 3
    assert [m.value() for m in _consume(kafka_bootstrap, topic, 3)] == [b"alpha", b"beta,1\t", b"\x00\xffgamma"]


def test_generic_avro_container_files_with_their_schema(
    cluster: Cluster, kafka_bootstrap: str, aws_settings: dict[str, str],
) -> None:
    from connect_core.api.avro.binary import parse_schema
    from connect_core.api.avro.container import container_file

    run = uuid.uuid4().hex[:8]
    topic, bucket = f"gen-avro-{run}", f"s3-gena-{run}"
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    admin.create_topics([NewTopic(topic, 1, 1)])[topic].result(30)
    s3 = boto3.client("s3", **aws_settings)
    s3.create_bucket(Bucket=bucket)
    schema = json.dumps({"type": "record", "name": "Order", "namespace": "shop", "fields": [
        {"name": "id", "type": "int"}, {"name": "item", "type": ["null", "string"], "default": None}]})
    rows = [{"id": i, "item": None if i % 2 else f"i{i}"} for i in range(5)]
    s3.put_object(Bucket=bucket, Key="exports/day=1/orders.avro",
                  Body=container_file(schema, parse_schema(schema), [{"id": r["id"], "item": (
                      (0, None) if r["item"] is None else (1, r["item"]))} for r in rows], codec="deflate"))
    source = f"generalized-a-{run}"
    config = {"connector.class": "io.confluent.connect.s3.source.S3SourceConnector", "tasks.max": "1",
              "s3.bucket.name": bucket, "store.url": aws_settings["endpoint_url"],
              "s3.region": aws_settings["region_name"], "aws.access.key.id": aws_settings["aws_access_key_id"],
              "aws.secret.access.key": aws_settings["aws_secret_access_key"],
              "format.class": "io.confluent.connect.s3.format.avro.AvroFormat",
              "value.converter": "org.apache.kafka.connect.json.JsonConverter",
              "value.converter.schemas.enable": "false",
              "mode": "GENERIC", "topics.dir": "exports", "topic.regex.list": f"{topic}:exports/.*\\.avro"}
    cluster.deploy(source, config, [{**config, "task.index": "0", "task.count": "1"}])
    runner = SourceRunner(cluster.worker, config_store=cluster.configs, offset_store=cluster.offsets,
                          status_store=cluster.statuses)
    assert _restore(runner, source, 5) == 5
    assert _values(_consume(kafka_bootstrap, topic, 5)) == rows
