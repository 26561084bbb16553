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

from connect_core.api.avro.binary import encode_into, encode_long
from connect_core.api.errors import ConfigError

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["CODECS", "compress_block", "container_file"]

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
