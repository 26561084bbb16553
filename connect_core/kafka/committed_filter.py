"""Keep only the records of a Lambda Kafka batch that a ``read_committed`` consumer would have seen.

AWS does not document whether Lambda's Kafka pollers read with ``read_committed``; every fenced or timed-out
exactly-once source task aborts a transaction, so a sink may be handed records that never happened. The batch is
checked against a ``read_committed`` view of the same partitions: a consumer assigned at each partition's first
offset reads up to its last one; offsets it does not return are records of aborted transactions and are dropped
(the mapping commits past them after the invocation, as a ``read_committed`` consumer would skip them). A batch that
reaches the last stable offset (where the ``read_committed`` fetch ends) holds records of a transaction still open
(or records behind one): those may yet commit. The check then raises :class:`OpenTransactionError` carrying the
committed prefix (every decided record below each partition's last stable offset) and where each held-back partition
must resume: the runtime writes the prefix and has the rest delivered again (``runtime/sink_runner.py``).

Cost: one fetch of the batch's bytes per invocation, on a consumer kept warm across
invocations (``docs/deploy.md`` has the measured numbers).
"""

from __future__ import annotations

import itertools
import logging
import operator
import time
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from connect_core.api.errors import ConnectError, RetriableError
from connect_core.kafka.clients import READ_COMMITTED, consumer_config

if TYPE_CHECKING:
    from collections.abc import Sequence

    from connect_core.api.consumed_record import ConsumedRecord
    from connect_core.kafka.settings import KafkaClientSettings

__all__ = ["CommittedFilter", "OpenTransactionError", "PendingCheck"]

log = logging.getLogger(__name__)
DEFAULT_TIMEOUT_S = 30.0
_CONSUME_WAIT_S = 0.005  # consume() waits this long unless it fills up: keep it short, loop instead
_MAX_MESSAGES = 10_000
FETCH_WAIT_MAX_MS = 5
# librdkafka fetches ahead of the range (1 MiB a partition by default): what lies past the batch's last offset is
# parsed into messages and thrown away at the next seek. 64 KiB fetches cut the check's CPU by half or more (issue
# 26, round 3: a 1,000-record batch of 60-byte lines 4.3 -> 1.9 ms, of 1.1 KB values 3.4 -> 2.4 ms); a record batch
# larger than this still comes whole (KIP-74).
MAX_PARTITION_FETCH_BYTES = 65_536
_PARTITION = operator.itemgetter(0, 1)  # ConsumedRecord's (topic, partition)
_OFFSET = operator.itemgetter(2)  # ConsumedRecord's offset


class OpenTransactionError(RetriableError):
    """The batch reaches into a transaction that is still open: deliver it again once it has ended.

    ``committed``: the batch's records below the last stable offsets that a ``read_committed`` consumer returns, in
    order; ``held_back``: per held-back partition, the first offset that must come again (its last stable offset).
    """

    def __init__(self, message: str, committed: list[ConsumedRecord] | None = None,
                 held_back: dict[tuple[str, int], int] | None = None) -> None:
        """The message names the partitions; the prefix and the resume offsets are for the runtime."""
        super().__init__(message)
        self.committed = committed if committed is not None else []
        self.held_back = held_back or {}


class PendingCheck(NamedTuple):
    """A batch whose check :meth:`CommittedFilter.start` began: the records, their (first, last) and their offsets
    per partition."""

    batch: Sequence[ConsumedRecord]
    ranges: dict[tuple[str, int], tuple[int, int]]
    offsets: dict[tuple[str, int], list[int]]  # the batch's offsets per partition, in batch order


class CommittedFilter:
    """A warm ``read_committed`` consumer (kept per container) that filters batches; not thread-safe."""

    def __init__(self, settings: KafkaClientSettings, *, timeout_s: float = DEFAULT_TIMEOUT_S) -> None:
        """``settings``: the cluster the event source mapping reads (the worker's cluster)."""
        self.settings = settings
        self.timeout_s = timeout_s
        self.dropped = 0  # records of aborted transactions dropped so far
        self._consumer: Any = None
        self._assigned: set[tuple[str, int]] = set()

    def committed(self, batch: Sequence[ConsumedRecord]) -> list[ConsumedRecord]:
        """The records of ``batch`` that are committed, in order; raises :class:`OpenTransactionError` when some
        record's fate is not decided yet, ``ConnectError`` when the partitions cannot be read in time."""
        return self.finish(self.start(batch))

    def start(self, batch: Sequence[ConsumedRecord]) -> PendingCheck:
        """Position the consumer at the batch's ranges and return at once: librdkafka's threads fetch while the
        caller does other work (converting the batch); :meth:`finish` then collects the answer."""
        offsets = _offsets_by_partition(batch)
        ranges = {key: (min(found), max(found)) for key, found in offsets.items()}
        if ranges:
            self._seek(self._open(), ranges)
        return PendingCheck(batch, ranges, offsets)

    def cancel(self, check: PendingCheck) -> None:
        """Stop fetching for a check that will not be finished."""
        if check.ranges and self._consumer is not None and set(check.ranges) == self._assigned:
            from confluent_kafka import TopicPartition

            self._consumer.pause([TopicPartition(t, p) for t, p in sorted(check.ranges)])

    def finish(self, check: PendingCheck) -> list[ConsumedRecord]:
        """The committed records of the batch :meth:`start` was given, in order (see :meth:`committed`)."""
        batch, ranges = check.batch, check.ranges
        if not ranges:
            return []
        seen, held = self._read(self._open(), ranges)
        if not held and all(seen.get(key) == found for key, found in check.offsets.items()):
            kept = list(batch)  # the usual batch: every partition's offsets are exactly the committed ones
        else:
            committed = {key: set(found) for key, found in seen.items()}
            none: set[int] = set()
            kept = [record for record in batch if record.offset in committed.get((record.topic, record.partition),
                                                                                 none)]
        if held:
            decided = [r for r in batch if r.offset < held.get((r.topic, r.partition), r.offset + 1)]
            self.dropped += len(decided) - len(kept)
            raise OpenTransactionError(
                "; ".join(f"{t}-{p}: the batch reaches offset {ranges[(t, p)][1]} but the last stable offset is "
                          f"{lso}: a transaction is still open" for (t, p), lso in sorted(held.items()))
                + "; the records from there will be delivered again", kept, held)
        if len(kept) != len(batch):
            self.dropped += len(batch) - len(kept)
            log.warning("dropping %d records of aborted transactions from the batch (%s)", len(batch) - len(kept),
                        ", ".join(f"{t}-{p} {f}..{last}" for (t, p), (f, last) in sorted(ranges.items())))
        return kept

    def close(self) -> None:
        """Release the consumer."""
        if self._consumer is not None:
            consumer, self._consumer = self._consumer, None
            self._assigned = set()
            consumer.close()

    def _open(self) -> Any:
        if self._consumer is None:
            from confluent_kafka import Consumer

            # A fetch waiting at the end of a partition delays the next seek by up to fetch.wait.max.ms: keep it short
            # (the partitions are paused between batches, so an idle consumer does not poll the broker).
            config = consumer_config(self.settings, isolation_level=READ_COMMITTED)
            self._consumer = Consumer({**config, "fetch.wait.max.ms": FETCH_WAIT_MAX_MS,
                                       "max.partition.fetch.bytes": MAX_PARTITION_FETCH_BYTES})
        return self._consumer

    def _seek(self, consumer: Any, ranges: dict[tuple[str, int], tuple[int, int]]) -> None:
        """Start fetching every range at its first offset."""
        from confluent_kafka import TopicPartition

        starts = [TopicPartition(t, p, first) for (t, p), (first, _) in sorted(ranges.items())]
        # Seeking a warm assignment is cheaper than re-assigning, except to offset 0: librdkafka 2.16 does not wake
        # its fetcher for a seek to an offset <= 0, which then waits for the broker thread's next wake-up (~1 s).
        if set(ranges) == self._assigned and all(first > 0 for first, _ in ranges.values()):
            # Resume first, then seek: librdkafka often applies a seek on a *paused* partition only ~1 s later
            # (measured: 1,000-1,020 ms on every second batch or so, against 7-40 ms this way round).
            consumer.resume(starts)
            for start in starts:
                consumer.seek(start)
        else:
            if self._assigned:  # a paused partition stays paused through a new assign()
                consumer.resume([TopicPartition(t, p) for t, p in sorted(self._assigned)])
            consumer.assign(starts)
            self._assigned = set(ranges)

    def _read(self, consumer: Any, ranges: dict[tuple[str, int], tuple[int, int]]
              ) -> tuple[dict[tuple[str, int], list[int]], dict[tuple[str, int], int]]:
        """The offsets of every committed record in the ranges per partition (in fetch order), and the partitions
        held back.

        A ``read_committed`` fetch stops at the last stable offset, where librdkafka reports the end of the
        partition: an end at or below a range's last offset means a transaction there is still open; the partition
        is held back from that offset (everything below it is decided).
        """
        from confluent_kafka import KafkaError, Message, TopicPartition

        message_error, message_offset = Message.error, Message.offset
        pending = dict(ranges)
        seen: dict[tuple[str, int], list[int]] = {key: [] for key in ranges}
        held: dict[tuple[str, int], int] = {}
        starts = [TopicPartition(t, p, first) for (t, p), (first, _) in sorted(ranges.items())]
        deadline = time.monotonic() + self.timeout_s
        position = {key: first for key, (first, _) in ranges.items()}  # next offset expected per partition
        # One partition assigned (the usual mapping batch): every message is of that partition, no need to ask.
        only = next(iter(ranges)) if len(ranges) == 1 else None
        eof = KafkaError._PARTITION_EOF
        try:
            while pending:
                if time.monotonic() > deadline:
                    raise ConnectError(f"Timed out reading the committed records of {sorted(pending)}")
                # Ask for no more than what is left of the ranges: the fetcher reads on past the batch (up to the
                # partition's end), and every message taken costs a Python object and a loop turn here.
                wanted = sum(pending[key][1] - position[key] + 1 for key in pending)
                messages = consumer.consume(max(1, min(wanted, _MAX_MESSAGES)), timeout=_CONSUME_WAIT_S)
                if only is not None and messages and not any(map(message_error, messages)):
                    # The usual answer: records of the one partition, no error or end: their offsets taken in C.
                    offsets = cast("list[int]", list(map(message_offset, messages)))  # none is an error
                    last = pending[only][1]
                    if max(offsets) >= last:  # the range ends in this answer: keep what precedes its end
                        end = next(i for i, offset in enumerate(offsets) if offset >= last)
                        offsets = offsets[:end + 1] if offsets[end] == last else offsets[:end]
                        del pending[only]
                    if offsets:
                        seen[only] += offsets
                        position[only] = offsets[-1] + 1
                    continue
                for message in messages:
                    error, offset = message.error(), message.offset()
                    if error is not None and error.code() != eof:
                        log.warning("read_committed check: %s", error)  # the client recovers before the deadline
                        continue
                    key = only if only is not None else (message.topic(), message.partition())
                    if key not in pending or offset is None:
                        continue
                    last = pending[key][1]
                    if error is not None and offset <= last:
                        held[key] = offset
                        del pending[key]
                        continue
                    if error is None and offset <= last:
                        seen[key].append(offset)
                        position[key] = offset + 1
                    if offset >= last:
                        del pending[key]
        except BaseException:
            consumer.unassign()
            self._assigned = set()
            raise
        consumer.pause(starts)
        return seen, held


def _offsets_by_partition(batch: Sequence[ConsumedRecord]) -> dict[tuple[str, int], list[int]]:
    """The batch's offsets per (topic, partition), in batch order (runs of one partition taken whole, in C)."""
    offsets: dict[tuple[str, int], list[int]] = {}
    for key, run in itertools.groupby(batch, _PARTITION):
        found = offsets.get(key)
        if found is None:
            offsets[key] = list(map(_OFFSET, run))
        else:
            found.extend(map(_OFFSET, run))
    return offsets
