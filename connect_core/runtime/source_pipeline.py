"""``SourceRecord`` -> bytes to produce: SMTs then converters, under ``errors.tolerance`` (Kafka
``AbstractWorkerSourceTask.sendRecords``).

As in the sink pipeline, stages run directly and only a failed stage is re-run through the operator, which
retries, logs and either skips the record (``all``) or fails the invocation (``none``). Sources have no dead letter
queue in Kafka Connect, and none here.
"""

from __future__ import annotations

from itertools import compress, repeat
from operator import attrgetter, is_not
from typing import TYPE_CHECKING, Any, NamedTuple

from connect_core.api.struct import StructLists
from connect_core.errors.retry_with_tolerance import FAILED, Failed
from connect_core.errors.stage import Stage
from connect_core.runtime.source_headers import (
    PASS_THROUGH_HEADER_CONVERTER,
    HeaderBytes,
    PassThroughHeaderBytes,
    header_plan,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

    from connect_core.api.record import SourceKeyedValues, SourceRecord, SourceValues
    from connect_core.errors.retry_with_tolerance import RetryWithToleranceOperator
    from connect_core.runtime.converter_set import ConverterSet
    from connect_core.transforms.chain import TransformationChain

__all__ = ["ProduceArgs", "ProducerRecord", "SourcePipeline"]


class ProducerRecord(NamedTuple):
    """What is handed to the producer for one source record."""

    topic: str
    partition: int | None
    key: bytes | None
    value: bytes | None
    timestamp: int | None
    headers: list[tuple[str, bytes | None]] | None


# confluent-kafka ``Producer.produce``'s positional arguments (what ``produce_args`` gives): topic, value, key,
# partition (-1: the partitioner's), on_delivery, its alias (None), timestamp (0: now), headers
ProduceArgs = tuple[str, bytes | None, bytes | None, int, Any, None, int, list[tuple[str, bytes | None]] | None]

_new_tuple = tuple.__new__


class SourcePipeline:
    """Transforms and serialises source records; a None result means the record is skipped (dropped or tolerated)."""

    def __init__(
        self, converters: ConverterSet, chain: TransformationChain, operator: RetryWithToleranceOperator
    ) -> None:
        """Bind the converters, the SMT chain and the error operator of one task."""
        self.converters = converters
        self.chain = chain
        self.operator = operator
        self.headers = header_plan(converters.header)  # runtime/source_headers.py

    def convert(self, record: SourceRecord) -> ProducerRecord | None:
        """The bytes to produce for ``record``, or None when an SMT dropped it or its failure was tolerated."""
        converters = self.converters
        if len(self.chain):
            transformed = self._transform(record)
            if transformed is None:
                return None
            record = transformed
        try:  # the converter stages directly; only if one raises does the record go through them under the operator
            headers = self._headers(record)
            key = converters.key.from_connect_data(record.topic, record.key_schema, record.key, record.headers)
            value = converters.value.from_connect_data(record.topic, record.value_schema, record.value,
                                                       record.headers)
        except Exception:
            return self._serialise_under_operator(record)
        # ProducerRecord without its generated __new__ (one per produced record)
        return _new_tuple(ProducerRecord, (record.topic, record.kafka_partition, key, value, record.timestamp, headers))

    def produce_args(self, records: list[SourceRecord], on_delivery: Any, *,
                     each: Sequence[Any] | None = None) -> tuple[list[ProduceArgs], int, int]:
        """``convert`` of each of ``records`` (one poll's) as confluent-kafka ``Producer.produce``'s positional
        arguments, in order: ``(topic, value, key, partition or -1, on_delivery, None, timestamp or 0, headers)``.

        ``each``, when given, is a delivery callback per record of ``records`` (the same length), used in place of
        ``on_delivery``: a produced record's report then says which polled record it was (``commit_record``).

        Returns the arguments of the records to produce, how many were skipped (dropped by an SMT or a tolerated
        failure, or carrying only an offset: topic None, ``api/record.py``) and their key plus value bytes. The runner
        calls ``produce`` on them from C (``starmap``), without a Python loop turn per record. The
        converters' methods are looked up once, not per record.
        """
        skipped = 0
        callbacks: Iterable[Any] = repeat(on_delivery) if each is None else each
        if None in map(_topic, records):  # offsets only: noted by the runner, never produced
            kept = [record.topic is not None for record in records]
            records, callbacks = list(compress(records, kept)), compress(callbacks, kept)
            skipped = kept.count(False)
        if len(self.chain):
            transformed = list(map(self._transform, records))
            kept = [record is not None for record in transformed]
            records, callbacks = list(compress(transformed, kept)), compress(callbacks, kept)  # type: ignore[arg-type]
            skipped += kept.count(False)
        produced: list[ProduceArgs] = []
        append = produced.append
        size = 0
        key_from = self.converters.key.from_connect_data
        value_from = self.converters.value.from_connect_data
        headers_of, under_operator = self.headers.convert, self._serialise_under_operator
        for record, callback in zip(records, callbacks, strict=False):  # ``convert``'s stages inlined; repeat()
            topic, headers = record.topic, record.headers
            try:
                header_bytes = headers_of(topic, headers) if len(headers) else None
                key = key_from(topic, record.key_schema, record.key, headers)
                value = value_from(topic, record.value_schema, record.value, headers)
            except Exception:
                converted = under_operator(record)
                if converted is None:
                    skipped += 1
                    continue
                header_bytes, key, value = converted.headers, converted.key, converted.value
            if key is not None:
                size += len(key)
            if value is not None:
                size += len(value)
            partition = record.kafka_partition
            append((topic, value, key, -1 if partition is None else partition, callback, None,
                    record.timestamp or 0, header_bytes))
        return produced, skipped, size

    @property
    def passes_bytes(self) -> bool:
        """Whether a record of BYTES key and value and BYTES headers is written as those bytes (``SourceMessages``):
        no SMT, and ByteArrayConverter (the exact class: a subclass may override the conversion) for keys, values
        and headers."""
        if len(self.chain) or not isinstance(self.headers, PassThroughHeaderBytes):
            return False
        return all(f"{type(converter).__module__}.{type(converter).__qualname__}" == PASS_THROUGH_HEADER_CONVERTER
                   for converter in (self.converters.key, self.converters.value))

    def values_bytes(self, batch: SourceValues) -> tuple[bytes | None, list[bytes | None]] | None:
        """The key bytes (one for all: the records have no key) and each value's bytes that ``produce_args`` gives
        ``batch.records()``, without the records: when no SMT runs and both converters write a batch in one call
        (``from_connect_values``: pure, headers unread). None otherwise, or when a converter raised (nothing is
        reported: the runner produces the records, whose failures go through the operator)."""
        writers = self._batch_writers()
        if writers is None:
            return None
        keys_write, values_write = writers
        topic = batch.topic
        try:
            key = keys_write(topic, None, (None,))[0]
            return key, values_write(topic, batch.value_schema, batch.values)
        except Exception:
            return None

    def _batch_writers(self, transformed: bool = False) -> tuple[
            Callable[..., list[bytes | None]], Callable[..., list[bytes | None]]] | None:
        """The key and value converters' ``from_connect_values`` (a batch in one call: pure, headers unread), when no
        SMT runs (or ``transformed``: the batch is what the SMTs made) and both have one."""
        if len(self.chain) and not transformed:
            return None
        keys_write = getattr(self.converters.key, "from_connect_values", None)
        values_write = getattr(self.converters.value, "from_connect_values", None)
        if keys_write is None or values_write is None:
            return None
        return keys_write, values_write

    def keyed_bytes(self, run: SourceKeyedValues) -> tuple[
            list[bytes | None], list[bytes | None], list[tuple[str, bytes | None]] | None, int] | None:
        """Each key's and value's bytes, the header pairs every record shares and their key plus value bytes, as
        ``produce_args`` gives ``run.records()``, without the records: when no SMT runs, both converters write a
        batch in one call (``from_connect_values``: pure, headers unread) and the header converter is pure (one
        conversion stands for each record's). None otherwise, or when a converter raised (nothing is reported: the
        runner produces the records, whose failures go through the operator). SMTs that transform runs whole
        (``TransformationChain.apply_keyed``) run on ``run`` first; else an SMT means None."""
        if len(self.chain):
            transformed = self.chain.apply_keyed(run)
            if transformed is None:
                return None
            run = transformed
        writers = self._batch_writers(transformed=True)
        if writers is None:
            return None
        keys_write, values_write = writers
        headers = run.headers
        if headers is not None and len(headers) and type(self.headers) is HeaderBytes:
            return None  # a converter not known pure converts each record's headers (source_headers.py)
        topic, values = run.topic, run.values
        try:
            header_pairs = self.headers.convert(topic, headers) if headers is not None and len(headers) else None
            keys = keys_write(topic, run.key_schema, run.keys)
            # the lists of StructLists values tell tombstones apart without making the structs
            present = list(map(is_not, values.lists if isinstance(values, StructLists) else values, repeat(None)))
            if False in present:  # tombstones: a null value without a schema
                written_values: Sequence[Any] = (
                    StructLists(values.schema, list(compress(values.lists, present)))
                    if isinstance(values, StructLists) else list(compress(values, present)))
                written = iter(values_write(topic, run.value_schema, written_values))
                tombstone = values_write(topic, None, (None,))[0]
                value_bytes = [next(written) if kept else tombstone for kept in present]
            else:
                value_bytes = values_write(topic, run.value_schema, values)
        except Exception:
            return None
        size = sum(map(len, filter(None, keys))) + sum(map(len, filter(None, value_bytes)))
        return keys, value_bytes, header_pairs, size

    def _transform(self, record: SourceRecord) -> SourceRecord | None:
        """The SMT chain on ``record``, or None when an SMT dropped it or its failure was tolerated."""
        transformed: SourceRecord | Failed | None
        try:  # the operator's ``run`` inlined: only a failed chain goes through ``execute`` (run again there)
            transformed = self.chain.apply(record)
        except Exception:
            transformed = self.operator.execute(Stage.TRANSFORMATION, type(self.chain),
                                                lambda: self.chain.apply(record), original=record)
        return None if transformed is FAILED else transformed

    def _serialise_under_operator(self, record: SourceRecord) -> ProducerRecord | None:
        """The converter stages of ``convert`` under the operator (converters are pure: running one again is safe)."""
        run, converters = self.operator.run, self.converters
        topic = record.topic
        headers = run(Stage.HEADER_CONVERTER, converters.header_class, lambda: self._headers(record), original=record)
        if headers is FAILED:
            return None
        key = run(Stage.KEY_CONVERTER, converters.key_class,
                  lambda: converters.key.from_connect_data(topic, record.key_schema, record.key, record.headers),
                  original=record)
        if key is FAILED:
            return None
        value = run(Stage.VALUE_CONVERTER, converters.value_class,
                    lambda: converters.value.from_connect_data(topic, record.value_schema, record.value,
                                                               record.headers),
                    original=record)
        if value is FAILED:
            return None
        return ProducerRecord(topic, record.kafka_partition, key, value, record.timestamp, headers)

    def _headers(self, record: SourceRecord) -> list[tuple[str, bytes | None]] | None:
        """The header bytes of ``record``; None when it has no headers."""
        return self.headers.convert(record.topic, record.headers) if len(record.headers) else None


_topic = attrgetter("topic")
