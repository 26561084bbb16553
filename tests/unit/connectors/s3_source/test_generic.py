"""``mode=GENERIC``: its config, folders as source partitions and where a committed offset resumes a folder."""

from __future__ import annotations

from typing import Any

import pytest

from connect_core.api.config import parse_config
from connect_core.api.errors import ConfigError
from connect_core.api.task import partition_key
from connect_core.connectors.s3_source._generic import GenericFolders, folder_of
from connect_core.connectors.s3_source.config import S3SourceConfig, TopicMap

BASE = {"s3.bucket.name": "b", "format.class": "io.confluent.connect.s3.format.json.JsonFormat"}


def test_generic_is_a_mode_and_needs_topic_regex_list() -> None:
    config = parse_config(S3SourceConfig, {**BASE, "mode": "GENERIC", "topic.regex.list": "t:.*"})
    assert config.mode == "GENERIC"
    with pytest.raises(ConfigError, match='"topic.regex.list"'):
        parse_config(S3SourceConfig, {**BASE, "mode": "GENERIC"})
    with pytest.raises(ConfigError, match="mode"):
        parse_config(S3SourceConfig, {**BASE, "mode": "GENERALIZED"})


def test_folder_of_a_key() -> None:
    assert folder_of("in/a/b.json", "/") == "in/a/"
    assert folder_of("b.json", "/") == ""


def _folders(**offsets: dict[str, Any]) -> tuple[GenericFolders, Any]:
    folders = GenericFolders(TopicMap(["t:in/.*"]), "/", (".json", ".json.gz"), None, index=0, count=1)
    stored = {partition_key({"folder": f.replace("_", "/")}): o for f, o in offsets.items()}
    return folders, lambda partitions: {partition_key(p): stored[partition_key(p)] for p in partitions
                                        if partition_key(p) in stored}


def test_listing_queues_each_folders_files_in_key_order_after_its_committed_offset() -> None:
    keys = ["in/x/c.json", "in/x/a.json.gz", "in/x/b.json", "in/y/a.json", "in/y/z.txt", "out/a.json"]
    folders, committed = _folders(in_x_={"lastFileRead": "in/x/b.json", "fileOffset": "3", "eof": "false"},
                                  in_y_={"lastFileRead": "in/y/a.json", "fileOffset": 2, "eof": True})
    folders.listed(keys, committed)

    ready = {c.source_partition["folder"]: c for c in folders.ready()}
    assert list(ready) == ["in/x/"]  # in/y/ read to its end already
    assert ready["in/x/"].files == ["in/x/b.json", "in/x/c.json"] and ready["in/x/"].position == 3

    fresh, nothing = _folders()
    fresh.listed(keys, nothing)
    assert [c.files for c in fresh.ready()] == [["in/x/a.json.gz", "in/x/b.json", "in/x/c.json"], ["in/y/a.json"]]


def test_each_folder_belongs_to_exactly_one_task() -> None:
    keys = [f"in/f{i}/{j}.json" for i in range(20) for j in range(2)]
    owners: dict[str, list[int]] = {}
    for index in range(3):
        folders = GenericFolders(TopicMap(["t:.*"]), "/", (".json",), None, index=index, count=3)
        folders.listed(keys, lambda partitions: {})
        for cursor in folders.ready():
            owners.setdefault(cursor.source_partition["folder"], []).append(index)
    assert sorted(owners) == sorted({f"in/f{i}/" for i in range(20)})
    assert all(len(tasks) == 1 for tasks in owners.values())
    assert len({tasks[0] for tasks in owners.values()}) == 3  # every task has a share
