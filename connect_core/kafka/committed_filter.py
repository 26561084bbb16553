"""Keep only the records of a Lambda Kafka batch that a ``read_committed`` consumer would have seen.

AWS does not document whether Lambda's Kafka pollers read with ``read_committed``; every fenced or timed-out
exactly-once source task aborts a transaction, so a sink may be handed records that never happened. The batch is
checked against a ``read_committed`` view of the same partitions: a consumer assigned at each partition's first
offset reads up to its last one; offsets it does not return are records of aborted transactions and are dropped
(the mapping commits past them after the invocation, as a ``read_committed`` consumer would skip them). A batch that
reaches the last stable offset (where the ``read_committed`` fetch ends) holds records of a transaction still open
(or records behind one): those may yet commit. The check then raises :class:`OpenTransactionError` carrying the
committed prefix (every decided record below each partition's last stable offset) and where each held-back partition
must resume: the runtime writes the prefix and has the rest delivered again (``runtime/sink_runner.py``). A batch
starting past the last stable offset gets neither records nor an end of partition from librdkafka: a read that makes
no progress for ``STALLED_PROBE_S`` asks the last stable offsets, and holds such a partition back at once. A batch
started from an event's offsets (:meth:`CommittedFilter.start_event`) is decoded by :meth:`CommittedFilter.finish`,
with the keys and values of the messages the check consumed when every record is committed.

Cost: one fetch of the batch's bytes per invocation, on a consumer kept warm across invocations. A read that stops
short of a partition's end leaves the partition fetching on (its queue bounded by ``QUEUED_MAX_KBYTES``): the
mapping's next batch starts where the last one ended, and is read without a seek, a resume or anything fetched twice
(the committed offsets one check consumed past its batch, other partitions' records coming in the same queue, start
the next); a partition at its end is paused, so an idle consumer does not poll the broker (one left fetching costs CPU
while the container idles, until Lambda freezes it). An end the consumer met between two checks may be stale (records
came since): it is never taken for an open transaction before a seek has found it again. The queue may also hold
another log's records at the batch's offsets (the topic was deleted and created again, or truncated by an unclean
leader election, since the last check): a read-on whose first or last message of a partition does not carry the
batch's timestamp at that offset is read again after a seek, so a batch never gets a deleted log's keys and values.
"""

from __future__ import annotations

import bisect
import functools
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
    from connect_core.kafka.lambda_event import EventBatch
    from connect_core.kafka.settings import KafkaClientSettings

__all__ = ["CommittedFilter", "OpenTransactionError", "PendingCheck"]

log = logging.getLogger(__name__)
DEFAULT_TIMEOUT_S = 30.0
_CONSUME_WAIT_S = 0.005  # consume() waits this long unless it fills up: keep it short, loop instead
_MAX_MESSAGES = 10_000
FETCH_WAIT_MAX_MS = 5
# librdkafka fetches ahead of the range (1 MiB a partition by default): what lies past the batch's last offset is
# parsed into messages and thrown away at the next seek. Smaller fetches parse less of what is thrown away; a record
# batch larger than this still comes whole (KIP-74).
MAX_PARTITION_FETCH_BYTES = 65_536
# A partition left fetching between checks queues at most this much ahead (librdkafka's defaults, 100,000 messages
# or 64 MiB, would read far past any batch): enough for a next batch of short records, bounded memory otherwise.
QUEUED_MIN_MESSAGES = 10_000  # a Lambda Kafka batch holds at most 10,000 records
QUEUED_MAX_KBYTES = 1_024
# A queue over those bounds postpones its partition's next fetch by this long (librdkafka's default, 1 s, leaves a
# check that drains the queue waiting for the rest of its batch).
FETCH_QUEUE_BACKOFF_MS = 5
# A read that gets nothing for this long asks the last stable offsets (a batch starting inside an open transaction,
# past them, gets neither records nor an end of partition from librdkafka); the usual read never waits this long.
STALLED_PROBE_S = 0.5
# A batch may start a few offsets past where the last one's read left the queue: a transaction's commit marker (a
# source's transaction ends with a producer batch, so the check's last answer ends at the batch's last record too), or
# records the mapping did not send. Reading on drops the committed records in such a gap (at most this many); a seek
# instead would throw away the queue fetched ahead (up to QUEUED_MIN_MESSAGES) and fetch it again.
READ_ON_GAP = 64
_PROBE_TIMEOUT_S = 5.0
_PARTITION = operator.itemgetter(0, 1)  # ConsumedRecord's (topic, partition)
_OFFSET = operator.itemgetter(2)  # ConsumedRecord's offset
_TOPIC, _PARTITION_ID = operator.itemgetter(0), operator.itemgetter(1)  # ConsumedRecord's topic and partition


class OpenTransactionError(RetriableError):
    """The batch reaches into a transaction that is still open: deliver it again once it has ended.

    ``committed``: the batch's records below the last stable offsets that a ``read_committed`` consumer returns, in
    order; ``held_back``: per held-back partition, the first offset that must come again (its last stable offset,
    or the batch's first offset there when the batch starts past it).
    """

    def __init__(self, message: str, committed: list[ConsumedRecord] | None = None,
                 held_back: dict[tuple[str, int], int] | None = None) -> None:
        """The message names the partitions; the prefix and the resume offsets are for the runtime."""
        super().__init__(message)
        self.committed = committed if committed is not None else []
        self.held_back = held_back or {}


class PendingCheck(NamedTuple):
    """A batch whose check :meth:`CommittedFilter.start` (or :meth:`~CommittedFilter.start_event`) began: the
    records, their (first, last) and their offsets per partition, and the event not decoded yet."""

    batch: Sequence[ConsumedRecord]
    ranges: dict[tuple[str, int], tuple[int, int]]
    offsets: dict[tuple[str, int], list[int]]  # the batch's offsets per partition, in batch order
    event: EventBatch | None = None  # start_event's: decoded by finish, with the messages the read consumed

    def size(self) -> int:
        """How many records the batch holds."""
        return len(self.batch) if self.event is None else self.event.size


class CommittedFilter:
    """A warm ``read_committed`` consumer (kept per container) that filters batches; not thread-safe."""

    def __init__(self, settings: KafkaClientSettings, *, timeout_s: float = DEFAULT_TIMEOUT_S) -> None:
        """``settings``: the cluster the event source mapping reads (the worker's cluster)."""
        self.settings = settings
        self.timeout_s = timeout_s
        self.dropped = 0  # records of aborted transactions dropped so far
        self._consumer: Any = None
        self._assigned: set[tuple[str, int]] = set()
        # Partitions left fetching after a read that stopped short of their end, with what was consumed past the
        # batch (the next batch of a mapping usually starts there: no seek, no pause, nothing fetched twice).
        self._left_fetching: dict[tuple[str, int], _LeftFetching] = {}
        # what the current check reads on from, per partition
        self._reading_on: dict[tuple[str, int], _LeftFetching] = {}
        self._read_on = False  # the current check reads on from the last one's queue (no seek)

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

    def start_event(self, event: EventBatch) -> PendingCheck:
        """:meth:`start` for an event read by offsets only (``event.offsets`` not None): :meth:`finish` decodes it,
        taking the keys and values of a batch whose every record is committed from the messages the read consumed
        (confluent-kafka copied each into ``bytes`` already; a record at an offset never changes) instead of
        decoding them."""
        offsets = event.offsets
        assert offsets is not None
        ranges = {key: (min(found), max(found)) for key, found in offsets.items()}
        if ranges:
            self._seek(self._open(), ranges)
        return PendingCheck((), ranges, offsets, event)

    def cancel(self, check: PendingCheck) -> None:
        """Stop fetching for a check that will not be finished."""
        if check.ranges and self._consumer is not None and set(check.ranges) == self._assigned:
            from confluent_kafka import TopicPartition

            self._consumer.pause([TopicPartition(t, p) for t, p in sorted(check.ranges)])
            self._left_fetching = {}

    def finish(self, check: PendingCheck) -> list[ConsumedRecord]:
        """The committed records of the batch :meth:`start` was given, in order (see :meth:`committed`); of a
        :meth:`start_event` check, decoded (a batch with aborted or undecided records: every value from the event)."""
        kept, taken = self.finish_undecoded(check)
        if taken is None:
            return kept
        assert check.event is not None
        return check.event.decode(taken)

    def finish_undecoded(self, check: PendingCheck
                         ) -> tuple[list[ConsumedRecord], dict[tuple[str, int], list[Any]] | None]:
        """:meth:`finish`, leaving a :meth:`start_event` batch whose every record is committed (the usual batch)
        undecoded, for a caller that may need only its keys and values: ``([], messages)`` then, the check's message
        of each record per partition in event order (what :meth:`finish` decodes it with); otherwise
        ``(what finish returns, None)``."""
        batch, ranges = check.batch, check.ranges
        if not ranges:
            return ([] if check.event is None else check.event.decode()), None
        consumer, read_on = self._open(), self._read_on
        seen, held, consumed = self._read(consumer, ranges)
        if read_on and not _same_log(check, consumed):
            # The queue held another log's records at these offsets: the topic was deleted and created again (or
            # truncated) since the last check. Read the batch afresh from the log as it is now.
            log.warning("read_committed check: the records queued for %s are not the batch's (the topic was "
                        "re-created or truncated); reading it again", ", ".join(f"{t}-{p}" for t, p in sorted(ranges)))
            self._left_fetching = {}  # _read paused or left them fetching; a seek resumes them and drops the queue
            self._seek(consumer, ranges)
            seen, held, consumed = self._read(consumer, ranges)
        usual = not held and all(seen.get(key) == found for key, found in check.offsets.items())
        if check.event is not None:
            if usual:
                return [], consumed
            batch = check.event.decode(None)
        if usual:
            kept = list(batch)
        else:
            committed = {key: set(found) for key, found in seen.items()}
            none: set[int] = set()
            kept = [record for record in batch if record.offset in committed.get((record.topic, record.partition),
                                                                                 none)]
        if held:
            decided = [r for r in batch if r.offset < held.get((r.topic, r.partition), r.offset + 1)]
            self.dropped += len(decided) - len(kept)
            raise OpenTransactionError(
                "; ".join(f"{t}-{p}: the batch reaches offset {ranges[(t, p)][1]} but its records from offset "
                          f"{lso} are not decided: a transaction is still open" for (t, p), lso in sorted(held.items()))
                + "; the records from there will be delivered again", kept, held)
        if len(kept) != len(batch):
            self.dropped += len(batch) - len(kept)
            log.warning("dropping %d records of aborted transactions from the batch (%s)", len(batch) - len(kept),
                        ", ".join(f"{t}-{p} {f}..{last}" for (t, p), (f, last) in sorted(ranges.items())))
        return kept, None

    def close(self) -> None:
        """Release the consumer."""
        if self._consumer is not None:
            consumer, self._consumer = self._consumer, None
            self._assigned = set()
            self._left_fetching = {}
            consumer.close()

    def _open(self) -> Any:
        if self._consumer is None:
            from confluent_kafka import Consumer

            # A fetch waiting at the end of a partition delays the next seek by up to fetch.wait.max.ms: keep it short
            # (a partition at its end is paused after the read, so an idle consumer does not poll the broker).
            config = consumer_config(self.settings, isolation_level=READ_COMMITTED)
            self._consumer = Consumer({**config, "fetch.wait.max.ms": FETCH_WAIT_MAX_MS,
                                       "max.partition.fetch.bytes": MAX_PARTITION_FETCH_BYTES,
                                       "queued.min.messages": QUEUED_MIN_MESSAGES,
                                       "queued.max.messages.kbytes": QUEUED_MAX_KBYTES,
                                       "fetch.queue.backoff.ms": FETCH_QUEUE_BACKOFF_MS})
        return self._consumer

    def _seek(self, consumer: Any, ranges: dict[tuple[str, int], tuple[int, int]]) -> None:
        """Start fetching every range at its first offset (or read on, when every partition's queue goes on there)."""
        from confluent_kafka import TopicPartition

        starts = [TopicPartition(t, p, first) for (t, p), (first, _) in sorted(ranges.items())]
        # Seeking a warm assignment is cheaper than re-assigning, except to offset 0: librdkafka 2.16 does not wake
        # its fetcher for a seek to an offset <= 0, which then waits for the broker thread's next wake-up (~1 s).
        left_fetching, self._left_fetching = self._left_fetching, {}
        if set(ranges) == self._assigned and all(key in left_fetching and left_fetching[key].can_read_on_to(first)
                                                 for key, (first, _) in ranges.items()):
            self._reading_on = left_fetching  # every partition goes on where the last check stopped: read on
            self._read_on = True
            return
        self._reading_on, self._read_on = {}, False
        if set(ranges) == self._assigned and all(first > 0 for first, _ in ranges.values()):
            # Resume first, then seek: librdkafka often applies a seek on a *paused* partition only at the broker
            # thread's next wake-up (about a second later), and at once this way round.
            consumer.resume(starts)
            for start in starts:
                consumer.seek(start)
        else:
            if self._assigned:  # a paused partition stays paused through a new assign()
                consumer.resume([TopicPartition(t, p) for t, p in sorted(self._assigned)])
            consumer.assign(starts)
            self._assigned = set(ranges)

    def _read(self, consumer: Any, ranges: dict[tuple[str, int], tuple[int, int]]
              ) -> tuple[dict[tuple[str, int], list[int]], dict[tuple[str, int], int],
                         dict[tuple[str, int], list[Any]]]:
        """The offsets of every committed record in the ranges per partition (in fetch order), the partitions
        held back, and the messages of those records (beside their offsets).

        A ``read_committed`` fetch stops at the last stable offset, where librdkafka reports the end of the
        partition: an end at or below a range's last offset means a transaction there is still open; the partition
        is held back from that offset (everything below it is decided).
        """
        from confluent_kafka import Message

        message_error, message_offset = Message.error, Message.offset
        read = _Read(ranges, self._reading_on)
        self._reading_on = {}
        pending, seen, position, only, taken = read.pending, read.seen, read.position, read.only, read.messages
        now = time.monotonic()
        deadline, probe_at = now + self.timeout_s, now + STALLED_PROBE_S
        try:
            while pending:
                now = time.monotonic()
                if now > deadline:
                    raise ConnectError(f"Timed out reading the committed records of {sorted(pending)}")
                if now > probe_at:  # nothing came for a while: a range may start past the last stable offset
                    self._hold_past_stable_end(consumer, read)
                    probe_at = now + STALLED_PROBE_S
                    continue
                # Ask for no more than what is left of the ranges: the fetcher reads on past the batch (up to the
                # partition's end), and every message taken costs a Python object and a loop turn here.
                wanted = sum(pending[key][1] - position[key] + 1 for key in pending)
                messages = consumer.consume(max(1, min(wanted, _MAX_MESSAGES)), timeout=_CONSUME_WAIT_S)
                if messages:
                    probe_at = now + STALLED_PROBE_S
                if only is not None and messages and not any(map(message_error, messages)):
                    # The usual answer: records of the one partition, no error or end: their offsets taken in C.
                    offsets = cast("list[int]", list(map(message_offset, messages)))  # none is an error
                    read.queued[only] = offsets[-1] + 1
                    if offsets[0] < position[only]:  # read on across a gap (READ_ON_GAP): not the range's records
                        cut = bisect.bisect_left(offsets, position[only])
                        offsets, messages = offsets[cut:], messages[cut:]
                        if not offsets:
                            continue
                    last = pending[only][1]
                    if max(offsets) >= last:  # the range ends in this answer: keep what precedes its end
                        end = next(i for i, offset in enumerate(offsets) if offset >= last)
                        if offsets[end] == last:
                            end += 1
                        read.beyond[only] = offsets[end:]  # the next batch's, when it reads on
                        read.beyond_messages[only] = messages[end:]
                        offsets, messages = offsets[:end], messages[:end]
                        del pending[only]
                    if offsets:
                        seen[only] += offsets
                        taken[only] += messages
                        position[only] = offsets[-1] + 1
                    continue
                for message in messages:
                    self._take(consumer, message, read)
        except BaseException:
            consumer.unassign()
            self._assigned = set()
            self._left_fetching = {}
            raise
        self._stop_at_ends(consumer, ranges, read)
        return seen, read.held, taken

    @staticmethod
    def _hold_past_stable_end(consumer: Any, read: _Read) -> None:
        """Hold back every pending partition whose next offset to read lies past its last stable offset (asked of
        the broker: a ``read_committed`` ListOffsets). A fetch there returns nothing and librdkafka reports no end
        of partition (it does only at the last stable offset itself), so the read would wait out its timeout: every
        record from there on belongs to (or follows) a transaction still open; all before it was read."""
        from confluent_kafka import TopicPartition

        for key in list(read.pending):
            try:
                _low, stable = consumer.get_watermark_offsets(TopicPartition(*key), timeout=_PROBE_TIMEOUT_S,
                                                              cached=False)
            except Exception as error:  # the broker did not answer in time: the read goes on until its deadline
                log.debug("read_committed check: last stable offset of %s: %s", key, error)
                continue
            if stable is not None and 0 <= stable < read.position[key]:
                read.held[key] = read.position[key]
                read.ended.add(key)
                del read.pending[key]

    @staticmethod
    def _take(consumer: Any, message: Any, read: _Read) -> None:
        """One message of an answer that is not the usual one (several partitions, an end, an error)."""
        error, offset = message.error(), message.offset()
        if error is not None and error.code() != _partition_eof():
            log.warning("read_committed check: %s", error)  # the client recovers before the deadline
            read.ended.update(read.position)
            return
        key = read.only if read.only is not None else (message.topic(), message.partition())
        pending = read.pending
        if key not in read.position:  # a partition of an earlier assignment (none: every check assigns its own)
            return
        if error is not None:
            if key in read.unseeked and key in pending:
                # An end queued while the partition fetched on between checks may be stale (records came since):
                # read on from here after a seek, whose end (if any) is the current one.
                read.unseeked.discard(key)
                from confluent_kafka import TopicPartition

                consumer.seek(TopicPartition(key[0], key[1], read.position[key]))
                return
            read.ended.add(key)
        elif offset is not None:
            read.queued[key] = offset + 1
            if offset < read.position[key]:  # read on across a gap before the range (READ_ON_GAP): not the batch's
                return
            if offset > pending.get(key, (0, -1))[1]:
                read.beyond[key].append(offset)  # past the range: the next batch's, when it reads on
                read.beyond_messages[key].append(message)
        if key not in pending or offset is None:
            return
        last = pending[key][1]
        if error is not None and offset <= last:
            read.held[key] = offset
            del pending[key]
            return
        if error is None and offset <= last:
            read.seen[key].append(offset)
            read.messages[key].append(message)
            read.position[key] = offset + 1
        if offset >= last:
            del pending[key]

    def _stop_at_ends(self, consumer: Any, ranges: dict[tuple[str, int], tuple[int, int]], read: _Read) -> None:
        """Pause every partition whose read met its end (or an error), or whose last fetch saw no record past what
        was consumed; leave the others fetching on from where the read stopped (``_left_fetching``), for the next batch.

        The end is librdkafka's high watermark of the last fetch (no request): a partition it calls not at its end
        that then reaches it only costs that partition's fetches until the next check."""
        from confluent_kafka import TopicPartition

        left_fetching: dict[tuple[str, int], _LeftFetching] = {}
        stop = []
        for key in sorted(self._assigned):
            queued = read.queued.get(key)
            if queued is not None and key in ranges and key not in read.ended:
                _low, high = consumer.get_watermark_offsets(TopicPartition(*key), cached=True)
                if high is not None and high > queued:  # records after what was consumed: the next batch's
                    left_fetching[key] = _LeftFetching(ranges[key][1], read.beyond[key], queued,
                                                       read.beyond_messages[key])
                    continue
            stop.append(TopicPartition(*key))
        if stop:
            consumer.pause(stop)
        self._left_fetching = left_fetching


class _LeftFetching(NamedTuple):
    """A partition left fetching after a check (so the next batch can be read on without a seek): the check's last
    offset, the committed offsets past it that the check consumed already (in order), the offset the consumer's
    queue goes on at, and the messages of ``beyond``."""

    last: int
    beyond: list[int]
    queued: int
    messages: list[Any]

    def can_read_on_to(self, first: int) -> bool:
        """Whether a range starting at ``first`` goes on from here: it starts after the last check's end, at most
        ``READ_ON_GAP`` offsets past the next committed record known (``beyond``'s first, else the queue's next)."""
        return self.last < first <= (self.beyond[0] if self.beyond else self.queued) + READ_ON_GAP


class _Read:
    """What one check's read has found so far."""

    def __init__(self, ranges: dict[tuple[str, int], tuple[int, int]], reading_on: dict[tuple[str, int], _LeftFetching]
                 ) -> None:
        self.pending = dict(ranges)  # partition -> (first, last) still to be read to its last offset
        self.seen: dict[tuple[str, int], list[int]] = {key: [] for key in ranges}  # committed offsets found
        self.messages: dict[tuple[str, int], list[Any]] = {key: [] for key in ranges}  # and their messages
        # partition -> the first offset not decided, at or before its last: the last stable offset, or where a
        # range starting past it stood
        self.held: dict[tuple[str, int], int] = {}
        self.position = {key: first for key, (first, _) in ranges.items()}  # next offset expected per partition
        # One partition assigned (the usual mapping batch): every message is of that partition, no need to ask.
        self.only = next(iter(ranges)) if len(ranges) == 1 else None
        self.queued: dict[tuple[str, int], int] = {}  # where the consumer's queue goes on, per partition
        self.beyond: dict[tuple[str, int], list[int]] = {key: [] for key in ranges}  # committed, past the range
        self.beyond_messages: dict[tuple[str, int], list[Any]] = {key: [] for key in ranges}
        self.ended: set[tuple[str, int]] = set()  # partitions whose end (or an error) came up: paused after the read
        self.unseeked = set(reading_on)  # partitions read on from the last check without a seek (an end may be stale)
        for key, stream in reading_on.items():  # what the last check consumed past its range starts this one
            first, last = ranges[key]
            # committed records before ``first`` (a gap the mapping skipped, READ_ON_GAP) are not the batch's
            start = bisect.bisect_left(stream.beyond, first)
            stop = bisect.bisect_right(stream.beyond, last)
            self.seen[key] = stream.beyond[start:stop]
            self.messages[key] = stream.messages[start:stop]
            self.beyond[key] = stream.beyond[stop:]
            self.beyond_messages[key] = stream.messages[stop:]
            self.queued[key] = stream.queued
            self.position[key] = max(stream.queued, first)  # the queue's records before ``first`` are dropped
            if stream.queued > last:  # the queue went past the range: every committed record of it is known
                del self.pending[key]


def _same_log(check: PendingCheck, consumed: dict[tuple[str, int], list[Any]]) -> bool:
    """Whether the messages a read-on took are the batch's records: the first and last of each partition have the
    batch's timestamps at their offsets (a re-created or truncated topic's records at the same offsets were written
    later). Two look-ups a partition; a record without a timestamp is not compared."""
    for key, messages in consumed.items():
        if not messages:
            continue
        timestamps = _batch_timestamps(check, key)
        for message in (messages[0], messages[-1]):
            expected = timestamps.get(message.offset())
            if expected is not None and expected >= 0 and message.timestamp()[1] != expected:
                return False
    return True


def _batch_timestamps(check: PendingCheck, key: tuple[str, int]) -> dict[int, int | None]:
    """The batch's timestamp per offset of one partition (only read when a read-on is checked)."""
    if check.event is not None:
        for _group, topic, partition, offsets, records in check.event.groups:
            if (topic, partition) == key:
                return {offset: record.get("timestamp") for offset, record in zip(offsets, records, strict=False)}
        return {}
    return {record.offset: record.timestamp for record in check.batch if (record.topic, record.partition) == key}


@functools.cache
def _partition_eof() -> int:
    """librdkafka's end-of-partition event code (``confluent_kafka`` imported on first use)."""
    from confluent_kafka import KafkaError

    return KafkaError._PARTITION_EOF


def _offsets_by_partition(batch: Sequence[ConsumedRecord]) -> dict[tuple[str, int], list[int]]:
    """The batch's offsets per (topic, partition), in batch order (runs of one partition taken whole, in C; a batch
    of one partition, a mapping's usual one, known as such by two passes in C that make no key tuple)."""
    if batch:
        topic, partition = batch[0][0], batch[0][1]
        if batch[-1][1] == partition and len(set(map(_PARTITION_ID, batch))) == 1 \
                and len(set(map(_TOPIC, batch))) == 1:
            return {(topic, partition): list(map(_OFFSET, batch))}
    offsets: dict[tuple[str, int], list[int]] = {}
    for key, run in itertools.groupby(batch, _PARTITION):
        found = offsets.get(key)
        if found is None:
            offsets[key] = list(map(_OFFSET, run))
        else:
            found.extend(map(_OFFSET, run))
    return offsets
