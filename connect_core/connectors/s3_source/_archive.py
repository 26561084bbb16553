"""The archive's layout as the S3 sink wrote it: every object under ``topics.dir`` whose name is
``<topic><file.delim><partition><file.delim><start offset><extension>``, grouped into *files* (a value object and
the ``.keys``/``.headers`` objects beside it) and ordered per Kafka partition by start offset.

The file names alone say where records came from, so any partitioner's directories (Default, Field, TimeBased)
are read the same way; an older sink's staging area inside ``topics.dir`` (a ``_`` directory) is skipped. A group
listed here may still lack a part the sink has not written yet: the task reads a file only once it is complete.
"""

from __future__ import annotations

import dataclasses
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["PARTS_META", "RECORD_COUNT_META", "ArchivedFile", "Layout", "list_keys"]

KEYS_INFIX = ".keys"
HEADERS_INFIX = ".headers"
PARTS_META = "parts"  # the S3 sink's x-amz-meta-parts on every object of a file: its views, e.g. key,headers,value
RECORD_COUNT_META = "record-count"  # the S3 sink's, on the object it writes last (value, or tombstones' keys)


@dataclasses.dataclass(slots=True)
class ArchivedFile:
    """One file of records: its objects per view (value, key, headers) and where its records came from."""

    topic: str
    partition: int
    start: int
    directory: str
    objects: dict[str, str] = dataclasses.field(default_factory=dict)  # view -> object key

    @property
    def primary(self) -> str:
        """The object whose key names the file in offsets: the value object, else the keys (tombstones)."""
        return self.objects.get("value") or self.objects.get("key") or next(iter(self.objects.values()))

    def same(self, directory: str, start: int) -> bool:
        """Whether this is the file of ``directory`` starting at ``start`` (whichever of its objects named it)."""
        return self.start == start and self.directory == directory


class Layout:
    """Parses object keys with the sink's ``topics.dir``, ``file.delim`` and value extension."""

    def __init__(self, topics_dir: str, directory_delim: str, file_delim: str, value_extensions: tuple[str, ...]
                 ) -> None:
        """Prepare the name pattern; ``value_extensions`` are the value objects' possible extensions."""
        self.prefix = f"{topics_dir}{directory_delim}" if topics_dir else ""
        self._delim = directory_delim
        self._value_extensions = value_extensions
        fd = re.escape(file_delim)
        self._name = re.compile(rf"^(?P<topic>.+?){fd}(?P<partition>\d+){fd}(?P<start>\d+)(?P<ext>\..+)$")

    def folder(self, topic: str, partition: int) -> str:
        """A Kafka partition's source partition name: its folder as Confluent's DefaultPartitioner names it
        (``<topics.dir>/<topic>/partition=<n>/``), whichever partitioner wrote the archive."""
        return f"{self.prefix}{topic}{self._delim}partition={partition}{self._delim}"

    def parse(self, key: str) -> tuple[str, int, int, str, str, str] | None:
        """(topic, partition, start, directory, view, extension) of an archived object, None for anything else."""
        if not key.startswith(self.prefix):
            return None
        rest = key[len(self.prefix):]
        directory, _, name = rest.rpartition(self._delim)
        if rest.startswith("_") or not directory:
            return None
        match = self._name.match(name)
        if match is None:
            return None
        ext = match["ext"]
        view = "value"
        for infix, name_of_view in ((KEYS_INFIX, "key"), (HEADERS_INFIX, "headers")):
            if ext.startswith(infix + "."):
                view, ext = name_of_view, ext[len(infix):]
        if view == "value" and ext not in self._value_extensions:
            return None
        return match["topic"], int(match["partition"]), int(match["start"]), directory, view, ext

    def files(self, keys: Iterable[str]) -> dict[tuple[str, int], list[ArchivedFile]]:
        """The archive's files per (topic, partition), each list in start-offset order."""
        found: dict[tuple[str, int, str, int], ArchivedFile] = {}
        for key in keys:
            parsed = self.parse(key)
            if parsed is None:
                continue
            topic, partition, start, directory, view, _ = parsed
            file = found.setdefault((topic, partition, directory, start),
                                    ArchivedFile(topic, partition, start, directory))
            file.objects[view] = key
        out: dict[tuple[str, int], list[ArchivedFile]] = {}
        for file in found.values():  # any part alone too: the task waits there for the rest
            out.setdefault((file.topic, file.partition), []).append(file)
        for files in out.values():
            files.sort(key=lambda f: f.start)
        return out


def list_keys(client: Any, bucket: str, prefix: str) -> list[str]:
    """Every object key under ``prefix`` (ListObjectsV2, all pages)."""
    keys: list[str] = []
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys.extend(item["Key"] for item in page.get("Contents", ()))
    return keys
