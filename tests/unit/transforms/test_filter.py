"""Filter: drops every record."""

from __future__ import annotations

from connect_core.transforms.filter import Filter
from tests.unit.transforms._records import source


def test_every_record_is_dropped_including_tombstones() -> None:
    xform = Filter()
    xform.configure({})
    assert xform.apply(source({"a": 1})) is None
    assert xform.apply(source(None)) is None
