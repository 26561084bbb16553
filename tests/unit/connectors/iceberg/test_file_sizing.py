"""The data files a commit writes (``_commit._RollingFiles``): one open file per table partition across every round
of staged rows, rolled once its written Parquet reaches ``write.target-file-size-bytes``, as a task of Iceberg's
sink writes one file per partition per commit and rolls at the target size. On pyiceberg's SQL catalog over SQLite
with a local warehouse: the writer's code, no service."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from pathlib import Path

pytest.importorskip("pyiceberg")


def _table(tmp_path: Path, properties: dict[str, str], partitioned: bool = False) -> Any:
    from pyiceberg.catalog.sql import SqlCatalog
    from pyiceberg.partitioning import PartitionField, PartitionSpec
    from pyiceberg.schema import Schema
    from pyiceberg.transforms import BucketTransform
    from pyiceberg.types import LongType, NestedField, StringType

    catalog = SqlCatalog("t", uri=f"sqlite:///{tmp_path}/catalog.db", warehouse=f"file://{tmp_path}/warehouse")
    catalog.create_namespace("db")
    schema = Schema(NestedField(1, "id", LongType(), required=True), NestedField(2, "name", StringType()))
    spec = PartitionSpec(PartitionField(1, 1000, BucketTransform(2), "id_bucket")) if partitioned else PartitionSpec()
    return catalog.create_table("db.orders", schema, partition_spec=spec, properties=properties)


def _frames(table: Any, rounds: int, rows: int) -> list[Any]:
    import pyarrow as pa
    from pyiceberg.io.pyarrow import schema_to_pyarrow

    arrow = schema_to_pyarrow(table.schema(), include_field_ids=False)
    return [pa.Table.from_pylist([{"id": r * rows + i, "name": f"name-{r * rows + i:08d}" * 4} for i in range(rows)],
                                 schema=arrow) for r in range(rounds)]


def _commit(table: Any, frames: list[Any]) -> tuple[list[Any], list[str]]:
    from connect_core.connectors.iceberg._commit import _RollingFiles

    written: list[str] = []
    files = _RollingFiles(table, written)
    for frame in frames:
        files.write(frame)
    data_files = files.close()
    with table.transaction() as tx, tx.update_snapshot().fast_append() as append:
        for data_file in data_files:
            append.append_data_file(data_file)
    return data_files, written


def test_rounds_of_one_commit_go_into_one_file_under_the_target_size(tmp_path: Path) -> None:
    table = _table(tmp_path, {})  # Iceberg's default target, 512 MB
    data_files, written = _commit(table, _frames(table, rounds=10, rows=500))
    assert len(data_files) == 1 and data_files[0].record_count == 5000
    assert written == [data_files[0].file_path]
    table.refresh()
    assert sorted(table.scan().to_arrow().column("id").to_pylist()) == list(range(5000))


def test_a_file_is_rolled_once_its_written_bytes_reach_the_target(tmp_path: Path) -> None:
    one = _table(tmp_path, {})
    frame_bytes = _commit(one, _frames(one, rounds=1, rows=2000))[0][0].file_size_in_bytes
    # a target of about two and a half rounds' Parquet: files roll after the third round (checked after each write)
    (tmp_path / "rolled").mkdir()
    table = _table(tmp_path / "rolled", {"write.target-file-size-bytes": str(int(frame_bytes * 2.5))})
    data_files, _ = _commit(table, _frames(table, rounds=7, rows=2000))
    assert [f.record_count for f in data_files] == [6000, 6000, 2000]
    assert all(f.file_size_in_bytes >= frame_bytes * 2.5 for f in data_files[:-1])
    table.refresh()
    assert sorted(table.scan().to_arrow().column("id").to_pylist()) == list(range(14000))


def test_each_partition_has_one_file_across_rounds_with_its_partition_and_statistics(tmp_path: Path) -> None:
    table = _table(tmp_path, {}, partitioned=True)
    data_files, _ = _commit(table, _frames(table, rounds=4, rows=250))
    assert len(data_files) == 2 and sum(f.record_count for f in data_files) == 1000
    assert sorted(f.partition[0] for f in data_files) == [0, 1]
    table.refresh()
    from connect_core.connectors.iceberg._commit import _data_file

    for data_file in (task.file for task in table.scan().plan_files()):  # as committed: the footer's statistics
        from_footer = _data_file(table, {"path": data_file.file_path, "spec_id": data_file.spec_id,
                                         "partition": [data_file.partition[0]]})
        fields = ("record_count", "file_size_in_bytes", "column_sizes", "value_counts", "null_value_counts",
                  "lower_bounds", "upper_bounds", "split_offsets")
        assert [getattr(data_file, f) for f in fields] == [getattr(from_footer, f) for f in fields]
    assert table.scan(row_filter="id < 10").to_arrow().num_rows == 10
