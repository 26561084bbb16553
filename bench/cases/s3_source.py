"""Case 2e: S3 -> Kafka, restoring what the S3 sink archived, through ``SourceRunner`` versus the raw limit.

The archive is written once, outside both measurements: case 2's topic (JsonConverter with schemas) through our S3
sink (JsonFormat, ``flush.size`` = ``BENCH_BATCH``) into a LocalStack bucket. Ours: ``SourceRunner.run`` of the S3
source (``record.batch.max.size`` = ``BENCH_BATCH``, JsonConverter without schemas, records and offsets in one
transaction per round, status write) until every record is restored. Raw limit: ListObjectsV2, ``get_object`` of
every file, its lines produced as they are by a transactional confluent-kafka producer, one commit. The first record
of both topics is compared byte for byte.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bench import common, mapping, sink_data

if TYPE_CHECKING:
    from bench.common import Result, Sample, Settings

JSON = "org.apache.kafka.connect.json.JsonConverter"
ARCHIVE_DIR = "archive"


def raw_restore(client: Any, bucket: str, bootstrap: str, topic: str) -> int:
    """List the archive, read every value file, produce its lines in one transaction."""
    from confluent_kafka import Producer

    producer = Producer({"bootstrap.servers": bootstrap, "transactional.id": common.unique("raw-tx"),
                         "linger.ms": 5, "enable.idempotence": True})
    producer.init_transactions(60)
    producer.begin_transaction()
    count = 0
    keys = [item["Key"] for page in client.get_paginator("list_objects_v2").paginate(
        Bucket=bucket, Prefix=f"{ARCHIVE_DIR}/") for item in page.get("Contents", ())
        if item["Key"].endswith(".json") and "/_" not in item["Key"]]
    for key in sorted(keys):
        body = client.get_object(Bucket=bucket, Key=key)["Body"].read()
        for line in body.split(b"\n"):
            if line:
                producer.produce(topic, line)
                producer.poll(0)
                count += 1
    producer.commit_transaction(60)
    return count


def run(settings: Settings) -> list[Result]:
    """Archive case 2's topic once, then restore it ``settings.repeats`` times on each side."""
    import boto3

    from connect_core.runtime.source_runner import SourceRunner

    data = sink_data.SinkData.get(settings)
    aws = common.services("localstack")["localstack"]
    client = boto3.client("s3", **aws)
    bucket = common.unique("restore")
    client.create_bucket(Bucket=bucket)
    store = {"s3.bucket.name": bucket, "store.url": aws["endpoint_url"], "s3.region": aws["region_name"],
             "aws.access.key.id": aws["aws_access_key_id"], "aws.secret.access.key": aws["aws_secret_access_key"],
             "topics.dir": ARCHIVE_DIR, "format.class": "io.confluent.connect.s3.format.json.JsonFormat"}
    cluster = common.Cluster.create(data.bootstrap)
    topics: dict[str, str] = {}
    try:
        archived = sink_data.run_ours(cluster, common.unique("archive"), {
            "connector.class": "io.confluent.connect.s3.S3SinkConnector", "flush.size": str(settings.batch),
            **store}, data)
        if archived != data.records:
            raise RuntimeError(f"archived {archived} of {data.records} records")

        def ours(rep: int) -> Sample:
            name, topic = common.unique("s3src"), common.unique("restored")
            mapping.create_topic(data.bootstrap, topic)
            topics.setdefault("ours", topic)
            config = {"connector.class": "io.confluent.connect.s3.source.S3SourceConnector", "tasks.max": "1",
                      "record.batch.max.size": str(settings.batch), "topic.regex.list": f"{topic}:.*",
                      "key.converter": JSON, "value.converter": JSON, "value.converter.schemas.enable": "false",
                      **store}
            cluster.deploy(name, config, config | {"task.index": "0", "task.count": "1"})
            runner = SourceRunner(cluster.worker, config_store=cluster.configs, status_store=cluster.statuses)
            try:
                sample = common.measure(lambda: runner.run(name, 0, common.budget()).records)
            finally:
                runner.close()
            if sample.records != data.records:
                raise RuntimeError(f"restored {sample.records} of {data.records} records")
            return sample

        def raw(rep: int) -> Sample:
            topic = common.unique("raw-restored")
            mapping.create_topic(data.bootstrap, topic)
            topics.setdefault("raw", topic)
            return common.measure(lambda: raw_restore(client, bucket, data.bootstrap, topic))

        mine, theirs = common.interleave(settings.repeats, ours, raw)
    finally:
        cluster.close()
    same = mapping.first_value(data.bootstrap, topics["ours"]) == mapping.first_value(
        data.bootstrap, topics["raw"])
    return [common.throughput_result("2e s3 -> kafka restore (localstack)",
                                     "boto3 list + get_object + confluent-kafka (transactional)", mine, theirs,
                                     same_bytes_as_baseline=same, batch=settings.batch)]
