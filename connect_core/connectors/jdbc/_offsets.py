"""Confluent's exact source partition and offset maps, so offsets in an existing connect-offsets topic are reused.

Key order matters: the offsets topic is looked up by the key's JSON bytes, and Confluent builds these maps as
Java ``HashMap``s, whose iteration order (hence JSON order) is fixed by the keys' hash codes. The orders below
are what Java produces: ``{"protocol","table"}`` and ``{"timestamp_nanos","incrementing","timestamp"}``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import TYPE_CHECKING, Any, Final

from connect_core.api.errors import ConnectError

if TYPE_CHECKING:
    from collections.abc import Mapping

    from connect_core.connectors.jdbc._dialect import TableId

__all__ = ["QUERY_PARTITION", "Offset", "bulk_partition", "table_partition_v0", "table_partition_v1"]

TABLE_NAME_KEY: Final = "table"
QUERY_NAME_KEY: Final = "query"
QUERY_NAME_VALUE: Final = "query"
PROTOCOL_KEY: Final = "protocol"
PROTOCOL_VERSION_ONE: Final = "1"
INCREMENTING_FIELD: Final = "incrementing"
TIMESTAMP_FIELD: Final = "timestamp"
TIMESTAMP_NANOS_FIELD: Final = "timestamp_nanos"
EMITTED_MAX_FIELD: Final = "lambda.connect.emitted.max"
GAPS_FIELD: Final = "lambda.connect.gaps"
QUERY_PARTITION: Final = {QUERY_NAME_KEY: QUERY_NAME_VALUE}
_EPOCH: Final = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def table_partition_v1(table: TableId) -> dict[str, str]:
    """Protocol 1 (incremental modes): the unquoted fully-qualified name plus ``protocol``."""
    return {PROTOCOL_KEY: PROTOCOL_VERSION_ONE, TABLE_NAME_KEY: table.fqn()}


def table_partition_v0(table: TableId) -> dict[str, str]:
    """Legacy protocol 0: the unqualified name; still read so upgraded connectors keep their offsets."""
    return {TABLE_NAME_KEY: table.table}


def bulk_partition(table: TableId) -> dict[str, str]:
    """Bulk mode keeps the protocol-0 shape (and stores no offset)."""
    return table_partition_v0(table)


@dataclasses.dataclass(frozen=True, slots=True)
class Offset:
    """Confluent ``TimestampIncrementingOffset``: last timestamp (to the nanosecond) and last incrementing value."""

    timestamp_ms: int | None = None
    timestamp_nanos: int | None = None  # nanos within the second, as java.sql.Timestamp.getNanos()
    incrementing: int | None = None
    # incrementing.grace.period.ms only (keys Confluent ignores): the highest id emitted, and the gaps below it that
    # may still fill, as (first id, last id, database time in ms when first seen). ``incrementing`` is then the
    # safe watermark: every id at or below it was emitted or given up on.
    emitted_max: int | None = None
    gaps: tuple[tuple[int, int, int], ...] = ()

    @property
    def incrementing_or_default(self) -> int:
        """-1 when unset, as Confluent."""
        return -1 if self.incrementing is None else self.incrementing

    @property
    def instant(self) -> dt.datetime:
        """The timestamp as an aware UTC datetime (epoch 0 when unset); microsecond precision."""
        if self.timestamp_ms is None:
            return _EPOCH
        seconds = self.timestamp_ms // 1000
        nanos = self.timestamp_nanos if self.timestamp_nanos is not None else self.timestamp_ms % 1000 * 1_000_000
        return _EPOCH + dt.timedelta(seconds=seconds, microseconds=nanos // 1000)

    @classmethod
    def from_instant(cls, instant: dt.datetime, incrementing: int | None = None) -> Offset:
        """From an aware datetime; millis are floored like ``Timestamp.getTime()``."""
        micros = (instant - _EPOCH) // dt.timedelta(microseconds=1)
        return cls(micros // 1000, micros % 1_000_000 * 1000, incrementing)

    def to_map(self) -> dict[str, Any]:
        """The stored map, keys in Java ``HashMap(3)`` order."""
        out: dict[str, Any] = {}
        if self.timestamp_ms is not None:
            out[TIMESTAMP_NANOS_FIELD] = self.timestamp_nanos if self.timestamp_nanos is not None else \
                self.timestamp_ms % 1000 * 1_000_000
        if self.incrementing is not None:
            out[INCREMENTING_FIELD] = self.incrementing
        if self.timestamp_ms is not None:
            out[TIMESTAMP_FIELD] = self.timestamp_ms
        if self.emitted_max is not None:
            out[EMITTED_MAX_FIELD] = self.emitted_max
            out[GAPS_FIELD] = [list(gap) for gap in self.gaps]
        return out

    @classmethod
    def from_map(cls, data: Mapping[str, Any] | None) -> Offset:
        """Parse a stored map (missing keys stay unset); non-integral values are rejected."""
        if not data:
            return cls()
        values = [data.get(k) for k in (TIMESTAMP_FIELD, TIMESTAMP_NANOS_FIELD, INCREMENTING_FIELD)]
        for value in values:
            if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
                raise ConnectError(f"Invalid stored JDBC source offset {dict(data)}: values must be integers")
        timestamp_ms, timestamp_nanos, incrementing = values
        gaps = tuple((int(gap[0]), int(gap[1]), int(gap[2])) for gap in data.get(GAPS_FIELD) or ())
        return cls(timestamp_ms, timestamp_nanos, incrementing, data.get(EMITTED_MAX_FIELD), gaps)
