"""Staged rows and the table commit that makes them visible with their Kafka offsets.

A sink invocation stages its rows before the group commit: per table and topic partition an Arrow IPC stream (LZ4;
an older release's Parquet is read too) and a JSON object under ``<table location>/kafka-connect/<group>/staged/
<topic>/<partition>/<start>-<end>.json`` naming it with the source offsets ``[start, end)`` and each row's offset
(runs). A commit takes, per partition in offset order from the table's committed offset, each staged range trimmed
to what is not committed or taken yet (never skipped), merges the rows into data files of the table's target size,
and appends them in one snapshot whose summary carries the offsets (``lambda-connect.offsets.<group>``), a
``kafka.connect.commit-id`` and Iceberg's JVM sink's control-topic offsets as it left them; the table's optimistic
concurrency (a commit asserts the branch head it read) makes two committers one.
"""

from __future__ import annotations

import base64
import datetime as _dt
import decimal
import json
import logging
import sys
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

    from pyiceberg.table import Table

__all__ = ["COMMIT_ID_PROP", "Staged", "commit_staged", "committed_offsets", "encode_value", "file_stats",
           "jvm_offsets", "jvm_offsets_prop", "list_staged", "mark_pending", "offsets_prop", "pending_root",
           "pending_tables", "refresh", "stage", "staging_prefix", "unmark_when_done"]

log = logging.getLogger(__name__)

COMMIT_ID_PROP = "kafka.connect.commit-id"
TopicOffsets = dict[tuple[str, int], int]


def offsets_prop(group: str) -> str:
    """The snapshot summary key holding a connector's committed source offsets."""
    return f"lambda-connect.offsets.{group}"


def refresh(table: Table) -> None:
    """``table.refresh()``, none needed when the catalog's row still names the table's metadata file (a metadata
    file never changes once written) and the table's FileIO has the properties a load would give it; keeping the
    FileIO when the refreshed table's has the same properties: a FileIO holds the filesystems it made (an S3 client
    each), which a new one would make again at every batch."""
    location = catalog_metadata_location(table)
    if (location is not None and location == table.metadata_location
            and table.io.properties == {**table.catalog.properties, **table.metadata.properties}):
        return  # the catalog would load the same metadata and make an IO of the same properties
    io = table.io
    table.refresh()
    if type(table.io) is type(io) and table.io.properties == io.properties:
        table.io = io


def catalog_metadata_location(table: Table) -> str | None:
    """The metadata file a SQL catalog's row names for ``table`` now, read without loading that file; None for a
    table of another catalog (or one gone from it), which ``refresh`` loads whole."""
    sql = sys.modules.get("pyiceberg.catalog.sql")  # imported already when the table's catalog is one
    catalog = table.catalog
    if sql is None or not isinstance(catalog, sql.SqlCatalog):
        return None
    key = (catalog.name, table.name())
    statement = _LOCATION_STATEMENTS.get(key)
    if statement is None:
        from pyiceberg.catalog import Catalog
        from sqlalchemy import select

        identifier, rows = table.name(), sql.IcebergTables
        statement = select(rows.metadata_location).where(
            rows.catalog_name == catalog.name,
            rows.table_namespace == Catalog.namespace_to_string(Catalog.namespace_from(identifier)),
            rows.table_name == Catalog.table_name_from(identifier))
        if len(_LOCATION_STATEMENTS) >= 256:
            _LOCATION_STATEMENTS.clear()
        _LOCATION_STATEMENTS[key] = statement
    with catalog.engine.connect() as connection:
        location = connection.execute(statement).scalar()
    return location if isinstance(location, str) else None


_LOCATION_STATEMENTS: dict[tuple[str, tuple[str, ...]], Any] = {}  # catalog_metadata_location's, per table


def staging_prefix(table: Table, group: str) -> str:
    """Where a connector stages files of ``table`` (under the table's own location, so its IO reaches it)."""
    return f"{table.location().rstrip('/')}/kafka-connect/{group}/staged"


@dataclass(frozen=True)
class Staged:
    """One staged object: data files of one topic partition's offsets ``[start, end)``; ``data`` the rows' file
    beside it, as listed (None: none found, an older release's object naming its data files)."""

    path: str
    topic: str
    partition: int
    start: int
    end: int
    mtime: float
    data: str | None = None


STAGED_DATA_SUFFIXES = (".arrow", ".parquet")  # what this release stages, what older ones did
STAGED_BODY_KEY = "lambda-connect.staged"  # the staged Arrow stream's schema metadata: its JSON object's text


def stage(table: Table, group: str, *, topic: str, partition: int, offsets: list[int], frame: Any) -> Staged:
    """Stage ``frame`` (rows of the table's current schema, in the order of ``offsets``, one row per offset) as
    holding ``topic``/``partition`` from ``offsets[0]`` to ``offsets[-1] + 1``: an Arrow IPC stream (LZ4: the rows
    are read back once, at the commit that merges them into Parquet) and the JSON object naming it, with the offsets
    as runs, so a commit can trim the rows an earlier commit took. Same names when the same offsets are staged again
    (a re-delivery), so nothing is left behind."""
    from pyarrow import ipc

    start, end = offsets[0], offsets[-1] + 1
    runs: list[list[int]] = []
    for offset in offsets:
        if runs and runs[-1][1] == offset:
            runs[-1][1] = offset + 1
        else:
            runs.append([offset, offset + 1])
    base = f"{staging_prefix(table, group)}/{topic}/{partition}/{start:020d}-{end:020d}"
    data = base + STAGED_DATA_SUFFIXES[0]
    body = json.dumps({"topic": topic, "partition": partition, "start": start, "end": end, "data": data,
                       "schema_id": table.schema().schema_id, "rows": len(offsets), "offsets": runs})
    frame = frame.replace_schema_metadata({STAGED_BODY_KEY: body})  # the commit reads the rows' file alone
    with table.io.new_output(data).create(overwrite=True) as out, ipc.new_stream(
            out, frame.schema, options=ipc.IpcWriteOptions(compression="lz4")) as writer:
        writer.write_table(frame)
    with table.io.new_output(base + ".json").create(overwrite=True) as out:
        out.write(body.encode())
    return Staged(base + ".json", topic, partition, start, end, time.time(), data)


def _fs(table: Table, prefix: str) -> tuple[Any, str]:
    """The pyarrow filesystem of the table's IO and ``prefix`` as its path (``PyArrowFileIO``)."""
    from pyiceberg.io.pyarrow import PyArrowFileIO

    io = table.io
    if not isinstance(io, PyArrowFileIO):
        raise TypeError(f"Staging needs pyiceberg's PyArrowFileIO, not {type(io).__name__}")
    scheme, netloc, path = io.parse_location(prefix)
    return io.fs_by_scheme(scheme, netloc), path


def list_staged(table: Table, group: str) -> list[Staged]:
    """Every staged object of ``group`` for ``table``."""
    from pyarrow.fs import FileSelector, FileType

    prefix = staging_prefix(table, group)
    fs, path = _fs(table, prefix)
    infos = [info for info in fs.get_file_info(FileSelector(path, recursive=True, allow_not_found=True))
             if info.type == FileType.File]
    names = {info.path for info in infos}
    found = []
    for info in infos:
        if not info.path.endswith(".json"):
            continue
        topic, partition, name = info.path[len(path) + 1:].rsplit("/", 2)
        start, end = (int(part) for part in name.removesuffix(".json").split("-"))
        mtime = info.mtime.timestamp() if info.mtime is not None else 0.0
        base = info.path.removesuffix(".json")
        data = next((f"{prefix}/{topic}/{partition}/{name.removesuffix('.json')}{suffix}"
                     for suffix in STAGED_DATA_SUFFIXES if base + suffix in names), None)
        found.append(Staged(f"{prefix}/{topic}/{partition}/{name}", topic, int(partition), start, end, mtime, data))
    return found


def _newest(table: Table, key: str, branch: str | None) -> str | None:
    """``key``'s value in the newest snapshot of ``branch``'s ancestry that carries it."""
    snapshot = table.snapshot_by_name(branch) if branch else table.current_snapshot()
    while snapshot is not None:
        value = snapshot.summary.additional_properties.get(key) if snapshot.summary else None
        if value is not None:
            return value
        snapshot = table.snapshot_by_id(snapshot.parent_snapshot_id) if snapshot.parent_snapshot_id else None
    return None


def committed_offsets(table: Table, group: str, branch: str | None) -> TopicOffsets:
    """The offsets of the newest snapshot of ``branch``'s ancestry that carries them (Iceberg's
    ``lastCommittedOffsetsForTable``)."""
    value = _newest(table, offsets_prop(group), branch)
    if value is None:
        return {}
    return {(topic, int(part)): int(offset) for topic, parts in json.loads(value).items()
            for part, offset in parts.items()}


def jvm_offsets_prop(control_topic: str, group: str) -> str:
    """The summary key of Apache Iceberg's JVM sink (``Coordinator``): a JSON map of control-topic partition to the
    next control-topic offset its coordinator consumed, ``kafka.connect.offsets.<control topic>.<group id>``."""
    return f"kafka.connect.offsets.{control_topic}.{group}"


def jvm_offsets(table: Table, control_topic: str, group: str, branch: str | None) -> dict[int, int]:
    """Iceberg's JVM sink's control-topic offsets as its ``lastCommittedOffsetsForTable`` reads them ({} when no
    snapshot of the branch carries them)."""
    value = _newest(table, jvm_offsets_prop(control_topic, group), branch)
    return {int(part): int(offset) for part, offset in json.loads(value).items()} if value else {}


@dataclass(frozen=True)
class _Take:
    """A staged object a commit takes, from ``start`` on (its rows below are committed already)."""

    item: Staged
    start: int


def _plan(staged: list[Staged], committed: TopicOffsets) -> tuple[list[_Take], list[Staged], TopicOffsets]:
    """Which staged objects a commit takes (per partition in offset order from the committed offset; one that
    straddles an offset already committed or taken is trimmed to what follows it, never skipped), which it leaves
    to delete (all of them, once committed), and the offsets after the commit."""
    take: list[_Take] = []
    offsets = dict(committed)
    for item in sorted(staged, key=lambda s: (s.topic, s.partition, s.start, -s.end)):
        tp = (item.topic, item.partition)
        done = offsets.get(tp)
        if done is None or item.start >= done:
            take.append(_Take(item, item.start))
            offsets[tp] = item.end
        elif item.end > done:  # straddles: the rows from ``done`` on are not committed yet
            take.append(_Take(item, done))
            offsets[tp] = item.end
    return take, staged, offsets


def _read_arrow(table: Table, data: str | None) -> tuple[dict[str, Any] | None, Any]:
    """A staged Arrow stream's JSON object (from its schema metadata) and rows without that metadata; (None, None)
    for a file staged without it, or none found beside the object."""
    if data is None or not data.endswith(STAGED_DATA_SUFFIXES[0]):
        return None, None
    from pyarrow import ipc

    with table.io.new_input(data).open() as stream:
        reader = ipc.open_stream(stream)
        text = (reader.schema.metadata or {}).get(STAGED_BODY_KEY.encode())
        if text is None:
            return None, None
        return json.loads(text), reader.read_all().replace_schema_metadata(None)


def _read_json(table: Table, path: str) -> dict[str, Any]:
    with table.io.new_input(path).open() as stream:
        body: dict[str, Any] = json.loads(stream.read())
    return body


def _rows_below(runs: list[list[int]], offset: int) -> int:
    """How many rows of a staged object (its offsets as runs ``[start, end)``) have an offset below ``offset``."""
    return sum(max(0, min(end, offset) - start) for start, end in runs)


# decoded Arrow bytes merged into one round of writes: the staged rows of a commit are read, trimmed and written
# round by round into each partition's open data file, at most this much held at once (a function's memory)
MERGE_BYTES = 192 * 1024 * 1024
_READERS = 8  # staged objects read, or deleted, at once (S3 requests)


class _RollingFiles:
    """The data files of one commit, one open per table partition and rolled once its written Parquet reaches the
    table's ``write.target-file-size-bytes`` (Iceberg's ``RollingFileWriter``, checked after each write as Iceberg
    checks every so many rows): so a commit makes one file per partition, as a task of Iceberg's sink does, and more
    only past the target size, measured on the file's bytes (pyiceberg's own writer bin-packs by Arrow bytes)."""

    def __init__(self, table: Table, written: list[str]) -> None:
        from pyiceberg.io.pyarrow import _get_parquet_writer_kwargs
        from pyiceberg.schema import sanitize_column_names
        from pyiceberg.table import TableProperties
        from pyiceberg.table.locations import load_location_provider
        from pyiceberg.utils.properties import property_as_int

        metadata = self.metadata = table.metadata
        self.io = table.io
        self.schema = metadata.schema()
        self.file_schema = sanitize_column_names(self.schema)
        properties = metadata.properties
        self.target = property_as_int(properties, TableProperties.WRITE_TARGET_FILE_SIZE_BYTES,
                                      TableProperties.WRITE_TARGET_FILE_SIZE_BYTES_DEFAULT) or 0
        self.row_group = property_as_int(properties, TableProperties.PARQUET_ROW_GROUP_LIMIT,
                                         TableProperties.PARQUET_ROW_GROUP_LIMIT_DEFAULT)
        self.kwargs = _get_parquet_writer_kwargs(properties)
        self.locations = load_location_provider(table_location=metadata.location, table_properties=properties)
        self.write_uuid = uuid.uuid4()
        self.count = 0
        self.written = written
        self.open: dict[str, tuple[Any, Any, Any, str, Any]] = {}  # partition path -> writer, stream, file, path, key
        self.done: list[Any] = []

    def write(self, frame: Any) -> None:
        """Append ``frame`` (rows of the table's schema, Arrow without field ids) to each partition's open file."""
        from pyiceberg.io.pyarrow import _determine_partitions

        if self.metadata.spec().is_unpartitioned():
            self._write(None, frame)
            return
        for part in _determine_partitions(spec=self.metadata.spec(), schema=self.schema, arrow_table=frame):
            self._write(part.partition_key, part.arrow_table_partition)

    def _write(self, key: Any, frame: Any) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq
        from pyiceberg.io.fileformat import FileFormatFactory
        from pyiceberg.io.pyarrow import _to_requested_schema, pyarrow_to_schema
        from pyiceberg.manifest import FileFormat

        if frame.num_rows == 0:
            return
        name = key.to_path() if key is not None else ""
        frame_schema = pyarrow_to_schema(frame.schema, name_mapping=self.schema.name_mapping,
                                         format_version=self.metadata.format_version)
        batches = [_to_requested_schema(requested_schema=self.file_schema, file_schema=frame_schema, batch=batch,
                                        include_field_ids=True,
                                        format_model=FileFormatFactory.get(FileFormat.PARQUET))
                   for batch in frame.to_batches()]
        frame = pa.Table.from_batches(batches)
        entry = self.open.get(name)
        if entry is None:
            path = self.locations.new_data_location(
                data_file_name=f"00000-{self.count}-{self.write_uuid}.parquet", partition_key=key)
            self.count += 1
            self.written.append(path)
            output = self.io.new_output(path)
            stream = output.create(overwrite=True)
            writer = pq.ParquetWriter(stream, schema=frame.schema, store_decimal_as_integer=True, **self.kwargs)
            entry = self.open[name] = (writer, stream, output, path, key)
        writer, stream = entry[0], entry[1]
        writer.write_table(frame, row_group_size=self.row_group)
        if stream.tell() >= self.target:
            self._close(name)

    def _close(self, name: str) -> None:
        from pyiceberg.io.pyarrow import (
            compute_statistics_plan,
            data_file_statistics_from_parquet_metadata,
            parquet_path_to_id_mapping,
        )
        from pyiceberg.manifest import DataFile, DataFileContent, FileFormat
        from pyiceberg.typedef import Record

        writer, stream, output, path, key = self.open.pop(name)
        with stream:
            writer.close()
        statistics = data_file_statistics_from_parquet_metadata(
            parquet_metadata=writer.writer.metadata,
            stats_columns=compute_statistics_plan(self.file_schema, self.metadata.properties),
            parquet_column_mapping=parquet_path_to_id_mapping(self.file_schema))
        self.done.append(DataFile.from_args(
            content=DataFileContent.DATA, file_path=path, file_format=FileFormat.PARQUET,
            partition=key.partition if key is not None else Record(), file_size_in_bytes=len(output),
            sort_order_id=None, spec_id=self.metadata.default_spec_id, equality_ids=None, key_metadata=None,
            **statistics.to_serialized_dict()))

    def close(self) -> list[Any]:
        """Close every open file; the ``DataFile`` s written, in the order they were closed."""
        for name in list(self.open):
            self._close(name)
        return self.done


def _merged_data_files(table: Table, takes: list[_Take], written: list[str]) -> list[Any]:
    """The ``DataFile`` s of the rows the takes hold: staged rows trimmed, brought to the table's current schema
    (``_to_requested_schema``: columns added since are null, widened types cast) and written as one file per
    partition rolled at the table's target size (``_RollingFiles``); files staged by an older release (their data
    files and statistics) appended as they are. Paths of the data files written go to ``written`` as they are made
    (deleted when the commit fails)."""
    from concurrent.futures import ThreadPoolExecutor

    import pyarrow as pa
    import pyarrow.parquet as pq
    from pyarrow import ipc
    from pyiceberg.io.pyarrow import _to_requested_schema, schema_to_pyarrow

    schema, schemas = table.schema(), table.schemas()
    target = schema_to_pyarrow(schema, include_field_ids=False)

    def read(take: _Take) -> tuple[_Take, dict[str, Any], Any]:
        body, frame = _read_arrow(table, take.item.data)  # the rows and, in their metadata, the JSON object
        if body is None:  # staged by an older release: the JSON object names the rows' file, if any
            body = _read_json(table, take.item.path)
            if "data" not in body:
                return take, body, None
            with table.io.new_input(body["data"]).open() as stream:
                frame = (ipc.open_stream(stream).read_all() if body["data"].endswith(STAGED_DATA_SUFFIXES[0])
                         else pq.read_table(stream))  # Parquet
        skip = _rows_below(body["offsets"], take.start)
        if skip:
            frame = frame.slice(skip)
        file_schema = schemas[body["schema_id"]]
        if file_schema.schema_id != schema.schema_id or frame.schema != target:
            frame = pa.Table.from_batches(
                [_to_requested_schema(schema, file_schema, batch, include_field_ids=False)
                 for batch in frame.to_batches()], schema=target)
        return take, body, frame

    out: list[Any] = []
    files = _RollingFiles(table, written)
    pending: list[Any] = []
    size = 0

    def write() -> None:
        nonlocal size
        if pending:
            files.write(pa.concat_tables(pending))
            pending.clear()
            size = 0

    with ThreadPoolExecutor(_READERS) as pool:
        for take, body, frame in pool.map(read, takes):
            if frame is None:  # staged by an older release: its data files, whole
                if take.start > take.item.start:
                    log.warning("Staged %s (an older release's, no row offsets) straddles offset %s; its rows are "
                                "committed whole", take.item.path, take.start)
                out.extend(d for d in (_data_file(table, f) for f in body["files"]) if d.record_count > 0)
                continue
            if frame.num_rows == 0:
                continue
            pending.append(frame)
            size += frame.nbytes
            if size >= MERGE_BYTES:
                write()
    write()
    out.extend(files.close())
    return out


def encode_value(value: Any) -> Any:
    """A partition value as JSON (tagged where JSON has no such type)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, _dt.datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, _dt.date):
        return {"date": value.isoformat()}
    if isinstance(value, decimal.Decimal):
        return {"decimal": str(value)}
    if isinstance(value, uuid.UUID):
        return {"uuid": str(value)}
    if isinstance(value, bytes):
        return {"bytes": base64.b64encode(value).decode()}
    raise TypeError(f"Cannot stage a partition value of type {type(value).__name__}")


def _decode_value(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    [(tag, text)] = value.items()
    decode: dict[str, Callable[[str], Any]] = {
        "datetime": _dt.datetime.fromisoformat, "date": _dt.date.fromisoformat, "decimal": decimal.Decimal,
        "uuid": uuid.UUID, "bytes": base64.b64decode}
    return decode[tag](text)


_COUNTS = ("column_sizes", "value_counts", "null_value_counts", "nan_value_counts")
_BOUNDS = ("lower_bounds", "upper_bounds")


def file_stats(data_file: Any) -> dict[str, Any]:
    """A written ``DataFile``'s size and column statistics as JSON, staged beside its path: the commit appends the
    file without reading its Parquet footer again (field ids as keys, bounds in base64)."""
    stats: dict[str, Any] = {"record_count": data_file.record_count, "file_size_in_bytes": data_file.file_size_in_bytes,
                             "split_offsets": data_file.split_offsets}
    for name in _COUNTS:
        stats[name] = {str(k): v for k, v in (getattr(data_file, name) or {}).items()}
    for name in _BOUNDS:
        stats[name] = {str(k): base64.b64encode(v).decode() for k, v in (getattr(data_file, name) or {}).items()}
    return stats


def _staged_stats(stats: dict[str, Any]) -> dict[str, Any]:
    """``file_stats`` read back as ``DataFile.from_args``' arguments."""
    out: dict[str, Any] = {"record_count": stats["record_count"], "file_size_in_bytes": stats["file_size_in_bytes"],
                           "split_offsets": stats["split_offsets"]}
    for name in _COUNTS:
        out[name] = {int(k): v for k, v in stats[name].items()}
    for name in _BOUNDS:
        out[name] = {int(k): base64.b64decode(v) for k, v in stats[name].items()}
    return out


def _data_file(table: Table, staged: dict[str, Any]) -> Any:
    """The ``DataFile`` of a staged file: from the statistics staged with it, or (staged without them, by an older
    release) pyiceberg's ``parquet_file_to_data_file`` from its footer; with the partition the writer staged
    (pyiceberg cannot infer a bucket's from the file's statistics)."""
    import pyarrow.parquet as pq
    from pyiceberg.io.pyarrow import (
        compute_statistics_plan,
        data_file_statistics_from_parquet_metadata,
        parquet_path_to_id_mapping,
    )
    from pyiceberg.manifest import DataFile, DataFileContent, FileFormat
    from pyiceberg.typedef import Record

    partition = Record(*[_decode_value(v) for v in staged["partition"]])
    if "stats" in staged:
        return DataFile.from_args(
            content=DataFileContent.DATA, file_path=staged["path"], file_format=FileFormat.PARQUET,
            partition=partition, sort_order_id=None, spec_id=staged["spec_id"], equality_ids=None, key_metadata=None,
            **_staged_stats(staged["stats"]))
    metadata = table.metadata
    input_file = table.io.new_input(staged["path"])
    with input_file.open() as stream:
        parquet_metadata = pq.read_metadata(stream)
    schema = metadata.schema()
    statistics = data_file_statistics_from_parquet_metadata(
        parquet_metadata=parquet_metadata, stats_columns=compute_statistics_plan(schema, metadata.properties),
        parquet_column_mapping=parquet_path_to_id_mapping(schema))
    return DataFile.from_args(
        content=DataFileContent.DATA, file_path=staged["path"], file_format=FileFormat.PARQUET,
        partition=partition, file_size_in_bytes=len(input_file),
        sort_order_id=None, spec_id=staged["spec_id"], equality_ids=None, key_metadata=None,
        **statistics.to_serialized_dict())


def _root_snapshot(table: Table) -> None:
    """An empty snapshot on main, without offsets: pyiceberg refuses a table's first snapshot on another branch
    (Iceberg's Java creates the branch from it), so a branch starts from this one; main holds no rows."""
    from pyiceberg.exceptions import CommitFailedException

    try:
        with table.transaction() as tx, tx.update_snapshot().fast_append():
            pass
    except CommitFailedException:
        refresh(table)  # another committer made the first snapshot
        if not table.metadata.snapshots:
            raise


def commit_staged(table: Table, group: str, branch: str | None, interval_ms: int, timeout_ms: int,
                  *, force: bool = False, control_topic: str = "control-iceberg") -> str | None:
    """Commit ``table``'s staged rows once the oldest staged object waited ``interval_ms`` (or ``force``), merged
    into large data files; retried on a concurrent commit until ``timeout_ms``. The snapshot's summary carries our
    offsets, ``kafka.connect.commit-id`` and Iceberg's JVM sink's control-topic offsets as its newest snapshot left
    them (there is no control topic here), so that sink, moved back, goes on where it left off. Returns the commit
    id, or None when nothing was committed."""
    from pyiceberg.exceptions import CommitFailedException

    staged = list_staged(table, group)
    if not staged or (not force and time.time() - min(s.mtime for s in staged) < interval_ms / 1000):
        return None
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        refresh(table)
        if branch and not table.metadata.snapshots:
            _root_snapshot(table)
        committed = committed_offsets(table, group, branch)
        takes, done, offsets = _plan(staged, committed)
        commit_id = None
        if takes:
            commit_id = str(uuid.uuid4())
            nested: dict[str, dict[str, int]] = {}
            for (topic, part), offset in sorted(offsets.items()):
                nested.setdefault(topic, {})[str(part)] = offset
            jvm = jvm_offsets(table, control_topic, group, branch)
            props = {offsets_prop(group): json.dumps(nested, separators=(",", ":")), COMMIT_ID_PROP: commit_id,
                     jvm_offsets_prop(control_topic, group): json.dumps(
                         {str(part): offset for part, offset in sorted(jvm.items())}, separators=(",", ":"))}
            written: list[str] = []
            try:
                data_files = _merged_data_files(table, takes, written)
                with table.transaction() as tx:
                    kwargs: dict[str, Any] = {"branch": branch} if branch else {}
                    with tx.update_snapshot(props, **kwargs).fast_append() as append:
                        for data_file in data_files:
                            append.append_data_file(data_file)
            except (CommitFailedException, FileNotFoundError) as error:
                # another committer won (it may have deleted what we read): plan again from its snapshot
                for path in written:
                    _delete(table, path)
                if time.monotonic() > deadline:
                    raise
                log.info("Commit to %s lost to a concurrent one (%s); planning again", table.location(), error)
                staged = list_staged(table, group)
                if not staged:
                    return None
                continue
        _delete_all(table, [item.path for item in done])  # the objects naming the rows first, then the rows
        _delete_all(table, [item.data for item in done if item.data is not None])
        return commit_id


def _delete_all(table: Table, paths: list[str]) -> None:
    """``_delete`` each of ``paths``, several at once (each an S3 request the function would otherwise wait on in
    turn)."""
    if len(paths) <= 1:
        for path in paths:
            _delete(table, path)
        return
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(min(_READERS, len(paths))) as pool:
        for _ in pool.map(lambda path: _delete(table, path), paths):
            pass


def _delete(table: Table, path: str) -> None:
    """Delete ``path``; one gone already (another committer deleted it, or never written) is fine."""
    try:
        table.io.delete(path)
    except FileNotFoundError:
        pass


def pending_root(warehouse: str, group: str) -> str:
    """Where the tables with staged files are marked (dynamic routing: an idle tick in any container finds them)."""
    return f"{warehouse.rstrip('/')}/kafka-connect/{group}/pending"


def mark_pending(io: Any, root: str, table_name: str) -> None:
    """Mark ``table_name`` as having staged files: written after each staging, so a committer that unmarks it and
    then finds none left never misses files staged meanwhile."""
    with io.new_output(f"{root}/{table_name}").create(overwrite=True) as out:
        out.write(b"")


def pending_tables(io: Any, root: str) -> list[str]:
    """The tables marked as having staged files."""
    from pyarrow.fs import FileSelector, FileType
    from pyiceberg.io.pyarrow import PyArrowFileIO

    if not isinstance(io, PyArrowFileIO):
        raise TypeError(f"Staging needs pyiceberg's PyArrowFileIO, not {type(io).__name__}")
    scheme, netloc, path = io.parse_location(root)
    fs = io.fs_by_scheme(scheme, netloc)
    return sorted(info.path.rsplit("/", 1)[-1] for info in fs.get_file_info(
        FileSelector(path, recursive=False, allow_not_found=True)) if info.type == FileType.File)


def unmark_when_done(io: Any, root: str, table_name: str, table: Table, group: str) -> None:
    """Drop the mark of a table whose staged files are all committed; marked again when some were staged meanwhile
    (their stager marks after staging, so one of the two marks stands)."""
    try:
        io.delete(f"{root}/{table_name}")
    except FileNotFoundError:
        pass
    if list_staged(table, group):
        mark_pending(io, root, table_name)
