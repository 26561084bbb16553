"""The config pieces Debezium's connectors share: framework keys and the common validators."""

from __future__ import annotations

import pytest

from connect_core.api.errors import ConfigError
from connect_core.connectors._debezium.config import is_framework_key, validate_regexes, validate_topic_prefix


@pytest.mark.parametrize("key", ["name", "tasks.max", "connector.plugin.version", "transforms.route.type",
                                 "errors.tolerance", "lambda.batch.size", "producer.override.acks"])
def test_worker_keys_are_framework_keys(key: str) -> None:
    assert is_framework_key(key)


@pytest.mark.parametrize("key", ["topic.prefix", "database.hostname", "errors", "transformsx", "database.server.name"])
def test_connector_keys_are_not(key: str) -> None:
    assert not is_framework_key(key)


@pytest.mark.parametrize("value", ["", "a b", "caf\u00e9", "a/b"])
def test_topic_prefix_refused_with_debeziums_message(value: str) -> None:
    with pytest.raises(ConfigError, match="The 'topic.prefix' value is invalid: A value must be non-empty"):
        validate_topic_prefix("topic.prefix", value)


def test_topic_prefix_accepted() -> None:
    validate_topic_prefix("topic.prefix", "db-1.prod_x")


def test_regexes_name_the_bad_pattern() -> None:
    validate_regexes("table.include.list", ["a\\.b", "c.*"])
    validate_regexes("table.include.list", [])
    with pytest.raises(ConfigError, match=r"Invalid value a,\( for configuration table.include.list: .*but \( is not"):
        validate_regexes("table.include.list", ["a", "("])
