from __future__ import annotations

import pytest

from connect_core.api.config import config_keys, validate_config
from connect_core.api.errors import ConfigError
from connect_core.errors.config import ErrorHandlingConfig, ToleranceType


def test_defaults_are_kafkas() -> None:
    config = ErrorHandlingConfig.parse({})

    assert config.retry_timeout == 0
    assert config.retry_delay_max_ms == 60000
    assert config.tolerance is ToleranceType.NONE
    assert config.log_enable is False
    assert config.log_include_messages is False
    assert config.dlq_topic_name == ""
    assert config.dlq_topic_replication_factor == 3
    assert config.dlq_context_headers_enable is False


def test_parses_kafka_string_props_and_ignores_other_keys() -> None:
    config = ErrorHandlingConfig.parse(
        {
            "name": "sink",
            "errors.retry.timeout": "-1",
            "errors.retry.delay.max.ms": "5000",
            "errors.tolerance": "all",
            "errors.log.enable": "TRUE",
            "errors.log.include.messages": "true",
            "errors.deadletterqueue.topic.name": " dlq-sink ",
            "errors.deadletterqueue.topic.replication.factor": "1",
            "errors.deadletterqueue.context.headers.enable": "true",
        }
    )

    assert config.retry_timeout == -1
    assert config.retry_delay_max_ms == 5000
    assert config.tolerance is ToleranceType.ALL
    assert config.log_enable and config.log_include_messages and config.dlq_context_headers_enable
    assert config.dlq_topic_name == "dlq-sink"
    assert config.dlq_topic_replication_factor == 1


def test_fields_are_populated_by_snake_case_name_too() -> None:
    config = ErrorHandlingConfig(tolerance=ToleranceType.ALL, dlq_topic_name="dlq")

    assert config.tolerance is ToleranceType.ALL
    assert config.dlq_enabled


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        (
            "errors.tolerance",
            "ALL",
            "Invalid value ALL for configuration errors.tolerance: String must be one of: none, all",
        ),
        (
            "errors.tolerance",
            "some",
            "Invalid value some for configuration errors.tolerance: String must be one of: none, all",
        ),
        (
            "errors.log.enable",
            "yes",
            "Invalid value yes for configuration errors.log.enable: Expected value to be either true or false",
        ),
        (
            "errors.retry.timeout",
            "1s",
            "Invalid value 1s for configuration errors.retry.timeout: Not a number of type LONG",
        ),
        (
            "errors.deadletterqueue.topic.replication.factor",
            "40000",
            "Invalid value 40000 for configuration errors.deadletterqueue.topic.replication.factor: "
            "Not a number of type SHORT",
        ),
    ],
)
def test_bad_values_raise_kafkas_validation_message(key: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        ErrorHandlingConfig.parse({key: value})

    assert str(raised.value) == message


def test_config_keys_match_kafkas_error_handling_group() -> None:
    keys = {info["name"]: info for info in config_keys(ErrorHandlingConfig)}

    assert list(keys) == [
        "errors.retry.timeout",
        "errors.retry.delay.max.ms",
        "errors.tolerance",
        "errors.log.enable",
        "errors.log.include.messages",
        "errors.deadletterqueue.topic.name",
        "errors.deadletterqueue.topic.replication.factor",
        "errors.deadletterqueue.context.headers.enable",
    ]
    assert [info["type"] for info in keys.values()] == [
        "LONG",
        "LONG",
        "STRING",
        "BOOLEAN",
        "BOOLEAN",
        "STRING",
        "SHORT",
        "BOOLEAN",
    ]
    assert [info["default_value"] for info in keys.values()] == [
        "0",
        "60000",
        "none",
        "false",
        "false",
        "",
        "3",
        "false",
    ]
    assert {info["group"] for info in keys.values()} == {"Error Handling"}
    assert [info["order_in_group"] for info in keys.values()] == list(range(1, 9))
    assert keys["errors.tolerance"]["display_name"] == "Error Tolerance"
    assert keys["errors.retry.timeout"]["documentation"].startswith(
        "The maximum duration in milliseconds that a failed operation will be reattempted."
    )


def test_validate_reports_bad_tolerance_without_recommended_values() -> None:
    values = {info["name"]: info for info in validate_config(ErrorHandlingConfig, {"errors.tolerance": "x"})}

    assert values["errors.tolerance"]["errors"] == [
        "Invalid value x for configuration errors.tolerance: String must be one of: none, all"
    ]
    assert values["errors.tolerance"]["recommended_values"] == []


@pytest.mark.parametrize(
    ("props", "dlq", "errant"),
    [
        ({}, False, False),
        ({"errors.deadletterqueue.topic.name": "   "}, False, False),
        ({"errors.deadletterqueue.topic.name": "dlq"}, True, True),
        ({"errors.log.enable": "true"}, False, True),
    ],
)
def test_dlq_and_errant_record_reporter_switches(props: dict[str, str], dlq: bool, errant: bool) -> None:
    config = ErrorHandlingConfig.parse(props)

    assert config.dlq_enabled is dlq
    assert config.errant_record_reporter_enabled is errant
