"""S3 requests in flight beside the encoding, against LocalStack behind a slow proxy that records every request.

Overlap is judged by what the proxy recorded (two requests in flight at once; each partition's requests one at a
time, in the order the exactly-once layout needs), never by a timing threshold.
"""

from __future__ import annotations

import json
import urllib.parse
import uuid
from typing import TYPE_CHECKING, Any

import boto3
import pytest

from connect_core.api import RetriableError, SinkRecord
from connect_core.connectors.s3.sink_task import S3SinkTask
from tests.integration.connectors._slow_proxy import SlowProxy, slow_proxy

if TYPE_CHECKING:
    from collections.abc import Iterator

pytestmark = pytest.mark.integration

DELAY_S = 0.2
TOPIC = "orders"


@pytest.fixture
def bucket(aws_settings: dict[str, str]) -> tuple[Any, str]:
    client = boto3.client("s3", **aws_settings)
    name = f"s3-sink-overlap-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=name)
    return client, name


@pytest.fixture
def proxy(aws_settings: dict[str, str]) -> Iterator[SlowProxy]:
    for started in slow_proxy(aws_settings["endpoint_url"], DELAY_S):
        started.slow = lambda method, path: method == "PUT"
        yield started


def _task(aws_settings: dict[str, str], proxy: SlowProxy, name: str, **props: str) -> S3SinkTask:
    task = S3SinkTask()
    task.start({"s3.bucket.name": name, "format.class": "io.confluent.connect.s3.format.json.JsonFormat",
                "flush.size": "10", "store.kafka.keys": "true", "store.url": proxy.url,
                "s3.region": aws_settings["region_name"], "aws.access.key.id": aws_settings["aws_access_key_id"],
                "aws.secret.access.key": aws_settings["aws_secret_access_key"], **props})
    return task


def _records(partitions: int, count: int) -> list[SinkRecord]:
    return [SinkRecord(TOPIC, p, None, f"k{o}", None, {"p": p, "o": o}, o) for p in range(partitions)
            for o in range(count)]


def _files(client: Any, name: str) -> dict[str, list[dict[str, Any]]]:
    listed = client.list_objects_v2(Bucket=name, Prefix=f"topics/{TOPIC}/").get("Contents", [])
    return {o["Key"]: [json.loads(line) for line in
                       client.get_object(Bucket=name, Key=o["Key"])["Body"].read().decode().splitlines()]
            for o in listed if ".keys." not in o["Key"]}


def _partition_requests(proxy: SlowProxy, partition: int) -> list[tuple[str, str, str]]:
    """The writes of one partition (its files and its staging objects), as the proxy saw them start and end."""
    marks = (f"/partition={partition}/", f"/{TOPIC}+{partition}/")
    events = [(kind, method, urllib.parse.unquote(path)) for kind, method, path in proxy.events]
    return [e for e in events if e[1] in ("PUT", "DELETE", "POST") and any(m in e[2] for m in marks)]


def test_partitions_are_written_side_by_side_and_each_in_order(aws_settings: dict[str, str], proxy: SlowProxy,
                                                               bucket: tuple[Any, str]) -> None:
    client, name = bucket
    task = _task(aws_settings, proxy, name)
    try:
        task.put(_records(3, 25))  # per partition: two files of ten (a keys and a value object each), five staged
        assert task.pre_commit({}) == {}
        assert proxy.in_flight == 0  # every request was answered before pre_commit returned
    finally:
        task.stop()
    assert proxy.most_in_flight >= 2  # two partitions' requests were in flight at once
    assert task.network_wait_seconds > 0
    files = _files(client, name)
    assert sorted(files) == [f"topics/{TOPIC}/partition={p}/{TOPIC}+{p}+{s:010d}.json" for p in range(3)
                             for s in (0, 10)]
    for p in range(3):
        events = _partition_requests(proxy, p)
        # one request at a time: every start is followed by its own end
        assert [kind for kind, _, _ in events] == ["start", "end"] * (len(events) // 2)
        puts = [path for kind, method, path in events if kind == "start" and method == "PUT"]
        file_puts = [path.rsplit("/", 1)[1] for path in puts if "/partition=" in path]
        # keys before value, file by file in offset order; the value object of a file last
        assert file_puts == [f"{TOPIC}+{p}+{s:010d}.{view}json" for s in (0, 10) for view in ("keys.", "")]
        staged = [i for i, path in enumerate(puts) if f"/{TOPIC}+{p}/" in path]
        assert puts[staged[-1]].endswith("/head")  # the head is swapped after every file and segment
        assert staged[-1] == len(puts) - 1


def test_one_request_at_a_time_when_configured(aws_settings: dict[str, str], proxy: SlowProxy,
                                               bucket: tuple[Any, str]) -> None:
    client, name = bucket
    task = _task(aws_settings, proxy, name, **{"lambda.connect.max.in.flight.requests": "1"})
    try:
        task.put(_records(2, 10))
        task.flush({})
    finally:
        task.stop()
    assert proxy.most_in_flight == 1
    assert len(_files(client, name)) == 2


def test_a_failed_put_in_flight_fails_the_flush_and_swaps_no_head_of_its_partition(
        aws_settings: dict[str, str], proxy: SlowProxy, bucket: tuple[Any, str]) -> None:
    client, name = bucket
    failing = f"/partition=1/{TOPIC}+1+0000000010.json"
    error = b"<Error><Code>InternalError</Code><Message>injected</Message></Error>"
    proxy.fail = lambda method, path: (500, error) if method == "PUT" and urllib.parse.unquote(path).endswith(
        failing) else None
    task = _task(aws_settings, proxy, name)
    try:
        task.put(_records(3, 25))
        with pytest.raises(RetriableError):
            task.pre_commit({})
        assert proxy.in_flight == 0  # nothing still writing once the failure is raised
        head = json.loads(client.get_object(Bucket=name, Key=f"_lambda-connect+staging/topics/{TOPIC}+1/head")[
            "Body"].read())
        assert head["last"] == -1  # partition 1's head never moved past the failed file
        assert f"topics/{TOPIC}/partition=1/{TOPIC}+1+0000000010.json" not in _files(client, name)
        # the retry (the batch comes again) writes it, and the other partitions' files are not written twice
        proxy.fail = lambda method, path: None
        task.put(_records(3, 25))
        task.flush({})
    finally:
        task.stop()
    assert len(_files(client, name)) == 6
    assert proxy.most_in_flight >= 2
