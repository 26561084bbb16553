"""S3SinkConfig: Confluent's keys and defaults, class-name aliases, errors that name the key."""

from __future__ import annotations

import pytest

from connect_core.api.config import parse_config, validate_config
from connect_core.api.errors import ConfigError
from connect_core.connectors.s3.config import S3SinkConfig
from connect_core.connectors.s3.sink_connector import S3SinkConnector

BASE = {"s3.bucket.name": "b", "format.class": "io.confluent.connect.s3.format.json.JsonFormat", "flush.size": "3"}
HOURLY = "io.confluent.connect.storage.partitioner.HourlyPartitioner"


def test_defaults_follow_confluent() -> None:
    config = parse_config(S3SinkConfig, BASE)
    assert (config.s3_region, config.topics_dir, config.directory_delim, config.file_delim) == (
        "us-west-2", "topics", "/", "+")
    assert config.filename_offset_zero_pad_width == 10
    assert config.behavior_on_null_values == "fail"
    assert config.partitioner == "DefaultPartitioner"
    assert (config.rotate_interval_ms, config.s3_compression_type, config.store_url) == (-1, "none", None)


def test_missing_bucket_names_the_key() -> None:
    with pytest.raises(ConfigError, match="s3.bucket.name"):
        parse_config(S3SinkConfig, {k: v for k, v in BASE.items() if k != "s3.bucket.name"})


@pytest.mark.parametrize("value", ["0", "-5"])
def test_flush_size_below_one_names_the_key(value: str) -> None:
    with pytest.raises(ConfigError, match="flush.size"):
        parse_config(S3SinkConfig, BASE | {"flush.size": value})


def test_unknown_format_class_names_the_key() -> None:
    with pytest.raises(ConfigError, match="format.class"):
        parse_config(S3SinkConfig, BASE | {"format.class": "io.confluent.connect.s3.format.orc.OrcFormat"})


@pytest.mark.parametrize(("extra", "key"), [
    ({"partitioner.class": HOURLY, "timezone": "UTC"}, "locale"),
    ({"partitioner.class": HOURLY, "locale": "en-US"}, "timezone"),
    ({"partitioner.class": "TimeBasedPartitioner", "locale": "en", "timezone": "UTC", "path.format": "YYYY"},
     "partition.duration.ms"),
    ({"partitioner.class": "FieldPartitioner"}, "partition.field.name"),
    ({"behavior.on.null.values": "write"}, "behavior.on.null.values"),
    ({"headers.format.class": "ByteArrayFormat", "store.kafka.headers": "true"}, "headers.format.class"),
])
def test_bad_combinations_name_the_key(extra: dict[str, str], key: str) -> None:
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        parse_config(S3SinkConfig, BASE | extra)


def test_validate_reports_errors_per_key() -> None:
    results = {r["name"]: r["errors"] for r in validate_config(S3SinkConfig, BASE | {"flush.size": "0"})}
    assert results["flush.size"] and not results["s3.bucket.name"]


def test_connector_rejects_unknown_timezone_and_splits_tasks() -> None:
    connector = S3SinkConnector()
    with pytest.raises(ConfigError, match="timezone"):
        connector.start(BASE | {"partitioner.class": HOURLY, "locale": "en", "timezone": "Mars/Olympus"})
    connector.start(BASE)
    assert connector.task_configs(3) == [BASE, BASE, BASE]
    assert connector.task_class().__name__ == "S3SinkTask"


def test_secrets_are_secret() -> None:
    config = parse_config(S3SinkConfig, BASE | {"aws.access.key.id": "AK", "aws.secret.access.key": "SK"})
    assert "SK" not in repr(config)
    assert config.aws_secret_access_key is not None and config.aws_secret_access_key.get_secret_value() == "SK"
