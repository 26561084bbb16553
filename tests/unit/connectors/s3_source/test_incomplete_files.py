"""A file is restored only once every part the sink writes is there: a sink stopped between its PUTs leaves keys and
headers without their value object, and a listing then restores nothing of that file (no tombstones), and restores
it whole once the sink's retry wrote the rest, warm or after a cold start; any partitioner's directories (moto)."""

from __future__ import annotations

from typing import Any

import pytest

from connect_core.api.record import SinkRecord
from connect_core.connectors.s3.sink_task import S3SinkTask
from connect_core.connectors.s3_source.source_task import S3SourceTask
from tests.unit.connectors._memory_offsets import MemoryOffsetReader, start_task
from tests.unit.connectors.s3.conftest import BUCKET

JSON = "io.confluent.connect.s3.format.json.JsonFormat"
HOUR_MS = 3_600_000
T0 = 1_714_604_400_000  # 2024-05-01 23:00 UTC
PARTITIONERS = {
    "default": {},
    "hourly": {"partitioner.class": "io.confluent.connect.storage.partitioner.HourlyPartitioner", "locale": "en",
               "timezone": "UTC", "timestamp.extractor": "Record"},
    "field": {"partitioner.class": "io.confluent.connect.storage.partitioner.FieldPartitioner",
              "partition.field.name": "region"},
}


class Killed(BaseException):
    """The function's process dies here: nothing after it runs."""


class DiesBeforeValueObjects:
    """An S3 client whose process is killed before it writes a value object (its keys and headers are written)."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def put_object(self, **kwargs: Any) -> Any:
        if kwargs["Key"].endswith("0.json") or kwargs["Key"].endswith("5.json"):
            raise Killed(kwargs["Key"])
        return self._client.put_object(**kwargs)


def _records(offsets: range) -> list[SinkRecord]:
    out = []
    for o in offsets:  # the hour changes at offset 7, the region every third record
        record = SinkRecord("orders", 0, None, f"k{o}", None, {"o": o, "region": "eu" if o % 3 else "us"}, o,
                            timestamp=T0 + (HOUR_MS if o >= 7 else 0) + o)
        record.headers.add("trace", f"t{o}")
        out.append(record)
    return out


def _sink(client: Any, records: list[SinkRecord], partitioner: str) -> None:
    task = S3SinkTask(s3_client=client)
    task.start({"s3.bucket.name": BUCKET, "format.class": JSON, "flush.size": "5", "store.kafka.keys": "true",
                "store.kafka.headers": "true", **PARTITIONERS[partitioner]})
    task.put(records)
    task.flush({})


def _source(client: Any, reader: MemoryOffsetReader) -> S3SourceTask:
    task = S3SourceTask(client=client)
    start_task(task, {"s3.bucket.name": BUCKET, "format.class": JSON, "s3.poll.interval.ms": "0",
                      "record.batch.max.size": "3"}, reader)
    return task


def _drain(task: S3SourceTask, reader: MemoryOffsetReader) -> list[tuple[Any, ...]]:
    out = []
    while batch := task.poll():
        reader.commit(batch)
        out += [(r.key, r.value, [(h.key, h.value) for h in r.headers]) for r in batch]
    return out


def _expected(offsets: range) -> list[tuple[Any, ...]]:
    return [(f"k{o}", {"o": o, "region": "eu" if o % 3 else "us"}, [("trace", f"t{o}")]) for o in offsets]


@pytest.mark.parametrize("partitioner", list(PARTITIONERS))
@pytest.mark.parametrize("cold", [False, True])
def test_a_file_whose_value_object_is_not_written_yet_waits_and_is_restored_once_complete(
    s3: Any, partitioner: str, cold: bool,
) -> None:
    _sink(s3, _records(range(10)), partitioner)
    with pytest.raises(Killed):  # the next invocation dies after the keys and headers of its first file
        _sink(DiesBeforeValueObjects(s3), _records(range(10, 15)), partitioner)
    listed = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix="topics/")["Contents"]]
    assert any("+0000000010.keys.json" in k for k in listed)
    assert not any(k.endswith("+0000000010.json") for k in listed)

    reader = MemoryOffsetReader()
    task = _source(s3, reader)
    restored = _drain(task, reader)
    restored_keys = sorted(key for key, _, _ in restored)
    assert sorted(_expected(range(10)), key=lambda r: r[0]) == sorted(restored, key=lambda r: r[0]), restored_keys
    assert _drain(task, reader) == []  # listed again: still incomplete, still nothing

    _sink(s3, _records(range(10, 15)), partitioner)  # the mapping's retry of the killed batch
    if cold:
        task = _source(s3, reader)
    restored += _drain(task, reader)

    def by_offset(record: tuple[Any, ...]) -> int:
        return int(record[1]["o"])

    assert sorted(restored, key=by_offset) == _expected(range(15))  # each record once, none a tombstone
    assert len(restored) == 15
    assert _drain(_source(s3, reader), reader) == []  # a cold start after it all: nothing again


def _put(s3: Any, key: str, body: bytes, **metadata: str) -> None:
    s3.put_object(Bucket=BUCKET, Key=key, Body=body, Metadata=metadata)


def test_a_keys_object_alone_is_tombstones_only_when_it_is_the_files_last_object_or_in_the_tombstone_directory(
    s3: Any,
) -> None:
    _put(s3, "topics/orders/partition=0/orders+0+0000000000.json", b'{"o":0}\n')
    _put(s3, "topics/orders/tombstone/orders+0+0000000001.keys.json", b'"k1"\n')  # Confluent's tombstones
    _put(s3, "topics/orders/tombstone/orders+1+0000000000.keys.json", b'"k0"\n', **{"record-count": "1"})  # ours
    _put(s3, "topics/orders/partition=0/orders+0+0000000002.keys.json", b'"k2"\n')  # value not written yet
    _put(s3, "topics/orders/partition=0/orders+0+0000000003.json", b'{"o":3}\n')
    _put(s3, "topics/orders/partition=2/orders+2+0000000000.keys.json", b'"k0"\n', parts="key,headers,value")
    reader = MemoryOffsetReader()
    task = _source(s3, reader)

    restored = sorted(((r.kafka_partition, r.key, r.value) for r in _drain_records(task, reader)), key=repr)

    assert restored == sorted([(0, None, {"o": 0}), (0, "k1", None), (1, "k0", None)], key=repr)  # 0 waits at 2


def _drain_records(task: S3SourceTask, reader: MemoryOffsetReader) -> list[Any]:
    out = []
    while batch := task.poll():
        reader.commit(batch)
        out += batch
    return out


def test_a_value_object_waits_for_every_part_its_metadata_lists(s3: Any) -> None:
    prefix = "topics/orders/partition=0/orders+0+0000000000"
    _put(s3, f"{prefix}.json", b'{"o":0}\n', parts="key,headers,value", **{"record-count": "1"})
    _put(s3, f"{prefix}.keys.json", b'"k0"\n', parts="key,headers,value")
    reader = MemoryOffsetReader()
    task = _source(s3, reader)
    assert _drain_records(task, reader) == []  # value first (Confluent's order): the headers are still to come

    _put(s3, f"{prefix}.headers.json", b'{"headers":[{"key":"h","value":"v"}]}\n', parts="key,headers,value")
    [record] = _drain_records(task, reader)
    assert (record.key, record.value, [(h.key, h.value) for h in record.headers]) == ("k0", {"o": 0}, [("h", "v")])


def test_a_cold_start_after_a_file_that_is_gone_resumes_by_start_offset_not_by_name(s3: Any) -> None:
    """Field directories do not sort as offsets do: the file after offset 5 is in a directory named before it."""
    _put(s3, "topics/orders/region=us/orders+0+0000000000.json", b'{"o":0}\n')
    _put(s3, "topics/orders/region=eu/orders+0+0000000009.json", b'{"o":9}\n')
    committed = {"lastFileRead": "topics/orders/region=us/orders+0+0000000005.json", "fileOffset": 1, "eof": True}
    reader = MemoryOffsetReader()
    reader.set({"topic": "orders", "partition": 0}, committed)

    assert [r.value for r in _drain_records(_source(s3, reader), reader)] == [{"o": 9}]


def test_an_offset_that_named_the_keys_object_of_a_file_resumes_after_that_file(s3: Any) -> None:
    """Offsets committed when a keys object alone was taken for a file: that file counts as read, by its start."""
    for start in (0, 4):
        _put(s3, f"topics/orders/hour=23/orders+0+000000000{start}.json", b'{"o":%d}\n' % start)
        _put(s3, f"topics/orders/hour=23/orders+0+000000000{start}.keys.json", b'"k%d"\n' % start)
    committed = {"lastFileRead": "topics/orders/hour=23/orders+0+0000000000.keys.json", "fileOffset": 1, "eof": True}
    reader = MemoryOffsetReader()
    reader.set({"topic": "orders", "partition": 0}, committed)

    assert [(r.key, r.value) for r in _drain_records(_source(s3, reader), reader)] == [("k4", {"o": 4})]


def test_a_restore_resumed_inside_a_file_that_lost_a_part_waits_there_and_never_goes_back(s3: Any) -> None:
    _put(s3, "topics/orders/partition=0/orders+0+0000000000.json", b'{"o":0}\n')
    prefix = "topics/orders/partition=0/orders+0+0000000001"
    _put(s3, f"{prefix}.json", b'{"o":1}\n{"o":2}\n', parts="key,value", **{"record-count": "2"})
    reader = MemoryOffsetReader()
    reader.set({"topic": "orders", "partition": 0}, {"lastFileRead": f"{prefix}.json", "fileOffset": 1, "eof": False})
    task = _source(s3, reader)
    assert _drain_records(task, reader) == []  # its keys object is gone: wait
    assert _drain_records(task, reader) == []  # listed again: still waiting, the file before it is not read again

    _put(s3, f"{prefix}.keys.json", b'"k1"\n"k2"\n', parts="key,value")
    assert [(r.key, r.value) for r in _drain_records(task, reader)] == [("k2", {"o": 2})]


def test_tombstone_encoded_partition_names_the_directory_of_confluents_tombstone_files(s3: Any) -> None:
    _put(s3, "topics/orders/deleted/orders+0+0000000000.keys.json", b'"k0"\n')
    _put(s3, "topics/orders/tombstone/orders+1+0000000000.keys.json", b'"k1"\n')  # not that directory: waits
    reader = MemoryOffsetReader()
    task = S3SourceTask(client=s3)
    start_task(task, {"s3.bucket.name": BUCKET, "format.class": JSON, "tombstone.encoded.partition": "deleted"}, reader)

    assert [(r.kafka_partition, r.key, r.value) for r in _drain_records(task, reader)] == [(0, "k0", None)]
