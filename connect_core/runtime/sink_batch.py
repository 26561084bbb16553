"""One poll's records as the sink runner hands them on, made once from where they came from.

A mapping's event is decoded once (``kafka/lambda_event.py``); a pull-mode consumer's messages are taken as they are
(no event is built). Either way the batch is a sequence of ``ConsumedRecord``s, decoded on first use where decoding
cannot fail, and the keys and values of its records (:meth:`SinkBatch.columns`) for a pipeline that reads a batch in
one call and a task that puts values (``SinkRunner``'s values path).
"""

from __future__ import annotations

import functools
import itertools
import operator
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, overload

from connect_core.api.consumed_record import ConsumedRecord
from connect_core.api.record import CREATE_TIME, LOG_APPEND_TIME
from connect_core.kafka.lambda_event import decode_kafka_event, event_columns, keys_and_values_only, read_kafka_event

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping

    from connect_core.kafka.lambda_event import EventBatch

__all__ = ["SinkBatch", "consumed_records"]

_KEY, _VALUE, _HEADERS = operator.itemgetter(5), operator.itemgetter(6), operator.itemgetter(7)  # ConsumedRecord's
_FIRST, _SECOND = operator.itemgetter(0), operator.itemgetter(1)
_LOG_APPEND_TIME = 2  # confluent-kafka's TIMESTAMP_LOG_APPEND_TIME
_new_record = functools.partial(tuple.__new__, ConsumedRecord)  # a record from its fields' tuple, in C

Columns = tuple[list[bytes | None], list[bytes | None]]
Runs = dict[tuple[str, int], list[int]]


class SinkBatch(Sequence[ConsumedRecord]):
    """A poll's records in order (decoded on first use), with their offsets per partition when known (``runs``) and,
    where no record carries anything else a sink is handed (headers), their keys and values as columns."""

    __slots__ = ("_columns", "_decode", "_records", "runs", "size")

    def __init__(self, size: int, *, records: list[ConsumedRecord] | None = None,
                 decode: Callable[[], list[ConsumedRecord]] | None = None,
                 columns: Callable[[], Columns | None] | None = None, runs: Mapping[tuple[str, int], Sequence[int]]
                 | None = None) -> None:
        """``records``, or ``decode`` (which must not fail) to make them when first asked; ``columns`` makes the keys
        and values (None: from the records); ``runs``: each partition's offsets in batch order."""
        self.size, self.runs = size, runs
        self._records, self._decode, self._columns = records, decode, columns

    @classmethod
    def of_records(cls, records: list[ConsumedRecord],
                   runs: Mapping[tuple[str, int], Sequence[int]] | None = None) -> SinkBatch:
        """Records decoded already (a mapping's event, what a ``read_committed`` check kept)."""
        return cls(len(records), records=records, runs=runs)

    @classmethod
    def of_messages(cls, messages: list[Any]) -> SinkBatch:
        """A consumer's confluent-kafka messages (pull mode), taken as they are: their keys and values are the
        messages' own ``bytes``; records are made only if asked for."""
        if not messages:
            return cls.of_records([])
        kind = type(messages[0])  # the message class's methods, called in C
        runs: Runs = {}
        pairs = zip(zip(map(kind.topic, messages), map(kind.partition, messages), strict=True),
                    map(kind.offset, messages), strict=True)
        for key, run in itertools.groupby(pairs, _FIRST):
            runs.setdefault(key, []).extend(map(_SECOND, run))

        def columns() -> Columns | None:
            if any(map(kind.headers, messages)):
                return None
            return list(map(kind.key, messages)), list(map(kind.value, messages))

        return cls(len(messages), decode=lambda: consumed_records(messages), columns=columns, runs=runs)

    @classmethod
    def of_event(cls, event: dict[str, Any]) -> SinkBatch:
        """A mapping's event: where its records carry only keys and values, those decoded column by column
        (``event_columns``) and the records only if asked for; otherwise decoded whole now."""
        read = read_kafka_event(event)
        found = event_columns(read)
        if found is None:
            return cls.of_records(decode_kafka_event(event))
        return cls(read.size, decode=read.decode, columns=lambda: found, runs=read.offsets)

    @classmethod
    def of_checked_event(cls, event: EventBatch, messages: Mapping[tuple[str, int], Sequence[Any]],
                         runs: Mapping[tuple[str, int], Sequence[int]], *, columns: bool) -> SinkBatch:
        """A mapping's event whose every record a ``read_committed`` check consumed (``messages``: per partition, in
        event order): keys and values from the check's messages (a record at an offset never changes), timestamps
        and headers from the event. ``columns``: take the keys and values alone when the records hold nothing else
        (then decoding cannot fail and waits until asked); otherwise the event is decoded now."""
        found = keys_and_values_only(event, messages) if columns else None
        if found is None:
            return cls.of_records(event.decode(messages), runs)
        return cls(event.size, decode=lambda: event.decode(messages), columns=lambda: found, runs=runs)

    @property
    def records(self) -> list[ConsumedRecord]:
        """Every record, decoded now if not yet."""
        if self._records is None:
            assert self._decode is not None
            self._records, self._decode = self._decode(), None
        return self._records

    def columns(self) -> Columns | None:
        """Every record's key and value bytes, in order, when no record has headers (all a task that puts values
        and a pipeline reading a batch in one call need); None otherwise."""
        if self._columns is not None:
            return self._columns()
        records = self.records
        if any(map(_HEADERS, records)):
            return None
        return list(map(_KEY, records)), list(map(_VALUE, records))

    def __len__(self) -> int:
        return self.size

    @overload
    def __getitem__(self, index: int) -> ConsumedRecord: ...

    @overload
    def __getitem__(self, index: slice) -> list[ConsumedRecord]: ...

    def __getitem__(self, index: int | slice) -> ConsumedRecord | list[ConsumedRecord]:
        return self.records[index]

    def __iter__(self) -> Iterator[ConsumedRecord]:
        return iter(self.records)


def consumed_records(messages: Sequence[Any]) -> list[ConsumedRecord]:
    """Consumed confluent-kafka messages as ``ConsumedRecord``s: what a worker's consumer hands ``WorkerSinkTask``
    (a header's null value stays null). Column by column, each a pass in C over the batch."""
    if not messages:
        return []
    kind = type(messages[0])
    stamps = list(map(kind.timestamp, messages))
    headers = list(map(kind.headers, messages))
    log_append = _LOG_APPEND_TIME
    return list(map(_new_record, zip(
        map(kind.topic, messages), map(kind.partition, messages), map(kind.offset, messages), map(_SECOND, stamps),
        [LOG_APPEND_TIME if stamp_type == log_append else CREATE_TIME for stamp_type, _ in stamps],
        map(kind.key, messages), map(kind.value, messages),
        [found or () for found in headers] if any(headers) else itertools.repeat(()), strict=False)))
