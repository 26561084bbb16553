"""S3SinkTask end to end on moto: key layout, tombstones, keys/headers files, redelivery and resume."""

from __future__ import annotations

import gzip
from typing import Any

import pytest

from connect_core.api.errors import ConfigError, DataError, RetriableError
from connect_core.api.record import SinkRecord
from connect_core.connectors.s3._staging import Head
from connect_core.connectors.s3.sink_task import S3SinkTask
from tests.unit.connectors.s3.conftest import BUCKET, final_objects

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
    return final_objects(s3)


def _lines(offsets: range | list[int]) -> bytes:
    return b"".join(b'{"o":%d}\n' % o for o in offsets)


def test_files_hold_flush_size_records_named_after_their_first_offset(s3: Any) -> None:
    _run(_task(s3), _records(range(1, 8), partition=2))
    objects = _objects(s3)
    assert sorted(objects) == [
        "topics/orders/partition=2/orders+2+0000000001.json",
        "topics/orders/partition=2/orders+2+0000000004.json",
    ]  # offset 7 waits in the staging area for two more records
    assert objects["topics/orders/partition=2/orders+2+0000000004.json"] == _lines([4, 5, 6])
    head = s3.head_object(Bucket=BUCKET, Key="topics/orders/partition=2/orders+2+0000000004.json")
    assert head["Metadata"] == {"end-offset": "6", "record-count": "3", "parts": "value"}


def test_three_invocations_of_400_fill_one_file_of_1000(s3: Any) -> None:
    """Each invocation is a cold task (a new Lambda container): the staged records survive in S3."""
    config = {"flush.size": "1000"}
    for n in range(3):
        _run(_task(s3, **config), _records(range(400 * n, 400 * (n + 1))))
        if n < 2:
            assert _objects(s3) == {}
    objects = _objects(s3)
    assert list(objects) == ["topics/orders/partition=0/orders+0+0000000000.json"]
    assert objects["topics/orders/partition=0/orders+0+0000000000.json"] == _lines(range(1000))
    _run(_task(s3, **config), _records(range(1200, 2000)))
    objects = _objects(s3)
    assert sorted(objects) == ["topics/orders/partition=0/orders+0+0000000000.json",
                               "topics/orders/partition=0/orders+0+0000001000.json"]
    assert objects["topics/orders/partition=0/orders+0+0000001000.json"] == _lines(range(1000, 2000))


def test_closed_rounds_leave_no_segments_behind(s3: Any) -> None:
    for n in range(3):
        _run(_task(s3, **{"flush.size": "10"}), _records(range(4 * n, 4 * (n + 1))))
    staged = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"] if "+staging/" in o["Key"]]
    assert sorted(staged) == ["_lambda-connect+staging/topics/orders+0/00000000000000000010/"
                              "00000000000000000010-00000000000000000011",
                              "_lambda-connect+staging/topics/orders+0/head"]


def test_retry_that_starts_before_staged_records_skips_them(s3: Any) -> None:
    _run(_task(s3), _records(range(0, 5)))  # "failed" after writing: 0-2 in a file, 3-4 staged
    _run(_task(s3), _records(range(0, 8)))  # cold retry with more records
    objects = _objects(s3)
    assert sorted(objects) == [f"topics/orders/partition=0/orders+0+000000000{o}.json" for o in (0, 3)]
    assert objects["topics/orders/partition=0/orders+0+0000000003.json"] == _lines([3, 4, 5])


def test_warm_redelivery_drops_the_stale_buffer(s3: Any) -> None:
    task = _task(s3)
    task.put(_records(range(0, 6)))  # the invocation dies before flush
    _run(task, _records(range(0, 2)))  # bisected retry on the same instance
    assert _objects(s3) == {}
    _run(task, _records(range(2, 4)))
    assert _objects(s3) == {"topics/orders/partition=0/orders+0+0000000000.json": _lines([0, 1, 2])}


def test_a_zombie_that_lost_the_head_swap_fails_and_its_retry_writes_nothing_twice(s3: Any) -> None:
    from connect_core.connectors.s3._storage import FileExistsRetriableError

    class Racing:
        """Lets another invocation move the head between this one's read and its swap."""

        def __init__(self, client: Any, before_swap: Any) -> None:
            self._client, self._before_swap = client, before_swap

        def __getattr__(self, name: str) -> Any:
            return getattr(self._client, name)

        def put_object(self, **kwargs: Any) -> Any:
            if kwargs["Key"].endswith("/head") and "IfMatch" in kwargs and self._before_swap:
                run, self._before_swap = self._before_swap, None
                run()
            return self._client.put_object(**kwargs)

    _run(_task(s3), _records(range(0, 2)))  # 0-1 staged, committed
    fresh = _task(s3)
    zombie = S3SinkTask(s3_client=Racing(s3, lambda: _run(fresh, _records(range(2, 7)))))
    zombie.start(BASE)
    with pytest.raises(FileExistsRetriableError):
        _run(zombie, _records(range(2, 5)))  # same committed offset, other boundary, slower
    _run(_task(s3), _records(range(2, 9)))  # the mapping's retry
    assert _objects(s3) == {f"topics/orders/partition=0/orders+0+000000000{o}.json": _lines(range(o, o + 3))
                            for o in (0, 3, 6)}


def test_a_warm_instance_reads_the_head_again_after_another_container_moved_it_on(s3: Any) -> None:
    a, b = _task(s3), _task(s3)
    _run(a, _records(range(0, 2)))  # a remembers its head: 0-1 staged
    _run(b, _records(range(2, 5)))  # the next batch went to another container: file 0-2, 3-4 staged
    _run(a, _records(range(5, 7)))  # does not continue a's head: read from S3, not a's stale round 0-1
    assert _objects(s3) == {f"topics/orders/partition=0/orders+0+000000000{o}.json": _lines(range(o, o + 3))
                            for o in (0, 3)}


def test_a_lost_head_swap_response_makes_the_instance_forget_its_head(s3: Any) -> None:
    class LosesOneSwap:
        """The next conditional head swap is written, but its response is lost."""

        def __init__(self, client: Any) -> None:
            self._client, self.armed, self.head_reads = client, False, 0

        def __getattr__(self, name: str) -> Any:
            return getattr(self._client, name)

        def get_object(self, **kwargs: Any) -> Any:
            self.head_reads += kwargs["Key"] == "_lambda-connect+staging/topics/orders+0/head"
            return self._client.get_object(**kwargs)

        def put_object(self, **kwargs: Any) -> Any:
            result = self._client.put_object(**kwargs)
            if self.armed and "IfMatch" in kwargs:
                from botocore.exceptions import ReadTimeoutError

                self.armed = False
                raise ReadTimeoutError(endpoint_url="http://injected")
            return result

    client = LosesOneSwap(s3)
    task = S3SinkTask(s3_client=client)
    task.start(BASE)
    _run(task, _records(range(0, 2)))
    _run(task, _records(range(2, 3)))  # continues the remembered head: no GET
    assert client.head_reads == 1
    client.armed = True
    with pytest.raises(RetriableError):
        _run(task, _records(range(3, 5)))  # swapped, but the instance cannot know it
    _run(task, _records(range(3, 5)))  # the mapping's retry continues the old head: read, and skipped
    assert client.head_reads == 2
    _run(task, _records(range(5, 6)))
    assert _objects(s3) == {f"topics/orders/partition=0/orders+0+000000000{o}.json": _lines(range(o, o + 3))
                            for o in (0, 3)}


def test_rotate_schedule_interval_closes_a_file_once_its_time_has_come(s3: Any) -> None:
    t0 = 1_714_605_000_000  # 2024-05-01 23:10 UTC
    config = {"flush.size": "100", "rotate.schedule.interval.ms": "600000", "timezone": "UTC"}
    clock = [t0]

    def task() -> S3SinkTask:
        t = S3SinkTask(s3_client=s3, clock=lambda: clock[0])
        t.start(BASE | config)
        return t

    _run(task(), _records(range(0, 4)))
    clock[0] = t0 + 9 * 60_000  # 23:19: the round opened at 23:10 is due at 23:20
    _run(task(), _records(range(4, 6)))
    assert _objects(s3) == {}
    clock[0] = t0 + 10 * 60_000
    _run(task(), _records(range(6, 7)))
    assert _objects(s3) == {"topics/orders/partition=0/orders+0+0000000000.json": _lines(range(6))}
    staged = Head.from_bytes(s3.get_object(Bucket=BUCKET, Key="_lambda-connect+staging/topics/orders+0/head")
                             ["Body"].read())
    assert (staged.last, staged.pending, staged.round and staged.round.count) == (6, [], 1)


def test_topics_dir_blank_gzip_and_zero_padding(s3: Any) -> None:
    _run(_task(s3, **{"topics.dir": "", "s3.compression.type": "gzip", "filename.offset.zero.pad.width": "4",
                      "flush.size": "1"}),
         _records([12]))
    (key, body), = _objects(s3).items()
    assert key == "orders/partition=0/orders+0+0012.json.gz"
    assert gzip.decompress(body) == b'{"o":12}\n'


def test_tombstone_fails_by_default(s3: Any) -> None:
    with pytest.raises(DataError, match="behavior.on.null.values"):
        _task(s3).put(_records([1], value=None))


def test_tombstone_ignored(s3: Any) -> None:
    _run(_task(s3, **{"behavior.on.null.values": "ignore", "flush.size": "1"}),
         _records([1], value=None) + _records([2]))
    assert list(_objects(s3)) == ["topics/orders/partition=0/orders+0+0000000002.json"]


def test_tombstone_written_as_key_file(s3: Any) -> None:
    _run(_task(s3, **{"behavior.on.null.values": "write", "store.kafka.keys": "true", "flush.size": "1"}),
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
                      "store.kafka.headers": "true", "flush.size": "1"}), records)
    assert _objects(s3) == {
        "topics/orders/partition=0/orders+0+0000000004.bin": b"raw\n",
        "topics/orders/partition=0/orders+0+0000000004.headers.json": b'{"headers":[{"key":"trace","value":"t-1"}]}\n',
    }


def test_field_partitioner_closes_every_directory_after_flush_size_records_of_the_partition(s3: Any) -> None:
    """As Confluent: flush.size counts the Kafka partition's records, and all its open files close together."""
    records = [SinkRecord("orders", 1, None, None, None, {"r": r, "o": o}, o) for o, r in enumerate("ababa")]
    _run(_task(s3, **{"partitioner.class": "FieldPartitioner", "partition.field.name": "r", "flush.size": "4"}),
         records)
    assert sorted(_objects(s3)) == ["topics/orders/r=a/orders+1+0000000000.json",
                                    "topics/orders/r=b/orders+1+0000000001.json"]


def test_rotate_interval_splits_files_on_record_time(s3: Any) -> None:
    records = [SinkRecord("orders", 0, None, None, None, {"o": o}, o, timestamp=1_714_605_000_000 + o * 60_000)
               for o in range(6)]
    _run(_task(s3, **{"partitioner.class": "HourlyPartitioner", "locale": "en", "timezone": "UTC",
                      "timestamp.extractor": "Record", "rotate.interval.ms": "120000", "flush.size": "100"}), records)
    assert [k.rsplit("+", 1)[1] for k in sorted(_objects(s3))] == ["0000000000.json", "0000000002.json"]
    # 4-5 stay open: no record has come yet that is 2 minutes past offset 4


def test_missing_bucket_fails_at_start(s3: Any) -> None:
    with pytest.raises(ConfigError, match="s3.bucket.name"):
        S3SinkTask(s3_client=s3).start(BASE | {"s3.bucket.name": "nope"})


class _FlakyHeadBucket:
    """An S3 client whose HeadBucket fails as given (everything else goes to the real one)."""

    def __init__(self, real: Any, error: Exception) -> None:
        self._real, self._error = real, error

    def head_bucket(self, **_kwargs: Any) -> None:
        raise self._error

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


@pytest.mark.parametrize("error", ["503", "timeout", "connection"])
def test_a_transient_head_bucket_failure_at_start_is_retriable_not_a_config_error(s3: Any, error: str) -> None:
    from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError

    from connect_core.runtime.restart_policy import is_non_retriable

    failure = {
        "503": ClientError({"Error": {"Code": "503", "Message": "Service Unavailable"},
                            "ResponseMetadata": {"HTTPStatusCode": 503}}, "HeadBucket"),
        "timeout": ReadTimeoutError(endpoint_url="https://s3.amazonaws.com"),
        "connection": EndpointConnectionError(endpoint_url="https://s3.amazonaws.com"),
    }[error]
    with pytest.raises(RetriableError, match="HeadBucket") as raised:
        S3SinkTask(s3_client=_FlakyHeadBucket(s3, failure)).start(BASE)
    assert not is_non_retriable(raised.value)  # backoff, not the breaker opening at once


def test_a_forbidden_bucket_at_start_is_a_config_error(s3: Any) -> None:
    from botocore.exceptions import ClientError

    forbidden = ClientError({"Error": {"Code": "403", "Message": "Forbidden"},
                             "ResponseMetadata": {"HTTPStatusCode": 403}}, "HeadBucket")
    with pytest.raises(ConfigError, match="s3.bucket.name"):
        S3SinkTask(s3_client=_FlakyHeadBucket(s3, forbidden)).start(BASE)


def test_an_offsets_reset_is_refused_with_what_to_clear_instead_of_skipping_the_replayed_records(s3: Any) -> None:
    from connect_core.api.errors import ConnectError

    task = _task(s3)
    _run(task, _records(range(5)))
    _run(task, _records(range(5, 8)))  # the group committed 5: this batch began there
    _run(task, _records(range(5, 8)))  # a retry of that batch (its response was lost): fine, nothing twice
    before = _objects(s3)
    fresh = _task(s3)  # a reset group (or a recreated topic) replays from offset 0
    with pytest.raises(ConnectError, match=r"orders-0 starts at offset 0, before offset 5") as refused:
        _run(fresh, _records(range(3)))  # fails every retry until the breaker holds the batch: nothing skipped
    assert "_lambda-connect+staging/topics/orders+0/head" in str(refused.value)
    assert _objects(s3) == before
    s3.delete_object(Bucket=BUCKET, Key="_lambda-connect+staging/topics/orders+0/head")
    for key in before:
        s3.delete_object(Bucket=BUCKET, Key=key)
    cleared = _task(s3)
    _run(cleared, _records(range(3)))  # after clearing as told, the replayed records are written again
    assert _objects(s3) == {"topics/orders/partition=0/orders+0+0000000000.json": _lines(range(3))}


BYTEARRAY = "io.confluent.connect.s3.format.bytearray.ByteArrayFormat"


def _texts(offsets: range) -> list[SinkRecord]:
    """Records whose JSON lines compress differently at each gzip level (numbers, not one repeated string)."""
    return [SinkRecord("orders", 0, None, f"k{o}", None,
                       {"o": o, "n": [i * i % 9973 for i in range(300 * o, 300 * o + 300)]}, o) for o in offsets]


@pytest.mark.parametrize(("level", "xfl"), [("1", 4), ("9", 2)])
def test_s3_compression_level_is_the_gzip_level_of_the_file(s3: Any, level: str, xfl: int) -> None:
    _run(_task(s3, **{"s3.compression.type": "gzip", "s3.compression.level": level}), _texts(range(3)))
    (key, body), = _objects(s3).items()
    lines = gzip.decompress(body)
    assert body == gzip.compress(lines, compresslevel=int(level), mtime=0)
    assert body != gzip.compress(lines, compresslevel=6, mtime=0)  # what the default (-1: zlib's 6) writes
    assert body[8] == xfl  # the gzip header's XFL: 4 fastest, 2 best compression


def test_format_bytearray_extension_and_separator_name_and_split_the_file(s3: Any) -> None:
    records = [SinkRecord("orders", 0, None, None, None, value, o) for o, value in enumerate([b"a", b"", b"c"])]
    _run(_task(s3, **{"format.class": BYTEARRAY, "format.bytearray.extension": ".dat",
                      "format.bytearray.separator": "\\u0000|"}), records)
    assert _objects(s3) == {"topics/orders/partition=0/orders+0+0000000000.dat": b"a\x00|\x00|c\x00|"}


@pytest.mark.parametrize(("decimal_format", "line"), [("BASE64", b'{"price":"BNI="}\n'),
                                                      ("NUMERIC", b'{"price":12.34}\n')])
def test_json_decimal_format_spells_decimals_as_confluent(s3: Any, decimal_format: str, line: bytes) -> None:
    import decimal

    from connect_core.api.logical import Decimal
    from connect_core.api.schema import SchemaBuilder
    from connect_core.api.struct import Struct

    schema = SchemaBuilder.struct().field("price", Decimal.schema(2)).build()
    record = SinkRecord("orders", 0, None, None, schema, Struct(schema).put("price", decimal.Decimal("12.34")), 0)
    _run(_task(s3, **{"json.decimal.format": decimal_format, "flush.size": "1"}), [record])
    assert list(_objects(s3).values()) == [line]


def test_tombstone_encoded_partition_names_the_tombstones_directory(s3: Any) -> None:
    _run(_task(s3, **{"behavior.on.null.values": "write", "store.kafka.keys": "true", "flush.size": "1",
                      "tombstone.encoded.partition": "deleted"}),
         _records([1], value=None))
    assert _objects(s3) == {"topics/orders/deleted/orders+0+0000000001.keys.json": b'"k1"\n'}


def test_keys_format_class_writes_the_keys_file_in_that_format(s3: Any) -> None:
    records = [SinkRecord("orders", 0, None, key, None, {"o": o}, o) for o, key in enumerate([b"\x01k", b"k2"])]
    _run(_task(s3, **{"store.kafka.keys": "true", "keys.format.class": BYTEARRAY, "flush.size": "2"}), records)
    assert _objects(s3) == {"topics/orders/partition=0/orders+0+0000000000.keys.bin": b"\x01k\nk2\n",
                            "topics/orders/partition=0/orders+0+0000000000.json": b'{"o":0}\n{"o":1}\n'}


@pytest.mark.parametrize(("extra", "wanted"), [
    ({}, True),
    ({"json.decimal.format": "NUMERIC"}, False),
    ({"format.class": "io.confluent.connect.s3.format.bytearray.ByteArrayFormat"}, False),
])
def test_json_lines_with_base64_decimals_want_the_values_json_text(
        s3: Any, extra: dict[str, str], wanted: bool) -> None:
    assert _task(s3, **extra).wants_json_text() is wanted
