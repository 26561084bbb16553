"""Partitioners: Default, Field (Struct and map), TimeBased/Daily/Hourly with the Record and RecordField extractors."""

from __future__ import annotations

import datetime as dt

import pytest

from connect_core.api.config import parse_config
from connect_core.api.errors import DataError
from connect_core.api.logical import Timestamp
from connect_core.api.record import SinkRecord
from connect_core.api.schema import SchemaBuilder
from connect_core.api.struct import Struct
from connect_core.connectors.s3._partitioner import build_partitioner
from connect_core.connectors.s3.config import S3SinkConfig

BASE = {"s3.bucket.name": "b", "format.class": "JsonFormat", "flush.size": "3"}
TS = int(dt.datetime(2024, 5, 1, 23, 30, tzinfo=dt.UTC).timestamp() * 1000)
ADDRESS = SchemaBuilder.struct().field("country", SchemaBuilder.string().build()).build()
ORDER = (SchemaBuilder.struct().field("region", SchemaBuilder.string().build())
         .field("id", SchemaBuilder.int32().build()).field("address", ADDRESS)
         .field("at", Timestamp.builder().optional().build()).build())


def _record(value: object, schema: object = None, ts: int | None = TS, partition: int = 3) -> SinkRecord:
    return SinkRecord("orders", partition, None, None, schema, value, 7, timestamp=ts)  # type: ignore[arg-type]


def _partitioner(**extra: str):
    return build_partitioner(parse_config(S3SinkConfig, BASE | extra))


def _order() -> Struct:
    return (Struct(ORDER).put("region", "eu").put("id", 9).put("address", Struct(ADDRESS).put("country", "FR"))
            .put("at", dt.datetime(2024, 1, 2, 3, 4, tzinfo=dt.UTC)))


def test_default_partitioner_uses_the_kafka_partition() -> None:
    assert _partitioner().encode(_record({"a": 1})) == "partition=3"


def test_field_partitioner_on_struct_with_nested_field() -> None:
    p = _partitioner(**{"partitioner.class": "FieldPartitioner", "partition.field.name": "region,id,address.country"})
    assert p.encode(_record(_order(), ORDER)) == "region=eu/id=9/address.country=FR"


def test_field_partitioner_on_schemaless_map_and_null() -> None:
    p = _partitioner(**{"partitioner.class": "FieldPartitioner", "partition.field.name": "region,flag,missing"})
    assert p.encode(_record({"region": "us", "flag": True})) == "region=us/flag=true/missing=null"


def test_field_partitioner_rejects_unsupported_types() -> None:
    p = _partitioner(**{"partitioner.class": "FieldPartitioner", "partition.field.name": "address"})
    with pytest.raises(DataError):
        p.encode(_record(_order(), ORDER))
    with pytest.raises(DataError):
        p.encode(_record("not a map"))


def test_daily_and_hourly_with_record_timestamps() -> None:
    common = {"locale": "en-US", "timezone": "UTC", "timestamp.extractor": "Record"}
    daily = _partitioner(**{"partitioner.class": "io.confluent.connect.storage.partitioner.DailyPartitioner"}, **common)
    hourly = _partitioner(**{"partitioner.class": "HourlyPartitioner"}, **common)
    assert daily.encode(_record({})) == "year=2024/month=05/day=01"
    assert hourly.encode(_record({})) == "year=2024/month=05/day=01/hour=23"


def test_time_based_in_another_zone_with_custom_path_and_trailing_delimiter() -> None:
    p = _partitioner(**{"partitioner.class": "TimeBasedPartitioner", "partition.duration.ms": "3600000",
                        "path.format": "'dt'=YYYY-MM-dd/'hr'=HH/", "locale": "en", "timezone": "Europe/Paris",
                        "timestamp.extractor": "Record"})
    assert p.encode(_record({})) == "dt=2024-05-02/hr=01"


def test_time_based_bucket_is_floored_in_local_time() -> None:
    p = _partitioner(**{"partitioner.class": "TimeBasedPartitioner", "partition.duration.ms": "86400000",
                        "path.format": "YYYYMMdd'T'HHmm", "locale": "en", "timezone": "+02:00",
                        "timestamp.extractor": "Record"})
    assert p.encode(_record({})) == "20240502T0000"


def test_record_field_extractor_reads_timestamps_numbers_and_iso_strings() -> None:
    p = _partitioner(**{"partitioner.class": "DailyPartitioner", "locale": "en", "timezone": "UTC",
                        "timestamp.extractor": "RecordField", "timestamp.field": "at"})
    assert p.encode(_record(_order(), ORDER)) == "year=2024/month=01/day=02"
    assert p.encode(_record({"at": TS})) == "year=2024/month=05/day=01"
    assert p.encode(_record({"at": "2023-12-31T23:00:00Z"})) == "year=2023/month=12/day=31"


def test_record_extractor_without_timestamp_fails() -> None:
    p = _partitioner(**{"partitioner.class": "DailyPartitioner", "locale": "en", "timezone": "UTC",
                        "timestamp.extractor": "Record"})
    with pytest.raises(DataError, match="timestamp"):
        p.encode(_record({}, ts=None))
