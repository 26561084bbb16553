"""The archive layout: object keys the S3 sink writes, grouped into files per Kafka partition in offset order."""

from __future__ import annotations

import pytest

from connect_core.api.config import parse_config
from connect_core.api.errors import ConfigError
from connect_core.connectors.s3_source._archive import Layout
from connect_core.connectors.s3_source.config import S3SourceConfig, TopicMap


def test_files_of_any_partitioner_are_grouped_per_kafka_partition_by_start_offset() -> None:
    layout = Layout("topics", "/", "+", (".json", ".json.gz"))
    keys = [
        "topics/orders/region=eu/orders+0+0000000012.json",
        "topics/orders/region=us/orders+0+0000000003.json",
        "topics/orders/region=us/orders+0+0000000003.keys.json",
        "topics/orders/region=us/orders+0+0000000003.headers.json",
        "topics/orders/tombstone/orders+0+0000000007.keys.json",  # tombstones: keys only
        "topics/orders/partition=1/orders+1+0000000000.json.gz",
        "topics/orders/partition=1/orders+1+0000000000.headers.json",
        "topics/_lambda-connect+staging/orders+0/r1/0-9",  # the sink's staging area
        "topics/orders/partition=1/orders+1+0000000010.avro",  # another format
        "elsewhere/orders/partition=0/orders+0+0000000000.json",
    ]
    files = layout.files(keys)

    assert sorted(files) == [("orders", 0), ("orders", 1)]
    assert [(f.start, sorted(f.objects)) for f in files[("orders", 0)]] == [
        (3, ["headers", "key", "value"]), (7, ["key"]), (12, ["value"])]
    assert files[("orders", 0)][1].primary == "topics/orders/tombstone/orders+0+0000000007.keys.json"
    assert [f.objects["value"] for f in files[("orders", 1)]] == [
        "topics/orders/partition=1/orders+1+0000000000.json.gz"]


def test_topic_names_with_dots_and_dashes_and_other_delimiters() -> None:
    layout = Layout("", "#", "_", (".bin",))

    assert layout.parse("db.orders-v2#partition=3#db.orders-v2_3_0000000042.bin") == (
        "db.orders-v2", 3, 42, "db.orders-v2#partition=3", "value", ".bin")


def test_topic_regex_list_renames_and_skips_unmatched_topics() -> None:
    topics = TopicMap(["restored-orders:orders", "archive:logs-.*"])

    assert [topics.target(t) for t in ("orders", "logs-1", "orders2")] == ["restored-orders", "archive", None]
    assert TopicMap([]).target("x") == "x"
    with pytest.raises(ConfigError, match="topic.regex.list: 'nocolon' is not <topic>:<regex>"):
        parse_config(S3SourceConfig, {"s3.bucket.name": "b", "format.class": "JsonFormat",
                                      "topic.regex.list": "nocolon"})


def test_each_archived_partition_belongs_to_exactly_one_task() -> None:
    from connect_core.connectors.s3_source.source_connector import S3SourceConnector
    from connect_core.connectors.s3_source.source_task import owns

    connector = S3SourceConnector()
    connector.start({"s3.bucket.name": "b", "format.class": "JsonFormat"})
    configs = connector.task_configs(3)
    pairs = [(f"topic-{t}", p) for t in range(5) for p in range(8)]
    owners = {pair: [int(c["task.index"]) for c in configs if owns(*pair, int(c["task.index"]), 3)] for pair in pairs}

    assert all(len(tasks) == 1 for tasks in owners.values())
    assert {tasks[0] for tasks in owners.values()} == {0, 1, 2}
