"""Exactly once against real S3 semantics (LocalStack): fault-injected replays, cold and warm tasks, bisection."""

from __future__ import annotations

import random
import uuid
from typing import Any

import boto3
import pytest

from tests.unit.connectors.s3._replay import (
    Replay,
    assert_exactly_once,
    assert_value_files_written_once,
    count_remembered_heads,
    make_stream,
    read_back,
    read_staged,
    scenario_configs,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def bucket(aws_settings: dict[str, str]) -> tuple[Any, str]:
    client = boto3.client("s3", **aws_settings)
    name = f"s3-sink-eo-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=name)
    return client, name


def _endpoint(aws_settings: dict[str, str]) -> dict[str, str]:
    return {"store.url": aws_settings["endpoint_url"], "s3.region": aws_settings["region_name"],
            "aws.access.key.id": aws_settings["aws_access_key_id"],
            "aws.secret.access.key": aws_settings["aws_secret_access_key"]}


@pytest.mark.parametrize("scenario", ["default", "field", "hourly", "scheduled"])
@pytest.mark.parametrize("seed", [3, 97])  # more seeds against moto: tests/unit/connectors/s3/test_exactly_once.py
def test_fault_injected_replay_is_exactly_once(aws_settings: dict[str, str], bucket: tuple[Any, str], seed: int,
                                               scenario: str) -> None:
    client, name = bucket
    config = scenario_configs(name, _endpoint(aws_settings))[scenario]
    rng = random.Random(seed)
    stream = make_stream(rng, partitions=3, length=200)
    replay = Replay(client, config, rng, stream, max_batch=40)
    replay.run()
    assert replay.failures > 10
    assert_value_files_written_once(replay.writes)
    assert_exactly_once(read_back(client, name, f"{config['topics.dir']}/orders/"),
                        read_staged(client, name, config["topics.dir"], stream), stream, config)


@pytest.mark.parametrize("scenario", ["default", "scheduled"])
def test_warm_instances_that_remember_their_head_are_exactly_once(aws_settings: dict[str, str],
                                                                  bucket: tuple[Any, str], scenario: str,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Small batches over three warm containers and zombies: remembered heads used, stale ones read again (with
    scheduled rotation every batch reads its head)."""
    calls = count_remembered_heads(monkeypatch)
    client, name = bucket
    config = scenario_configs(name, _endpoint(aws_settings))[scenario]
    # seeds whose runs have zombies (the faults are drawn per request, so requests in flight draw the same ones)
    rng = random.Random({"default": 8, "scheduled": 5}[scenario])
    stream = make_stream(rng, partitions=2, length=300)
    replay = Replay(client, config, rng, stream, fault_rate=0.1, max_batch=20)
    replay.run()
    assert replay.zombies >= 3
    if "rotate.schedule.interval.ms" in config:  # an idle tick elsewhere may move the head on: always read
        assert calls["head"] == calls["read"]
    else:
        assert calls["head"] - calls["read"] >= 5  # heads remembered and used
    assert_value_files_written_once(replay.writes)
    assert_exactly_once(read_back(client, name, f"{config['topics.dir']}/orders/"),
                        read_staged(client, name, config["topics.dir"], stream), stream, config)


def test_task_built_from_config_alone_writes_to_localstack(aws_settings: dict[str, str],
                                                           bucket: tuple[Any, str]) -> None:
    """No injected client: the task makes its own boto3 client from store.url and the static keys."""
    from connect_core.connectors.s3.sink_task import S3SinkTask

    client, name = bucket
    config = scenario_configs(name, _endpoint(aws_settings))["default"]
    stream = make_stream(random.Random(1), partitions=1, length=40)
    task = S3SinkTask()
    task.start(config)
    task.put(stream[0])
    task.flush({})
    files = read_back(client, name, "default/orders/partition=0/")
    assert all(key.startswith("default/orders/partition=0/orders+0+") for key in files)
    assert [len(rows) for rows in files.values()] == [25]  # 40 records: one full file, 15 staged
    assert_exactly_once(files, read_staged(client, name, "default", stream), stream, config)


def test_takes_over_a_prefix_written_by_confluents_sink(aws_settings: dict[str, str],
                                                        bucket: tuple[Any, str]) -> None:
    """Confluent's files carry no end-offset metadata: the sink resumes after the start offset of the newest one
    (Confluent's committed offset is above its files) instead of failing forever."""
    from connect_core.api.record import SinkRecord
    from connect_core.connectors.s3.sink_task import S3SinkTask

    client, name = bucket
    config = scenario_configs(name, _endpoint(aws_settings))["default"] | {"flush.size": "10"}
    prefix = "default/orders/partition=0/"
    confluent = {f"{prefix}orders+0+{start:010d}.json": "".join(f'{{"o":{o}}}\n' for o in range(start, start + 10))
                 for start in (0, 10)} | {f"{prefix}orders+0+0000000020.json": '{"o":20}\n{"o":21}\n'}
    for key, body in confluent.items():  # what Confluent wrote before committing offset 22
        client.put_object(Bucket=name, Key=key, Body=body.encode())
    for batch in (range(22, 27), range(22, 35)):  # from Confluent's committed offset; then a retry of it
        task = S3SinkTask()
        task.start(config)
        task.put([SinkRecord("orders", 0, None, f"k{o}", None, {"p": 0, "o": o}, o) for o in batch])
        task.flush({})

    files = read_back(client, name, prefix)
    assert {key: rows for key, rows in files.items() if key in confluent} == {
        key: [{"o": int(line[5:-1])} for line in body.splitlines()] for key, body in confluent.items()}
    ours = {key: [row["o"] for row in rows] for key, rows in files.items() if key not in confluent}
    assert ours == {f"{prefix}orders+0+0000000022.json": list(range(22, 32))}  # flush.size records after its files
    assert read_staged(client, name, "default", [0]) == {0: [32, 33, 34]}


def test_localstack_refuses_stale_head_swaps_and_second_writes(aws_settings: dict[str, str],
                                                               bucket: tuple[Any, str]) -> None:
    """The two conditional writes the design rests on, against LocalStack: If-Match with a stale ETag and
    If-None-Match on an existing key both fail with 412, and nothing is replaced."""
    from connect_core.api.config import parse_config
    from connect_core.connectors.s3._storage import FileExistsRetriableError, S3Storage
    from connect_core.connectors.s3.config import S3SinkConfig

    client, name = bucket
    storage = S3Storage(parse_config(S3SinkConfig, scenario_configs(name, _endpoint(aws_settings))["default"]))
    first = storage.put("stage/head", b"v1", exclusive=True, plain=True)
    with pytest.raises(FileExistsRetriableError):
        storage.put("stage/head", b"v1 again", exclusive=True, plain=True)
    second = storage.put("stage/head", b"v2", exclusive=False, if_match=first, plain=True)
    with pytest.raises(FileExistsRetriableError):  # a zombie still holding the first ETag
        storage.put("stage/head", b"zombie", exclusive=False, if_match=first, plain=True)
    assert storage.get("stage/head") == (b"v2", second)
    with pytest.raises(FileExistsRetriableError):  # replaced and deleted meanwhile
        storage.put("stage/gone", b"x", exclusive=False, if_match=first, plain=True)


def test_puts_after_the_first_go_direct_and_store_what_boto3_stores(aws_settings: dict[str, str],
                                                                    bucket: tuple[Any, str]) -> None:
    """``S3Storage.put`` sends a bucket's PUTs after its first one itself (``_direct_put``), at the URL and signing
    scope boto3's first PUT used: keys that need quoting, metadata, tags and the conditional headers arrive as
    boto3 sends them, the ETag is the object's, and an answer it does not handle (no such bucket) goes through
    boto3 and its error."""
    from connect_core.api.config import parse_config
    from connect_core.api.errors import ConnectError
    from connect_core.connectors.s3._storage import FileExistsRetriableError, S3Storage
    from connect_core.connectors.s3.config import S3SinkConfig

    client, name = bucket
    storage = S3Storage(parse_config(S3SinkConfig, scenario_configs(name, _endpoint(aws_settings))["default"]))
    sent: list[str] = []

    def count(**kwargs: Any) -> None:
        sent.append(kwargs["event_name"])

    storage.client.meta.events.register("before-call.s3.PutObject", count)
    try:
        storage.put("first", b"by boto3", exclusive=True)
        keys = ["topics/orders/partition=0/orders+0+0000000007.json", "a key/with spaces/é€/x=1&y?#.json",
                "trailing~tilde/+plus+"]
        for key in keys:
            etag = storage.put(key, key.encode(), {"end-offset": "7", "record-count": "3"}, exclusive=True,
                               tags={"startOffset": "5", "endOffset": "7"})
            head = client.head_object(Bucket=name, Key=key)
            assert (head["ETag"], head["Metadata"]) == (etag, {"end-offset": "7", "record-count": "3"})
            assert client.get_object(Bucket=name, Key=key)["Body"].read() == key.encode()
            tags = client.get_object_tagging(Bucket=name, Key=key)["TagSet"]
            assert {t["Key"]: t["Value"] for t in tags} == {"startOffset": "5", "endOffset": "7"}
            assert storage.end_offset(key) == 7
            with pytest.raises(FileExistsRetriableError):
                storage.put(key, b"again", exclusive=True)
            with pytest.raises(FileExistsRetriableError):
                storage.put(key, b"stale", exclusive=False, if_match='"0"')
            replaced = storage.put(key, b"swapped", exclusive=False, if_match=etag)
            assert storage.get(key) == (b"swapped", replaced)
        assert sent == ["before-call.s3.PutObject"]  # only the first went through boto3

        for key in [o["Key"] for o in client.list_objects_v2(Bucket=name)["Contents"]]:
            client.delete_object(Bucket=name, Key=key)
        client.delete_bucket(Bucket=name)
        with pytest.raises(ConnectError, match="NoSuchBucket"):
            storage.put("after", b"x", exclusive=True)
        assert sent[1:] == ["before-call.s3.PutObject"]  # the 404 was answered through boto3
    finally:
        storage.client.meta.events.unregister("before-call.s3.PutObject", count)


def test_a_botocore_without_what_the_direct_put_uses_leaves_the_puts_to_boto3(
        aws_settings: dict[str, str], bucket: tuple[Any, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """The direct PUT reads two private botocore attributes (the client's credentials and HTTP session): without
    them every PUT goes through boto3, and still lands."""
    from connect_core.api.config import parse_config
    from connect_core.connectors.s3._storage import S3Storage
    from connect_core.connectors.s3.config import S3SinkConfig

    client, name = bucket
    storage = S3Storage(parse_config(S3SinkConfig, scenario_configs(name, _endpoint(aws_settings))["default"]))
    storage.put("first", b"1", exclusive=True)
    from botocore.client import BaseClient

    monkeypatch.delattr(BaseClient, "_get_credentials")
    sent: list[str] = []

    def count(**kwargs: Any) -> None:
        sent.append(kwargs["event_name"])

    storage.client.meta.events.register("before-call.s3.PutObject", count)
    try:
        etag = storage.put("second", b"2", exclusive=True)
    finally:
        storage.client.meta.events.unregister("before-call.s3.PutObject", count)
    assert sent == ["before-call.s3.PutObject"]
    assert client.head_object(Bucket=name, Key="second")["ETag"] == etag
