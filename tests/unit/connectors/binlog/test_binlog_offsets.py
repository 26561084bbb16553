"""The per-event shortcuts of the binlog stream: offsets by row and the source block's values."""

from __future__ import annotations

import pytest

from connect_core.connectors.binlog._envelope import SourceSchema
from connect_core.connectors.binlog._offsets import BinlogPosition


@pytest.mark.parametrize("position", [
    BinlogPosition("mysql-bin.000003", 4),
    BinlogPosition("mysql-bin.000003", 1_234, {"0": "0-1-42"}, events=3, server_id=1, ts_sec=1_700_000_000),
    BinlogPosition("mysql-bin.000007", 99, {"0": "0-1-42", "2": "2-5-7"}, events=0, rows=4, server_id=9, ts_sec=0),
])
def test_offsets_by_row_are_the_offsets_of_the_position_at_each_row(position: BinlogPosition) -> None:
    rows = position.rows
    offset_at = position.offsets_by_row()
    assert position.rows == rows  # the position is left as it was
    for row in (1, 2, 17):
        position.rows = row
        expected = position.offset()
        got = offset_at(row)
        assert list(got.items()) == list(expected.items())  # the same keys in the same order: the same JSON
        assert got is not offset_at(row)  # every record owns its offset


def test_a_source_blocks_values_hold_the_row_where_the_schema_has_it() -> None:
    source = SourceSchema("mariadb", "dbserver1")
    values = source.values(1_000, None, "inventory", "orders", 1, "0-1-3", "mysql-bin.000003", 4_567)
    values[source.row_at] = 12
    struct = source.struct(1_000, None, "inventory", "orders", 1, "0-1-3", "mysql-bin.000003", 4_567, 12)
    assert values == struct._values
    assert struct.get("row") == 12
    assert struct.get("pos") == 4_567
