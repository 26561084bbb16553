"""Avro container files read back: every codec the S3 sink writes, several blocks, and damaged files refused."""

from __future__ import annotations

import pytest

from connect_core.api.avro.binary import encode, encode_long, parse_schema, schema_json
from connect_core.api.avro.container import MAGIC, compress_block, container_file, read_container
from connect_core.api.errors import DataError

SCHEMA = {"type": "record", "name": "R", "fields": [{"name": "id", "type": "long"},
                                                     {"name": "tag", "type": ["null", "string"]}]}


@pytest.mark.parametrize("codec", ["null", "deflate", "bzip2", "xz", "snappy", "zstandard"])
def test_what_container_file_writes_reads_back(codec: str) -> None:
    text = schema_json(SCHEMA)
    datums = [{"id": i, "tag": (1, f"t{i}") if i % 2 else (0, None)} for i in range(50)]

    assert read_container(container_file(text, parse_schema(text), datums, codec)) == (text, datums)


def test_several_blocks_in_order() -> None:
    text = schema_json(SCHEMA)
    parsed = parse_schema(text)
    head = container_file(text, parsed, [], "deflate")  # header and sync only
    sync = head[-16:]
    body = bytearray(head)
    for block in ([{"id": 1, "tag": (0, None)}], [{"id": 2, "tag": (1, "x")}, {"id": 3, "tag": (0, None)}]):
        data = compress_block("deflate", b"".join(encode(parsed, d) for d in block))
        encode_long(body, len(block))
        encode_long(body, len(data))
        body += data + sync

    assert [d["id"] for d in read_container(bytes(body))[1]] == [1, 2, 3]


def test_not_a_container_or_a_broken_sync_marker_is_a_data_error() -> None:
    text = schema_json(SCHEMA)
    good = container_file(text, parse_schema(text), [{"id": 1, "tag": (0, None)}])

    with pytest.raises(DataError, match="Not an Avro object container file"):
        read_container(b"PAR1" + good[4:])
    with pytest.raises(DataError, match="sync marker"):
        read_container(good[:-1] + bytes([good[-1] ^ 1]))
    assert good.startswith(MAGIC)
