"""Avro object container files (spec 1.11): header with ``avro.schema``/``avro.codec``, data blocks, sync marker.

What Confluent's S3 ``AvroFormat`` writes through Avro's ``DataFileWriter``. Codecs: null, deflate, bzip2, xz
(standard library), snappy and zstandard (``cramjam``, imported only when used).
"""

from __future__ import annotations

import bz2
import hashlib
import lzma
import struct
import zlib
from typing import TYPE_CHECKING, Any

from connect_core.api.avro.binary import decode_sequence, encode_into, encode_long, parse_schema
from connect_core.api.errors import ConfigError, DataError
from connect_core.api.varint import read_varint, unzigzag

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["CODECS", "compress_block", "container_file", "decompress_block", "read_container"]

MAGIC = b"Obj\x01"
CODECS = ("null", "deflate", "snappy", "bzip2", "xz", "zstandard")
_DEFLATE_LEVEL = -1  # Avro Java's DataFileWriter default (zlib's default level)


def compress_block(codec: str, data: bytes) -> bytes:
    """One data block compressed with ``avro.codec`` (S3's AvroFormat assembles blocks from staged parts)."""
    if codec == "null":
        return data
    if codec == "deflate":
        compressor = zlib.compressobj(_DEFLATE_LEVEL, zlib.DEFLATED, -15)  # raw deflate, as Avro's spec says
        return compressor.compress(data) + compressor.flush()
    if codec == "bzip2":
        return bz2.compress(data)
    if codec == "xz":
        return lzma.compress(data)
    try:
        import cramjam
    except ImportError as error:
        raise ConfigError(f"avro.codec={codec} needs the cramjam package (pip install 'lambda-connect[formats]')") \
            from error
    if codec == "snappy":
        return bytes(cramjam.snappy.compress_raw(data)) + struct.pack(">I", zlib.crc32(data) & 0xFFFFFFFF)
    if codec == "zstandard":
        return bytes(cramjam.zstd.compress(data))
    raise ConfigError(f"Invalid value {codec} for configuration avro.codec: Supported: {', '.join(CODECS)}")


def container_file(schema_text: str, parsed: dict[str, Any], datums: Iterable[Any], codec: str = "null") -> bytes:
    """One container file holding ``datums`` in a single block (files here hold at most ``flush.size`` records).

    The sync marker is derived from the schema, so the same records always give the same bytes.
    """
    body = bytearray()
    count = 0
    for datum in datums:
        encode_into(parsed, datum, body)
        count += 1
    sync = hashlib.md5(schema_text.encode("utf-8"), usedforsecurity=False).digest()
    out = bytearray(MAGIC)
    meta = {"avro.schema": schema_text.encode("utf-8"), "avro.codec": codec.encode("ascii")}
    encode_long(out, len(meta))
    for key, value in meta.items():
        encode_long(out, len(key))
        out += key.encode("ascii")
        encode_long(out, len(value))
        out += value
    out.append(0)
    out += sync
    if count:
        block = compress_block(codec, bytes(body))
        encode_long(out, count)
        encode_long(out, len(block))
        out += block
        out += sync
    return bytes(out)


def decompress_block(codec: str, data: bytes) -> bytes:
    """A data block as ``compress_block`` (or Avro's ``DataFileWriter``) compressed it."""
    if codec == "null":
        return data
    if codec == "deflate":
        return zlib.decompress(data, -15)
    if codec == "bzip2":
        return bz2.decompress(data)
    if codec == "xz":
        return lzma.decompress(data)
    try:
        import cramjam
    except ImportError as error:
        raise DataError(f"An Avro file with codec {codec} needs the cramjam package") from error
    if codec == "snappy":
        return bytes(cramjam.snappy.decompress_raw(data[:-4]))  # the trailing 4 bytes are the CRC32
    if codec == "zstandard":
        return bytes(cramjam.zstd.decompress(data))
    raise DataError(f"Unknown Avro codec {codec}")


def read_container(data: bytes) -> tuple[str, list[Any]]:
    """(``avro.schema`` text, every datum in file order) of a container file; ``DataError`` when it is not one."""
    if data[:4] != MAGIC:
        raise DataError("Not an Avro object container file (no Obj\\x01 magic)")
    view = memoryview(data)
    pos = 4

    def long() -> int:
        nonlocal pos
        raw, pos = read_varint(view, pos)
        return unzigzag(raw)

    def chunk(n: int) -> bytes:
        nonlocal pos
        if n < 0 or pos + n > len(data):
            raise DataError("Truncated Avro object container file")
        pos += n
        return data[pos - n:pos]

    meta: dict[str, bytes] = {}
    while (count := long()) != 0:
        if count < 0:
            count = -count
            long()  # the block's size in bytes
        for _ in range(count):
            key = chunk(long()).decode("utf-8")
            meta[key] = chunk(long())
    sync = chunk(16)
    schema_text = meta.get("avro.schema", b"").decode("utf-8")
    codec = meta.get("avro.codec", b"null").decode("ascii") or "null"
    schema = parse_schema(schema_text)
    datums: list[Any] = []
    while pos < len(data):
        count, size = long(), long()
        datums.extend(decode_sequence(schema, decompress_block(codec, chunk(size)), count))
        if chunk(16) != sync:
            raise DataError("Avro object container file: a block does not end with the file's sync marker")
    return schema_text, datums
