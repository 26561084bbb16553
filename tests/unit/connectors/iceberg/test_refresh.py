"""``_commit.refresh``: a table refreshed at every batch (what another container committed counts) sees the new
metadata and keeps its FileIO, and with it the filesystems that FileIO made, unless the refreshed IO differs; when
the SQL catalog's row still names the table's metadata file, nothing is loaded. On pyiceberg's SQL catalog over
SQLite with a local warehouse."""

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


def test_a_table_the_catalog_still_names_is_not_loaded_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from connect_core.connectors.iceberg._commit import catalog_metadata_location, refresh

    table = _table(tmp_path, {})
    loads: list[object] = []
    load_table = table.catalog.load_table

    def counted(name: object) -> object:
        loads.append(name)
        return load_table(name)

    monkeypatch.setattr(table.catalog, "load_table", counted)
    metadata, location = table.metadata, table.metadata_location
    assert catalog_metadata_location(table) == location
    refresh(table)
    assert loads == [] and table.metadata is metadata and table.metadata_location == location

    other = load_table("db.orders")  # another container commits: the row names a new file, which is loaded
    _commit(other, _frames(other, rounds=1, rows=5))
    assert catalog_metadata_location(table) == other.metadata_location != location
    loads.clear()  # the SQL catalog's commit loads the table too
    refresh(table)
    assert len(loads) == 1 and table.metadata_location == other.metadata_location
    assert table.current_snapshot() is not None and table.current_snapshot().summary["added-records"] == "5"


def test_a_table_gone_from_the_catalog_or_of_another_catalog_is_loaded_whole(tmp_path: Path) -> None:
    from pyiceberg.exceptions import NoSuchTableError

    from connect_core.connectors.iceberg._commit import catalog_metadata_location, refresh

    table = _table(tmp_path, {})
    table.catalog.drop_table("db.orders")
    assert catalog_metadata_location(table) is None
    with pytest.raises(NoSuchTableError):
        refresh(table)

    class OtherCatalog:
        name = "other"

    table.catalog = OtherCatalog()
    assert catalog_metadata_location(table) is None
