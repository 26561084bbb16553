"""S3 sink killed between the PUTs of a file, S3 source listing in between, on LocalStack through the runtime: the
restore holds nothing of the half-written file (no tombstones), restores it once the sink's retry finished it, and
ends byte for byte the topic that was archived. Readers of ``topics.dir`` see only the files all along: the
staging area sits outside it (``lambda.connect.staging.dir``), also after the crash and the recovery."""

from __future__ import annotations

import json
import re
import subprocess
import sys
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
    _by_partition,
    _consume,
    _event,
    _produce,
    _restore,
)

if TYPE_CHECKING:
    from tests.integration.runtime.conftest import Cluster

pytestmark = pytest.mark.integration

TOPICS_DIR = "backup"
FILE = re.compile(r"^backup/orig-\w+/[^/]+/orig-\w+\+[01]\+\d{10}(\.keys|\.headers)?\.(bin|json)$")

# One sink invocation in its own process, SIGKILLed right before it writes its first value object (after that
# file's .keys and .headers objects): a Lambda environment dying on a timeout, no finally, no flush.
CHILD = """
import json, os, signal, sys
from connect_core.connectors.s3._storage import S3Storage
from connect_core.kafka.settings import KafkaClientSettings
from connect_core.runtime.sink_runner import SinkRunner
from connect_core.runtime.worker import WorkerSettings
from connect_core.storage.config import StorageConfig

args = json.load(sys.stdin)
put = S3Storage.put

def dies_before_a_value_object(self, key, *rest, **kwargs):
    if key.startswith(args["topics_dir"] + "/") and ".keys." not in key and ".headers." not in key:
        os.kill(os.getpid(), signal.SIGKILL)
    return put(self, key, *rest, **kwargs)

S3Storage.put = dies_before_a_value_object
prefix = args["prefix"]
storage = StorageConfig(config_storage_topic=f"{prefix}-configs", offset_storage_topic=f"{prefix}-offsets",
                        status_storage_topic=f"{prefix}-status", offset_storage_partitions=5,
                        status_storage_partitions=2)
worker = WorkerSettings(KafkaClientSettings(bootstrap_servers=args["bootstrap"]), storage, group_id=prefix)
SinkRunner(worker, args["connector"]).handle(args["event"])
sys.exit(3)  # never reached: the first value object kills the process
"""


def _topics_dir_and_staging(client: Any, bucket: str) -> tuple[list[str], list[str]]:
    keys = [o["Key"] for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
            for o in page.get("Contents", ())]
    return sorted(k for k in keys if k.startswith(f"{TOPICS_DIR}/")), sorted(
        k for k in keys if not k.startswith(f"{TOPICS_DIR}/"))


@pytest.mark.parametrize("kind", ["bytearray", "hourly"])
def test_a_sink_killed_between_its_puts_leaves_nothing_the_restore_emits_until_its_retry_finished_the_file(
    kind: str, cluster: Cluster, kafka_bootstrap: str, aws_settings: dict[str, str],
) -> None:
    scenario = SCENARIOS[kind]
    run = uuid.uuid4().hex[:8]
    original, restored, bucket = f"orig-{run}", f"restored-{run}", f"s3-half-{run}"
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    for future in admin.create_topics([NewTopic(original, 2, 1), NewTopic(restored, 2, 1)]).values():
        future.result(30)
    s3 = boto3.client("s3", **aws_settings)
    s3.create_bucket(Bucket=bucket)
    store = {"s3.bucket.name": bucket, "store.url": aws_settings["endpoint_url"],
             "s3.region": aws_settings["region_name"], "aws.access.key.id": aws_settings["aws_access_key_id"],
             "aws.secret.access.key": aws_settings["aws_secret_access_key"], "topics.dir": TOPICS_DIR}
    sent = _produce(kafka_bootstrap, original, kind)
    messages = _consume(kafka_bootstrap, original, 2 * PER_PARTITION)
    first = [m for m in messages if m.offset() < 12]  # files at 0 closed, 10 and 11 staged
    rest = [m for m in messages if m.offset() >= 12]  # closes the files at 10 (two of them when hourly) and 20

    sink = f"archive-{run}"
    sink_config = {"connector.class": "io.confluent.connect.s3.S3SinkConnector", "topics": original,
                   "tasks.max": "1", "format.class": scenario["format"], "flush.size": "10",
                   "store.kafka.keys": "true", "store.kafka.headers": "true", **store, **scenario["sink"]}
    cluster.deploy(sink, sink_config, [{**sink_config}])
    sink_runner = SinkRunner(cluster.worker, sink, config_store=cluster.configs, status_store=cluster.statuses)
    assert sink_runner.handle(_event(first)).response() == {}
    files, staging = _topics_dir_and_staging(s3, bucket)
    assert len(files) == 2 * 3 and all(FILE.match(k) for k in files), files  # value, keys, headers per partition
    assert staging and all(k.startswith(f"_lambda-connect+staging/{TOPICS_DIR}/{original}+") for k in staging)

    child = subprocess.run(  # this interpreter, the script above
        [sys.executable, "-c", CHILD], input=json.dumps({
            "bootstrap": kafka_bootstrap, "prefix": cluster.worker.group_id, "connector": sink,
            "topics_dir": TOPICS_DIR, "event": _event(rest)}),
        capture_output=True, text=True, timeout=120, check=False)
    assert child.returncode == -9, child.stderr[-3000:]
    files, staging = _topics_dir_and_staging(s3, bucket)
    half = [k for k in files if re.search(r"\+00000000(10|15)\.", k)]
    assert half and all(".keys." in k or ".headers." in k for k in half), half  # keys and headers, no value
    assert all(FILE.match(k) for k in files), files

    source = f"restore-{run}"
    converters = {k: v for k, v in scenario["sink"].items() if "converter" in k}
    source_config = {"connector.class": "io.confluent.connect.s3.source.S3SourceConnector", "tasks.max": "1",
                     "format.class": scenario["format"], "s3.poll.interval.ms": "0",
                     "topic.regex.list": f"{restored}:orig-.*", **store, **converters}
    cluster.deploy(source, source_config, [{**source_config, "task.index": "0", "task.count": "1"}])
    source_runner = SourceRunner(cluster.worker, config_store=cluster.configs, offset_store=cluster.offsets,
                                 status_store=cluster.statuses)
    assert _restore(source_runner, source, 2 * 10) == 2 * 10  # the files at 0, nothing of 10

    retry = SinkRunner(cluster.worker, sink, config_store=cluster.configs, status_store=cluster.statuses)
    assert retry.handle(_event(rest)).response() == {}  # the mapping's retry of the killed batch, a cold container
    files, staging = _topics_dir_and_staging(s3, bucket)
    assert all(FILE.match(k) for k in files), files
    values = [k for k in files if ".keys." not in k and ".headers." not in k]
    assert len(files) == 3 * len(values), files  # every file whole: value, keys, headers
    assert [k for k in staging if "/head" not in k] == []  # every round closed, its segments deleted

    assert _restore(source_runner, source, 2 * PER_PARTITION - 2 * 10) == 2 * PER_PARTITION - 2 * 10  # warm: the rest
    cold = SourceRunner(cluster.worker, config_store=cluster.configs,
                        offset_store=OffsetStore(cluster.worker.kafka, cluster.worker.storage),
                        status_store=cluster.statuses)
    assert _restore(cold, source, 0) == 0  # a cold start after it all: nothing twice
    assert _by_partition(_consume(kafka_bootstrap, restored, 2 * PER_PARTITION)) == sent
