"""The framework keys' Kafka 4.2+ rules that a validate answer carries (runtime/connector_config.py)."""

from __future__ import annotations

import logging

import pytest

from connect_core.api.config import parse_config, validate_config
from connect_core.runtime.connector_config import SinkConnectorConfig

SINK = {"name": "s", "connector.class": "FileStreamSink"}


@pytest.mark.parametrize(("topics", "error"), [
    ("a,b,a", "Configuration 'topics' values must not be duplicated."),
    ("a,,b", "Configuration 'topics' values must not be empty."),
    ("a,", "Configuration 'topics' values must not be empty."),
])
def test_topics_refuse_a_repeated_or_blank_entry_on_validate(topics: str, error: str) -> None:
    """A 4.3.1 worker answers the same (tests/compat/connect_worker/test_rest_edges_compat.py)."""
    errors = {value["name"]: value["errors"] for value in validate_config(SinkConnectorConfig,
                                                                          {**SINK, "topics": topics})}
    assert errors["topics"] == [error]


def test_a_task_configured_with_repeated_topics_reads_each_once(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        assert parse_config(SinkConnectorConfig, {**SINK, "topics": "a,b,a"}).topics == ["a", "b"]
    assert any('Configuration key "topics" contains duplicate values' in message for message in caplog.messages)
