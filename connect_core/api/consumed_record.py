"""A record as consumed from Kafka, before any converter: what Lambda's Kafka event carries and a DLQ replays.

It sits in the api because both ``kafka`` (which decodes Lambda events into it) and ``errors`` (whose reporters
write it back) use it, and neither may import the other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from connect_core.api.record import CREATE_TIME

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["ConsumedRecord"]


class ConsumedRecord(NamedTuple):
    """A record as consumed from Kafka, before any converter (Kafka ``ConsumerRecord<byte[], byte[]>``).

    The dead letter queue writes exactly these bytes back, so nothing here is decoded. ``timestamp_type`` uses
    Kafka's ``TimestampType`` names, as ``SinkRecord.timestamp_type`` does.
    """

    topic: str
    partition: int
    offset: int
    timestamp: int | None = None
    timestamp_type: str = CREATE_TIME
    key: bytes | None = None
    value: bytes | None = None
    headers: Sequence[tuple[str, bytes | None]] = ()
