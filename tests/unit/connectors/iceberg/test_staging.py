"""Staged rows (``_commit.stage``): Arrow IPC streams carrying their JSON object in their metadata, read back alone
by the commit that merges them; an older release's staged Parquet, or Arrow without that metadata, is committed too
(its JSON object read), and the commit leaves no staged object of either behind. On pyiceberg's SQL catalog over
SQLite with a local warehouse."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from tests.unit.connectors.iceberg.test_file_sizing import _frames, _table

if TYPE_CHECKING:
    from pathlib import Path

pytest.importorskip("pyiceberg")


def test_arrow_and_older_parquet_staged_rows_are_committed_and_cleared(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    from connect_core.connectors.iceberg._commit import commit_staged, list_staged, stage, staging_prefix

    table = _table(tmp_path, {})
    first, second = _frames(table, rounds=2, rows=10)
    staged = stage(table, "g", topic="orders", partition=0, offsets=list(range(10)), frame=first)
    assert staged.data is not None and staged.data.endswith(".arrow")
    # what a release before this one staged: Parquet, named by the JSON beside it
    base = f"{staging_prefix(table, 'g')}/orders/0/{10:020d}-{20:020d}"
    with table.io.new_output(base + ".parquet").create(overwrite=True) as out:
        pq.write_table(second, out, compression="zstd", compression_level=1)
    with table.io.new_output(base + ".json").create(overwrite=True) as out:
        out.write(json.dumps({"topic": "orders", "partition": 0, "start": 10, "end": 20, "data": base + ".parquet",
                              "schema_id": table.schema().schema_id, "rows": 10, "offsets": [[10, 20]]}).encode())
    assert sorted((s.start, s.data) for s in list_staged(table, "g")) == [(0, staged.data), (10, base + ".parquet")]

    assert commit_staged(table, "g", None, 60_000, 30_000, force=True) is not None
    table.refresh()
    rows = table.scan().to_arrow().sort_by("id")
    assert rows.num_rows == 20 and rows.column("id").to_pylist() == list(range(20))
    assert rows.column("name").to_pylist() == first.column("name").to_pylist() + second.column("name").to_pylist()
    leftovers = [p for p in (tmp_path / "warehouse").rglob("*") if p.is_file() and "staged" in p.parts]
    assert list_staged(table, "g") == [] and leftovers == []


def test_the_commit_reads_a_staged_streams_object_from_its_metadata(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from pyarrow import ipc

    from connect_core.connectors.iceberg import _commit

    table = _table(tmp_path, {})
    first, second, third = _frames(table, rounds=3, rows=10)
    staged = _commit.stage(table, "g", topic="orders", partition=0, offsets=list(range(10)), frame=first)
    assert staged.data is not None
    with table.io.new_input(staged.data).open() as stream:
        metadata = ipc.open_stream(stream).schema.metadata
    with table.io.new_input(staged.path).open() as stream:
        assert json.loads(metadata[_commit.STAGED_BODY_KEY.encode()]) == json.loads(stream.read())
    # an Arrow stream staged without the metadata (the release before this one): its JSON object is read
    base = f"{_commit.staging_prefix(table, 'g')}/orders/0/{10:020d}-{20:020d}"
    with table.io.new_output(base + ".arrow").create(overwrite=True) as out, ipc.new_stream(out, second.schema) as w:
        w.write_table(second)
    with table.io.new_output(base + ".json").create(overwrite=True) as out:
        out.write(json.dumps({"topic": "orders", "partition": 0, "start": 10, "end": 20, "data": base + ".arrow",
                              "schema_id": table.schema().schema_id, "rows": 10, "offsets": [[10, 20]]}).encode())
    # rows 15-24 staged again by a re-delivery, 15-19 taken by the object before it: its metadata's runs trim them
    _commit.stage(table, "g", topic="orders", partition=0, offsets=list(range(15, 25)),
                  frame=third.slice(0, 10).set_column(0, "id", [list(range(15, 25))]))
    read: list[str] = []
    read_json = _commit._read_json

    def spied(t: object, path: str) -> dict[str, object]:
        read.append(path)
        return read_json(t, path)  # type: ignore[arg-type]

    monkeypatch.setattr(_commit, "_read_json", spied)
    assert _commit.commit_staged(table, "g", None, 60_000, 30_000, force=True) is not None
    assert read == [base + ".json"]  # only the object whose stream carries none
    table.refresh()
    rows = table.scan().to_arrow().sort_by("id")
    assert rows.column("id").to_pylist() == list(range(25))
    import pyarrow.parquet as pq

    for task in table.scan().plan_files():  # the metadata stays with the staged streams
        with table.io.new_input(task.file.file_path).open() as stream:
            assert _commit.STAGED_BODY_KEY.encode() not in (pq.read_schema(stream).metadata or {})
    assert _commit.list_staged(table, "g") == []
