"""Connector config validation (Kafka ``validateConnectorConfig``): merged ConfigInfos and Kafka's messages."""

from __future__ import annotations

from typing import Any

import pytest

from connect_core.api.errors import ConnectError
from connect_core.coordinator.herder.errors import BadRequestError
from connect_core.coordinator.herder.validation import (
    VALIDATE_HINT,
    ensure_valid,
    invalid_config_message,
    validate_connector_config,
)

SINK = {"connector.class": "FileStreamSink", "name": "snk", "topics": "in"}
SOURCE = {"connector.class": "FileStreamSource", "name": "src", "topic": "out"}


def _errors(infos: dict[str, Any]) -> dict[str, list[str]]:
    return {c["value"]["name"]: c["value"]["errors"] for c in infos["configs"] if c["value"] and c["value"]["errors"]}


def _names(infos: dict[str, Any]) -> list[str]:
    return [c["definition"]["name"] for c in infos["configs"] if c["definition"]]


def test_valid_config_has_no_errors_and_names_the_connector_class() -> None:
    infos = validate_connector_config(SOURCE)
    assert (infos["name"], infos["error_count"]) == ("FileStreamSource", 0)
    assert infos["groups"][:4] == ["Common", "Transforms", "Predicates", "Error Handling"]


def test_framework_keys_come_first_then_the_connectors_own() -> None:
    names = _names(validate_connector_config(SOURCE))
    assert names[:3] == ["name", "connector.class", "tasks.max"]
    assert names.index("errors.tolerance") < names.index("exactly.once.support") < names.index("file")
    assert "errors.deadletterqueue.topic.name" not in names  # the DLQ is a sink feature
    assert "errors.deadletterqueue.topic.name" in _names(validate_connector_config(SINK))


def test_values_render_as_strings_with_defaults() -> None:
    values = {c["value"]["name"]: c["value"]["value"] for c in validate_connector_config(SOURCE)["configs"]}
    assert (values["tasks.max"], values["batch.size"], values["errors.tolerance"]) == ("1", "2000", "none")


def test_missing_connector_class_is_400() -> None:
    with pytest.raises(BadRequestError) as caught:
        validate_connector_config({"name": "x"})
    assert str(caught.value) == "Connector config {name=x} contains no connector type"


def test_unknown_connector_class_is_a_500_error() -> None:
    with pytest.raises(ConnectError) as caught:
        validate_connector_config({"connector.class": "org.acme.Nope"})
    assert not isinstance(caught.value, BadRequestError)


def test_null_values_are_errors() -> None:
    infos = validate_connector_config({**SOURCE, "batch.size": None, "unknown.key": None})
    assert _errors(infos) == {
        "batch.size": ["Null value can not be supplied as the configuration value."],
        "unknown.key": ["Null value can not be supplied as the configuration value."],
    }
    assert infos["configs"][0]["definition"] is None  # undefined keys are listed first, as Kafka does


def test_name_must_be_non_empty_without_control_characters() -> None:
    assert _errors(validate_connector_config({**SOURCE, "name": "  "}))["name"] == [
        "Invalid value  for configuration name: String may not be empty"
    ]
    assert _errors(validate_connector_config({**SOURCE, "name": "a\nb"}))["name"] == [
        "Invalid value a\nb for configuration name: String may not contain control sequences but had the following "
        "ASCII chars: 10"
    ]


def test_sink_topics_rules_are_reported_on_both_keys() -> None:
    both = _errors(validate_connector_config({**SINK, "topics.regex": "in.*"}))
    message = "topics and topics.regex are mutually exclusive options, but both are set."
    assert both["topics"] == [message]
    assert both["topics.regex"] == [message]
    neither = validate_connector_config({k: v for k, v in SINK.items() if k != "topics"})
    assert neither["error_count"] == 2
    assert _errors(neither)["topics.regex"] == ["Must configure one of topics or topics.regex"]


def test_dlq_topic_may_not_be_consumed_by_the_sink() -> None:
    errors = _errors(validate_connector_config({**SINK, "errors.deadletterqueue.topic.name": "in"}))
    message = "The DLQ topic 'in' may not be included in the list of topics ('topics=[in]') to be consumed."
    assert errors == {"topics": [message], "errors.deadletterqueue.topic.name": [message]}


def test_transforms_bring_their_keys_and_errors() -> None:
    infos = validate_connector_config({
        **SOURCE, "transforms": "ins,bad", "transforms.ins.type": "InsertField$Value",
        "transforms.ins.static.field": "f", "transforms.ins.negate": "true", "transforms.bad.type": "Nope",
    })
    names = _names(infos)
    assert ["transforms.ins.type", "transforms.ins.predicate", "transforms.ins.negate"] == names[
        names.index("transforms.ins.type"): names.index("transforms.ins.type") + 3
    ]
    assert "transforms.ins.static.field" in names
    assert {"Transforms: ins", "Transforms: bad"} <= set(infos["groups"])
    assert _errors(infos) == {
        "transforms.ins.type": ["Config 'transforms.ins.negate' was provided but there is no config "
                                "'transforms.ins.predicate' defining a predicate to be negated."],
        "transforms.bad.type": ["Invalid value Nope for configuration transforms.bad.type: Class Nope could not be "
                                "found."],
    }


def test_missing_transform_type_is_an_error() -> None:
    errors = _errors(validate_connector_config({**SOURCE, "transforms": "a"}))
    assert errors == {"transforms.a.type": ['Missing required configuration "transforms.a.type" which has no default '
                                            "value."]}


def test_predicates_bring_their_keys() -> None:
    infos = validate_connector_config({**SOURCE, "predicates": "p", "predicates.p.type": "TopicNameMatches",
                                       "predicates.p.pattern": "["})
    assert "Predicates: p" in infos["groups"]
    assert "predicates.p.pattern" in _errors(infos)


def test_converters_are_checked_and_their_keys_validated() -> None:
    errors = _errors(validate_connector_config({**SOURCE, "key.converter": "com.acme.Nope",
                                                "value.converter": "JsonConverter",
                                                "value.converter.schemas.enable": "maybe"}))
    assert errors["key.converter"] == ["Invalid value com.acme.Nope for configuration key.converter: Class "
                                       "com.acme.Nope could not be found."]
    assert "value.converter.schemas.enable" in errors


def test_invalid_config_message_lists_every_error() -> None:
    infos = validate_connector_config({"connector.class": "FileStreamSource", "tasks.max": "x"})
    assert invalid_config_message(infos).splitlines() == [
        "Connector configuration is invalid and contains the following 3 error(s):",
        'Missing required configuration "name" which has no default value.',
        "Invalid value x for configuration tasks.max: Not a number of type INT",
        'Missing required configuration "topic" which has no default value.',
        VALIDATE_HINT,
    ]
    with pytest.raises(BadRequestError):
        ensure_valid({"connector.class": "FileStreamSource"})
