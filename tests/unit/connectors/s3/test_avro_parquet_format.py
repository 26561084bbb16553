"""AvroFormat and ParquetFormat on moto: Confluent's extensions, readable by fastavro and pyarrow, a new file on a
schema change, and retries that rewrite nothing."""

from __future__ import annotations

import datetime as dt
import decimal
import io
import json
from typing import Any

import fastavro
import pyarrow.parquet as pq
import pytest

from connect_core.api.errors import ConfigError
from connect_core.api.logical import Decimal, Timestamp
from connect_core.api.record import SinkRecord
from connect_core.api.schema import SchemaBuilder
from connect_core.api.struct import Struct
from connect_core.connectors.s3.sink_task import S3SinkTask
from tests.unit.connectors.s3.conftest import BUCKET, final_objects

AVRO = "io.confluent.connect.s3.format.avro.AvroFormat"
PARQUET = "io.confluent.connect.s3.format.parquet.ParquetFormat"
V1 = (SchemaBuilder.struct().name("shop.Order").field("id", SchemaBuilder.int32().build())
      .field("amount", Decimal.builder(2).build()).field("at", Timestamp.schema())
      .field("note", SchemaBuilder.string().optional().build()).build())
V2 = (SchemaBuilder.struct().name("shop.Order").field("id", SchemaBuilder.int32().build())
      .field("amount", Decimal.builder(2).build()).field("at", Timestamp.schema())
      .field("note", SchemaBuilder.string().optional().build())
      .field("qty", SchemaBuilder.int16().optional().build()).build())
AT = dt.datetime(2026, 11, 22, 10, 0, tzinfo=dt.UTC)


def _record(offset: int, schema=V1) -> SinkRecord:
    value = Struct(schema).put("id", offset).put("amount", decimal.Decimal(f"{offset}.50")).put("at", AT)
    if offset % 2:
        value.put("note", f"n{offset}")
    return SinkRecord("orders", 0, None, None, schema, value, offset, timestamp=1)


def _run(s3: Any, records: list[SinkRecord], **extra: str) -> dict[str, bytes]:
    task = S3SinkTask(s3_client=s3)
    task.start({"s3.bucket.name": BUCKET, "flush.size": "3"} | extra)
    task.put(records)
    task.flush({})
    return final_objects(s3)


@pytest.mark.parametrize("codec", ["null", "deflate", "snappy", "bzip2", "xz", "zstandard"])
def test_avro_files_are_container_files_fastavro_reads(s3: Any, codec: str) -> None:
    objects = _run(s3, [_record(o) for o in range(3)], **{"format.class": AVRO, "avro.codec": codec})
    if codec == "zstandard":  # fastavro reads zstandard only with backports.zstd: read the block ourselves
        _check_zstandard_block(objects["topics/orders/partition=0/orders+0+0000000000.avro"])
        return

    assert list(objects) == ["topics/orders/partition=0/orders+0+0000000000.avro"]
    reader = fastavro.reader(io.BytesIO(objects["topics/orders/partition=0/orders+0+0000000000.avro"]))
    assert reader.codec == codec
    assert reader.writer_schema["name"] == "shop.Order"
    rows = list(reader)
    assert [r["id"] for r in rows] == [0, 1, 2]
    assert rows[1] == {"id": 1, "amount": decimal.Decimal("1.50"), "at": AT, "note": "n1"}


def _check_zstandard_block(data: bytes) -> None:
    import cramjam

    from connect_core.api.avro.binary import decode, parse_schema

    header = fastavro.schema.parse_schema(  # the header is itself Avro: magic, metadata map, sync
        {"type": "record", "name": "Header", "fields": [
            {"name": "magic", "type": {"type": "fixed", "name": "Magic", "size": 4}},
            {"name": "meta", "type": {"type": "map", "values": "bytes"}},
            {"name": "sync", "type": {"type": "fixed", "name": "Sync", "size": 16}}]})
    stream = io.BytesIO(data)
    meta = fastavro.schemaless_reader(stream, header)
    assert meta["meta"]["avro.codec"] == b"zstandard"
    rest = stream.read()
    count, size = rest[0] >> 1, None  # 3 records: one-byte zig-zag varints
    size_len = 1 if rest[1] < 0x80 else 2
    size = decode({"type": "long"}, rest[1:1 + size_len])
    block = bytes(cramjam.zstd.decompress(rest[1 + size_len:1 + size_len + size]))
    schema = parse_schema(meta["meta"]["avro.schema"].decode())
    assert count == 3
    assert decode(schema, block)["id"] == 0


def test_parquet_extension_names_the_codec_and_pyarrow_reads_the_rows(s3: Any) -> None:
    objects = _run(s3, [_record(o) for o in range(3)], **{"format.class": PARQUET})

    key = "topics/orders/partition=0/orders+0+0000000000.snappy.parquet"
    assert list(objects) == [key]
    table = pq.read_table(io.BytesIO(objects[key]))
    assert table.to_pylist()[1] == {"id": 1, "amount": decimal.Decimal("1.50"), "at": AT, "note": "n1"}
    assert str(table.schema.field("amount").type) == "decimal256(64, 2)"
    assert b"parquet.avro.schema" in table.schema.metadata
    assert pq.ParquetFile(io.BytesIO(objects[key])).metadata.row_group(0).column(0).compression == "SNAPPY"


@pytest.mark.parametrize(("codec", "extension"), [("none", ".parquet"), ("gzip", ".gz.parquet"),
                                                  ("zstd", ".zstd.parquet")])
def test_parquet_codecs(s3: Any, codec: str, extension: str) -> None:
    objects = _run(s3, [_record(0)], **{"format.class": PARQUET, "parquet.codec": codec, "flush.size": "1"})
    (key,) = objects
    assert key.endswith("orders+0+0000000000" + extension)
    assert pq.read_table(io.BytesIO(objects[key])).num_rows == 1


@pytest.mark.parametrize(("fmt", "suffix"), [(AVRO, ".avro"), (PARQUET, ".snappy.parquet")])
def test_schema_change_starts_a_new_file_at_its_offset(s3: Any, fmt: str, suffix: str) -> None:
    records = [_record(0), _record(1), _record(2, V2), _record(3, V2), _record(4, V2)]
    objects = _run(s3, records, **{"format.class": fmt})

    prefix = "topics/orders/partition=0/orders+0+"
    # flush.size=3: the schema change closes 0-1 early, then 2-4 is full (Confluent rotates on a schema change)
    assert sorted(objects) == [f"{prefix}{o:010d}{suffix}" for o in (0, 2)]


def test_retry_after_partial_write_rewrites_nothing(s3: Any) -> None:
    records = [_record(o) for o in range(6)]
    _run(s3, records[:5], **{"format.class": PARQUET})
    objects = _run(s3, records, **{"format.class": PARQUET})

    rows = [r["id"] for key in sorted(objects) for r in pq.read_table(io.BytesIO(objects[key])).to_pylist()]
    assert rows == [0, 1, 2, 3, 4, 5]


def test_unknown_codec_names_the_key() -> None:
    from connect_core.api.config import parse_config
    from connect_core.connectors.s3.config import S3SinkConfig

    with pytest.raises(ConfigError, match="avro.codec"):
        parse_config(S3SinkConfig, {"s3.bucket.name": "b", "flush.size": "1", "format.class": AVRO,
                                    "avro.codec": "lz77"})


def test_parquet_without_pyarrow_fails_at_start_naming_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    from connect_core.connectors.s3._parquet_format import ParquetFormat

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "pyarrow" else real(name, *a))
    with pytest.raises(ConfigError, match=r"lambda-connect\[formats\]"):
        ParquetFormat("value")


STATUS = (SchemaBuilder.string().parameter("io.confluent.connect.avro.Enum", "shop.Status")
          .parameter("io.confluent.connect.avro.Enum.NEW", "NEW")
          .parameter("io.confluent.connect.avro.Enum.DONE", "DONE").build())
WITH_ENUM = SchemaBuilder.struct().name("shop.Order").field("id", SchemaBuilder.int32().build()).field(
    "status", STATUS).build()


@pytest.mark.parametrize("enhanced", [False, True])
def test_enhanced_avro_schema_support_keeps_an_enum_an_enum_in_avro_and_parquet_files(s3: Any, enhanced: bool) -> None:
    """Confluent's AvroData writes a Connect string that came from an Avro enum as an enum only with the flag on."""
    records = [SinkRecord("orders", 0, None, None, WITH_ENUM, Struct(WITH_ENUM).put("id", 1).put("status", "DONE"), 0)]
    flag = {"enhanced.avro.schema.support": str(enhanced).lower(), "flush.size": "1"}
    avro = _run(s3, records, **{"format.class": AVRO, "topics.dir": "avro"} | flag)
    parquet = _run(s3, records, **{"format.class": PARQUET, "topics.dir": "parquet"} | flag)

    reader = fastavro.reader(io.BytesIO(avro["avro/orders/partition=0/orders+0+0000000000.avro"]))
    status = next(f["type"] for f in reader.writer_schema["fields"] if f["name"] == "status")
    assert list(reader) == [{"id": 1, "status": "DONE"}]
    table = pq.read_table(io.BytesIO(parquet["parquet/orders/partition=0/orders+0+0000000000.snappy.parquet"]))
    kept = json.loads(table.schema.metadata[b"parquet.avro.schema"])
    parquet_status = next(f["type"] for f in kept["fields"] if f["name"] == "status")
    if enhanced:
        assert (status["type"], status["name"], status["symbols"]) == ("enum", "shop.Status", ["NEW", "DONE"])
        assert (parquet_status["type"], parquet_status["name"]) == ("enum", "Status")
    else:
        assert status["type"] == parquet_status["type"] == "string"
