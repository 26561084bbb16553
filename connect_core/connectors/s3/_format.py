"""Record formats: JSON Lines and ByteArray, optionally gzip-compressed (Confluent ``JsonFormat``/``ByteArrayFormat``);
``build_format`` also gives the Avro and Parquet writers (``_avro_format``, ``_parquet_format``).

A format turns records into *parts* (``stage``: what an invocation keeps in the staging area while a file is still
open) and parts into the file (``assemble``), so a file of ``flush.size`` records can be gathered over several
invocations; the file is built in memory and written with a single PutObject, which makes every object appear
atomically. ``schema_id`` says when a record starts a new file (Avro and Parquet rotate on a schema change).
"""

from __future__ import annotations

import codecs
import gzip
from typing import TYPE_CHECKING, Any, Literal

from connect_core.api.data_json import to_json_text
from connect_core.api.errors import DataError
from connect_core.api.schema import Type
from connect_core.connectors.s3._json_lines import compile_line

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from connect_core.api.data_json import DecimalFormat
    from connect_core.api.record import SinkRecord
    from connect_core.api.schema import Schema
    from connect_core.connectors.s3._avro_format import AvroFormat
    from connect_core.connectors.s3._parquet_format import ParquetFormat
    from connect_core.connectors.s3.config import S3SinkConfig

__all__ = ["RecordFormat", "View", "build_format"]

View = Literal["value", "key", "headers"]
VIEW_INFIX = {"value": "", "key": ".keys", "headers": ".headers"}
LINE_SEPARATOR = b"\n"
_GZIP_DEFAULT_LEVEL = 6  # zlib's Z_DEFAULT_COMPRESSION


def unescape_java(text: str) -> str:
    """Resolve Java escapes (``\\n``, ``\\t``, ``\\u0001``) in ``format.bytearray.separator``."""
    return codecs.decode(text.encode("utf-8"), "unicode_escape") if "\\" in text else text


class RecordFormat:
    """Writes one view (value, key or headers) of records as JSON Lines or raw bytes, then compresses."""

    __slots__ = ("_decimal_format", "_kind", "_level", "_lines", "_separator", "_view", "extension")

    def __init__(
        self,
        kind: str,
        view: View,
        *,
        compression: str = "none",
        level: int = -1,
        bytearray_extension: str = ".bin",
        separator: str | None = None,
        decimal_numeric: bool = False,
    ) -> None:
        """Create a writer; ``kind`` is ``json`` or ``bytearray``."""
        self._kind = kind
        self._view = view
        self._level: int | None = None
        if compression == "gzip":
            self._level = _GZIP_DEFAULT_LEVEL if level < 0 else level
        self._separator = LINE_SEPARATOR if separator is None else unescape_java(separator).encode("utf-8")
        self._decimal_format: DecimalFormat = "NUMERIC" if decimal_numeric else "BASE64"
        self._lines: dict[int, tuple[Schema | None, Callable[[Any], bytes | None] | None]] = {}  # by id(schema)
        base = ".json" if kind == "json" else bytearray_extension
        gz = ".gz" if compression == "gzip" else ""
        self.extension = VIEW_INFIX[view] + base + gz

    def split(self, records: list[SinkRecord]) -> list[list[SinkRecord]]:
        """JSON Lines and raw bytes need no file per schema."""
        return [records]

    def schema_id(self, record: SinkRecord) -> str | None:
        """JSON Lines and raw bytes never rotate on a schema change."""
        return None

    def stage(self, records: Iterable[SinkRecord]) -> tuple[bytes, str]:
        """A part of a file: the uncompressed lines of ``records`` (parts concatenate into the file body)."""
        if self._kind == "json" and self._view != "headers":
            return self._compiled_lines(records), ""
        line = self._json_line if self._kind == "json" else self._bytes_line
        return b"".join(line(r) for r in records), ""

    def assemble(self, parts: list[tuple[bytes, str]], count: int) -> bytes:
        """The file from its parts, in order (compressed when configured; gzip mtime 0 keeps it reproducible)."""
        body = b"".join(part for part, _ in parts)
        if self._level is None:
            return body
        return gzip.compress(body, compresslevel=self._level, mtime=0)

    def encode(self, records: Iterable[SinkRecord]) -> bytes:
        """The file body for ``records`` in one part."""
        return self.assemble([self.stage(records)], 0)

    def _compiled_lines(self, records: Iterable[SinkRecord]) -> bytes:
        """JSON lines through the schema's generated writer (``_json_lines``), the exact way where it declines; the
        texts joined by newlines (a text a struct was read from is taken as it is, not copied with its newline)."""
        key = self._view == "key"
        lines: list[bytes] = []
        append = lines.append
        last: Any = lines  # no schema is this list: the first record looks its writer up
        write: Callable[[Any], bytes | None] | None = None
        for record in records:
            schema, value = (record.key_schema, record.key) if key else (record.value_schema, record.value)
            if schema is not last:
                last, write = schema, self._line_writer(schema)
            line = write(value) if write is not None else None
            append(self._json_text(record) if line is None else line)
        append(b"")  # the last line's newline
        return LINE_SEPARATOR.join(lines)

    def _line_writer(self, schema: Schema | None) -> Callable[[Any], bytes | None] | None:
        cached = self._lines.get(id(schema))
        if cached is None or cached[0] is not schema:  # keyed by identity; the schema is kept alive with it
            cached = self._lines[id(schema)] = (schema, compile_line(
                schema, base64_decimals=self._decimal_format == "BASE64", newline=False))
        return cached[1]

    def _json_line(self, record: SinkRecord) -> bytes:
        return self._json_text(record) + LINE_SEPARATOR

    def _json_text(self, record: SinkRecord) -> bytes:
        """A record's view as the exact writer's JSON text (its line without the newline)."""
        if self._view == "headers":
            headers = ",".join(
                '{"key":' + to_json_text(None, h.key) + ',"value":'
                + to_json_text(None, h.value if h.value is None or isinstance(h.value, str)
                               else to_json_text(h.schema, h.value))
                + "}"
                for h in record.headers
            )
            text = '{"headers":[' + headers + "]}"
        elif self._view == "key":
            text = to_json_text(record.key_schema, record.key, decimal_format=self._decimal_format)
        else:
            text = to_json_text(record.value_schema, record.value, decimal_format=self._decimal_format)
        return text.encode("utf-8")

    def _bytes_line(self, record: SinkRecord) -> bytes:
        schema, value = (record.key_schema, record.key) if self._view == "key" else (record.value_schema, record.value)
        if schema is not None and schema.type is not Type.BYTES:
            raise DataError(f"Invalid schema type for ByteArrayFormat: {schema.type}")
        if value is None:
            return self._separator
        if not isinstance(value, (bytes, bytearray, memoryview)):
            raise DataError(f"ByteArrayFormat is not compatible with objects of type {type(value).__name__}")
        return bytes(value) + self._separator


def build_format(kind: str, view: View, config: S3SinkConfig) -> RecordFormat | AvroFormat | ParquetFormat:
    """The writer of one view for a format kind of ``FORMATS`` (Avro and Parquet write one file per schema)."""
    if kind == "avro":
        from connect_core.connectors.s3._avro_format import AvroFormat

        return AvroFormat(view, codec=config.avro_codec, enhanced=config.enhanced_avro_schema_support,
                          connect_meta_data=config.connect_meta_data)
    if kind == "parquet":
        from connect_core.connectors.s3._parquet_format import ParquetFormat

        return ParquetFormat(view, codec=config.parquet_codec, enhanced=config.enhanced_avro_schema_support,
                             connect_meta_data=config.connect_meta_data)
    return RecordFormat(kind, view, compression=config.s3_compression_type, level=config.s3_compression_level,
                        bytearray_extension=config.format_bytearray_extension,
                        separator=config.format_bytearray_separator,
                        decimal_numeric=config.json_decimal_format == "NUMERIC")
