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


WALLCLOCK_HOURLY = {"connector.class": "io.confluent.connect.s3.S3SinkConnector", "name": "s3", "topics": "t",
                    **BASE, "partitioner.class": HOURLY, "locale": "en-US", "timezone": "UTC"}


def _extractor_value(infos: dict) -> dict:
    return next(c["value"] for c in infos["configs"] if c["value"] and c["value"]["name"] == "timestamp.extractor")


def test_validate_warns_that_wallclock_with_a_time_based_partitioner_is_not_exactly_once() -> None:
    from connect_core.coordinator.herder.validation import validate_connector_config

    infos = validate_connector_config(WALLCLOCK_HOURLY)  # timestamp.extractor left at its default, Wallclock
    value = _extractor_value(infos)
    assert infos["error_count"] == 0
    assert value["errors"] == []
    assert len(value["warnings"]) == 1
    assert "not exactly-once" in value["warnings"][0] and "HourlyPartitioner" in value["warnings"][0]


@pytest.mark.parametrize("extra", [{"timestamp.extractor": "Record"}, {"timestamp.extractor": "RecordField"},
                                   {"partitioner.class": "DefaultPartitioner"}])
def test_no_warning_when_the_directory_is_a_function_of_the_record(extra: dict[str, str]) -> None:
    from connect_core.coordinator.herder.validation import validate_connector_config

    value = _extractor_value(validate_connector_config(WALLCLOCK_HOURLY | extra))
    assert "warnings" not in value


def test_creation_with_wallclock_is_not_refused_but_logged(caplog: pytest.LogCaptureFixture) -> None:
    from connect_core.coordinator.herder.validation import ensure_valid

    ensure_valid(WALLCLOCK_HOURLY)  # Confluent's default: a warning, never a 400
    connector = S3SinkConnector()
    with caplog.at_level("WARNING"):
        connector.start({k: v for k, v in WALLCLOCK_HOURLY.items() if k not in ("connector.class", "name", "topics")})
    assert any("timestamp.extractor=Wallclock" in r.getMessage() for r in caplog.records)
