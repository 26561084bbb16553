"""Reading the S3 sink's objects back into Connect data: JSON Lines (gzip or not), raw bytes, Avro container
files (the Connect schema restored from the Avro schema, as AvroConverter does) and Parquet (its Avro schema from
the file's ``parquet.avro.schema``). The headers view is the sink's ``{"headers":[{"key":..,"value":..}]}`` lines.
"""

from __future__ import annotations

import codecs
import gzip
import json
from itertools import repeat
from typing import TYPE_CHECKING, Any

import orjson

from connect_core.api.errors import DataError
from connect_core.api.schema import SchemaBuilder

if TYPE_CHECKING:
    from connect_core.api.schema import Schema

__all__ = ["Decoded", "decode_headers", "decode_view", "extensions", "json_lines", "json_lines_readable"]

Decoded = list[tuple["Schema | None", Any]]
_BYTES = SchemaBuilder.bytes().optional().build()
_STRING = SchemaBuilder.string().optional().build()
# 19 digits in a row: maybe an integer outside orjson's 64-bit range, which it reads as a float (json as an int).
# Found by mapping digits to 0 and all else to a space (a C pass; a regex is slower than the parse itself).
_DIGIT_RUNS = bytes(0x30 if 0x30 <= b <= 0x39 else 0x20 for b in range(256))
_LONG_RUN = b"0" * 19


def extensions(kind: str, bytearray_extension: str) -> tuple[str, ...]:
    """The extensions a value object of format ``kind`` may have (with the sink's compression choices)."""
    if kind == "json":
        return (".json", ".json.gz")
    if kind == "bytearray":
        return (bytearray_extension, bytearray_extension + ".gz")
    if kind == "avro":
        return (".avro",)
    return tuple(f"{codec}.parquet" for codec in ("", ".snappy", ".gz", ".lz4", ".brotli", ".zstd"))


def _kind(extension: str) -> str:
    if extension.endswith(".parquet"):
        return "parquet"
    if extension == ".avro":
        return "avro"
    if extension in (".json", ".json.gz"):
        return "json"
    return "bytearray"


def decode_view(body: bytes, extension: str, separator: str | None) -> Decoded:
    """(schema, value) of every record of one object, in file order."""
    kind = _kind(extension)
    if extension.endswith(".gz") and kind in ("json", "bytearray"):
        body = gzip.decompress(body)
    if kind == "json":
        try:
            return list(zip(repeat(None), json_lines(body)))
        except ValueError as error:
            raise DataError(f"Not a JSON Lines object: {error}") from error
    if kind == "bytearray":
        sep = b"\n" if separator is None else _unescape(separator).encode("utf-8")
        parts = body.split(sep)
        if parts and parts[-1] == b"":
            parts.pop()  # the separator ends every record
        return [(_BYTES, part) for part in parts]
    if kind == "avro":
        from connect_core.api.avro.container import read_container
        from connect_core.api.avro.data import AvroData

        schema_text, datums = read_container(body)
        return _from_avro(AvroData(), schema_text, datums)
    return _parquet(body)


def json_lines(body: bytes) -> list[Any]:
    """The value of every non-empty line of ``body``, as :func:`json_lines_readable` gives them: parsed by orjson in
    one C loop when it reads them the same: an object with 19 digits in a row (an integer orjson may make a float)
    or with anything orjson rejects (json takes ``NaN``, ``1e400``, a lone surrogate) is read by json instead."""
    lines = list(filter(None, body.split(b"\n")))
    if _LONG_RUN not in body.translate(_DIGIT_RUNS):
        try:
            return list(map(orjson.loads, lines))
        except orjson.JSONDecodeError:
            pass
    return json_lines_readable(lines)


def json_lines_readable(lines: list[bytes]) -> list[Any]:
    """Each line's value by ``json.loads`` (the reference: raises its ``ValueError`` for a line that is no JSON)."""
    return [json.loads(line) for line in lines]


def _from_avro(data: Any, schema_text: str, datums: list[Any]) -> Decoded:
    schema, parsed = data.to_connect_schema(schema_text)
    return [(schema, data.to_connect_data(schema, parsed, datum)) for datum in datums]


def _parquet(body: bytes) -> Decoded:
    """A Parquet object: rows as Avro datums of the file's ``parquet.avro.schema``, then Connect data."""
    import io

    import pyarrow.parquet as pq

    from connect_core.api.avro.binary import parse_schema
    from connect_core.api.avro.data import AvroData

    table = pq.read_table(io.BytesIO(body))
    metadata = table.schema.metadata or {}
    schema_text = (metadata.get(b"parquet.avro.schema") or b"").decode("utf-8")
    if not schema_text:
        raise DataError("A Parquet object without parquet.avro.schema metadata: not written by the S3 sink")
    parsed = parse_schema(schema_text)
    datums = [_avro_datum(parsed, row) for row in table.to_pylist()]
    return _from_avro(AvroData(), schema_text, datums)


def _avro_datum(avro: dict[str, Any], value: Any) -> Any:
    """A pyarrow value as ``binary.decode`` would give it for ``avro`` (unions as (index, value), logical types as
    their Avro representation)."""
    kind = avro["type"]
    if kind == "union":
        branches = avro["types"]
        if value is None:
            return next(i for i, b in enumerate(branches) if b["type"] == "null"), None
        index = next(i for i, b in enumerate(branches) if b["type"] != "null")
        return index, _avro_datum(branches[index], value)
    if value is None:
        return None
    if kind == "record":
        return {f["name"]: _avro_datum(f["type"], value.get(f["name"])) for f in avro["fields"]}
    if kind == "array":
        return [_avro_datum(avro["items"], v) for v in value]
    if kind == "map":
        return {k: _avro_datum(avro["values"], v) for k, v in value}
    logical = avro.get("logicalType")
    if logical is not None:
        return _logical(logical, avro, value)
    return value


def _logical(logical: str, avro: dict[str, Any], value: Any) -> Any:
    import datetime
    import decimal

    if logical == "decimal" and isinstance(value, decimal.Decimal):
        unscaled = int(value.scaleb(int(avro.get("scale", 0))))
        return unscaled.to_bytes((unscaled.bit_length() + 8) // 8 or 1, "big", signed=True)
    if logical == "date" and isinstance(value, datetime.date):
        return (value - datetime.date(1970, 1, 1)).days
    if logical == "time-millis" and isinstance(value, datetime.time):
        return ((value.hour * 60 + value.minute) * 60 + value.second) * 1000 + value.microsecond // 1000
    if logical == "timestamp-millis" and isinstance(value, datetime.datetime):
        epoch = datetime.datetime(1970, 1, 1, tzinfo=value.tzinfo)
        return (value - epoch) // datetime.timedelta(milliseconds=1)
    return value


def decode_headers(body: bytes, extension: str) -> list[list[tuple[str, Schema | None, Any]]]:
    """Each record's headers from a ``.headers`` object (JSON Lines): values are their string forms."""
    if extension not in {".json", ".json.gz"}:
        raise DataError(f"Headers objects in {extension} cannot be restored; only JSON (headers.format.class)")
    out: list[list[tuple[str, Schema | None, Any]]] = []
    for _, line in decode_view(body, extension, None):
        headers = line.get("headers", []) if isinstance(line, dict) else []
        out.append([(h["key"], None if h.get("value") is None else _STRING, h.get("value")) for h in headers])
    return out


def _unescape(text: str) -> str:
    """Java escapes (``\\n``, ``\\u0001``) in ``format.bytearray.separator``, as the sink reads them."""
    return codecs.decode(text.encode("utf-8"), "unicode_escape") if "\\" in text else text
