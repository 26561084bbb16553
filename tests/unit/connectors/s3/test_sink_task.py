"""S3SinkTask end to end on moto: key layout, tombstones, keys/headers files, redelivery and resume."""

from __future__ import annotations

import gzip
from typing import Any

import pytest

from connect_core.api.errors import ConfigError, DataError
from connect_core.api.record import SinkRecord
from connect_core.connectors.s3.sink_task import S3SinkTask
from tests.unit.connectors.s3.conftest import BUCKET

BASE = {"s3.bucket.name": BUCKET, "format.class": "io.confluent.connect.s3.format.json.JsonFormat",
        "flush.size": "3"}


def _records(offsets: range | list[int], partition: int = 0, value: Any = "v") -> list[SinkRecord]:
    return [SinkRecord("orders", partition, None, f"k{o}", None, {"o": o} if value == "v" else value, o,
                       timestamp=1_714_605_000_000) for o in offsets]


def _task(s3: Any, **extra: str) -> S3SinkTask:
    task = S3SinkTask(s3_client=s3)
    task.start(BASE | extra)
    return task


def _run(task: S3SinkTask, records: list[SinkRecord]) -> None:
    task.put(records)
    task.flush({})


def _objects(s3: Any) -> dict[str, bytes]:
    listed = s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])
    return {o["Key"]: s3.get_object(Bucket=BUCKET, Key=o["Key"])["Body"].read() for o in listed}


def test_keys_follow_confluent_layout_and_flush_size_grid(s3: Any) -> None:
    _run(_task(s3), _records(range(1, 8), partition=2))
    assert sorted(_objects(s3)) == [
        "topics/orders/partition=2/orders+2+0000000001.json",
        "topics/orders/partition=2/orders+2+0000000003.json",
        "topics/orders/partition=2/orders+2+0000000006.json",
    ]
    assert _objects(s3)["topics/orders/partition=2/orders+2+0000000003.json"] == b'{"o":3}\n{"o":4}\n{"o":5}\n'


def test_retry_that_starts_before_written_files_skips_them(s3: Any) -> None:
    _run(_task(s3), _records(range(0, 5)))  # "failed" after writing: offsets 0-4 are durable
    _run(_task(s3), _records(range(0, 8)))  # cold retry with more records
    objects = _objects(s3)
    assert sorted(objects) == [f"topics/orders/partition=0/orders+0+000000000{o}.json" for o in (0, 3, 5, 6)]
    assert objects["topics/orders/partition=0/orders+0+0000000005.json"] == b'{"o":5}\n'


def test_warm_redelivery_drops_the_stale_buffer(s3: Any) -> None:
    task = _task(s3)
    task.put(_records(range(0, 6)))  # the invocation dies before flush
    _run(task, _records(range(0, 2)))  # bisected retry on the same instance
    assert sorted(_objects(s3)) == ["topics/orders/partition=0/orders+0+0000000000.json"]
    _run(task, _records(range(2, 4)))
    assert _objects(s3)["topics/orders/partition=0/orders+0+0000000002.json"] == b'{"o":2}\n'


def test_topics_dir_blank_gzip_and_zero_padding(s3: Any) -> None:
    _run(_task(s3, **{"topics.dir": "", "s3.compression.type": "gzip", "filename.offset.zero.pad.width": "4"}),
         _records([12]))
    (key, body), = _objects(s3).items()
    assert key == "orders/partition=0/orders+0+0012.json.gz"
    assert gzip.decompress(body) == b'{"o":12}\n'


def test_tombstone_fails_by_default(s3: Any) -> None:
    with pytest.raises(DataError, match="behavior.on.null.values"):
        _task(s3).put(_records([1], value=None))


def test_tombstone_ignored(s3: Any) -> None:
    _run(_task(s3, **{"behavior.on.null.values": "ignore"}), _records([1], value=None) + _records([2]))
    assert list(_objects(s3)) == ["topics/orders/partition=0/orders+0+0000000002.json"]


def test_tombstone_written_as_key_file(s3: Any) -> None:
    _run(_task(s3, **{"behavior.on.null.values": "write", "store.kafka.keys": "true"}),
         _records([1], value=None) + _records([2]))
    assert _objects(s3) == {
        "topics/orders/tombstone/orders+0+0000000001.keys.json": b'"k1"\n',
        "topics/orders/partition=0/orders+0+0000000002.keys.json": b'"k2"\n',
        "topics/orders/partition=0/orders+0+0000000002.json": b'{"o":2}\n',
    }


def test_headers_and_bytearray_files(s3: Any) -> None:
    records = _records([4], value=b"raw")
    records[0].headers.add("trace", "t-1")
    _run(_task(s3, **{"format.class": "io.confluent.connect.s3.format.bytearray.ByteArrayFormat",
                      "store.kafka.headers": "true"}), records)
    assert _objects(s3) == {
        "topics/orders/partition=0/orders+0+0000000004.bin": b"raw\n",
        "topics/orders/partition=0/orders+0+0000000004.headers.json": b'{"headers":[{"key":"trace","value":"t-1"}]}\n',
    }


def test_field_partitioner_writes_one_file_per_directory(s3: Any) -> None:
    records = [SinkRecord("orders", 1, None, None, None, {"r": r, "o": o}, o) for o, r in enumerate("abab")]
    _run(_task(s3, **{"partitioner.class": "FieldPartitioner", "partition.field.name": "r", "flush.size": "10"}),
         records)
    assert sorted(_objects(s3)) == ["topics/orders/r=a/orders+1+0000000000.json",
                                    "topics/orders/r=b/orders+1+0000000001.json"]


def test_rotate_interval_splits_files_on_record_time(s3: Any) -> None:
    records = [SinkRecord("orders", 0, None, None, None, {"o": o}, o, timestamp=1_714_605_000_000 + o * 60_000)
               for o in range(6)]
    _run(_task(s3, **{"partitioner.class": "HourlyPartitioner", "locale": "en", "timezone": "UTC",
                      "timestamp.extractor": "Record", "rotate.interval.ms": "120000", "flush.size": "100"}), records)
    assert [k.rsplit("+", 1)[1] for k in sorted(_objects(s3))] == ["0000000000.json", "0000000002.json",
                                                                   "0000000004.json"]


def test_missing_bucket_fails_at_start(s3: Any) -> None:
    with pytest.raises(ConfigError, match="s3.bucket.name"):
        S3SinkTask(s3_client=s3).start(BASE | {"s3.bucket.name": "nope"})
