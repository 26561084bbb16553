"""Records: ``ConnectRecord`` and its ``SourceRecord``/``SinkRecord`` subclasses (Kafka ``connect.connector``).

Slotted classes because one is created per message; ``new_record`` keeps subclass extras so SMTs can copy a
record without knowing whether it came from a source or a sink.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final, NamedTuple, overload

from connect_core.api.header import BytesHeaders, Headers
from connect_core.api.schema import BYTES_SCHEMA, OPTIONAL_BYTES_SCHEMA

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator
    from typing import Self

    from connect_core.api.consumed_record import ConsumedRecord
    from connect_core.api.header import Header
    from connect_core.api.schema import Schema

__all__ = [
    "CREATE_TIME",
    "LOG_APPEND_TIME",
    "NO_TIMESTAMP_TYPE",
    "ConnectRecord",
    "FieldOffsets",
    "RecordMetadata",
    "RowOffsets",
    "SinkRecord",
    "SourceKeyedValues",
    "SourceMessages",
    "SourceRecord",
    "SourceValues",
    "WrittenOffsets",
]

NO_TIMESTAMP_TYPE: Final = "NoTimestampType"
CREATE_TIME: Final = "CreateTime"
LOG_APPEND_TIME: Final = "LogAppendTime"


def _as_headers(headers: Headers | Iterable[Header] | None) -> Headers:
    if headers is None:
        return Headers()
    if isinstance(headers, Headers):
        return headers
    return Headers(headers)


class ConnectRecord:
    """A key/value pair with schemas, topic, partition, timestamp and headers (Kafka ``ConnectRecord``)."""

    __slots__ = ("headers", "kafka_partition", "key", "key_schema", "timestamp", "topic", "value", "value_schema")

    def __init__(  # noqa: PLR0917 - Kafka's positional signature
        self,
        topic: str,
        kafka_partition: int | None,
        key_schema: Schema | None,
        key: Any,
        value_schema: Schema | None,
        value: Any,
        timestamp: int | None = None,
        headers: Headers | Iterable[Header] | None = None,
    ) -> None:
        """Create a record; ``timestamp`` is epoch ms, and a ``Headers`` object is used as is (not copied)."""
        self.topic = topic
        self.kafka_partition = kafka_partition
        self.key_schema = key_schema
        self.key = key
        self.value_schema = value_schema
        self.value = value
        self.timestamp = timestamp
        self.headers = _as_headers(headers)

    def new_record(  # noqa: PLR0917 - Kafka's positional signature
        self,
        topic: str,
        kafka_partition: int | None,
        key_schema: Schema | None,
        key: Any,
        value_schema: Schema | None,
        value: Any,
        timestamp: int | None,
        headers: Headers | Iterable[Header] | None = None,
    ) -> Self:
        """A record of the same class with these fields; headers default to a copy of this record's."""
        new = object.__new__(type(self))
        self._copy_extras(new)
        # ConnectRecord.__init__ inlined: every SMT makes one new record per record (the hot path)
        new.topic = topic
        new.kafka_partition = kafka_partition
        new.key_schema = key_schema
        new.key = key
        new.value_schema = value_schema
        new.value = value
        new.timestamp = timestamp
        if headers is None:
            new.headers = self.headers.duplicate()
        else:
            new.headers = headers if headers.__class__ is Headers else _as_headers(headers)
        return new

    def _copy_extras(self, new: ConnectRecord) -> None:
        """Copy subclass-only attributes to ``new``; overridden by subclasses."""

    def _fields(self) -> tuple[Any, ...]:
        return (
            self.topic,
            self.kafka_partition,
            self.key_schema,
            self.key,
            self.value_schema,
            self.value,
            self.timestamp,
            self.headers,
        )

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if type(other) is not type(self):
            return NotImplemented
        return self._fields() == other._fields()

    __hash__ = None  # type: ignore[assignment]

    def _repr_body(self) -> str:
        return (
            f"topic='{self.topic}', kafkaPartition={self.kafka_partition}, key={self.key!r}, "
            f"keySchema={self.key_schema!r}, value={self.value!r}, valueSchema={self.value_schema!r}, "
            f"timestamp={self.timestamp}, headers={self.headers!r}"
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}{{{self._repr_body()}}}"


class SourceRecord(ConnectRecord):
    """A record produced by a source task, with the source partition/offset it came from (Kafka ``SourceRecord``).

    The argument order follows Kafka's constructor (partition and offset first); pass the rest by keyword. A record
    whose ``topic`` is None (lambda-connect's own) carries only its source offset: nothing is produced and the offset
    is committed with the records around it, as Kafka commits the offset of a record an SMT dropped. A Connect task
    keeps its position in memory between polls; a function must store it, and a topic of its own to store it through
    (Debezium's heartbeats) may not exist.
    """

    __slots__ = ("source_offset", "source_partition")

    def __init__(  # noqa: PLR0917 - Kafka's positional signature
        self,
        source_partition: dict[str, Any] | None,
        source_offset: dict[str, Any] | None,
        topic: str | None,
        kafka_partition: int | None = None,
        key_schema: Schema | None = None,
        key: Any = None,
        value_schema: Schema | None = None,
        value: Any = None,
        timestamp: int | None = None,
        headers: Headers | Iterable[Header] | None = None,
    ) -> None:
        """Create a source record; ``source_partition``/``source_offset`` are what lands in connect-offsets."""
        # ConnectRecord.__init__ inlined: a source task builds one per row or line (the source's hot path)
        self.topic = topic  # type: ignore[assignment]  # None only on an offset-only record (see above)
        self.kafka_partition = kafka_partition
        self.key_schema = key_schema
        self.key = key
        self.value_schema = value_schema
        self.value = value
        self.timestamp = timestamp
        self.headers = Headers() if headers is None else (
            headers if headers.__class__ is Headers else _as_headers(headers))
        self.source_partition = source_partition
        self.source_offset = source_offset

    @classmethod
    def from_values(  # noqa: PLR0917 - the constructor's order
        cls,
        source_partition: dict[str, Any] | None,
        source_offsets: Iterable[dict[str, Any] | None],
        topic: str,
        value_schema: Schema | None,
        values: Iterable[Any],
        timestamp: int | None = None,
    ) -> list[Self]:
        """One record per value with its own source offset (both in the same order) and its own empty ``Headers``,
        equal to ``SourceRecord(source_partition, offset, topic, None, None, None, value_schema, value, timestamp)``
        each (no key). A source task's per-line path (FileStreamSource): ``__init__`` inlined (no class call and
        argument parsing per record), and so is ``Headers()``."""
        out: list[Self] = []
        append, new, new_headers = out.append, object.__new__, Headers
        for offset, value in zip(source_offsets, values, strict=True):
            record = new(cls)
            record.topic = topic
            record.kafka_partition = None
            record.key_schema = None
            record.key = None
            record.value_schema = value_schema
            record.value = value
            record.timestamp = timestamp
            headers = record.headers = new(new_headers)  # what Headers() makes: no list until the first header
            headers._headers = ()
            record.source_partition = source_partition
            record.source_offset = offset
            append(record)
        return out

    def _copy_extras(self, new: ConnectRecord) -> None:
        new.source_partition = self.source_partition  # type: ignore[attr-defined]
        new.source_offset = self.source_offset  # type: ignore[attr-defined]

    def _fields(self) -> tuple[Any, ...]:
        return (*super()._fields(), self.source_partition, self.source_offset)

    def _repr_body(self) -> str:
        return f"sourcePartition={self.source_partition}, sourceOffset={self.source_offset}, " + super()._repr_body()


class RecordMetadata(NamedTuple):
    """Where Kafka wrote a source record (Kafka ``RecordMetadata``), handed to ``SourceTask.commit_record``."""

    topic: str
    partition: int
    offset: int
    timestamp: int | None = None


class SourceValues(NamedTuple):
    """A poll's records given by their values alone (ours, not Kafka's; ``SourceTask.values_poll``): records of one
    source partition, topic, value schema and timestamp, each with its own source offset and value, and no key, no
    Kafka partition and no headers. :meth:`records` are the records they stand for (``SourceRecord.from_values``).

    ``source_offsets`` may be a lazy sequence (each item read makes the offset dict afresh): the runtime reads only
    the last one unless it needs the records.
    """

    source_partition: dict[str, Any] | None
    source_offsets: Sequence[dict[str, Any] | None]
    topic: str
    value_schema: Schema | None
    values: list[Any]
    timestamp: int | None = None

    def records(self) -> list[SourceRecord]:
        """The records these values stand for, in order."""
        return SourceRecord.from_values(self.source_partition, self.source_offsets, self.topic, self.value_schema,
                                        self.values, self.timestamp)


class SourceKeyedValues(NamedTuple):
    """A run of a poll's records given by their keys and values (ours, not Kafka's; ``SourceTask.keyed_poll``):
    records of one source partition, topic, key schema, value schema, timestamp and headers, each with its own
    source offset, key and value, and no Kafka partition. A value None is a tombstone (no value schema either), as
    a change event's delete is followed by one. :meth:`records` are the records they stand for, each with its own
    copy of ``headers`` (None: none).

    ``source_offsets`` may be a lazy sequence (``RowOffsets``): the runtime reads only the last one unless it needs
    the records. ``keys`` and ``values`` may be ``StructLists`` of their schemas: a converter that writes them
    from the lists makes no struct.
    """

    source_partition: dict[str, Any] | None
    source_offsets: Sequence[dict[str, Any] | None]
    topic: str
    key_schema: Schema | None
    keys: Sequence[Any]
    value_schema: Schema | None
    values: Sequence[Any]
    timestamp: int | None = None
    headers: Headers | None = None

    def records(self) -> list[SourceRecord]:
        """The records these keys and values stand for, in order."""
        partition, topic, key_schema, value_schema = (self.source_partition, self.topic, self.key_schema,
                                                      self.value_schema)
        timestamp, headers = self.timestamp, self.headers
        return [SourceRecord(partition, offset, topic, None, key_schema, key,
                             None if value is None else value_schema, value, timestamp,
                             None if headers is None else headers.duplicate())
                for offset, key, value in zip(self.source_offsets, self.keys, self.values, strict=True)]


class SourceMessages(NamedTuple):
    """A poll's records given as the bytes a Kafka client read (ours, not Kafka's; ``SourceTask.messages_poll``):
    each record's fields in parallel lists, its key an OPTIONAL_BYTES and its value a BYTES value, its headers BYTES
    headers given as ``(key, bytes or None)`` pairs (None: no headers). A topic None is a record carrying only its
    source offset. :meth:`records` are the records they stand for (MirrorMaker 2's copies of consumed messages).

    ``source_offsets`` may be a lazy sequence (``FieldOffsets``): the runtime reads only each source partition's
    last one unless it needs the records.
    """

    topics: list[str | None]
    partitions: list[int | None]
    keys: list[bytes | None]
    values: list[bytes | None]
    timestamps: list[int | None]
    headers: list[list[tuple[str, bytes | None]] | None]
    source_partitions: list[dict[str, Any] | None]
    source_offsets: Sequence[dict[str, Any] | None]

    def records(self) -> list[SourceRecord]:
        """The records these messages stand for, in order (headers as ``BytesHeaders`` of their pairs)."""
        out = []
        for topic, partition, key, value, timestamp, pairs, source_partition, source_offset in zip(
                self.topics, self.partitions, self.keys, self.values, self.timestamps, self.headers,
                self.source_partitions, self.source_offsets, strict=True):
            if topic is None:
                out.append(SourceRecord(source_partition, source_offset, None))
                continue
            out.append(SourceRecord(source_partition, source_offset, topic, partition, OPTIONAL_BYTES_SCHEMA, key,
                                    BYTES_SCHEMA, value, timestamp, None if pairs is None else BytesHeaders(pairs)))
        return out


class WrittenOffsets(Sequence["RecordMetadata | None"]):
    """Where each record of a ``SourceMessages`` was written, for ``SourceTask.commit_messages``: the item ``i`` is
    ``RecordMetadata(topic, partition, offset, None)`` of record ``i`` (made when read), None when it was not
    written or where is unknown. ``offsets`` and ``partitions`` are the same by index, for a task that reads only
    them."""

    __slots__ = ("offsets", "partitions", "topics")

    def __init__(self, topics: list[str | None], partitions: list[int | None], offsets: list[int | None]) -> None:
        """Records of ``topics`` written to ``partitions`` at ``offsets`` (None: not written, or unknown)."""
        self.topics, self.partitions, self.offsets = topics, partitions, offsets

    def __len__(self) -> int:
        return len(self.offsets)

    @overload
    def __getitem__(self, index: int) -> RecordMetadata | None: ...

    @overload
    def __getitem__(self, index: slice) -> list[RecordMetadata | None]: ...

    def __getitem__(self, index: int | slice) -> RecordMetadata | None | list[RecordMetadata | None]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        offset, topic, partition = self.offsets[index], self.topics[index], self.partitions[index]
        if offset is None or topic is None or partition is None:
            return None
        return RecordMetadata(topic, partition, offset)


class FieldOffsets(Sequence[dict[str, Any]]):
    """A poll's source offsets of one key, ``{field: value}`` for each of ``values``, each dict made afresh when read
    (a ``SourceValues.source_offsets``: the runtime reads only the last one unless it needs the records)."""

    __slots__ = ("_field", "_values")

    def __init__(self, field: str, values: list[Any]) -> None:
        self._field, self._values = field, values

    @property
    def field_values(self) -> list[Any]:
        """The value of the field in each offset, in order (the list given, not a copy)."""
        return self._values

    def __len__(self) -> int:
        return len(self._values)

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...

    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any]]: ...

    def __getitem__(self, index: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        field = self._field
        if isinstance(index, slice):
            return [{field: value} for value in self._values[index]]
        return {field: self._values[index]}

    def __iter__(self) -> Iterator[dict[str, Any]]:
        field = self._field
        return iter([{field: value} for value in self._values])

    def __reversed__(self) -> Iterator[dict[str, Any]]:
        field = self._field
        return iter([{field: value} for value in reversed(self._values)])


class RowOffsets(Sequence[dict[str, Any]]):
    """The source offsets of a run of rows taken from several events, each made when read: an event's rows share
    everything but their row number, so a run keeps the event's ``offset_of(row)`` and each entry's row (an entry
    may repeat a row: a change's tombstone, a key update's records). For ``SourceKeyedValues.source_offsets``: the
    runtime reads only the last one unless it needs the records."""

    __slots__ = ("_makers", "_rows", "_starts")

    def __init__(self) -> None:
        """No entries yet."""
        self._rows: list[int] = []
        self._makers: list[Callable[[int], dict[str, Any]]] = []
        self._starts: list[int] = []  # the index of _rows each maker's entries start at

    def rows_of(self, offset_of: Callable[[int], dict[str, Any]]) -> list[int]:
        """The list to append the rows of an event whose offsets ``offset_of`` makes: the run's own list, so only
        the last event begun may append to it."""
        self._makers.append(offset_of)
        self._starts.append(len(self._rows))
        return self._rows

    def __len__(self) -> int:
        return len(self._rows)

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...

    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any]]: ...

    def __getitem__(self, index: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        from bisect import bisect_right

        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        rows = self._rows
        if index < 0:
            index += len(rows)
        if not 0 <= index < len(rows):
            raise IndexError("RowOffsets index out of range")
        return self._makers[bisect_right(self._starts, index) - 1](rows[index])

    def __iter__(self) -> Iterator[dict[str, Any]]:
        rows, starts = self._rows, self._starts
        for i, offset_of in enumerate(self._makers):
            end = starts[i + 1] if i + 1 < len(starts) else len(rows)
            for row in rows[starts[i]:end]:
                yield offset_of(row)


class SinkRecord(ConnectRecord):
    """A record consumed for a sink task, with its Kafka offset and origin (Kafka ``SinkRecord``).

    ``original_*`` keep where the record was consumed from even after SMTs rename the topic or partition,
    so offsets are committed against the right partition.
    """

    __slots__ = (
        "kafka_offset",
        "original_kafka_offset",
        "original_kafka_partition",
        "original_topic",
        "timestamp_type",
    )

    def __init__(  # noqa: PLR0917 - Kafka's positional signature
        self,
        topic: str,
        kafka_partition: int | None,
        key_schema: Schema | None,
        key: Any,
        value_schema: Schema | None,
        value: Any,
        kafka_offset: int,
        timestamp: int | None = None,
        timestamp_type: str = NO_TIMESTAMP_TYPE,
        headers: Headers | Iterable[Header] | None = None,
        original_topic: str | None = None,
        original_kafka_partition: int | None = None,
        original_kafka_offset: int | None = None,
    ) -> None:
        """Create a sink record; ``original_*`` default to the current topic, partition and offset."""
        # ConnectRecord.__init__ inlined: one SinkRecord is built per consumed record (the sink's hot path)
        self.topic = topic
        self.kafka_partition = kafka_partition
        self.key_schema = key_schema
        self.key = key
        self.value_schema = value_schema
        self.value = value
        self.timestamp = timestamp
        self.headers = Headers() if headers is None else (
            headers if headers.__class__ is Headers else _as_headers(headers))
        self.kafka_offset = kafka_offset
        self.timestamp_type = timestamp_type
        self.original_topic = topic if original_topic is None else original_topic
        self.original_kafka_partition = (
            kafka_partition if original_kafka_partition is None else original_kafka_partition
        )
        self.original_kafka_offset = kafka_offset if original_kafka_offset is None else original_kafka_offset

    @classmethod
    def from_consumed(
        cls,
        consumed: Iterable[ConsumedRecord],
        keys: Iterable[tuple[Schema | None, Any]],
        values: Iterable[tuple[Schema | None, Any]],
        headers_of: Callable[[ConsumedRecord], Headers],
    ) -> list[Self]:
        """One record per consumed record with its converted key and value (``(schema, value)`` pairs, in the same
        order), equal to ``SinkRecord(topic, partition, key_schema, key, value_schema, value, offset, timestamp,
        timestamp_type, headers)``; ``headers_of`` converts a record's headers (a new empty ``Headers`` for none).
        The sink's per-record path without SMTs: ``__init__`` inlined (no class call per record), and
        so is ``Headers()`` for a record without headers."""
        out: list[Self] = []
        append, new, new_headers = out.append, object.__new__, Headers
        for record, (key_schema, key), (value_schema, value) in zip(consumed, keys, values, strict=True):
            topic, partition, offset, timestamp, timestamp_type, _, _, raw_headers = record
            sink = new(cls)
            sink.topic = sink.original_topic = topic
            sink.kafka_partition = sink.original_kafka_partition = partition
            sink.key_schema = key_schema
            sink.key = key
            sink.value_schema = value_schema
            sink.value = value
            sink.kafka_offset = sink.original_kafka_offset = offset
            sink.timestamp = timestamp
            sink.timestamp_type = timestamp_type
            if raw_headers:
                sink.headers = headers_of(record)
            else:  # what Headers() makes: no list until the first header
                headers = sink.headers = new(new_headers)
                headers._headers = ()
            append(sink)
        return out

    def new_record(  # noqa: PLR0917 - Kafka's positional signature
        self,
        topic: str,
        kafka_partition: int | None,
        key_schema: Schema | None,
        key: Any,
        value_schema: Schema | None,
        value: Any,
        timestamp: int | None,
        headers: Headers | Iterable[Header] | None = None,
    ) -> Self:
        """``ConnectRecord.new_record`` with the sink fields copied inline (every SMT calls it per record)."""
        new = object.__new__(type(self))
        new.topic = topic
        new.kafka_partition = kafka_partition
        new.key_schema = key_schema
        new.key = key
        new.value_schema = value_schema
        new.value = value
        new.timestamp = timestamp
        if headers is None:
            new.headers = self.headers.duplicate()
        else:
            new.headers = headers if headers.__class__ is Headers else _as_headers(headers)
        new.kafka_offset = self.kafka_offset
        new.timestamp_type = self.timestamp_type
        new.original_topic = self.original_topic
        new.original_kafka_partition = self.original_kafka_partition
        new.original_kafka_offset = self.original_kafka_offset
        if type(self)._copy_extras is not SinkRecord._copy_extras:  # a subclass with extras of its own
            self._copy_extras(new)
        return new

    def _copy_extras(self, new: ConnectRecord) -> None:
        new.kafka_offset = self.kafka_offset  # type: ignore[attr-defined]
        new.timestamp_type = self.timestamp_type  # type: ignore[attr-defined]
        new.original_topic = self.original_topic  # type: ignore[attr-defined]
        new.original_kafka_partition = self.original_kafka_partition  # type: ignore[attr-defined]
        new.original_kafka_offset = self.original_kafka_offset  # type: ignore[attr-defined]

    def _fields(self) -> tuple[Any, ...]:
        return (*super()._fields(), self.kafka_offset, self.timestamp_type)

    def _repr_body(self) -> str:
        return (
            f"kafkaOffset={self.kafka_offset}, timestampType={self.timestamp_type}, "
            f"originalTopic={self.original_topic}, originalKafkaPartition={self.original_kafka_partition}, "
            f"originalKafkaOffset={self.original_kafka_offset}, " + super()._repr_body()
        )
