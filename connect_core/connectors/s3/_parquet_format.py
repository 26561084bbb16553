"""Confluent's ``ParquetFormat``: one Parquet file per S3 object (``parquet.codec``, ``.snappy.parquet``).

Confluent writes Parquet through parquet-avro from the ``AvroData`` schema, so the column types are Avro's:
int8/int16/int32 -> INT32, int64 -> INT64, Decimal -> DECIMAL(precision, scale), Date -> DATE, Time ->
TIME(MILLIS), Timestamp -> TIMESTAMP(MILLIS, UTC), string maps -> MAP, other maps -> lists of key/value structs;
optional schemas are nullable columns. The Avro schema is kept in the file metadata (``parquet.avro.schema``), as
parquet-avro does. pyarrow is imported only when a connector writes Parquet.
"""

from __future__ import annotations

import importlib.util
import io
from typing import TYPE_CHECKING, Any

from connect_core.api.avro.binary import schema_json
from connect_core.api.avro.data import CONNECT_AVRO_DECIMAL_PRECISION_DEFAULT, AvroData
from connect_core.api.errors import ConfigError, DataError
from connect_core.api.logical import Date, Decimal, Time, Timestamp
from connect_core.api.schema import Type
from connect_core.connectors.s3._avro_format import split_on_schema_change, view_of

if TYPE_CHECKING:
    from connect_core.api.record import SinkRecord
    from connect_core.api.schema import Schema

__all__ = ["CODEC_EXTENSIONS", "ParquetFormat"]

# parquet.codec -> (pyarrow compression, parquet-mr's CompressionCodecName extension)
CODEC_EXTENSIONS = {"none": (None, ""), "snappy": ("snappy", ".snappy"), "gzip": ("gzip", ".gz"),
                    "lz4": ("lz4", ".lz4raw"), "brotli": ("brotli", ".br"), "zstd": ("zstd", ".zstd")}
_INFIX = {"value": "", "key": ".keys"}


class ParquetFormat:
    """Writes the key or value view of records (struct schemas) as one Parquet file."""

    __slots__ = ("_avro", "_compression", "_types", "_view", "extension")

    def __init__(self, view: str, *, codec: str = "snappy", enhanced: bool = False,
                 connect_meta_data: bool = True) -> None:
        """``codec`` is ``parquet.codec``; the AvroData flags shape the Avro schema kept in the file, as Confluent's."""
        if view not in _INFIX:
            raise DataError("ParquetFormat cannot hold headers: use JsonFormat for headers.format.class")
        if importlib.util.find_spec("pyarrow") is None:
            raise ConfigError("format.class ParquetFormat needs pyarrow, which this build leaves out for size: "
                              "install lambda-connect[formats] (or add pyarrow to the function's layer)")
        if codec not in CODEC_EXTENSIONS:
            raise ConfigError(f"Invalid value {codec} for configuration parquet.codec: Supported: "
                              f"{', '.join(CODEC_EXTENSIONS)}")
        self._view = view
        self._compression, suffix = CODEC_EXTENSIONS[codec]
        self._avro = AvroData(connect_meta_data=connect_meta_data, enhanced_schema_support=enhanced)
        self._types: dict[Schema, Any] = {}
        self.extension = _INFIX[view] + suffix + ".parquet"

    def split(self, records: list[SinkRecord]) -> list[list[SinkRecord]]:
        """One file per schema run."""
        return split_on_schema_change(records, self._view)

    def _arrow_schema(self, record: SinkRecord) -> Any:
        import pyarrow as pa

        schema = view_of(record, self._view)[0]
        if schema is None or schema.type is not Type.STRUCT:
            raise DataError(f"ParquetFormat needs struct {self._view}s with a schema (topic {record.topic}, "
                            f"offset {record.kafka_offset})")
        arrow_schema = self._types.get(schema)
        if arrow_schema is None:
            avro_json, _ = self._avro.from_connect_schema(schema)
            fields = [pa.field(f.name, _arrow_type(pa, f.schema), nullable=f.schema.optional) for f in schema.fields]
            arrow_schema = self._types[schema] = pa.schema(fields, metadata={
                b"parquet.avro.schema": schema_json(avro_json).encode("utf-8")})
        return arrow_schema

    def schema_id(self, record: SinkRecord) -> str | None:
        """The Avro schema text of the record's view (what parquet-avro keeps): a different one starts a new file."""
        return self._arrow_schema(record).metadata[b"parquet.avro.schema"].decode("utf-8")

    def stage(self, records: list[SinkRecord]) -> tuple[bytes, str]:
        """A part: an uncompressed Parquet file of ``records`` (all of one struct schema)."""
        import pyarrow as pa

        arrow_schema = self._arrow_schema(records[0])
        rows = [_row(view_of(r, self._view)[1]) for r in records]
        try:
            table = pa.Table.from_pylist(rows, schema=arrow_schema)
        except (pa.ArrowInvalid, pa.ArrowTypeError) as error:
            raise DataError(f"ParquetFormat could not write records of topic {records[0].topic}: {error}") from error
        return _write(table, None), ""

    def assemble(self, parts: list[tuple[bytes, str]], count: int) -> bytes:
        """One Parquet file of every part's rows, compressed with ``parquet.codec``."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        tables = [pq.read_table(io.BytesIO(part)) for part, _ in parts]
        return _write(tables[0] if len(tables) == 1 else pa.concat_tables(tables), self._compression)

    def encode(self, records: list[SinkRecord]) -> bytes:
        """The Parquet file of ``records`` (all of one struct schema)."""
        return self.assemble([self.stage(records)], len(records))


def _write(table: Any, compression: str | None) -> bytes:
    import pyarrow.parquet as pq

    out = io.BytesIO()
    pq.write_table(table, out, compression=compression or "none")
    return out.getvalue()


def _arrow_type(pa: Any, schema: Schema) -> Any:
    name = schema.name
    if name == Decimal.LOGICAL_NAME:
        scale = Decimal.scale(schema)
        precision = int((schema.parameters or {}).get("connect.decimal.precision",
                                                        CONNECT_AVRO_DECIMAL_PRECISION_DEFAULT))
        return pa.decimal128(precision, scale) if precision <= 38 else pa.decimal256(precision, scale)
    if name == Date.LOGICAL_NAME:
        return pa.date32()
    if name == Time.LOGICAL_NAME:
        return pa.time32("ms")
    if name == Timestamp.LOGICAL_NAME:
        return pa.timestamp("ms", tz="UTC")
    t = schema.type
    if t in (Type.INT8, Type.INT16, Type.INT32):
        return pa.int32()
    simple = {Type.INT64: pa.int64(), Type.FLOAT32: pa.float32(), Type.FLOAT64: pa.float64(),
              Type.BOOLEAN: pa.bool_(), Type.STRING: pa.string(), Type.BYTES: pa.binary()}
    if t in simple:
        return simple[t]
    if t is Type.ARRAY:
        element = schema.require_value_schema()
        return pa.list_(pa.field("element", _arrow_type(pa, element), element.optional))
    if t is Type.MAP:
        key, value = schema.require_key_schema(), schema.require_value_schema()
        if key.type is Type.STRING and not key.optional:
            return pa.map_(pa.string(), pa.field("value", _arrow_type(pa, value), value.optional))
        return pa.list_(pa.field("element", pa.struct([pa.field("key", _arrow_type(pa, key), key.optional),
                                                        pa.field("value", _arrow_type(pa, value), value.optional)]),
                                 False))
    return pa.struct([pa.field(f.name, _arrow_type(pa, f.schema), f.schema.optional) for f in schema.fields])


def _row(value: Any) -> dict[str, Any]:
    return {f.name: _cell(f.schema, value.get(f)) for f in value.schema.fields}


def _cell(schema: Schema, value: Any) -> Any:
    if value is None or schema.name is not None:
        return value
    t = schema.type
    if t is Type.STRUCT:
        return _row(value)
    if t is Type.ARRAY:
        return [_cell(schema.require_value_schema(), v) for v in value]
    if t is Type.MAP:
        key, val = schema.require_key_schema(), schema.require_value_schema()
        if key.type is Type.STRING and not key.optional:
            return [(k, _cell(val, v)) for k, v in value.items()]
        return [{"key": _cell(key, k), "value": _cell(val, v)} for k, v in value.items()]
    if t is Type.BYTES:
        return bytes(value)
    return value
