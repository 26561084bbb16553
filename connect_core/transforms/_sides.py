"""The key/value side an SMT variant operates on (the ``$Key``/``$Value`` nested classes of Kafka's SMTs).

An SMT is written once against the three hooks of :class:`RecordSide`; its ``Key`` and ``Value`` variants are then
two-line subclasses that mix in :class:`KeySide` or :class:`ValueSide`, e.g.
``class _Key(KeySide, Cast): \"\"\"Cast$Key: ...\"\"\"``.
"""

from __future__ import annotations

import abc
from typing import TYPE_CHECKING, Any

from connect_core.transforms._util import key_record

if TYPE_CHECKING:
    from connect_core.api.header import Headers
    from connect_core.api.record import ConnectRecord
    from connect_core.api.schema import Schema


__all__ = ["KeySide", "RecordSide", "ValueSide"]


class RecordSide(abc.ABC):
    """The hooks an SMT uses to read and replace the side of the record it operates on."""

    __slots__ = ()

    @abc.abstractmethod
    def _operating_schema(self, record: ConnectRecord) -> Schema | None:
        """The schema of the operating side (None when schemaless)."""

    @abc.abstractmethod
    def _operating_value(self, record: ConnectRecord) -> Any:
        """The key or value the SMT operates on."""

    @abc.abstractmethod
    def _new_record(
        self, record: ConnectRecord, schema: Schema | None, value: Any, headers: Headers | None = None
    ) -> ConnectRecord:
        """Copy ``record`` with a new operating side (and ``headers`` when given, else the record's own)."""


class KeySide(RecordSide):
    """Operates on the record key (Kafka's ``$Key`` variants)."""

    __slots__ = ()

    def _operating_schema(self, record: ConnectRecord) -> Schema | None:
        return record.key_schema

    def _operating_value(self, record: ConnectRecord) -> Any:
        return record.key

    def _new_record(
        self, record: ConnectRecord, schema: Schema | None, value: Any, headers: Headers | None = None
    ) -> ConnectRecord:
        return key_record(record, schema, value, headers)


class ValueSide(RecordSide):
    """Operates on the record value (Kafka's ``$Value`` variants)."""

    __slots__ = ()

    def _operating_schema(self, record: ConnectRecord) -> Schema | None:
        return record.value_schema

    def _operating_value(self, record: ConnectRecord) -> Any:
        return record.value

    def _new_record(
        self, record: ConnectRecord, schema: Schema | None, value: Any, headers: Headers | None = None
    ) -> ConnectRecord:
        # value_record inlined (one call less per SMT per record)
        return record.new_record(record.topic, record.kafka_partition, record.key_schema, record.key, schema, value,
                                 record.timestamp, record.headers if headers is None else headers)
