"""Confluent's ``AvroFormat``: one Avro object container file per S3 object (``.avro``, ``avro.codec``).

Each file has one writer schema, the Connect schema of its records mapped by Confluent's ``AvroData``; a record
whose schema differs from the one before starts a new file (Confluent rotates on schema change, with the default
``schema.compatibility=NONE``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from connect_core.api.errors import DataError
from connect_core.converters.avro_binary import schema_json
from connect_core.converters.avro_container import container_file
from connect_core.converters.avro_data import AvroData

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

    __slots__ = ("_codec", "_data", "_view", "extension")

    def __init__(self, view: str, *, codec: str = "null", enhanced: bool = False,
                 connect_meta_data: bool = True) -> None:
        """``codec`` is ``avro.codec``; the AvroData flags are the converter's."""
        if view not in _INFIX:
            raise DataError("AvroFormat cannot hold headers: use JsonFormat for headers.format.class")
        self._view = view
        self._codec = codec
        self._data = AvroData(connect_meta_data=connect_meta_data, enhanced_schema_support=enhanced)
        self.extension = _INFIX[view] + ".avro"

    def split(self, records: list[SinkRecord]) -> list[list[SinkRecord]]:
        """One file per schema run."""
        return split_on_schema_change(records, self._view)

    def encode(self, records: list[SinkRecord]) -> bytes:
        """The container file of ``records`` (all of one schema, see ``split``)."""
        schema = view_of(records[0], self._view)[0]
        if schema is None:
            raise DataError(f"AvroFormat needs records with a {self._view} schema (topic {records[0].topic}, "
                            f"offset {records[0].kafka_offset}); use a converter with schemas")
        avro_json, parsed = self._data.from_connect_schema(schema)
        datums = (self._data.from_connect_data(schema, parsed, view_of(r, self._view)[1]) for r in records)
        return container_file(schema_json(avro_json), parsed, datums, self._codec)
