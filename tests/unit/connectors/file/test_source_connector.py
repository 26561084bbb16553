"""FileStreamSourceConnector config and task splitting."""

from __future__ import annotations

import pytest

from connect_core.api.config import parse_config
from connect_core.api.errors import ConfigError
from connect_core.connectors.file.source_connector import (
    DEFAULT_TASK_BATCH_SIZE,
    FileStreamSourceConfig,
    FileStreamSourceConnector,
)
from connect_core.connectors.file.source_task import FileStreamSourceTask


def test_defaults_and_aliases() -> None:
    config = parse_config(FileStreamSourceConfig, {"file": "/tmp/x", "topic": "t"})
    assert config.batch_size == DEFAULT_TASK_BATCH_SIZE == 2000
    assert config.file == "/tmp/x"


def test_one_task_whatever_tasks_max() -> None:
    connector = FileStreamSourceConnector()
    props = {"file": "/tmp/x", "topic": "t", "batch.size": "5"}
    connector.start(props)
    assert connector.task_configs(4) == [props]
    assert connector.task_class() is FileStreamSourceTask


def test_topic_is_required() -> None:
    with pytest.raises(ConfigError, match='Missing required configuration "topic" which has no default value.'):
        FileStreamSourceConnector().start({"file": "/tmp/x"})


def test_empty_topic_is_rejected_with_kafkas_message() -> None:
    with pytest.raises(ConfigError, match="Invalid value  for configuration topic: String must be non-empty"):
        FileStreamSourceConnector().start({"topic": ""})


def test_several_topics_are_rejected() -> None:
    with pytest.raises(ConfigError, match="requires definition of a single topic"):
        FileStreamSourceConnector().start({"topic": "a,b"})


def test_bad_batch_size_names_the_key() -> None:
    with pytest.raises(ConfigError, match="batch.size"):
        FileStreamSourceConnector().start({"topic": "t", "batch.size": "many"})


def test_validate_reports_the_single_topic_error_on_topic() -> None:
    results = {v["name"]: v for v in FileStreamSourceConnector().validate({"topic": "a,b"})}
    assert results["file"]["errors"] == []
    assert results["topic"]["errors"] == [
        "Invalid value a,b for configuration topic: "
        "'topic' in FileStreamSourceConnector configuration requires definition of a single topic"
    ]
