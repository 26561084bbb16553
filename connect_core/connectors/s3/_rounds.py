"""Where files close: Confluent's ``TopicPartitionWriter`` rules, applied to a topic-partition's record stream.

A *round* collects the records of one topic-partition into one open file per directory; it closes (all its files
together, as Confluent's ``commitFiles``) after its ``flush.size``-th record, or before a record when
``rotate.interval.ms`` fires (time-based partitioners: the record's time is that far past the round's first record,
or its directory differs from the previous record's), when a directory's schema changes (Avro/Parquet), or, at the
start of an invocation, when ``rotate.schedule.interval.ms`` says the open round is due. Apart from that last one
the boundaries depend on the records alone, so every retry of a batch, whatever its boundaries, cuts the same files.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as _dt
import operator
from itertools import compress, repeat
from typing import TYPE_CHECKING

from connect_core.connectors.s3._staging import DirState, Round

if TYPE_CHECKING:
    from collections.abc import Callable

    from connect_core.api.record import SinkRecord

__all__ = ["Plan", "plan_rounds", "schedule_due", "schedule_due_at"]

Fresh = dict[str, list["SinkRecord"]]
_VALUE = operator.attrgetter("value")


@dataclasses.dataclass
class Plan:
    """What one invocation does to a topic-partition: rounds it closes and the round left open."""

    closed: list[tuple[Round, Fresh]]  # each with this invocation's records per directory
    open: Round | None
    fresh: Fresh  # this invocation's records of the open round, per directory


def schedule_due(opened_ms: int, interval_ms: int, zone: _dt.tzinfo, now_ms: int) -> bool:
    """Whether a round opened at ``opened_ms`` is past its scheduled rotation at ``now_ms`` (``schedule_due_at``)."""
    return now_ms >= schedule_due_at(opened_ms, interval_ms, zone)


def schedule_due_at(opened_ms: int, interval_ms: int, zone: _dt.tzinfo) -> int:
    """When a round opened at ``opened_ms`` rotates on the wall clock (epoch ms).

    As Confluent's ``DateTimeUtils.getNextTimeAdjustedByDay``: the next multiple of the interval counted from the
    start of the day (in ``timezone``) the round was opened, and never later than the next midnight.
    """
    opened = _dt.datetime.fromtimestamp(opened_ms / 1000, zone)
    midnight = opened.replace(hour=0, minute=0, second=0, microsecond=0)
    day_start = int(midnight.timestamp() * 1000)
    next_day = int((midnight + _dt.timedelta(days=1)).timestamp() * 1000)
    return min(day_start + ((opened_ms - day_start) // interval_ms + 1) * interval_ms, next_day)


def plan_rounds(current: Round | None, records: list[SinkRecord], *, flush_size: int, rotate_ms: int,
                directory: Callable[[SinkRecord], str | None], timestamp: Callable[[SinkRecord], int | None],
                schema_id: Callable[[SinkRecord, str], str | None] | None, now_ms: int, close_first: bool,
                one_directory: str | None = None) -> Plan:
    """Cut ``records`` (offset order, none staged yet) into rounds, continuing ``current`` (copied, not changed).

    ``directory`` gives None for a record that is skipped (a tombstone under ``behavior.on.null.values=ignore``);
    ``schema_id`` None: the format never rotates on a schema change (every record's id is None);
    ``close_first`` closes ``current`` before anything else (its scheduled rotation is due). ``one_directory``: what
    ``directory`` gives every record with a value (a null value skipped), so where nothing else rotates the records
    are cut into runs of ``flush.size`` at once (:func:`_cut_runs`) instead of one at a time.
    """
    closed: list[tuple[Round, Fresh]] = []
    open_round = copy.deepcopy(current)
    fresh: Fresh = {}
    if open_round is not None and close_first and open_round.count:
        closed.append((open_round, fresh))
        open_round, fresh = None, {}
    # Else only flush.size closes a round (a round staged with schema ids, by another format, still compares them).
    rotates = rotate_ms > 0 or schema_id is not None or (
        open_round is not None and any(state.schema is not None for state in open_round.dirs.values()))
    if one_directory is not None and not rotates:
        return _cut_runs(Plan(closed, open_round, fresh), records, d=one_directory, flush_size=flush_size,
                         now_ms=now_ms)
    ts: int | None = None
    sid: str | None = None
    for record in records:
        d = directory(record)
        if d is None:
            continue
        if rotate_ms > 0:
            ts = timestamp(record)
        if schema_id is not None:
            sid = schema_id(record, d)
        if rotates and open_round is not None and open_round.count and _rotates(open_round, d, ts, sid, rotate_ms):
            closed.append((open_round, fresh))
            open_round, fresh = None, {}
        if open_round is None:
            open_round = Round(id=record.kafka_offset, opened_ms=now_ms, base_ts=ts)
        state = open_round.dirs.get(d)
        if state is None:
            state = open_round.dirs[d] = DirState(start=record.kafka_offset, schema=sid)
        state.count += 1
        open_round.count += 1
        open_round.current_dir = d
        open_round.end = record.kafka_offset
        fresh.setdefault(d, []).append(record)
        if open_round.count >= flush_size:
            closed.append((open_round, fresh))
            open_round, fresh = None, {}
    return Plan(closed, open_round, fresh)


def _cut_runs(plan: Plan, records: list[SinkRecord], *, d: str, flush_size: int, now_ms: int) -> Plan:
    """``plan_rounds``' loop where only ``flush.size`` closes a round and every record with a value goes to ``d``:
    the same rounds, each filled by one slice of the records (a null value skipped) rather than record by record;
    ``plan`` is what comes before the records (changed and returned)."""
    closed, open_round, fresh = plan.closed, plan.open, plan.fresh
    values = list(map(_VALUE, records))
    kept = list(compress(records, map(operator.is_not, values, repeat(None)))) if any(
        map(operator.is_, values, repeat(None))) else records
    start, total = 0, len(kept)
    while start < total:
        if open_round is None:
            open_round = Round(id=kept[start].kafka_offset, opened_ms=now_ms, base_ts=None)
        run = kept[start:start + max(1, flush_size - open_round.count)]  # a round already past flush.size: one
        start += len(run)
        state = open_round.dirs.get(d)
        if state is None:
            state = open_round.dirs[d] = DirState(start=run[0].kafka_offset, schema=None)
        state.count += len(run)
        open_round.count += len(run)
        open_round.current_dir = d
        open_round.end = run[-1].kafka_offset
        fresh.setdefault(d, []).extend(run)
        if open_round.count >= flush_size:
            closed.append((open_round, fresh))
            open_round, fresh = None, {}
    return Plan(closed, open_round, fresh)


def _rotates(current: Round, d: str, ts: int | None, sid: str | None, rotate_ms: int) -> bool:
    """Confluent's ``rotateOnTime`` (record time, or a new directory) and rotation on an incompatible schema."""
    if rotate_ms > 0 and ts is not None and current.base_ts is not None and (
            ts - current.base_ts >= rotate_ms or d != current.current_dir):
        return True
    state = current.dirs.get(d)
    return state is not None and state.schema != sid
