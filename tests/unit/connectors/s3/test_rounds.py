"""``plan_rounds`` with ``one_directory`` (the default partitioner's records cut into runs of ``flush.size`` at once)
against its record-by-record loop, the reference: the same rounds closed, the same round left open, the same records
per directory, on random batches, open rounds, tombstones and flush sizes."""

from __future__ import annotations

import copy
import random

from connect_core.api.record import SinkRecord
from connect_core.connectors.s3._partitioner import Partitioner
from connect_core.connectors.s3._rounds import plan_rounds
from connect_core.connectors.s3._staging import DirState, Round

PARTITIONER = Partitioner()


def _directory(record: SinkRecord) -> str | None:
    """``S3SinkTask._directory`` under ``behavior.on.null.values=ignore`` with the default partitioner."""
    return None if record.value is None else PARTITIONER.encode(record)


def _current(rng: random.Random, first: int, flush_size: int) -> Round | None:
    """None, or an open round as a head keeps it (possibly already past a lowered ``flush.size``)."""
    if rng.random() < 0.3:
        return None
    count = rng.choice([1, flush_size - 1, flush_size, flush_size + 3, rng.randint(1, flush_size + 5)])
    d = "partition=3" if rng.random() < 0.8 else "partition=7"  # a directory the round has, or another one
    return Round(id=first - count, count=count, opened_ms=5, current_dir=d, end=first - 1,
                 dirs={d: DirState(start=first - count, count=count)}, segments=["s1"])


def test_runs_of_flush_size_are_the_record_by_record_rounds() -> None:
    rng = random.Random(7)
    for _ in range(600):
        flush_size = rng.choice([1, 2, 3, 10, 1000, rng.randint(1, 60)])
        first = rng.randint(100, 200)
        tombstones = rng.choice([0.0, 0.1, 0.9, 1.0])
        records = [SinkRecord("t", 3, None, None, None, None if rng.random() < tombstones else {"o": o}, o)
                   for o in range(first, first + rng.randint(0, 150))]
        current = _current(rng, first, flush_size)
        close_first = rng.random() < 0.2
        common = {"flush_size": flush_size, "rotate_ms": -1, "directory": _directory,
                  "timestamp": PARTITIONER.timestamp, "schema_id": None, "now_ms": 42, "close_first": close_first}
        before = copy.deepcopy(current)
        reference = plan_rounds(current, records, **common)  # type: ignore[arg-type]
        fast = plan_rounds(current, records, **common, one_directory="partition=3")  # type: ignore[arg-type]
        assert fast == reference
        assert current == before  # the open round is copied, not changed


def test_a_rotation_or_a_schema_takes_the_record_by_record_loop() -> None:
    records = [SinkRecord("t", 3, None, None, None, {"o": o}, o, timestamp=o * 1000) for o in range(10)]
    common = {"flush_size": 100, "directory": _directory, "now_ms": 0, "close_first": False}
    timed = plan_rounds(None, records, rotate_ms=3000, timestamp=lambda r: r.timestamp, schema_id=None,
                        one_directory="partition=3", **common)  # type: ignore[arg-type]
    assert [len(fresh["partition=3"]) for _, fresh in timed.closed] == [3, 3, 3]
    schemas = plan_rounds(None, records, rotate_ms=-1, timestamp=PARTITIONER.timestamp,
                          schema_id=lambda r, d: str(r.kafka_offset // 4), one_directory="partition=3",
                          **common)  # type: ignore[arg-type]
    assert [len(fresh["partition=3"]) for _, fresh in schemas.closed] == [4, 4]
