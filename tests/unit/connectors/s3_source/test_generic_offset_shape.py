"""``mode=GENERIC``'s source partitions and offsets have the shape of Confluent's cloud-storage source
(``StorageObjectSourceReader.buildSourcePartition``/``buildSourceOffset``): ``{"folder": <folder>}`` ->
``{"lastFileRead": <key>, "fileOffset": "<records read in it>", "eof": "true"|"false"}``, every value a string, as a
published ``_connect-offsets`` record of Confluent's S3 source shows
(``{"lastFileRead": "topics/.../s3TestTopicAvro+0+0000000096.avro", "fileOffset": "3", "eof": "true"}``); and an
offset of that shape, as ``PATCH /connectors/<name>/offsets`` would set it, resumes the folder."""

from __future__ import annotations

import json
from typing import Any

from connect_core.api.task import partition_key
from connect_core.connectors.s3_source._generic import GenericFolders
from connect_core.connectors.s3_source.config import TopicMap


def _lines(*values: int) -> bytes:
    return b"".join(json.dumps({"n": v}).encode() + b"\n" for v in values)


FILES = {"in/x/a.json": _lines(0, 1, 2), "in/x/b.json": _lines(3, 4)}


def _folders() -> GenericFolders:
    return GenericFolders(TopicMap(["t:in/.*"]), "/", (".json",), None, index=0, count=1)


def test_offsets_are_confluents_strings_per_record_and_at_each_files_end() -> None:
    folders = _folders()
    folders.listed(list(FILES), lambda partitions: {})
    [cursor] = folders.ready()
    records = folders.take(cursor, 2, FILES.get) + folders.take(cursor, 5, FILES.get)
    records += folders.take(cursor, 5, FILES.get)

    assert [(r.source_partition, r.source_offset) for r in records] == [
        ({"folder": "in/x/"}, {"lastFileRead": "in/x/a.json", "fileOffset": "1", "eof": "false"}),
        ({"folder": "in/x/"}, {"lastFileRead": "in/x/a.json", "fileOffset": "2", "eof": "false"}),
        ({"folder": "in/x/"}, {"lastFileRead": "in/x/a.json", "fileOffset": "3", "eof": "true"}),
        ({"folder": "in/x/"}, {"lastFileRead": "in/x/b.json", "fileOffset": "1", "eof": "false"}),
        ({"folder": "in/x/"}, {"lastFileRead": "in/x/b.json", "fileOffset": "2", "eof": "true"})]
    assert [r.value for r in records] == [{"n": n} for n in range(5)]


def test_a_confluent_shaped_offset_resumes_the_folder_at_the_next_record() -> None:
    def committed(offset: dict[str, Any]) -> Any:
        return lambda partitions: {partition_key(p): offset for p in partitions}

    inside = _folders()
    inside.listed(list(FILES), committed({"lastFileRead": "in/x/a.json", "fileOffset": "2", "eof": "false"}))
    [cursor] = inside.ready()
    assert [r.value for r in inside.take(cursor, 10, FILES.get)] == [{"n": 2}]

    after = _folders()
    after.listed(list(FILES), committed({"lastFileRead": "in/x/a.json", "fileOffset": "3", "eof": "true"}))
    [cursor] = after.ready()
    assert [r.value for r in after.take(cursor, 10, FILES.get)] == [{"n": 3}, {"n": 4}]
