"""RecordIsTombstone."""

from __future__ import annotations

from connect_core.transforms.predicates.record_is_tombstone import RecordIsTombstone
from tests.unit.transforms._records import source


def test_true_only_for_null_values() -> None:
    predicate = RecordIsTombstone()
    predicate.configure({})
    assert predicate.test(source(None, key="k"))
    assert not predicate.test(source(0))
