"""The Iceberg sink against PostgreSQL (pyiceberg's SQL catalog, the JDBC catalog's tables) and LocalStack S3: rows
read back with pyiceberg, the snapshot summary's keys, and re-delivery and restarts that duplicate nothing."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import uuid
from typing import TYPE_CHECKING, Any

import pytest

from connect_core.api.errors import ConnectError
from connect_core.api.record import SinkRecord
from connect_core.api.schema import SchemaBuilder
from connect_core.api.struct import Struct
from connect_core.api.task import SinkTaskContext, TopicPartition
from tests.unit.connectors.iceberg.test_code_names import catalog_row_location, set_properties_as_another_engine

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.integration

pytest.importorskip("pyiceberg")


SCHEMA = (SchemaBuilder.struct().field("id", SchemaBuilder.int64().build())
          .field("name", SchemaBuilder.string().optional().build())
          .field("ts", SchemaBuilder.int64().name("org.apache.kafka.connect.data.Timestamp").build())
          .field("amount", SchemaBuilder.bytes().name("org.apache.kafka.connect.data.Decimal")
                 .parameter("scale", "2").optional().build()).build())
T0 = dt.datetime(2024, 5, 1, 12, tzinfo=dt.UTC)


def _records(offsets: range, topic: str = "orders", partition: int = 0) -> list[SinkRecord]:
    out = []
    for o in offsets:
        value = (Struct(SCHEMA).put("id", o).put("name", f"n{o}").put("ts", T0 + dt.timedelta(hours=o))
                 .put("amount", decimal.Decimal(o) / 4))
        out.append(SinkRecord(topic, partition, None, None, SCHEMA, value, o))
    return out


def _run(props: dict[str, str], batches: list[list[SinkRecord]]) -> None:
    """One task (a cold invocation) per batch: start, put, pre_commit, stop."""
    from connect_core.connectors.iceberg.sink_task import IcebergSinkTask

    for batch in batches:
        task = IcebergSinkTask()
        task.initialize(SinkTaskContext(props))
        task.start(props)
        task.put(batch)
        task.pre_commit({TopicPartition(r.topic, r.kafka_partition or 0): r.kafka_offset + 1 for r in batch})
        task.stop()


def _table(props: dict[str, str], name: str) -> Any:
    from connect_core.connectors.iceberg.config import load_config
    from connect_core.connectors.iceberg.sink_task import open_catalog

    return open_catalog(load_config(props)).load_table(name)


def test_schema_records_land_with_icebergs_types_partitions_and_summary(props: dict[str, str]) -> None:
    ns = f"db_{uuid.uuid4().hex[:6]}"
    props |= {"iceberg.tables": f"{ns}.orders", f"iceberg.table.{ns}.orders.partition-by": "day(ts),bucket(id, 4)"}
    _run(props, [_records(range(0, 30))])

    table = _table(props, f"{ns}.orders")
    schema = table.schema()
    assert [(f.name, str(f.field_type), f.required) for f in schema.fields] == [
        ("id", "long", True), ("name", "string", False), ("ts", "timestamptz", True),
        ("amount", "decimal(38, 2)", False)]
    assert [str(f.transform) for f in table.spec().fields] == ["day", "bucket[4]"]
    rows = sorted(table.scan().to_arrow().to_pylist(), key=lambda r: r["id"])
    assert [(r["id"], r["name"], r["ts"], r["amount"]) for r in rows] == [
        (o, f"n{o}", T0 + dt.timedelta(hours=o), decimal.Decimal(o) / 4) for o in range(30)]
    summary = table.current_snapshot().summary.additional_properties
    assert json.loads(summary[f"lambda-connect.offsets.connect-{props['name']}"]) == {"orders": {"0": 30}}
    assert uuid.UUID(summary["kafka.connect.commit-id"])


def test_redelivered_and_overlapping_batches_appear_once(props: dict[str, str]) -> None:
    """A batch delivered again (a crash before the group commit), an overlapping one, and a cold restart: every
    offset once in the table."""
    ns = f"db_{uuid.uuid4().hex[:6]}"
    props |= {"iceberg.tables": f"{ns}.orders"}
    _run(props, [_records(range(0, 10)), _records(range(0, 10)), _records(range(5, 20)), _records(range(20, 25)),
                 _records(range(0, 25))])
    table = _table(props, f"{ns}.orders")
    assert sorted(r["id"] for r in table.scan().to_arrow().to_pylist()) == list(range(25))


def test_staged_files_wait_for_the_interval(props: dict[str, str]) -> None:
    """Within the interval the files are staged, not visible; a commit once it passed shows them, with offsets."""
    from connect_core.connectors.iceberg.sink_task import commit_due

    ns = f"db_{uuid.uuid4().hex[:6]}"
    props |= {"iceberg.tables": f"{ns}.orders", "iceberg.control.commit.interval-ms": "600000"}
    _run(props, [_records(range(0, 10)), _records(range(0, 12))])
    table = _table(props, f"{ns}.orders")
    assert table.current_snapshot() is None
    assert commit_due(props) == {f"{ns}.orders": None}
    [commit_id] = commit_due(props, force=True).values()
    table.refresh()
    assert table.current_snapshot().summary.additional_properties["kafka.connect.commit-id"] == commit_id
    assert sorted(r["id"] for r in table.scan().to_arrow().to_pylist()) == list(range(12))
    assert commit_due(props, force=True) == {f"{ns}.orders": None}  # nothing staged twice


def test_schemaless_json_dynamic_routing_and_evolution(props: dict[str, str]) -> None:
    """Maps (JsonConverter without schemas): routed by a field, lower-cased; long/double/string inferred; a new
    field added as an optional column."""
    ns = f"db_{uuid.uuid4().hex[:6]}"
    props |= {"iceberg.tables.dynamic-enabled": "true", "iceberg.tables.route-field": "dest",
              "iceberg.tables.evolve-schema-enabled": "true"}
    values = [{"dest": f"{ns}.A", "id": 1, "price": 1.5}, {"dest": None, "id": 2},
              {"dest": f"{ns}.b", "id": 3, "tag": "x"}, {"dest": f"{ns}.a", "id": 4, "price": 2.0, "note": "new"}]
    _run(props, [[SinkRecord("events", 0, None, None, None, v, o) for o, v in enumerate(values)]])
    a, b = _table(props, f"{ns}.a"), _table(props, f"{ns}.b")
    assert [(f.name, str(f.field_type), f.required) for f in a.schema().fields] == [
        ("dest", "string", False), ("id", "long", False), ("price", "double", False), ("note", "string", False)]
    assert sorted(a.scan().to_arrow().to_pylist(), key=lambda r: r["id"]) == [
        {"dest": f"{ns}.A", "id": 1, "price": 1.5, "note": None}, {"dest": f"{ns}.a", "id": 4, "price": 2.0,
                                                                    "note": "new"}]
    assert b.scan().to_arrow().to_pylist() == [{"dest": f"{ns}.b", "id": 3, "tag": "x"}]


def test_default_partition_by_applies_to_created_tables_a_tables_own_wins(props: dict[str, str]) -> None:
    """``iceberg.tables.default-partition-by`` partitions each auto-created table unless
    ``iceberg.table.<t>.partition-by`` names its own; the rows land in those partitions."""
    ns = f"db_{uuid.uuid4().hex[:6]}"
    props |= {"iceberg.tables": f"{ns}.a,{ns}.b", "iceberg.tables.default-partition-by": "bucket(id, 3),name",
              f"iceberg.table.{ns}.b.partition-by": "month(ts)"}
    _run(props, [_records(range(0, 6))])
    a, b = _table(props, f"{ns}.a"), _table(props, f"{ns}.b")
    assert [(f.name, str(f.transform)) for f in a.spec().fields] == [("id_bucket", "bucket[3]"),
                                                                     ("name", "identity")]
    assert [(f.name, str(f.transform)) for f in b.spec().fields] == [("ts_month", "month")]
    files = a.inspect.files().to_pylist()
    assert sorted(f["partition"]["name"] for f in files) == [f"n{o}" for o in range(6)]  # one file per name
    assert sorted(r["id"] for r in a.scan().to_arrow().to_pylist()) == list(range(6))
    assert sorted(r["id"] for r in b.scan().to_arrow().to_pylist()) == list(range(6))


def test_default_commit_branch_commits_to_the_branch_and_resumes_from_it(props: dict[str, str]) -> None:
    """``iceberg.tables.default-commit-branch``: snapshots go to the branch (main stays empty), and the offsets a
    redelivery is checked against are the branch's."""
    ns = f"db_{uuid.uuid4().hex[:6]}"
    props |= {"iceberg.tables": f"{ns}.orders", "iceberg.tables.default-commit-branch": "audit"}
    _run(props, [_records(range(0, 8)), _records(range(0, 12))])
    table = _table(props, f"{ns}.orders")
    assert table.scan().to_arrow().num_rows == 0  # main: pyiceberg's first snapshot (empty), no rows
    branch = table.snapshot_by_name("audit")
    assert branch is not None
    assert json.loads(branch.summary.additional_properties[f"lambda-connect.offsets.connect-{props['name']}"]) == {
        "orders": {"0": 12}}
    assert sorted(r["id"] for r in table.scan(snapshot_id=branch.snapshot_id).to_arrow().to_pylist()) == list(
        range(12))


@pytest.mark.parametrize("force", [True, False])
def test_schema_force_optional_creates_every_column_optional(props: dict[str, str], force: bool) -> None:
    ns = f"db_{uuid.uuid4().hex[:6]}"
    props |= {"iceberg.tables": f"{ns}.orders", "iceberg.tables.schema-force-optional": str(force).lower()}
    _run(props, [_records(range(0, 3))])
    table = _table(props, f"{ns}.orders")
    assert [(f.name, f.required) for f in table.schema().fields] == [
        ("id", not force), ("name", False), ("ts", not force), ("amount", False)]
    assert sorted(r["id"] for r in table.scan().to_arrow().to_pylist()) == [0, 1, 2]


@pytest.mark.parametrize("insensitive", [True, False])
def test_schema_case_insensitive_matches_fields_to_columns_by_folded_name(props: dict[str, str],
                                                                          insensitive: bool) -> None:
    """``iceberg.tables.schema-case-insensitive``: a record's ``ID``/``NAME`` fill the columns ``id``/``name`` (and
    evolution adds none); case-sensitive they are new columns and ``id``/``name`` stay null."""
    ns = f"db_{uuid.uuid4().hex[:6]}"
    props |= {"iceberg.tables": f"{ns}.t", "iceberg.tables.evolve-schema-enabled": "true",
              "iceberg.tables.schema-case-insensitive": str(insensitive).lower()}
    values = [{"id": 1, "name": "a"}, {"ID": 2, "NAME": "b"}]
    _run(props, [[SinkRecord("events", 0, None, None, None, v, o) for o, v in enumerate(values)]])
    table = _table(props, f"{ns}.t")
    rows = sorted(table.scan().to_arrow().to_pylist(), key=lambda r: r.get("id") or 0)
    if insensitive:
        assert [f.name for f in table.schema().fields] == ["id", "name"]
        assert rows == [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}]
    else:
        assert [f.name for f in table.schema().fields] == ["id", "name", "ID", "NAME"]
        assert rows == [{"id": None, "name": None, "ID": 2, "NAME": "b"}, {"id": 1, "name": "a", "ID": None,
                                                                            "NAME": None}]


def test_connect_group_id_names_the_offsets_a_renamed_connector_resumes_from(props: dict[str, str]) -> None:
    """``iceberg.connect.group-id`` replaces ``connect-<name>`` in the summary key and the staging prefix: a
    connector of another name with the same group id skips what the first committed."""
    ns = f"db_{uuid.uuid4().hex[:6]}"
    props |= {"iceberg.tables": f"{ns}.orders", "iceberg.connect.group-id": "cg-lake"}
    _run(props, [_records(range(0, 10))])
    _run(props | {"name": "renamed"}, [_records(range(0, 15))])
    table = _table(props, f"{ns}.orders")
    summary = table.current_snapshot().summary.additional_properties
    assert json.loads(summary["lambda-connect.offsets.cg-lake"]) == {"orders": {"0": 15}}
    assert not any(key.startswith("lambda-connect.offsets.connect-") for key in summary)
    assert sorted(r["id"] for r in table.scan().to_arrow().to_pylist()) == list(range(15))


def test_created_tables_carry_javas_new_table_properties_and_auto_create_props(props: dict[str, str]) -> None:
    """A created table has ``write.parquet.compression-codec=zstd`` as Iceberg's Java library sets on every new
    table (a JVM writer would otherwise use gzip; found by tests/compat/iceberg), and
    ``iceberg.tables.auto-create-props.*`` on top, overriding it."""
    ns = f"db_{uuid.uuid4().hex[:6]}"
    props |= {"iceberg.tables": f"{ns}.a"}
    _run(props, [_records(range(0, 2))])
    assert _table(props, f"{ns}.a").properties == {"write.parquet.compression-codec": "zstd"}
    props |= {"iceberg.tables": f"{ns}.b", "iceberg.tables.auto-create-props.write.parquet.compression-codec": "snappy",
              "iceberg.tables.auto-create-props.owner": "lake"}
    _run(props, [_records(range(0, 2))])
    assert _table(props, f"{ns}.b").properties == {"write.parquet.compression-codec": "snappy", "owner": "lake"}



@pytest.mark.parametrize("key", ["py-io-impl", "write.py-location-provider.impl", "s3.retry-strategy-impl"])
def test_a_table_another_engine_gave_a_code_naming_property_fails_the_batch_by_key(
        props: dict[str, str], probe: tuple[str, Path], key: str) -> None:
    """A table whose properties (set by another engine after the sink created it) name a class for pyiceberg to
    import fails the next batch with an error naming the key; the named module is never imported (the fixture)."""
    ns = f"db_{uuid.uuid4().hex[:6]}"
    props |= {"iceberg.tables": f"{ns}.a"}
    _run(props, [_records(range(0, 2))])
    tampered = set_properties_as_another_engine(_catalog(props), f"{ns}.a", {key: probe[0]})
    with pytest.raises(ConnectError, match=f"its properties set {key}={probe[0]}, which names Python code"):
        _run(props, [_records(range(2, 4))])
    assert catalog_row_location(_catalog(props), f"{ns}.a") == tampered  # nothing committed after it


def _race(props: dict[str, str], monkeypatch: pytest.MonkeyPatch, ns: str) -> list[str]:
    """Make the next existence check of ``ns`` run just before another task's insert of it: the check says no, then
    the other task creates it. Returns a list that holds ``ns`` once the race happened."""
    from pyiceberg.catalog import Catalog
    from pyiceberg.catalog.sql import SqlCatalog

    other = _catalog(props)
    real = SqlCatalog.namespace_exists
    raced: list[str] = []

    def racing(self: SqlCatalog, identifier: Any) -> bool:
        if not raced and Catalog.identifier_to_tuple(identifier) == (ns,):
            raced.append(ns)
            monkeypatch.setattr(SqlCatalog, "namespace_exists", real)
            other.create_namespace(ns)
            return False
        return real(self, identifier)

    monkeypatch.setattr(SqlCatalog, "namespace_exists", racing)
    return raced


def _catalog(props: dict[str, str]) -> Any:
    from connect_core.connectors.iceberg.config import load_config
    from connect_core.connectors.iceberg.sink_task import open_catalog

    return open_catalog(load_config(props))


def test_a_namespace_another_task_created_meanwhile_is_taken_as_created(props: dict[str, str],
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Two tasks auto-creating one namespace on the JDBC catalog (PostgreSQL): the task whose existence check ran
    before the other's insert meets the duplicate key, an ``IntegrityError`` rather than "already exists" (where a
    task of Iceberg's JVM sink dies); ours takes the namespace as created and writes its rows."""
    from sqlalchemy.exc import IntegrityError

    first, second = f"db_{uuid.uuid4().hex[:6]}", f"db_{uuid.uuid4().hex[:6]}"
    props |= {"iceberg.tables": f"{second}.orders"}
    raced = _race(props, monkeypatch, first)
    with pytest.raises(IntegrityError):  # what the catalog itself does in the race
        _catalog(props).create_namespace(first)
    assert raced == [first]

    raced = _race(props, monkeypatch, second)
    _run(props, [_records(range(0, 3))])
    assert raced == [second]
    assert sorted(r["id"] for r in _table(props, f"{second}.orders").scan().to_arrow().to_pylist()) == [0, 1, 2]


def test_staged_rows_are_merged_into_one_file_per_partition_with_their_footers_statistics(
        props: dict[str, str]) -> None:
    """Ten invocations' staged rows become one data file per table partition at the commit (files as
    Iceberg writes them, not one per invocation), each committed with the statistics its Parquet footer gives; an
    object staged by an older release (data files with their statistics) is committed as it is beside them."""
    import pyarrow as pa
    from pyiceberg.io.pyarrow import _dataframe_to_data_files, schema_to_pyarrow

    from connect_core.connectors.iceberg import _commit
    from connect_core.connectors.iceberg.sink_task import commit_due

    ns = f"db_{uuid.uuid4().hex[:6]}"
    props |= {"iceberg.tables": f"{ns}.orders", "iceberg.control.commit.interval-ms": "600000",
              f"iceberg.table.{ns}.orders.partition-by": "bucket(id, 2)"}
    _run(props, [_records(range(o, o + 5)) for o in range(0, 50, 5)])
    table = _table(props, f"{ns}.orders")
    group = f"connect-{props['name']}"
    assert len(_commit.list_staged(table, group)) == 10
    rows = [{"id": o, "name": f"n{o}", "ts": T0, "amount": decimal.Decimal("1.00")} for o in range(50, 60)]
    frame = pa.Table.from_pylist(rows, schema=schema_to_pyarrow(table.schema(), include_field_ids=False))
    older = [{"path": f.file_path, "spec_id": table.metadata.default_spec_id,
              "partition": [_commit.encode_value(f.partition[i]) for i in range(len(f.partition))],
              "stats": _commit.file_stats(f)}
             for f in _dataframe_to_data_files(table.metadata, frame, table.io, uuid.uuid4())]
    with table.io.new_output(f"{_commit.staging_prefix(table, group)}/orders/0/{50:020d}-{60:020d}.json").create(
            overwrite=True) as out:
        out.write(json.dumps({"topic": "orders", "partition": 0, "start": 50, "end": 60, "files": older}).encode())
    commit_due(props, force=True)
    table.refresh()
    assert sorted(r["id"] for r in table.scan(row_filter="id >= 10").to_arrow().to_pylist()) == list(range(10, 60))
    files = [task.file for task in table.scan().plan_files()]
    merged = [f for f in files if f.file_path not in {o["path"] for o in older}]
    assert len(merged) == 2 and sum(f.record_count for f in merged) == 50  # one per bucket
    fields = ("file_path", "partition", "record_count", "file_size_in_bytes", "column_sizes", "value_counts",
              "null_value_counts", "nan_value_counts", "lower_bounds", "upper_bounds", "split_offsets")
    for data_file in files:
        staged = {"path": data_file.file_path, "spec_id": data_file.spec_id,
                  "partition": [_commit.encode_value(data_file.partition[i]) for i in range(len(data_file.partition))]}
        from_footer = _commit._data_file(table, staged)
        assert [getattr(data_file, f) for f in fields] == [getattr(from_footer, f) for f in fields]
    assert _commit.list_staged(table, group) == []


def test_a_commit_rolls_its_file_at_the_target_size_on_s3(props: dict[str, str],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """A commit of many staged objects, read one round each (a 1-byte round), keeps one file open across rounds and
    rolls it once its Parquet on S3 reaches the table's ``write.target-file-size-bytes``: files of whole rounds,
    every row once, the last file the rest."""
    from connect_core.connectors.iceberg import _commit
    from connect_core.connectors.iceberg.sink_task import commit_due

    monkeypatch.setattr(_commit, "MERGE_BYTES", 1)
    ns = f"db_{uuid.uuid4().hex[:6]}"
    props |= {"iceberg.tables": f"{ns}.orders", "iceberg.control.commit.interval-ms": "600000",
              "iceberg.tables.auto-create-props.write.target-file-size-bytes": "1"}
    _run(props, [_records(range(o, o + 5)) for o in range(0, 20, 5)])
    commit_due(props, force=True)
    table = _table(props, f"{ns}.orders")
    assert sorted(f.record_count for f in (t.file for t in table.scan().plan_files())) == [5, 5, 5, 5]
    with table.transaction() as tx:  # a target above the whole commit: one file of every round
        tx.set_properties({"write.target-file-size-bytes": str(512 * 1024 * 1024)})
    _run(props, [_records(range(o, o + 5)) for o in range(20, 40, 5)])
    commit_due(props, force=True)
    table.refresh()
    assert sorted(f.record_count for f in (t.file for t in table.scan().plan_files())) == [5, 5, 5, 5, 20]
    assert sorted(r["id"] for r in table.scan().to_arrow().to_pylist()) == list(range(40))


@pytest.mark.parametrize("interval", ["0", "600000"])
def test_evolution_as_icebergs_record_converter_nested_columns_widening_and_optional(
        props: dict[str, str], interval: str) -> None:
    """``evolve-schema-enabled`` as ``RecordConverter``: a later schema's new nested field becomes a column of its
    struct, int32 -> int64 widens int to long, float32 -> float64 float to double, an optional field makes its
    required column optional; a schemaless map's new nested key a column of its struct. Committed per batch, or
    (a long interval) rows staged under each schema merged into one commit."""
    from connect_core.connectors.iceberg import _commit

    ns = f"db_{uuid.uuid4().hex[:6]}"
    props |= {"iceberg.tables.dynamic-enabled": "true", "iceberg.tables.route-field": "dest",
              "iceberg.tables.evolve-schema-enabled": "true", "iceberg.control.commit.interval-ms": interval}

    def schema(v2: bool) -> Any:
        addr = SchemaBuilder.struct().field("city", (SchemaBuilder.string().optional() if v2
                                                     else SchemaBuilder.string()).build())
        if v2:
            addr = addr.field("zip", SchemaBuilder.string().optional().build())
        return (SchemaBuilder.struct().field("dest", SchemaBuilder.string().build())
                .field("id", (SchemaBuilder.int64() if v2 else SchemaBuilder.int32()).build())
                .field("price", (SchemaBuilder.float64().optional() if v2 else SchemaBuilder.float32()).build())
                .field("addr", addr.build()).build())

    s1, s2 = schema(False), schema(True)
    one = (Struct(s1).put("dest", f"{ns}.t").put("id", 1).put("price", 1.5)
           .put("addr", Struct(s1.field("addr").schema).put("city", "Oslo")))
    two = (Struct(s2).put("dest", f"{ns}.t").put("id", 2**40).put("price", None)
           .put("addr", Struct(s2.field("addr").schema).put("city", None).put("zip", "0150")))
    maps = [{"dest": f"{ns}.m", "id": 1, "a": {"x": 1}}, {"dest": f"{ns}.m", "id": 2, "a": {"x": 2, "y": "s"}}]
    _run(props, [[SinkRecord("events", 0, None, None, s1, one, 0)], [SinkRecord("events", 0, None, None, s2, two, 1)],
                 [SinkRecord("maps", 0, None, None, None, v, i) for i, v in enumerate(maps)]])
    t, m = _table(props, f"{ns}.t"), _table(props, f"{ns}.m")
    if interval != "0":
        assert t.current_snapshot() is None
        for table in (t, m):
            assert _commit.commit_staged(table, f"connect-{props['name']}", None, 0, 30_000) is not None
            table.refresh()
    fields = {f.name: f for f in t.schema().fields}
    assert (str(fields["id"].field_type), str(fields["price"].field_type), fields["price"].required) == (
        "long", "double", False)
    assert [(f.name, str(f.field_type), f.required) for f in fields["addr"].field_type.fields] == [
        ("city", "string", False), ("zip", "string", False)]
    assert sorted(t.scan().to_arrow().to_pylist(), key=lambda r: r["id"]) == [
        {"dest": f"{ns}.t", "id": 1, "price": 1.5, "addr": {"city": "Oslo", "zip": None}},
        {"dest": f"{ns}.t", "id": 2**40, "price": None, "addr": {"city": None, "zip": "0150"}}]
    [a] = [f for f in m.schema().fields if f.name == "a"]
    assert [f.name for f in a.field_type.fields] == ["x", "y"]
    assert sorted(m.scan().to_arrow().to_pylist(), key=lambda r: r["id"]) == [
        {"dest": f"{ns}.m", "id": 1, "a": {"x": 1, "y": None}}, {"dest": f"{ns}.m", "id": 2, "a": {"x": 2, "y": "s"}}]
