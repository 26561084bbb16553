"""``_commit.refresh``: a table refreshed at every batch (what another container committed counts) sees the new
metadata and keeps its FileIO, and with it the filesystems that FileIO made, unless the refreshed IO differs. On
pyiceberg's SQL catalog over SQLite with a local warehouse."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.unit.connectors.iceberg.test_file_sizing import _commit, _frames, _table

if TYPE_CHECKING:
    from pathlib import Path

pytest.importorskip("pyiceberg")


def test_a_refresh_sees_another_writers_commit_and_keeps_its_io(tmp_path: Path) -> None:
    from connect_core.connectors.iceberg._commit import refresh

    table = _table(tmp_path, {})
    other = table.catalog.load_table("db.orders")  # another container's view of the same table
    io = table.io
    _commit(other, _frames(other, rounds=1, rows=10))
    refresh(table)
    assert table.io is io
    assert table.metadata_location == other.metadata_location
    assert table.current_snapshot() is not None and table.current_snapshot().summary["added-records"] == "10"


def test_a_refreshed_io_with_other_properties_replaces_the_kept_one(tmp_path: Path) -> None:
    from connect_core.connectors.iceberg._commit import refresh

    table = _table(tmp_path, {})
    with table.transaction() as tx:
        tx.set_properties({"s3.connect-timeout": "7"})  # table properties reach the IO the catalog makes
    io = table.io
    refresh(table)
    assert table.io is not io and table.io.properties.get("s3.connect-timeout") == "7"
