"""Debezium's PostgreSQL change event: key struct, ``Envelope`` value, ``source`` block and context headers.

Names and field order are Debezium 3.7's (``<prefix>.<schema>.<table>.Key``/``.Value``/``.Envelope``,
``io.debezium.connector.postgresql.Source``, ``event.block``), checked against Debezium's own connector.

"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from connect_core.api.header import Headers
from connect_core.api.schema import (
    OPTIONAL_INT64_SCHEMA,
    OPTIONAL_STRING_SCHEMA,
    STRING_SCHEMA,
    SchemaBuilder,
)
from connect_core.api.struct import Struct
from connect_core.connectors._debezium.envelope import source_builder, transaction_schema

if TYPE_CHECKING:
    from connect_core.api.schema import Schema

__all__ = ["DEBEZIUM_VERSION", "ContextHeaders", "Envelope", "SourceBlock", "sequence_reference"]

DEBEZIUM_VERSION: Final = "3.7.0.Final"  # the release whose events these are checked against (tests/compat)
CONNECTOR: Final = "postgresql"
_HEADER_PREFIX: Final = "__debezium.context."


class SourceBlock:
    """The ``source`` struct of one connector (``connector: postgresql``)."""

    def __init__(self, server_name: str, database: str) -> None:
        """Build the schema once; ``server_name`` is the topic prefix."""
        self.schema = (
            source_builder("io.debezium.connector.postgresql.Source")
            .field("schema", STRING_SCHEMA).field("table", STRING_SCHEMA)
            .field("txId", OPTIONAL_INT64_SCHEMA).field("lsn", OPTIONAL_INT64_SCHEMA)
            .field("xmin", OPTIONAL_INT64_SCHEMA).field("origin", OPTIONAL_STRING_SCHEMA)
            .field("origin_lsn", OPTIONAL_INT64_SCHEMA).build()
        )
        self._head = [DEBEZIUM_VERSION, CONNECTOR, server_name]
        self._db = database

    def struct(self, ts_us: int, snapshot: str, schema: str, table: str, tx_id: int | None,  # noqa: PLR0917
               lsn: int | None, last_commit_lsn: int | None) -> Struct:
        """One source block (``values``)."""
        return Struct.from_validated(self.schema, self.values(ts_us, snapshot, schema, table, tx_id, lsn,
                                                              last_commit_lsn))

    def values(self, ts_us: int, snapshot: str, schema: str, table: str, tx_id: int | None,  # noqa: PLR0917
               lsn: int | None, last_commit_lsn: int | None) -> list[Any]:
        """One source block's field values; ``sequence`` is ``[last commit LSN, lsn]`` as JSON strings
        (Debezium's). An incremental snapshot's block leaves ``txId`` and ``lsn`` out (its sequence keeps them), as
        Debezium's."""
        # the text ``sequence_reference`` makes, without a json.dumps per record (LSNs are ints: nothing to escape)
        sequence = (("[null," if last_commit_lsn is None else f'["{last_commit_lsn:d}",')
                    + ("null]" if lsn is None else f'"{lsn:d}"]'))
        if snapshot == "incremental":
            tx_id = lsn = None
        return [*self._head, ts_us // 1000, snapshot, self._db, sequence, ts_us, ts_us * 1000, schema, table, tx_id,
                lsn, None, None, None]


def sequence_reference(last_commit_lsn: int | None, lsn: int | None) -> str:
    """``source.sequence`` as Debezium writes it (a JSON array of two strings or nulls): what ``struct`` makes."""
    return json.dumps([None if last_commit_lsn is None else str(last_commit_lsn), None if lsn is None else str(lsn)],
                      separators=(",", ":"))


class ContextHeaders:
    """The ``__debezium.context.*`` headers every record carries (a new ``runId`` per task start, as Debezium)."""

    def __init__(self, server_name: str, task_id: str = "0") -> None:
        """One run of the task: its headers are built (and validated) once; ``Header`` objects are immutable, so
        every record's own ``Headers`` can hold the same ones."""
        self._items = [("connectorLogicalName", server_name), ("taskId", task_id), ("connectorName", CONNECTOR),
                       ("runId", str(uuid.uuid4()))]
        self._built = list(self.headers_reference())

    def headers(self, first: tuple[str, Schema, Any] | None = None) -> Headers:
        """Fresh headers (records may be changed by SMTs: a new ``Headers`` with its own list per record);
        ``first`` is a ``__debezium.newkey``/``oldkey`` one."""
        if first is None:
            return Headers(self._built)
        headers = Headers().add(first[0], first[2], first[1])
        for header in self._built:
            headers.add_header(header)
        return headers

    def headers_reference(self, first: tuple[str, Schema, Any] | None = None) -> Headers:
        """What ``headers`` returns, built header by header as Debezium adds them."""
        headers = Headers()
        if first is not None:
            headers.add(first[0], first[2], first[1])
        for name, value in self._items:
            headers.add(_HEADER_PREFIX + name, value, STRING_SCHEMA)
        return headers


@dataclass(slots=True)
class Envelope:
    """Key and envelope schemas of one table as one set of columns describes it."""

    topic: str
    key_schema: Schema | None
    row_schema: Schema
    schema: Schema

    @classmethod
    def build(cls, topic: str, row_schema: Schema, key_schema: Schema | None, source: SourceBlock) -> Envelope:
        """The ``<topic>.Envelope`` schema around ``row_schema``."""
        envelope = (SchemaBuilder.struct().name(topic + ".Envelope").version(2)
                    .field("before", row_schema).field("after", row_schema).field("source", source.schema)
                    .field("transaction", transaction_schema()).field("op", STRING_SCHEMA)
                    .field("ts_ms", OPTIONAL_INT64_SCHEMA).field("ts_us", OPTIONAL_INT64_SCHEMA)
                    .field("ts_ns", OPTIONAL_INT64_SCHEMA).build())
        return cls(topic, key_schema, row_schema, envelope)

    def value(self, before: Struct | None, after: Struct | None, source: Struct, op: str, now_us: int) -> Struct:
        """The envelope struct (``value_fields``)."""
        return Struct.from_validated(self.schema, self.value_fields(before, after, source, op, now_us))

    @staticmethod
    def value_fields(before: Any, after: Any, source: Any, op: str, now_us: int) -> list[Any]:
        """The envelope's field values (``transaction`` null: ``provide.transaction.metadata`` is not supported),
        its structs given as structs or, for ``StructLists``, as lists."""
        return [before, after, source, None, op, now_us // 1000, now_us, now_us * 1000]
