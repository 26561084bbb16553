"""Staged data files and the table commit that makes them visible with their Kafka offsets.

A sink invocation writes Parquet data files into the table's ``data/`` and stages them: one JSON object per table and
topic partition under ``<table location>/kafka-connect/<group>/staged/<topic>/<partition>/<start>-<end>.json`` naming
the files (with their sizes and column statistics) and the source offsets ``[start, end)`` they hold. A commit
appends the staged files whose offsets follow the table's committed offsets, in one snapshot whose summary carries
the offsets (``lambda-connect.offsets.<group>``, a JSON ``{"topic": {"partition": next offset}}``) and
``kafka.connect.commit-id`` (a UUID), as Iceberg's coordinator does; the table's optimistic concurrency (a commit
asserts the branch head it read) makes two committers one.
"""

from __future__ import annotations

import base64
import datetime as _dt
import decimal
import json
import logging
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

    from pyiceberg.table import Table

__all__ = ["COMMIT_ID_PROP", "Staged", "commit_staged", "committed_offsets", "encode_value", "file_stats",
           "list_staged", "offsets_prop", "stage", "staging_prefix"]

log = logging.getLogger(__name__)

COMMIT_ID_PROP = "kafka.connect.commit-id"
TopicOffsets = dict[tuple[str, int], int]


def offsets_prop(group: str) -> str:
    """The snapshot summary key holding a connector's committed source offsets."""
    return f"lambda-connect.offsets.{group}"


def staging_prefix(table: Table, group: str) -> str:
    """Where a connector stages files of ``table`` (under the table's own location, so its IO reaches it)."""
    return f"{table.location().rstrip('/')}/kafka-connect/{group}/staged"


@dataclass(frozen=True)
class Staged:
    """One staged object: data files of one topic partition's offsets ``[start, end)``."""

    path: str
    topic: str
    partition: int
    start: int
    end: int
    mtime: float


def stage(table: Table, group: str, *, topic: str, partition: int, start: int, end: int,
          files: list[dict[str, Any]]) -> None:
    """Record ``files`` as holding ``[start, end)`` of ``topic``/``partition`` (same name on a re-delivery)."""
    body = json.dumps({"topic": topic, "partition": partition, "start": start, "end": end, "files": files})
    path = f"{staging_prefix(table, group)}/{topic}/{partition}/{start:020d}-{end:020d}.json"
    with table.io.new_output(path).create(overwrite=True) as out:
        out.write(body.encode())


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
    found = []
    for info in fs.get_file_info(FileSelector(path, recursive=True, allow_not_found=True)):
        if info.type != FileType.File or not info.path.endswith(".json"):
            continue
        topic, partition, name = info.path[len(path) + 1:].rsplit("/", 2)
        start, end = (int(part) for part in name.removesuffix(".json").split("-"))
        mtime = info.mtime.timestamp() if info.mtime is not None else 0.0
        found.append(Staged(f"{prefix}/{topic}/{partition}/{name}", topic, int(partition), start, end, mtime))
    return found


def committed_offsets(table: Table, group: str, branch: str | None) -> TopicOffsets:
    """The offsets of the newest snapshot of ``branch``'s ancestry that carries them (Iceberg's
    ``lastCommittedOffsetsForTable``)."""
    snapshot = table.snapshot_by_name(branch) if branch else table.current_snapshot()
    key = offsets_prop(group)
    while snapshot is not None:
        value = snapshot.summary.additional_properties.get(key) if snapshot.summary else None
        if value is not None:
            return {(topic, int(part)): int(offset) for topic, parts in json.loads(value).items()
                    for part, offset in parts.items()}
        snapshot = table.snapshot_by_id(snapshot.parent_snapshot_id) if snapshot.parent_snapshot_id else None
    return {}


def _plan(staged: list[Staged], committed: TopicOffsets) -> tuple[list[Staged], list[Staged], TopicOffsets]:
    """Which staged objects to commit (in offset order after the committed offsets), which are already committed
    (to delete), and the offsets after the commit."""
    accept: list[Staged] = []
    obsolete: list[Staged] = []
    offsets = dict(committed)
    for item in sorted(staged, key=lambda s: (s.topic, s.partition, s.start, -s.end)):
        tp = (item.topic, item.partition)
        done = offsets.get(tp)
        if done is None or item.start >= done:
            accept.append(item)
            offsets[tp] = item.end
        elif item.end <= committed.get(tp, -1):
            obsolete.append(item)
        else:  # overlaps what this commit already takes: the same offsets staged again
            log.warning("Staged %s overlaps offsets already taken up to %s; skipped", item.path, done)
    return accept, obsolete, offsets


def _files(table: Table, items: list[Staged]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for item in items:
        with table.io.new_input(item.path).open() as stream:
            out.extend(json.loads(stream.read())["files"])
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
        table.refresh()  # another committer made the first snapshot
        if not table.metadata.snapshots:
            raise


def commit_staged(table: Table, group: str, branch: str | None, interval_ms: int, timeout_ms: int,
                  *, force: bool = False) -> str | None:
    """Commit ``table``'s staged files once the oldest waited ``interval_ms`` (or ``force``); retried on a
    concurrent commit until ``timeout_ms``. Returns the commit id, or None when nothing was committed."""
    from pyiceberg.exceptions import CommitFailedException
    staged = list_staged(table, group)
    if not staged or (not force and time.time() - min(s.mtime for s in staged) < interval_ms / 1000):
        return None
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        table.refresh()
        if branch and not table.metadata.snapshots:
            _root_snapshot(table)
        committed = committed_offsets(table, group, branch)
        accept, obsolete, offsets = _plan(staged, committed)
        commit_id = None
        if accept:
            commit_id = str(uuid.uuid4())
            nested: dict[str, dict[str, int]] = {}
            for (topic, part), offset in sorted(offsets.items()):
                nested.setdefault(topic, {})[str(part)] = offset
            props = {offsets_prop(group): json.dumps(nested, separators=(",", ":")), COMMIT_ID_PROP: commit_id}
            try:
                with table.transaction() as tx:
                    kwargs: dict[str, Any] = {"branch": branch} if branch else {}
                    with tx.update_snapshot(props, **kwargs).fast_append() as append:
                        for staged_file in _files(table, accept):
                            data_file = _data_file(table, staged_file)
                            if data_file.record_count > 0:
                                append.append_data_file(data_file)
            except CommitFailedException:
                if time.monotonic() > deadline:
                    raise
                staged = list_staged(table, group)  # another committer won: plan again from its snapshot
                continue
        for item in [*obsolete, *accept]:
            table.io.delete(item.path)
        return commit_id
