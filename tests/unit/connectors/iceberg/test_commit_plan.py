"""The commit's plan over staged ranges (``_commit._plan``): per partition in offset order from the committed
offset, a range straddling what is committed or taken is trimmed to what follows, never skipped; and the rows a
trim drops (``_rows_below``) from a staged object's offset runs."""

from __future__ import annotations

from connect_core.connectors.iceberg._commit import Staged, _plan, _rows_below


def _staged(start: int, end: int, partition: int = 0) -> Staged:
    return Staged(f"s/{partition}/{start}-{end}.json", "orders", partition, start, end, 0.0)


def test_a_range_straddling_the_committed_offset_is_trimmed_not_skipped() -> None:
    y, x1, x2 = _staged(100, 300), _staged(100, 250), _staged(250, 400)
    takes, done, offsets = _plan([x2, x1, y], {("orders", 0): 250})
    assert [(t.item, t.start) for t in takes] == [(y, 250), (x2, 300)]
    assert set(done) == {x1, x2, y} and offsets == {("orders", 0): 400}


def test_ranges_below_the_committed_offset_are_only_deleted_and_gaps_are_taken() -> None:
    old, after_gap, other = _staged(0, 100), _staged(120, 130), _staged(0, 5, partition=1)
    takes, done, offsets = _plan([old, after_gap, other], {("orders", 0): 100})
    assert [(t.item, t.start) for t in takes] == [(after_gap, 120), (other, 0)]
    assert set(done) == {old, after_gap, other}
    assert offsets == {("orders", 0): 130, ("orders", 1): 5}


def test_the_longest_of_ranges_starting_alike_is_taken_whole() -> None:
    short, long = _staged(0, 50), _staged(0, 80)
    takes, _, offsets = _plan([short, long], {})
    assert [(t.item, t.start) for t in takes] == [(long, 0)] and offsets == {("orders", 0): 80}


def test_rows_below_counts_the_rows_of_offset_runs() -> None:
    runs = [[100, 110], [115, 120], [130, 131]]  # offsets skipped between runs (nulls, other routes)
    assert [_rows_below(runs, o) for o in (100, 105, 112, 117, 125, 131, 200)] == [0, 5, 10, 12, 15, 16, 16]
