"""A started sink task's offsets between batches, kept as Kafka Connect's ``WorkerSinkTask`` keeps them.

Per partition: the *position* (the next record the task gets), the current offsets ``pre_commit`` is offered and
the last committed offsets, moved by ``SinkTaskContext.offset()`` and held by ``pause()``. A mapping or pull-mode
consumer may deliver records again, so the position also filters what this warm task already owns. Nothing here
outlives Kafka: each partition also remembers where its source goes on from (the offset its group commits), and a
batch that starts before it means the offsets moved back (a group reset, a re-created topic), so the task follows
and gets every record from there, as a worker's does (docs/architecture.md, "The SinkTask contract on both paths").
"""

from __future__ import annotations

import itertools
import logging
import operator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from connect_core.api.task import TopicPartition

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from connect_core.api.consumed_record import ConsumedRecord

__all__ = ["BatchPlan", "SinkOffsets"]

log = logging.getLogger(__name__)
_PARTITION = operator.itemgetter(0, 1)  # a ConsumedRecord's (topic, partition)
_OFFSET = operator.itemgetter(2)  # a ConsumedRecord's offset


@dataclass
class BatchPlan:
    """What of one batch goes to ``put``, and which partitions must come again from which offset."""

    deliver: list[int] = field(default_factory=list)  # indexes into the batch, in order
    held: dict[TopicPartition, int] = field(default_factory=dict)  # paused or rewound: not put from this offset
    first: dict[TopicPartition, int] = field(default_factory=dict)  # each partition's first offset in the batch
    next: dict[TopicPartition, int] = field(default_factory=dict)  # each partition's offset after its last record


class SinkOffsets:
    """Position and last committed offset per partition of one started task (forgotten with the task)."""

    def __init__(self, *, seeks: bool) -> None:
        """``seeks``: the batches come from a consumer the runtime can seek (pull mode), so a rewind before the
        batch's first record is honoured by holding the partition there; a mapping cannot go back before it."""
        self.seeks = seeks
        self.positions: dict[TopicPartition, int] = {}
        self.committed: dict[TopicPartition, int] = {}
        # where the source goes on from, as this task left it (what its group commits); a batch before it is a rewind
        self.source: dict[TopicPartition, int] = {}
        # a partition whose source goes on inside what the task holds: the offset and timestamp of that record, so a
        # batch from there that brings another record (a re-created or truncated topic) is not taken for it
        self.marks: dict[TopicPartition, tuple[int, int | None]] = {}

    def forget(self, partitions: Iterable[TopicPartition]) -> None:
        """Closed partitions: a partition assigned again starts from what its source delivers."""
        for tp in partitions:
            self.positions.pop(tp, None)
            self.committed.pop(tp, None)
            self.source.pop(tp, None)
            self.marks.pop(tp, None)

    def source_goes_on(self, offsets: Mapping[TopicPartition, int], batch: Sequence[ConsumedRecord] = ()) -> None:
        """The source commits these offsets (the mapping when the invocation returns, a pull-mode task itself): it
        goes on from there, unless Kafka's offsets move back. Where that lies inside what the task holds, the
        record there (found in ``batch``, or kept from before) marks it."""
        for tp, offset in offsets.items():
            if tp not in self.positions:
                continue
            if offset >= self.positions[tp]:
                self.marks.pop(tp, None)  # a batch from there brings only what the task does not have
            elif self.marks.get(tp, (None, None))[0] != offset:
                record = next((r for r in batch if r.offset == offset and (r.topic, r.partition) == tp), None)
                if record is None:
                    self.marks.pop(tp, None)  # delivered in an earlier batch: not known here
                else:
                    self.marks[tp] = (offset, record.timestamp)
            self.source[tp] = offset

    def source_at(self, ends: Mapping[TopicPartition, int]) -> list[TopicPartition]:
        """Partitions with no record in the batch whose source stands at the end of its log at ``ends`` (a pull-mode
        consumer's end of partition): one before where the source goes on from means the log went back (a re-created
        or truncated topic, read from its start again): the task's position and last committed offset follow it,
        so ``pre_commit`` is not offered, nor the group committed, an offset of a log that is gone. Those partitions."""
        moved = []
        for tp, end in ends.items():
            if 0 <= end < self.source.get(tp, end):
                log.warning("%s: its log ends at %d, before %d, where this task's source went on from: the offsets "
                            "moved back (a re-created or truncated topic); the task's position follows", tp, end,
                            self.source[tp])
                self.positions[tp] = self.committed[tp] = self.source[tp] = end
                moved.append(tp)
        return moved

    def rewind(self, requests: Mapping[TopicPartition, int], assigned: set[TopicPartition]) -> dict[TopicPartition,
                                                                                                   int]:
        """Apply ``SinkTaskContext.offset()`` requests (position and last committed, as ``WorkerSinkTask.rewind``);
        the applied ones. A request for a partition not assigned is ignored with a warning."""
        applied = {}
        for requested, offset in requests.items():
            tp = TopicPartition(*requested)
            if tp not in assigned or offset is None or offset < 0:
                log.warning("ignoring the task's offset request %s -> %s: not an assigned partition and offset",
                            tp, offset)
                continue
            self.positions[tp] = self.committed[tp] = int(offset)
            applied[tp] = int(offset)
        return applied

    def plan(self, batch: Sequence[ConsumedRecord], paused: set[TopicPartition],
             rewound: Mapping[TopicPartition, int],
             runs: Mapping[tuple[str, int], Sequence[int]] | None = None) -> BatchPlan:
        """Which records of ``batch`` the task gets: none below its position (already its own, or skipped by a
        rewind), none of a paused partition (held at its first such record), and, when a rewind reached back
        before the batch and the source can seek, none of that partition (held at the rewind).

        ``runs``: the batch's offsets per partition in batch order when the caller has them already (the
        read_committed check), so the batch is not walked again."""
        plan = BatchPlan()
        first: dict[tuple[str, int], int] = {}
        end: dict[tuple[str, int], int] = {}
        if runs is not None:
            for key, found in runs.items():
                first[key], end[key] = found[0], found[-1] + 1
        else:
            for key, run in itertools.groupby(batch, _PARTITION):  # runs of one partition; tuples made in C
                offsets = list(map(_OFFSET, run))
                if key not in first:
                    first[key] = offsets[0]
                end[key] = offsets[-1] + 1
        plan.first = {TopicPartition(*key): offset for key, offset in first.items()}
        plan.next = {TopicPartition(*key): offset for key, offset in end.items()}
        for tp, start in plan.first.items():
            if tp not in self.positions:  # first sight: the source delivers from the committed offset
                self.positions[tp] = self.committed[tp] = self.source[tp] = start
            elif tp not in rewound and self._moved_back(tp, start, batch):
                # Not a redelivery of what this task holds: Kafka's offsets moved back. The task gets everything
                # from there, as a worker's task gets what its consumer's position delivers.
                self.positions[tp] = self.committed[tp] = self.source[tp] = start
                self.marks.pop(tp, None)
            elif tp in rewound and self.positions[tp] < start:
                if self.seeks:
                    plan.held[tp] = self.positions[tp]
                else:
                    log.warning("%s: the task rewound to %d, before the batch (from %d); a mapping cannot deliver "
                                "earlier records again: delivering from %d", tp, self.positions[tp], start, start)
                    self.positions[tp] = start
        if not plan.held and paused.isdisjoint(plan.first) \
                and all(self.positions[tp] <= start for tp, start in plan.first.items()):
            plan.deliver = list(range(len(batch)))  # the usual batch: nothing held, nothing the task already has
            return plan
        for index, record in enumerate(batch):
            tp = TopicPartition(record.topic, record.partition)
            if tp in plan.held or record.offset < self.positions[tp]:
                continue
            if tp in paused:
                plan.held[tp] = record.offset
                continue
            plan.deliver.append(index)
        return plan

    def _moved_back(self, tp: TopicPartition, start: int, batch: Sequence[ConsumedRecord]) -> bool:
        """Whether a batch of ``tp`` from ``start`` shows that Kafka's offsets moved back: it starts before where the
        source went on from (a group reset, a re-created or truncated topic, a batch whose commit was lost), or
        there, inside what the task holds, with another record than the one the task holds at that offset (another
        timestamp: the topic was re-created or truncated)."""
        source = self.source.get(tp, start)
        if start < source:
            log.warning("%s: the batch starts at %d, before %d, where this task's source went on from: the offsets "
                        "moved back; the task gets every record from %d", tp, start, source, start)
            return True
        mark = self.marks.get(tp)
        if start >= self.positions[tp] or mark is None or mark[0] != start or mark[1] is None:
            return False
        record = next((r for r in batch if r.offset == start and (r.topic, r.partition) == tp), None)
        if record is None or record.timestamp is None or record.timestamp == mark[1]:
            return False
        log.warning("%s: the record at offset %d is not the one this task holds (another timestamp): the topic was "
                    "re-created or truncated; the task gets every record from %d", tp, start, start)
        return True

    def delivered(self, plan: BatchPlan) -> None:
        """The records ``plan`` delivers went to ``put``: the task's position is past them (a partition held by
        the plan got none; any other got every record from its position to the batch's end)."""
        for tp, end in plan.next.items():
            if tp not in plan.held and end > self.positions[tp]:
                self.positions[tp] = end

    def current(self, assigned: set[TopicPartition]) -> dict[TopicPartition, int]:
        """What ``pre_commit`` is offered: the position of every assigned partition (``currentOffsets``)."""
        return {tp: offset for tp, offset in self.positions.items() if tp in assigned}

    def commit(self, returned: Mapping[TopicPartition, int] | None,
               current: Mapping[TopicPartition, int]) -> dict[TopicPartition, int]:
        """The offsets to commit after ``pre_commit`` returned ``returned``: a partition it left out stays at its
        last committed offset; an offset past ``current`` or of a partition not offered is ignored (as
        ``WorkerSinkTask.commitOffsets`` ignores them)."""
        for returned_tp, offset in (returned or {}).items():
            tp = TopicPartition(*returned_tp)
            if tp not in current:
                log.warning("ignoring the task's offset %s for %s: the partition is not assigned", offset, tp)
            elif offset > current[tp]:
                log.warning("ignoring the task's offset %s for %s: not yet consumed (current offset %d)",
                            offset, tp, current[tp])
            else:
                self.committed[tp] = int(offset)
        return {tp: self.committed[tp] for tp in current if tp in self.committed}
