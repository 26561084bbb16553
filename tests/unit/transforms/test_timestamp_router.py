"""TimestampRouter: topic from topic + formatted timestamp."""

from __future__ import annotations

import pytest

from connect_core.api.errors import ConfigError, DataError
from connect_core.transforms.timestamp_router import TimestampRouter
from tests.unit.transforms._records import source


def test_default_format_appends_utc_day() -> None:
    xform = TimestampRouter()
    xform.configure({})
    assert xform.apply(source(timestamp=1_700_000_000_123)).topic == "test-20231114"


def test_custom_formats() -> None:
    xform = TimestampRouter()
    xform.configure({"topic.format": "${timestamp}_${topic}", "timestamp.format": "yyyy-MM"})
    assert xform.apply(source(timestamp=0, topic="t")).topic == "1970-01_t"


def test_missing_timestamp_is_a_data_error() -> None:
    xform = TimestampRouter()
    xform.configure({})
    with pytest.raises(DataError, match="Timestamp missing on record"):
        xform.apply(source())


def test_bad_timestamp_format_is_a_config_error_naming_the_key() -> None:
    with pytest.raises(ConfigError, match="for configuration timestamp.format"):
        TimestampRouter().configure({"timestamp.format": "yyyy-qq"})
