"""``mode=GENERIC`` (Confluent's generalized S3 source): any object under ``topics.dir`` whose extension is the
format's, one record per value (JSON Lines, ByteArray lines, Avro container datums), to the topic of the first
``topic.regex.list`` pair whose regex matches the whole object key; keys no regex matches are skipped.

A source partition is a folder (``{"folder": <key up to its last directory.delim>}``); each folder's files are read
in key order and its offset, Confluent's ``lastFileRead``, ``fileOffset`` (records read in that file) and ``eof``, all
strings as Confluent writes them, resumes a stopped read at the next record. A file added later is read if its key
sorts after the last file read in its folder.
"""

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING, Any

from connect_core.api.record import SourceRecord
from connect_core.api.task import partition_key
from connect_core.connectors.s3_source._readers import decode_view

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from connect_core.connectors.s3_source._readers import Decoded
    from connect_core.connectors.s3_source.config import TopicMap

__all__ = ["GenericFolders", "folder_of", "source_offset"]


def source_offset(key: str, records_read: int, eof: bool) -> dict[str, str]:
    """A folder's offset as Confluent's ``StorageObjectSourceReader.buildSourceOffset`` writes it: every value a
    string (``String.valueOf``), so ``GET``/``PATCH /connectors/<name>/offsets`` carry the same JSON as theirs."""
    return {"lastFileRead": key, "fileOffset": str(records_read), "eof": "true" if eof else "false"}


def folder_of(key: str, delim: str) -> str:
    """The folder of an object key: everything up to and with its last ``delim`` ("" at the bucket's root)."""
    cut = key.rfind(delim)
    return key[:cut + len(delim)] if cut >= 0 else ""


class _Folder:
    """Where the read of one folder stands: files still to read (key order), the file being read and its records."""

    __slots__ = ("files", "key", "last", "position", "records", "source_partition")

    def __init__(self, folder: str) -> None:
        self.source_partition: dict[str, Any] = {"folder": folder}
        self.files: list[str] = []
        self.key: str | None = None  # the file being read
        self.records: Decoded = []
        self.position = 0
        self.last = ""  # the last file read whole (later listings queue only keys after it)

    @property
    def ready(self) -> bool:
        return self.key is not None or bool(self.files)


class GenericFolders:
    """The folders one task owns (a stable hash of the folder name), read file by file."""

    def __init__(self, topics: TopicMap, delim: str, value_extensions: tuple[str, ...], separator: str | None,
                 *, index: int, count: int) -> None:
        """``value_extensions``: the format's; ``separator``: ``format.bytearray.separator``."""
        self._topics, self._delim, self._separator = topics, delim, separator
        self._extensions = tuple(sorted(value_extensions, key=len, reverse=True))
        self._index, self._count = index, count
        self._folders: dict[str, _Folder] = {}

    def ready(self) -> list[_Folder]:
        """The folders with a record to take without listing again."""
        return [f for f in self._folders.values() if f.ready]

    def extension(self, key: str) -> str | None:
        """The format's extension ``key`` ends with; None: not a file of this format."""
        return next((ext for ext in self._extensions if key.endswith(ext)), None)

    def listed(self, keys: list[str], committed: Callable[[list[dict[str, Any]]], Mapping[Any, dict[str, Any]]]
               ) -> None:
        """Queue, per owned folder, the files after its position; ``committed`` reads offsets of new folders."""
        found: dict[str, list[str]] = {}
        for key in keys:
            if self.extension(key) is None or self._topics.target(key) is None:
                continue
            folder = folder_of(key, self._delim)
            if zlib.crc32(folder.encode()) % self._count == self._index:
                found.setdefault(folder, []).append(key)
        fresh = [{"folder": name} for name in found if name not in self._folders]
        offsets = committed(fresh) if fresh else {}
        for name, files in found.items():
            files.sort()
            cursor = self._folders.get(name)
            if cursor is None:
                cursor = self._folders[name] = _Folder(name)
                offset = offsets.get(partition_key(cursor.source_partition))
                if offset and offset.get("lastFileRead"):
                    last = str(offset["lastFileRead"])
                    if str(offset.get("eof")).lower() == "true":
                        cursor.last = last
                    elif last in files:  # stopped inside it: resume at the next record
                        cursor.files = [k for k in files if k >= last]
                        cursor.position = int(offset.get("fileOffset", 0))
                        continue
                    else:  # gone since: go on after it
                        cursor.last = last
            cursor.files = [k for k in files if k > (cursor.key or cursor.last)]

    def take(self, cursor: _Folder, limit: int, read: Callable[[str], bytes | None]) -> list[SourceRecord]:
        """Up to ``limit`` records of the folder's current file (opening the next file when none is open)."""
        while cursor.key is None:
            if not cursor.files:
                return []
            key = cursor.files.pop(0)
            body = read(key)
            if body is None:  # deleted since the listing
                cursor.last, cursor.position = key, 0
                continue
            cursor.key, cursor.records = key, decode_view(body, self.extension(key) or "", self._separator)
            cursor.position = min(cursor.position, len(cursor.records))
        key, records = cursor.key, cursor.records
        topic = self._topics.target(key)
        count = len(records)
        end = min(cursor.position + limit, count)
        source_partition = cursor.source_partition
        out = [SourceRecord(source_partition, source_offset(key, i + 1, i + 1 == count),
                            topic, None, None, None, records[i][0], records[i][1])
               for i in range(cursor.position, end)]
        cursor.position = end
        if end >= count:
            cursor.key, cursor.records, cursor.position, cursor.last = None, [], 0, key
        return out
