"""``S3SourceTask``: restores its share of the archive's Kafka partitions, each in start-offset order.

A source partition is an archived Kafka partition, named as Confluent's backup-and-restore source names it
(``{"folder": "<topics.dir>/<topic>/partition=<n>/"}``); its offset, Confluent's ``lastFileRead``, ``fileOffset`` and
``eof`` as strings, is committed with the records in one transaction, so a stopped restore resumes at the next record,
exactly once (an offset of our earlier ``{"topic", "partition"}`` shape is still read). Records go to the archived (or
``topic.regex.list``) topic and partition with their key and headers; the archive keeps no timestamps. A file is
restored only once complete (each object lists the file's parts), a partition waiting at its first incomplete file
(docs/connectors/http-s3-datagen.md). ``mode=GENERIC`` reads any files instead, folder by folder (``_generic``).
"""

from __future__ import annotations

import logging
import time
import zlib
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from connect_core.api.config import parse_config
from connect_core.api.errors import ConnectError, RetriableError
from connect_core.api.header import Headers
from connect_core.api.record import SourceRecord
from connect_core.api.task import SourceTask, partition_key
from connect_core.connectors.s3_source._archive import PARTS_META, RECORD_COUNT_META, Layout, list_keys
from connect_core.connectors.s3_source._generic import GenericFolders, source_offset
from connect_core.connectors.s3_source._readers import Decoded, decode_headers, decode_view, extensions
from connect_core.connectors.s3_source.config import S3SourceConfig, TopicMap

if TYPE_CHECKING:
    from connect_core.connectors.s3_source._archive import ArchivedFile

__all__ = ["TASK_COUNT_CONFIG", "TASK_INDEX_CONFIG", "S3SourceTask", "owns"]

log = logging.getLogger(__name__)

TASK_INDEX_CONFIG = "task.index"
TASK_COUNT_CONFIG = "task.count"


def owns(topic: str, partition: int, index: int, count: int) -> bool:
    """Whether task ``index`` of ``count`` restores this archived partition (a stable hash, the same in every
    container)."""
    return zlib.crc32(f"{topic}\x00{partition}".encode()) % count == index


class _Columns(NamedTuple):
    """A file's records as its decoded views: (schema, key) and (schema, value) per record, each record's headers as
    (name, schema, value), None for a view the file lacks; ``size`` records."""

    keys: Decoded | None
    values: Decoded | None
    header_lists: list[list[tuple[str, Any, Any]]] | None
    size: int


_EMPTY = _Columns(None, None, None, 0)
_NOTHING = (None, None)


class _Cursor:
    """Where the restore of one archived partition stands, and the file being read."""

    __slots__ = ("done_start", "file", "files", "legacy_partition", "position", "records", "source_partition",
                 "waiting")

    def __init__(self, topic: str, partition: int, folder: str) -> None:
        self.source_partition: dict[str, Any] = {"folder": folder}
        self.legacy_partition: dict[str, Any] = {"topic": topic, "partition": partition}  # our earlier shape
        self.files: list[ArchivedFile] = []
        self.file: ArchivedFile | None = None
        self.records = _EMPTY
        self.position = 0
        self.done_start = -1  # the start offset of the last file wholly restored
        self.waiting = False  # the next file is incomplete: nothing more until the next listing

    @property
    def ready(self) -> bool:
        """Whether a record may be taken without listing the bucket again."""
        return self.file is not None or (bool(self.files) and not self.waiting)


class S3SourceTask(SourceTask):
    """Reads archived (or, GENERIC, any) files back into records (Confluent ``S3SourceTask``)."""

    def __init__(self, client: Any = None, clock: Any = time.monotonic) -> None:
        """Create a stopped task; ``client`` is an S3 client to use instead of one built from the config."""
        self._client = client
        self._clock = clock
        self._config: S3SourceConfig | None = None
        self._cursors: dict[tuple[str, int], _Cursor] = {}
        self._listed_at: float | None = None
        self._index, self._count = 0, 1
        self._generic: GenericFolders | None = None

    def start(self, props: dict[str, str]) -> None:
        """Parse the config; the bucket is listed at the first poll."""
        self._config = parse_config(S3SourceConfig, props)
        self._topics = TopicMap(self._config.topic_regex_list)
        self._index, self._count = int(props.get(TASK_INDEX_CONFIG, "0")), int(props.get(TASK_COUNT_CONFIG, "1"))
        config = self._config
        self._layout = Layout(config.topics_dir, config.directory_delim, config.file_delim,
                              extensions(config.kind, config.format_bytearray_extension))
        if config.mode == "GENERIC":
            self._generic = GenericFolders(self._topics, config.directory_delim,
                                           extensions(config.kind, config.format_bytearray_extension),
                                           config.format_bytearray_separator, index=self._index, count=self._count)
        if self._client is None:
            self._client = _client(config)

    def poll(self) -> list[SourceRecord] | None:
        """Up to ``record.batch.max.size`` records of the next partition with something left."""
        config = self._require()
        if self._generic is not None:
            return self._poll_generic(self._generic, config.record_batch_max_size)
        for cursor in self._ready_cursors():
            batch = self._take(cursor, config.record_batch_max_size)
            if batch:
                return batch
        return None

    def _poll_generic(self, folders: GenericFolders, limit: int) -> list[SourceRecord] | None:
        """GENERIC mode: up to ``limit`` records of the next folder with something left."""
        ready = folders.ready()
        if not ready and self._due():
            folders.listed(self._list_keys(), self.context.offset_storage_reader.offsets)
            ready = folders.ready()
        for cursor in ready:
            batch = folders.take(cursor, limit, self._body)
            if batch:
                return batch
        return None

    def _due(self) -> bool:
        """Whether the bucket may be listed again (``s3.poll.interval.ms`` after the last listing)."""
        interval = self._require().s3_poll_interval_ms / 1000
        return self._listed_at is None or self._clock() - self._listed_at >= interval

    def _list_keys(self) -> list[str]:
        """Every key under ``topics.dir``; a failed listing is retriable."""
        config = self._require()
        try:
            keys = list_keys(self._client, config.s3_bucket_name, self._layout.prefix)
        except Exception as error:  # botocore: connection or throttling errors are worth a retry
            raise RetriableError(f"S3 source: listing s3://{config.s3_bucket_name}/{self._layout.prefix} failed: "
                                 f"{error}") from error
        self._listed_at = self._clock()
        return keys

    def _body(self, key: str) -> bytes | None:
        found = self._get(key)
        return found[0] if found is not None else None

    def _ready_cursors(self) -> list[_Cursor]:
        pending = [c for c in self._cursors.values() if c.ready]
        if pending:
            return pending
        if self._due():
            self._list()
        return [c for c in self._cursors.values() if c.ready]

    def _list(self) -> None:
        """List the archive and queue, per owned partition, the files after the committed offset."""
        keys = self._list_keys()
        owned = {tp: files for tp, files in self._layout.files(keys).items()
                 if owns(*tp, self._index, self._count) and self._topics.target(tp[0]) is not None}
        fresh = {tp: _Cursor(*tp, self._layout.folder(*tp)) for tp in owned if tp not in self._cursors}
        asked = [p for c in fresh.values() for p in (c.source_partition, c.legacy_partition)]
        committed = self.context.offset_storage_reader.offsets(asked) if asked else {}
        for tp, files in owned.items():
            cursor = self._cursors.get(tp)
            if cursor is None:
                cursor = self._cursors[tp] = fresh[tp]
                offset = (committed.get(partition_key(cursor.source_partition))  # Confluent's shape, else ours before
                          or committed.get(partition_key(cursor.legacy_partition)))
                cursor.files = self._after(files, offset, cursor)
            else:  # a later listing: every file past the one read last, with the parts listed now
                cursor.files = [f for f in files if f.start > (cursor.file.start if cursor.file else
                                                                cursor.done_start)]
                cursor.waiting = False

    def _take(self, cursor: _Cursor, limit: int) -> list[SourceRecord]:
        if cursor.file is None:
            if not cursor.files or cursor.waiting:
                return []
            records = self._read(cursor.files[0])
            if records is None:  # the sink has not written every part yet: wait for the next listing
                cursor.waiting = True
                return []
            cursor.file, cursor.records = cursor.files.pop(0), records
            cursor.position = min(cursor.position, cursor.records.size)
        file, (keys, values, header_lists, count) = cursor.file, cursor.records
        target = self._topics.target(file.topic) or file.topic
        end = min(cursor.position + limit, count)
        source_partition, kafka_partition, primary = cursor.source_partition, file.partition, file.primary
        out: list[SourceRecord] = []
        append = out.append
        for i in range(cursor.position, end):
            key_schema, key = keys[i] if keys is not None else _NOTHING
            value_schema, value = values[i] if values is not None else _NOTHING  # keys only: tombstones
            headers = None
            if header_lists is not None:
                headers = Headers()
                for header_name, schema, header_value in header_lists[i]:
                    headers.add(header_name, header_value, schema)
            append(SourceRecord(source_partition, source_offset(primary, i + 1, i + 1 == count), target,
                                kafka_partition, key_schema, key, value_schema, value, None, headers))
        cursor.position = end
        if end >= count:
            cursor.file, cursor.records, cursor.position, cursor.done_start = None, _EMPTY, 0, file.start
        return out

    def _read(self, file: ArchivedFile) -> _Columns | None:
        """Every part of ``file`` decoded, checked to hold one item per record; None while a part is missing."""
        config = self._require()
        primary_view = "value" if "value" in file.objects else "key" if "key" in file.objects else None
        found = self._get(file.objects[primary_view]) if primary_view else None
        if primary_view is None or found is None:  # headers alone, or the primary deleted since the listing
            self._incomplete(file, {"value"})
            return None
        bodies, metadata = {primary_view: found[0]}, found[1]
        listed = metadata.get(PARTS_META)
        if listed:
            parts = set(listed.split(","))
        elif primary_view == "value" or RECORD_COUNT_META in metadata or self._in_tombstones(file):
            parts = set(file.objects)  # what is there: a value object, or the keys of tombstones
        else:  # a keys object beside no value object, written by a sink that lists no parts: the value is to come
            parts = {"key", "value"}
        missing = parts - set(file.objects)
        for view in sorted(parts - missing - set(bodies)):
            got = self._get(file.objects[view])
            if got is None:
                missing.add(view)
            else:
                bodies[view] = got[0]
        if missing:
            self._incomplete(file, missing)
            return None
        views: dict[str, Decoded] = {}
        header_lists: list[list[tuple[str, Any, Any]]] | None = None
        for view, body in bodies.items():
            parsed = self._layout.parse(file.objects[view])
            ext = parsed[5] if parsed is not None else ""
            if view == "headers":
                header_lists = decode_headers(body, ext)
            else:
                views[view] = decode_view(body, ext, config.format_bytearray_separator)
        values = views.get("value")
        keys = views.get("key")
        count = len(values) if values is not None else len(keys or [])
        for name, decoded in (("keys", keys), ("headers", header_lists)):
            if decoded is not None and len(decoded) != count:
                raise ConnectError(f"S3 source: {file.primary} holds {count} records but its {name} object "
                                   f"{len(decoded)}; the archive is inconsistent")
        return _Columns(keys, values, header_lists, count)

    def _incomplete(self, file: ArchivedFile, missing: set[str]) -> None:
        """Log that the restore of ``file``'s partition waits for its ``missing`` parts."""
        log.info("S3 source: %s is not complete yet (no %s object): its partition waits for the next listing",
                 file.primary, " or ".join(sorted(missing)))

    def _in_tombstones(self, file: ArchivedFile) -> bool:
        """Whether ``file`` sits in the sink's directory of tombstones."""
        config = self._require()
        return file.directory.rpartition(config.directory_delim)[2] == config.tombstone_encoded_partition

    def _get(self, key: str) -> tuple[bytes, dict[str, str]] | None:
        """An object's body and user metadata; None when it is not there."""
        config = self._require()
        try:
            response = self._client.get_object(Bucket=config.s3_bucket_name, Key=key)
            return response["Body"].read(), response.get("Metadata", {})
        except Exception as error:
            response = getattr(error, "response", None)
            code = response.get("Error", {}).get("Code", "") if isinstance(response, dict) else ""
            if code in ("NoSuchKey", "404"):
                return None
            raise RetriableError(f"S3 source: reading s3://{config.s3_bucket_name}/{key} failed: {error}") from error

    def _after(self, files: list[ArchivedFile], offset: dict[str, Any] | None, cursor: _Cursor
               ) -> list[ArchivedFile]:
        """The files still to restore after the committed ``offset`` (the file its ``lastFileRead`` names is found
        by directory and start offset, whichever of its objects named it); the cursor starts inside a half-read
        file."""
        if not offset:
            return list(files)
        last = str(offset.get("lastFileRead"))
        parsed = self._layout.parse(last)
        if parsed is None:
            raise ConnectError(f"S3 source: the committed offset of {cursor.source_partition} names {last}, which is "
                               "no file of this archive's layout (topics.dir, directory.delim, file.delim or "
                               "format.class changed?): restore the sink's settings or reset the connector's offsets")
        _, _, start, directory, _, _ = parsed
        done = next((f for f in files if f.same(directory, start)), None)
        if done is None or str(offset.get("eof")).lower() == "true":  # "true" (Confluent's) or True (ours before)
            if done is None:
                log.warning("S3 source: the last file read, %s, is no longer in the archive; restoring %s from the "
                            "first file after offset %d", last, cursor.source_partition, start)
            cursor.done_start = start
            return [f for f in files if f.start > start]
        cursor.position = int(str(offset.get("fileOffset", 0)))
        cursor.done_start = start - 1  # a later listing queues this file again, not the ones before it
        return [f for f in files if f.start >= start]

    def _require(self) -> S3SourceConfig:
        if self._config is None:
            raise ConnectError("S3SourceTask used before start()")
        return self._config

    def stop(self) -> None:
        """Forget the cursors (the client is shared across warm invocations)."""
        self._cursors.clear()


_CLIENTS: dict[tuple[Any, ...], Any] = {}


def _client(config: S3SourceConfig) -> Any:
    """A boto3 S3 client for the config, reused across warm invocations."""
    key_id = config.aws_access_key_id.get_secret_value() if config.aws_access_key_id else None
    secret = config.aws_secret_access_key.get_secret_value() if config.aws_secret_access_key else None
    cache_key = (config.s3_region, config.store_url, config.s3_path_style_access_enabled, key_id, secret)
    client = _CLIENTS.get(cache_key)
    if client is None:
        import boto3
        from botocore.config import Config

        style: Literal["path", "auto"] = "path" if config.store_url and config.s3_path_style_access_enabled else "auto"
        client = _CLIENTS[cache_key] = boto3.client(
            "s3", region_name=config.s3_region, endpoint_url=config.store_url or None, aws_access_key_id=key_id,
            aws_secret_access_key=secret,
            config=Config(s3={"addressing_style": style}, retries={"mode": "standard", "max_attempts": 3}))
    return client
