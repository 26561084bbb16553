"""The staging area lives outside ``topics.dir`` (``lambda.connect.staging.dir``): readers of the topics directory
see only the files, as Confluent's sink leaves them; a head left inside ``topics.dir`` by an older sink is moved out;
every object of a file lists the file's parts (``x-amz-meta-parts``) so a reader knows when the file is complete."""

from __future__ import annotations

from typing import Any

import pytest

from connect_core.api.config import parse_config
from connect_core.api.errors import ConfigError
from connect_core.api.record import SinkRecord
from connect_core.connectors.s3.config import S3SinkConfig
from connect_core.connectors.s3.sink_task import S3SinkTask
from tests.unit.connectors.s3.conftest import BUCKET

BASE = {"s3.bucket.name": BUCKET, "format.class": "io.confluent.connect.s3.format.json.JsonFormat",
        "flush.size": "3"}


def _records(offsets: range) -> list[SinkRecord]:
    return [SinkRecord("orders", 0, None, f"k{o}", None, {"o": o}, o, timestamp=1_714_605_000_000) for o in offsets]


def _run(s3: Any, records: list[SinkRecord], **extra: str) -> None:
    task = S3SinkTask(s3_client=s3)
    task.start(BASE | extra)
    task.put(records)
    task.flush({})


def _keys(s3: Any, prefix: str = "") -> list[str]:
    return sorted(o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", []))


def test_the_topics_dir_holds_only_the_files_while_records_wait_in_staging(s3: Any) -> None:
    _run(s3, _records(range(5)))  # offsets 3 and 4 wait for a third record

    assert _keys(s3, "topics/") == ["topics/orders/partition=0/orders+0+0000000000.json"]
    assert _keys(s3, "_lambda-connect+staging/") == [
        "_lambda-connect+staging/topics/orders+0/00000000000000000003/00000000000000000003-00000000000000000004",
        "_lambda-connect+staging/topics/orders+0/head"]


def test_lambda_connect_staging_dir_moves_the_staging_area(s3: Any) -> None:
    _run(s3, _records(range(4)), **{"lambda.connect.staging.dir": "work/staging", "topics.dir": "data/topics"})

    assert _keys(s3, "data/") == ["data/topics/orders/partition=0/orders+0+0000000000.json"]
    assert _keys(s3, "work/staging/data/topics/orders+0/")[-1] == "work/staging/data/topics/orders+0/head"


@pytest.mark.parametrize("staging", ["topics", "topics/_staging", "/topics/x/", ""])
def test_a_staging_dir_inside_topics_dir_is_refused_naming_the_key(staging: str) -> None:
    with pytest.raises(ConfigError, match=r"lambda\.connect\.staging\.dir"):
        parse_config(S3SinkConfig, BASE | {"lambda.connect.staging.dir": staging})


def test_a_blank_topics_dir_keeps_staging_at_the_bucket_root_beside_the_topics(s3: Any) -> None:
    assert parse_config(S3SinkConfig, BASE | {"topics.dir": ""}).lambda_connect_staging_dir == "_lambda-connect+staging"
    _run(s3, _records(range(4)), **{"topics.dir": ""})
    assert "_lambda-connect+staging/orders+0/head" in _keys(s3)


def test_a_head_left_inside_topics_dir_by_an_older_sink_is_moved_out_and_its_round_finished(s3: Any) -> None:
    _run(s3, _records(range(5)))  # stage 3..4, then put the area where an older sink kept it
    legacy = "topics/_lambda-connect+staging/orders+0/"
    for key in _keys(s3, "_lambda-connect+staging/"):
        body = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
        body = body.replace(b"_lambda-connect+staging/topics/orders+0/", legacy.encode())
        s3.put_object(Bucket=BUCKET, Key=key.replace("_lambda-connect+staging/topics/orders+0/", legacy), Body=body)
        s3.delete_object(Bucket=BUCKET, Key=key)
    assert _keys(s3, legacy)

    _run(s3, _records(range(5, 7)))  # closes the round staged by the older sink

    assert _keys(s3, "topics/") == ["topics/orders/partition=0/orders+0+0000000000.json",
                                    "topics/orders/partition=0/orders+0+0000000003.json"]
    body = s3.get_object(Bucket=BUCKET, Key="topics/orders/partition=0/orders+0+0000000003.json")["Body"].read()
    assert body == b'{"o":3}\n{"o":4}\n{"o":5}\n'
    assert _keys(s3, "_lambda-connect+staging/") == [
        "_lambda-connect+staging/topics/orders+0/00000000000000000006/00000000000000000006-00000000000000000006",
        "_lambda-connect+staging/topics/orders+0/head"]


def test_every_object_of_a_file_lists_the_files_parts_and_the_value_object_is_written_last(s3: Any) -> None:
    order: list[str] = []

    class Recording:
        def __getattr__(self, name: str) -> Any:
            return getattr(s3, name)

        def put_object(self, **kwargs: Any) -> Any:
            order.append(kwargs["Key"])
            return s3.put_object(**kwargs)

    records = _records(range(3))
    for r in records:
        r.headers.add("trace", "t")
    _run(Recording(), records, **{"store.kafka.keys": "true", "store.kafka.headers": "true"})  # type: ignore[arg-type]

    prefix = "topics/orders/partition=0/orders+0+0000000000"
    files = [key for key in order if key.startswith(prefix)]
    assert files == [f"{prefix}.keys.json", f"{prefix}.headers.json", f"{prefix}.json"]
    assert [s3.head_object(Bucket=BUCKET, Key=key)["Metadata"]["parts"] for key in files] == ["key,headers,value"] * 3
