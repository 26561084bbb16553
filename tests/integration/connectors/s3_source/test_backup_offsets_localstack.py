"""The S3 source's backup-and-restore offsets have the shape of Confluent's, and a restore stopped under our earlier
shape resumes after an upgrade with no record twice and none missing (LocalStack, both through the runtime).

Confluent's backup-and-restore S3 source (``io.confluent.connect.s3.source``, its tasks built on the shared
``io.confluent.connect.cloud.storage.source.AbstractCloudStorageSourceTask``) keys an offset by a *folder*,
``StorageObjectSourceReader.buildSourcePartition(folder)`` = ``{"folder": folder}``, and writes every offset value as
a string (``buildSourceOffset``: ``String.valueOf`` of the records read and of ``eof``); with the DefaultPartitioner
the folder is a Kafka partition's directory (its ``DefaultPartitioner.calculatePartitions``: the common prefixes two
levels under ``topics.dir``). A published ``_connect-offsets`` record of that connector reads
``["s3SourceConnector",{"folder":"topics/s3TestTopicAvro/partition=0/"}]={"lastFileRead":"topics/s3TestTopicAvro/
partition=0/s3TestTopicAvro+0+0000000096.avro","fileOffset":"3","eof":"true"}``. Ours before was
``{"topic", "partition"}`` -> ``{"lastFileRead", "fileOffset": <int>, "eof": <bool>}``."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from confluent_kafka.admin import AdminClient, NewTopic

from connect_core.runtime.sink_runner import SinkRunner
from connect_core.runtime.source_runner import SourceRunner
from connect_core.storage.offset_store import OffsetStore
from tests.integration.connectors.s3_source.test_round_trip_localstack import (
    PER_PARTITION,
    SCENARIOS,
    _budget,
    _by_partition,
    _consume,
    _event,
    _produce,
    _restore,
)

if TYPE_CHECKING:
    from tests.integration.runtime.conftest import Cluster

pytestmark = pytest.mark.integration


def _earlier_shape(offsets: list[tuple[dict[str, Any], dict[str, Any] | None]], topic: str
                   ) -> list[tuple[dict[str, Any], dict[str, Any] | None]]:
    """What our earlier version committed for the same records: each folder's offset removed and written again under
    ``{topic, partition}`` with an int ``fileOffset`` and a bool ``eof``."""
    out: list[tuple[dict[str, Any], dict[str, Any] | None]] = []
    for partition, offset in offsets:
        assert offset is not None
        kafka_partition = int(partition["folder"].rstrip("/").rpartition("partition=")[2])
        out.append((partition, None))
        out.append(({"topic": topic, "partition": kafka_partition},
                    {"lastFileRead": offset["lastFileRead"], "fileOffset": int(offset["fileOffset"]),
                     "eof": offset["eof"] == "true"}))
    return out


@pytest.mark.parametrize("kind", ["json", "hourly"])
def test_offsets_are_confluents_folder_and_strings_and_an_earlier_shape_resumes_without_a_gap_or_a_duplicate(
    kind: str, cluster: Cluster, kafka_bootstrap: str, aws_settings: dict[str, str],
) -> None:
    scenario = SCENARIOS[kind]
    run = uuid.uuid4().hex[:8]
    original, restored, bucket = f"orig-up-{run}", f"restored-up-{run}", f"s3-up-{run}"
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    for future in admin.create_topics([NewTopic(original, 2, 1), NewTopic(restored, 2, 1)]).values():
        future.result(30)
    boto3.client("s3", **aws_settings).create_bucket(Bucket=bucket)
    store = {"s3.bucket.name": bucket, "store.url": aws_settings["endpoint_url"],
             "s3.region": aws_settings["region_name"], "aws.access.key.id": aws_settings["aws_access_key_id"],
             "aws.secret.access.key": aws_settings["aws_secret_access_key"], "topics.dir": "backup"}
    converters = {k: v for k, v in scenario["sink"].items() if "converter" in k}
    sent = _produce(kafka_bootstrap, original, kind)
    sink = f"archive-up-{run}"
    sink_config = {"connector.class": "io.confluent.connect.s3.S3SinkConnector", "topics": original,
                   "tasks.max": "1", "format.class": scenario["format"], "flush.size": "10",
                   "store.kafka.keys": "true", "store.kafka.headers": "true", **store, **scenario["sink"]}
    cluster.deploy(sink, sink_config, [{**sink_config}])
    runner = SinkRunner(cluster.worker, sink, config_store=cluster.configs, status_store=cluster.statuses)
    assert runner.handle(_event(_consume(kafka_bootstrap, original, 2 * PER_PARTITION))).response() == {}

    source = f"restore-up-{run}"
    source_config = {"connector.class": "io.confluent.connect.s3.source.S3SourceConnector", "tasks.max": "1",
                     "format.class": scenario["format"], "record.batch.max.size": "7",
                     "topic.regex.list": f"{restored}:orig-up-.*", **store, **converters}
    cluster.deploy(source, source_config, [{**source_config, "task.index": "0", "task.count": "1"}])
    first = SourceRunner(cluster.worker, config_store=cluster.configs, offset_store=cluster.offsets,
                         status_store=cluster.statuses, max_records=25)
    stopped = first.run(source, 0, _budget())  # stops midway, inside a file
    assert 25 <= stopped.records < 2 * PER_PARTITION

    committed = OffsetStore(cluster.worker.kafka, cluster.worker.storage).offsets(source)
    folders = {f"backup/{original}/partition={p}/" for p in (0, 1)}
    assert {p["folder"] for p, _ in committed} <= folders and all(set(p) == {"folder"} for p, _ in committed)
    for partition, offset in committed:
        assert offset is not None and set(offset) == {"lastFileRead", "fileOffset", "eof"}
        assert all(isinstance(v, str) for v in offset.values()) and offset["eof"] in ("true", "false"), offset
        assert offset["lastFileRead"].startswith(f"backup/{original}/") and int(offset["fileOffset"]) > 0
        if kind == "json":  # the DefaultPartitioner: the file lies in the folder, as in Confluent's dump
            assert offset["lastFileRead"].startswith(partition["folder"]), offset
    assert any(offset and offset["eof"] == "false" for _, offset in committed), committed

    earlier = OffsetStore(cluster.worker.kafka, cluster.worker.storage)
    earlier.write(source, _earlier_shape(committed, original))  # the store as our earlier version left it
    assert all(set(p) == {"topic", "partition"} for p, _ in earlier.offsets(source)), earlier.offsets(source)

    upgraded = SourceRunner(cluster.worker, config_store=cluster.configs,
                            offset_store=OffsetStore(cluster.worker.kafka, cluster.worker.storage),
                            status_store=cluster.statuses)
    rest = 2 * PER_PARTITION - stopped.records
    assert _restore(upgraded, source, rest) == rest  # nothing re-delivered, nothing skipped
    assert _by_partition(_consume(kafka_bootstrap, restored, 2 * PER_PARTITION)) == sent

    final = {tuple(p.items()): o for p, o in OffsetStore(cluster.worker.kafka, cluster.worker.storage)
             .offsets(source) if "folder" in p}
    assert set(final) == {(("folder", f),) for f in folders}
    assert all(o is not None and o["eof"] == "true" for o in final.values()), final
