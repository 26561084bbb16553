"""RegexRouter: whole-topic match and Java-style group references."""

from __future__ import annotations

import pytest

from connect_core.api.errors import ConfigError
from connect_core.transforms.regex_router import RegexRouter
from tests.unit.transforms._records import source


def _router(regex: str, replacement: str) -> RegexRouter:
    xform = RegexRouter()
    xform.configure({"regex": regex, "replacement": replacement})
    return xform


def test_matching_topic_is_rewritten_with_group_references() -> None:
    assert _router(r"(.*)-(\d+)", "$2_$1").apply(source(topic="orders-7")).topic == "7_orders"


def test_partial_match_leaves_topic_unchanged() -> None:
    record = source(topic="xorders")
    assert _router("orders", "o").apply(record) is record


def test_invalid_regex_is_a_config_error_naming_the_key() -> None:
    with pytest.raises(ConfigError, match="for configuration regex"):
        _router("(", "x")


def test_java_named_groups_are_supported() -> None:
    assert _router("(?<first>o)rders", "${first}k").apply(source(topic="orders")).topic == "ok"
