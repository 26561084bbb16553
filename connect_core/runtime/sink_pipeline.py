"""Consumed bytes -> ``SinkRecord``: converters then SMTs, under ``errors.tolerance`` (Kafka ``WorkerSinkTask``).

The hot path runs every stage directly; only a record whose stage raised is re-run through the
``RetryWithToleranceOperator``, which retries, reports (log, dead letter queue) and either skips it (``all``) or
fails the invocation (``none``). Converters and SMTs are pure, so running the failed stage again is safe.
"""

from __future__ import annotations

import operator
from typing import TYPE_CHECKING, Any, cast

from connect_core.api.header import Headers
from connect_core.api.record import SinkRecord
from connect_core.errors.retry_with_tolerance import FAILED
from connect_core.errors.stage import Stage
from connect_core.runtime.sink_headers import headers_plan

if TYPE_CHECKING:
    from collections.abc import Sequence

    from connect_core.api.consumed_record import ConsumedRecord
    from connect_core.errors.retry_with_tolerance import RetryWithToleranceOperator
    from connect_core.runtime.converter_set import ConverterSet
    from connect_core.transforms.chain import TransformationChain

__all__ = ["SinkPipeline"]

_KEY, _VALUE = operator.itemgetter(5), operator.itemgetter(6)  # a ConsumedRecord's key and value bytes
_SECOND = operator.itemgetter(1)  # a SchemaAndValue's value


class SinkPipeline:
    """Turns consumed records into the ``SinkRecord``s a task's ``put`` receives; skipped records are left out."""

    def __init__(
        self, converters: ConverterSet, chain: TransformationChain, operator: RetryWithToleranceOperator
    ) -> None:
        """Bind the converters, the SMT chain and the error operator of one task."""
        self.converters = converters
        self.chain = chain
        self.operator = operator
        self._headers = headers_plan(converters.header)  # a record's Connect headers (runtime/sink_headers.py)

    def convert_all(self, consumed: Sequence[ConsumedRecord]) -> list[SinkRecord]:
        """Every record that survived conversion and the SMT chain, in order.

        Without SMTs the batch goes through :meth:`convert_clean` first (converters that read a batch in one call
        read it so); a batch where it failed, and any batch with SMTs, takes one tight loop
        that calls every stage directly, and a record where any stage raises is converted again with every stage
        under the operator (retries, tolerance, reporters), which is safe because converters and SMTs are pure.
        """
        if not len(self.chain):
            clean = self.convert_clean(consumed)
            if clean is not None:  # no SMT drops a record: every entry is one
                return cast("list[SinkRecord]", clean)
        out: list[SinkRecord] = []
        append, direct, again = out.append, self._direct, self._convert_under_operator
        for record in consumed:
            try:
                converted = direct(record)
            except Exception:
                converted = again(record)
            if converted is not None:
                append(converted)
        return out

    def convert_clean(self, consumed: Sequence[ConsumedRecord]) -> list[SinkRecord | None] | None:
        """Each record converted and transformed (None where an SMT dropped it), or None when any stage raised
        for any record: nothing is reported (:meth:`convert_all` then converts the batch record by record, reporting
        what fails)."""
        if len(self.chain):
            direct = self._direct
            try:
                return [direct(record) for record in consumed]
            except Exception:
                return None
        # No SMT: ``_direct`` inlined, names bound once per batch (the per-record path of every plain sink).
        headers_of, new_headers, new_record = self._headers, Headers, SinkRecord
        keys_read = getattr(self.converters.key, "to_connect_values", None)
        values_read = getattr(self.converters.value, "to_connect_values", None)
        if keys_read is not None and values_read is not None:
            # Converters that read the bytes alone (not the topic or headers) read the batch's keys and values in
            # one call each; converters are pure, so reading them before the headers changes nothing.
            try:
                keys, values = keys_read(map(_KEY, consumed)), values_read(map(_VALUE, consumed))
                return cast("list[SinkRecord | None]", SinkRecord.from_consumed(consumed, keys, values, headers_of))
            except Exception:
                return None
        key_read, value_read = self.converters.key.to_connect_data, self.converters.value.to_connect_data
        out: list[SinkRecord | None] = []
        append = out.append
        try:
            for consumed_record in consumed:
                topic, partition, offset, timestamp, timestamp_type, key_bytes, value_bytes, raw_headers = (
                    consumed_record)
                headers = headers_of(consumed_record) if raw_headers else new_headers()
                key = key_read(topic, key_bytes, headers)
                value = value_read(topic, value_bytes, headers)
                append(new_record(topic, partition, key.schema, key.value, value.schema, value.value, offset,
                                  timestamp, timestamp_type, headers))
        except Exception:
            return None
        return out

    def record_values(self, keys: Sequence[bytes | None], values: Sequence[bytes | None]) -> list[Any] | None:
        """The ``value`` of each record :meth:`convert_clean` makes of records without headers with these keys and
        values, in order, without the records: what a task that reads nothing of a record but its value is handed
        (``SinkRunner``'s values path). None when this pipeline cannot say so without the records (SMTs, converters
        that do not read a batch in one call) or when a stage raised (nothing is reported: convert the records)."""
        if len(self.chain):
            return None
        keys_read = getattr(self.converters.key, "to_connect_values", None)
        values_read = getattr(self.converters.value, "to_connect_values", None)
        if keys_read is None or values_read is None:
            return None
        try:
            keys_read(keys)  # a key that fails to convert fails its record, as in convert_clean
            return list(map(_SECOND, values_read(values)))
        except Exception:
            return None

    def _direct(self, consumed: ConsumedRecord) -> SinkRecord | None:
        """Every stage called directly (the success path of :meth:`convert`)."""
        topic, converters = consumed.topic, self.converters
        headers = self._headers(consumed) if consumed.headers else Headers()
        key = converters.key.to_connect_data(topic, consumed.key, headers)
        value = converters.value.to_connect_data(topic, consumed.value, headers)
        chain = self.chain
        if chain.fused:  # the fused SMTs change the value alone: one record, built after them
            struct = chain.transform_value(topic, value.schema, value.value)
            if struct is not None:
                return SinkRecord(topic, consumed.partition, key.schema, key.value, struct.schema, struct,
                                  consumed.offset, consumed.timestamp, consumed.timestamp_type, headers)
        record = SinkRecord(
            topic, consumed.partition, key.schema, key.value, value.schema, value.value, consumed.offset,
            consumed.timestamp, consumed.timestamp_type, headers,
        )
        return chain.apply(record) if len(chain) else record

    def convert(self, consumed: ConsumedRecord) -> SinkRecord | None:
        """One record, or None when it was dropped by an SMT or tolerated as failed.

        Every stage runs directly (:meth:`_direct`); if any raises, the record is converted again stage by stage
        under the operator (converters and SMTs are pure), which retries, reports and tolerates it.

        """
        try:
            return self._direct(consumed)
        except Exception:
            return self._convert_under_operator(consumed)

    def _convert_under_operator(self, consumed: ConsumedRecord) -> SinkRecord | None:
        """``convert`` with every stage under the operator (a stage raised on the direct path)."""
        topic, run, converters = consumed.topic, self.operator.run, self.converters
        headers = run(Stage.HEADER_CONVERTER, converters.header_class, lambda: self._headers(consumed),
                      original=consumed)
        if headers is FAILED:
            return None
        key = run(Stage.KEY_CONVERTER, converters.key_class,
                  lambda: converters.key.to_connect_data(topic, consumed.key, headers), original=consumed)
        if key is FAILED:
            return None
        value = run(Stage.VALUE_CONVERTER, converters.value_class,
                    lambda: converters.value.to_connect_data(topic, consumed.value, headers), original=consumed)
        if value is FAILED:
            return None
        record = SinkRecord(
            topic, consumed.partition, key.schema, key.value, value.schema, value.value, consumed.offset,
            consumed.timestamp, consumed.timestamp_type, headers,
        )
        if not len(self.chain):
            return record
        transformed = run(Stage.TRANSFORMATION, type(self.chain), lambda: self.chain.apply(record), original=consumed)
        return None if transformed is FAILED else transformed

