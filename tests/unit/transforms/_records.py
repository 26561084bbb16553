"""Shared record builders for the SMT tests."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from connect_core.api.record import SinkRecord, SourceRecord

if TYPE_CHECKING:
    from connect_core.api.header import Headers
    from connect_core.api.schema import Schema


def source(
    value: Any = None,
    value_schema: Schema | None = None,
    *,
    key: Any = None,
    key_schema: Schema | None = None,
    topic: str = "test",
    partition: int | None = 0,
    timestamp: int | None = None,
    headers: Headers | None = None,
) -> SourceRecord:
    """A source record with empty partition/offset maps."""
    return SourceRecord({}, {}, topic, partition, key_schema, key, value_schema, value, timestamp, headers)


def sink(value: Any = None, value_schema: Schema | None = None, offset: int = 42, **kwargs: Any) -> SinkRecord:
    """A sink record at ``offset``."""
    return SinkRecord(kwargs.pop("topic", "test"), kwargs.pop("partition", 0), kwargs.pop("key_schema", None),
                      kwargs.pop("key", None), value_schema, value, offset, **kwargs)
