"""S3 sink -> S3 source on LocalStack, both through the runtime: a topic archived and restored byte for byte
(keys, values and headers per partition, in order), and a restore stopped midway resumes without a gap or a
duplicate."""

from __future__ import annotations

import base64
import time
import uuid
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from confluent_kafka import Consumer, Producer
from confluent_kafka.admin import AdminClient, NewTopic

from connect_core.runtime.sink_runner import SinkRunner
from connect_core.runtime.source_runner import SourceRunner
from connect_core.storage.offset_store import OffsetStore

if TYPE_CHECKING:
    from tests.integration.runtime.conftest import Cluster

pytestmark = pytest.mark.integration

BYTES = "org.apache.kafka.connect.converters.ByteArrayConverter"
STRING = "org.apache.kafka.connect.storage.StringConverter"
JSON = "org.apache.kafka.connect.json.JsonConverter"
HOUR_MS = 3_600_000
PER_PARTITION = 30


def _value(kind: str, p: int, i: int) -> bytes:
    if kind == "bytearray":
        return bytes([p, i + 11, 0, 255]) + f"raw,{i}\t".encode()  # any bytes but the separator (\\n)
    if kind in ("avro", "parquet"):
        return _typed_value(p, i)
    return b'{"id":' + str(p * 100 + i).encode() + b',"tags":["a","b"],"price":' + str(i + 0.5).encode() + b"}"


def _typed_value(p: int, i: int) -> bytes:
    """A struct of many Connect types (logical ones too), as JsonConverter with schemas writes it."""
    import datetime
    import decimal

    from connect_core.api.logical import Date, Decimal, Timestamp
    from connect_core.api.schema import SchemaBuilder
    from connect_core.api.struct import Struct
    from connect_core.converters.json import JsonConverter

    schema = (SchemaBuilder.struct().name("shop.Order")
              .field("id", SchemaBuilder.int32().build())
              .field("name", SchemaBuilder.string().optional().build())
              .field("score", SchemaBuilder.float64().build())
              .field("ok", SchemaBuilder.boolean().build())
              .field("tags", SchemaBuilder.array(SchemaBuilder.string().build()).build())
              .field("attrs", SchemaBuilder.map(SchemaBuilder.string().build(), SchemaBuilder.int64().build()).build())
              .field("amount", Decimal.schema(2))
              .field("day", Date.schema())
              .field("at", Timestamp.builder().optional().build())
              .build())
    value = (Struct(schema).put("id", p * 100 + i).put("name", f"n{i}" if i % 3 else None).put("score", i / 4)
             .put("ok", i % 2 == 0).put("tags", ["a", str(i)]).put("attrs", {"x": i, "y": -i})
             .put("amount", decimal.Decimal(i * 137 - 500).scaleb(-2))
             .put("day", datetime.date(2024, 1, 1) + datetime.timedelta(days=i))
             .put("at", None if i % 5 == 0 else datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
                  + datetime.timedelta(milliseconds=i * 1001)))
    converter = JsonConverter()
    converter.configure({}, is_key=False)
    return converter.from_connect_data("orders", schema, value)


SCENARIOS: dict[str, dict[str, Any]] = {
    "bytearray": {"format": "ByteArrayFormat", "sink": {"key.converter": BYTES, "value.converter": BYTES,
                                                         "keys.format.class": "ByteArrayFormat"}},
    "json": {"format": "JsonFormat", "sink": {"key.converter": STRING, "value.converter": JSON,
                                               "value.converter.schemas.enable": "false"}},
    "avro": {"format": "AvroFormat", "sink": {"key.converter": STRING, "value.converter": JSON}},
    "parquet": {"format": "ParquetFormat", "sink": {"key.converter": STRING, "value.converter": JSON}},
    "hourly": {"format": "JsonFormat", "sink": {
        "key.converter": STRING, "value.converter": JSON, "value.converter.schemas.enable": "false",
        "partitioner.class": "io.confluent.connect.storage.partitioner.TimeBasedPartitioner",
        "partition.duration.ms": str(HOUR_MS), "path.format": "'hour'=YYYY-MM-dd-HH", "locale": "en",
        "timezone": "UTC", "timestamp.extractor": "Record"}},
}


def _produce(bootstrap: str, topic: str, kind: str) -> dict[int, list[tuple[Any, ...]]]:
    """Two partitions of keyed records with headers; timestamps cross an hour boundary midway."""
    producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True})
    start = 1_700_000_000_000 // HOUR_MS * HOUR_MS + HOUR_MS - 15 * 1000
    sent: dict[int, list[tuple[Any, ...]]] = {0: [], 1: []}
    for i in range(PER_PARTITION):
        for p in (0, 1):
            key, value = f"key-{p}-{i}".encode(), _value(kind, p, i)
            headers = [("trace", f"t-{p}-{i}".encode()), ("origin", b"archive-test")]
            producer.produce(topic, value=value, key=key, partition=p, headers=headers, timestamp=start + i * 1000)
            sent[p].append((key, value, headers))
    producer.flush(30)
    return sent


def _consume(bootstrap: str, topic: str, count: int) -> list[Any]:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"rt-{uuid.uuid4().hex}",
                         "auto.offset.reset": "earliest", "isolation.level": "read_committed",
                         "enable.auto.commit": False})
    consumer.subscribe([topic])
    out: list[Any] = []
    deadline = time.monotonic() + 30
    try:
        while len(out) < count and time.monotonic() < deadline:
            message = consumer.poll(0.5)
            if message is not None and not message.error():
                out.append(message)
        time.sleep(0.5)
        while (message := consumer.poll(0.5)) is not None:  # nothing beyond: no duplicates
            if not message.error():
                out.append(message)
    finally:
        consumer.close()
    return out


def _event(messages: list[Any]) -> dict[str, Any]:
    """The Lambda MSK event a mapping would deliver for ``messages``."""
    records: dict[str, list[dict[str, Any]]] = {}
    for m in messages:
        records.setdefault(f"{m.topic()}-{m.partition()}", []).append({
            "topic": m.topic(), "partition": m.partition(), "offset": m.offset(), "timestamp": m.timestamp()[1],
            "timestampType": "CREATE_TIME", "key": base64.b64encode(m.key()).decode(),
            "value": base64.b64encode(m.value()).decode(),
            "headers": [{name: list(value)} for name, value in m.headers() or []]})
    return {"eventSource": "aws:kafka", "eventSourceArn": "arn:aws:kafka:us-east-1:000000000000:cluster/c/1",
            "bootstrapServers": "127.0.0.1:9092", "records": records}


def _budget(ms: float = 60_000) -> Any:
    deadline = time.monotonic() * 1000 + ms
    return lambda: deadline - time.monotonic() * 1000


def _restore(runner: SourceRunner, source: str, expected: int) -> int:
    """Records restored by invocations run until ``expected`` came, then two more (nothing beyond may come). On a
    loaded machine an invocation may end early or find nothing (a slow poll), as the next scheduled one goes on."""
    total, runs, extra = 0, 0, 0
    while runs < 30 and (total < expected or extra < 2):
        extra += total >= expected
        total += runner.run(source, 0, _budget()).records
        runs += 1
    return total


def _by_partition(messages: list[Any]) -> dict[int, list[tuple[Any, ...]]]:
    out: dict[int, list[tuple[Any, ...]]] = {0: [], 1: []}
    for m in messages:
        out[m.partition()].append((m.key(), m.value(), m.headers()))
    return out


@pytest.mark.parametrize("kind", list(SCENARIOS))
def test_archive_and_restore_byte_for_byte_and_resume_after_a_stop(
    kind: str, cluster: Cluster, kafka_bootstrap: str, aws_settings: dict[str, str],
) -> None:
    scenario = SCENARIOS[kind]
    run = uuid.uuid4().hex[:8]
    original, restored, bucket = f"orig-{run}", f"restored-{run}", f"s3-src-{run}"
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    for future in admin.create_topics([NewTopic(original, 2, 1), NewTopic(restored, 2, 1)]).values():
        future.result(30)
    boto3.client("s3", **aws_settings).create_bucket(Bucket=bucket)
    store = {"s3.bucket.name": bucket, "store.url": aws_settings["endpoint_url"],
             "s3.region": aws_settings["region_name"], "aws.access.key.id": aws_settings["aws_access_key_id"],
             "aws.secret.access.key": aws_settings["aws_secret_access_key"], "topics.dir": "backup"}
    converters = {k: v for k, v in scenario["sink"].items() if "converter" in k}
    sent = _produce(kafka_bootstrap, original, kind)

    sink = f"archive-{run}"
    sink_config = {"connector.class": "io.confluent.connect.s3.S3SinkConnector", "topics": original,
                   "tasks.max": "1", "format.class": scenario["format"], "flush.size": "10",
                   "store.kafka.keys": "true", "store.kafka.headers": "true", **store, **scenario["sink"]}
    cluster.deploy(sink, sink_config, [{**sink_config}])
    runner = SinkRunner(cluster.worker, sink, config_store=cluster.configs, status_store=cluster.statuses)
    assert runner.handle(_event(_consume(kafka_bootstrap, original, 2 * PER_PARTITION))).response() == {}

    source = f"restore-{run}"
    source_config = {"connector.class": "io.confluent.connect.s3.source.S3SourceConnector", "tasks.max": "1",
                     "format.class": scenario["format"], "record.batch.max.size": "7",
                     "topic.regex.list": f"{restored}:orig-.*", **store, **converters}
    cluster.deploy(source, source_config, [{**source_config, "task.index": "0", "task.count": "1"}])
    first = SourceRunner(cluster.worker, config_store=cluster.configs, offset_store=cluster.offsets,
                         status_store=cluster.statuses, max_records=25)
    stopped = first.run(source, 0, _budget())  # polls of at most 7 records, none across a file: stops midway
    assert 25 <= stopped.records < 2 * PER_PARTITION
    assert any(entry["offset"]["eof"] == "false" for entry in stopped.offsets), stopped.offsets  # inside a file
    cold = SourceRunner(cluster.worker, config_store=cluster.configs,
                        offset_store=OffsetStore(cluster.worker.kafka, cluster.worker.storage),
                        status_store=cluster.statuses)
    rest = 2 * PER_PARTITION - stopped.records
    assert _restore(cold, source, rest) == rest  # every record once: invocations until all came, then two more

    assert _by_partition(_consume(kafka_bootstrap, restored, 2 * PER_PARTITION)) == sent
    cluster.statuses.refresh()
    assert cluster.statuses.task_status(source, 0).state.value == "RUNNING"
