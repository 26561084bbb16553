"""Confluent's ``AvroFormat``: one Avro object container file per S3 object (``.avro``, ``avro.codec``).

Each file has one writer schema, the Connect schema of its records mapped by Confluent's ``AvroData``; a record
whose schema differs from the one before starts a new file (Confluent rotates on schema change, with the default
``schema.compatibility=NONE``).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from connect_core.api.avro.binary import encode_into, encode_long, parse_schema, schema_json
from connect_core.api.avro.container import compress_block, container_file
from connect_core.api.avro.data import AvroData
from connect_core.api.errors import DataError

if TYPE_CHECKING:
    from connect_core.api.record import SinkRecord
    from connect_core.api.schema import Schema

__all__ = ["AvroFormat", "split_on_schema_change", "view_of"]

_INFIX = {"value": "", "key": ".keys"}


def view_of(record: SinkRecord, view: str) -> tuple[Schema | None, object]:
    """(schema, value) of the record's key or value."""
    return (record.key_schema, record.key) if view == "key" else (record.value_schema, record.value)


def split_on_schema_change(records: list[SinkRecord], view: str) -> list[list[SinkRecord]]:
    """Runs of records that share one schema, in order (a new file starts where the schema changes)."""
    runs: list[list[SinkRecord]] = []
    current: Schema | None = None
    for record in records:
        schema = view_of(record, view)[0]
        if not runs or schema != current:
            runs.append([])
            current = schema
        runs[-1].append(record)
    return runs


class AvroFormat:
    """Writes the key or value view of records as one Avro container file."""

    __slots__ = ("_codec", "_data", "_texts", "_view", "extension")

    def __init__(self, view: str, *, codec: str = "null", enhanced: bool = False,
                 connect_meta_data: bool = True) -> None:
        """``codec`` is ``avro.codec``; the AvroData flags are the converter's."""
        if view not in _INFIX:
            raise DataError("AvroFormat cannot hold headers: use JsonFormat for headers.format.class")
        self._view = view
        self._codec = codec
        self._data = AvroData(connect_meta_data=connect_meta_data, enhanced_schema_support=enhanced)
        self._texts: dict[Schema, tuple[str, dict[str, Any]]] = {}
        self.extension = _INFIX[view] + ".avro"

    def split(self, records: list[SinkRecord]) -> list[list[SinkRecord]]:
        """One file per schema run."""
        return split_on_schema_change(records, self._view)

    def _schema(self, record: SinkRecord) -> tuple[Schema, str, dict[str, Any]]:
        schema = view_of(record, self._view)[0]
        if schema is None:
            raise DataError(f"AvroFormat needs records with a {self._view} schema (topic {record.topic}, "
                            f"offset {record.kafka_offset}); use a converter with schemas")
        cached = self._texts.get(schema)
        if cached is None:
            avro_json, parsed = self._data.from_connect_schema(schema)
            cached = self._texts[schema] = (schema_json(avro_json), parsed)
        return schema, cached[0], cached[1]

    def schema_id(self, record: SinkRecord) -> str | None:
        """The Avro schema text of the record's view: a different one starts a new file."""
        return self._schema(record)[1]

    def stage(self, records: list[SinkRecord]) -> tuple[bytes, str]:
        """A part: the binary datums of ``records`` (all of one schema), and that schema's text."""
        schema, text, parsed = self._schema(records[0])
        body = bytearray()
        for record in records:
            encode_into(parsed, self._data.from_connect_data(schema, parsed, view_of(record, self._view)[1]), body)
        return bytes(body), text

    def assemble(self, parts: list[tuple[bytes, str]], count: int) -> bytes:
        """One container file, one block of every part's datums (the schema text of the parts is the same)."""
        text = parts[0][1]
        header = container_file(text, parse_schema(json.loads(text)), (), self._codec)  # no datums: header + sync
        out = bytearray(header)
        block = compress_block(self._codec, b"".join(part for part, _ in parts))
        encode_long(out, count)
        encode_long(out, len(block))
        out += block
        out += header[-16:]
        return bytes(out)

    def encode(self, records: list[SinkRecord]) -> bytes:
        """The container file of ``records`` (all of one schema, see ``split``)."""
        return self.assemble([self.stage(records)], len(records))
