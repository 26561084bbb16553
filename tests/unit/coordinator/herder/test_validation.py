"""Connector config validation (Kafka ``validateConnectorConfig``): merged ConfigInfos and Kafka's messages."""

from __future__ import annotations

import re
import sys
from typing import Any

import pytest

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
    assert names[:4] == ["name", "connector.class", "connector.plugin.version", "tasks.max"]  # Kafka 4.1's order
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


@pytest.mark.parametrize("name", ["org.acme.Nope", "this:s", "os:system", "tests.unit.coordinator.fakes:NoopTask",
                                  "org.apache.kafka.connect.json.JsonConverter"])
def test_unknown_connector_class_is_a_400_and_nothing_is_imported(name: str) -> None:
    sys.modules.pop("this", None)
    with pytest.raises(BadRequestError, match=f"Failed to find any class that implements Connector and which name "
                                              f"matches {re.escape(name)}"):
        validate_connector_config({"connector.class": name})
    assert "this" not in sys.modules


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
    start = names.index("transforms.ins.type")
    assert names[start:start + 4] == ["transforms.ins.type", "transforms.ins.plugin.version",
                                      "transforms.ins.predicate", "transforms.ins.negate"]
    assert "transforms.bad.plugin.version" in names  # as Kafka 4.3 defines it for a class it cannot load
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


def test_client_overrides_the_worker_policy_refuses_are_400s_naming_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """KIP-1188: with ``connector.client.config.override.policy=Allowlist`` only the listed client keys pass."""
    monkeypatch.setenv("LAMBDA_CONNECT_CLIENT_OVERRIDE_POLICY", "Allowlist")
    monkeypatch.setenv("LAMBDA_CONNECT_CLIENT_OVERRIDE_ALLOWLIST", "linger.ms")
    props = {**SOURCE, "producer.override.linger.ms": "5", "producer.override.acks": "all"}
    errors = _errors(validate_connector_config(props))
    assert "producer.override.linger.ms" not in errors
    assert errors["producer.override.acks"] == [
        "The 'Allowlist' policy does not allow 'acks' to be overridden in the connector configuration."]
    with pytest.raises(BadRequestError, match="The 'Allowlist' policy does not allow 'acks'"):
        ensure_valid(props)
    monkeypatch.setenv("LAMBDA_CONNECT_CLIENT_OVERRIDE_POLICY", "All")
    assert ensure_valid(props)["error_count"] == 0


def test_a_bad_json_converter_schema_content_is_named_at_validate() -> None:
    """Kafka 4.3 fails the task in JsonConverter.configure; we name the key before anything runs (KIP-1054)."""
    errors = _errors(validate_connector_config({**SOURCE, "value.converter": "JsonConverter",
                                                "value.converter.schema.content": '{"type":"nope"}'}))
    assert errors["value.converter.schema.content"] == [
        'Invalid value {"type":"nope"} for configuration schema.content: Unknown schema type: nope']


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


@pytest.mark.parametrize(("key", "value", "reason"), [
    ("value.converter", "tempfile:mkdtemp", "Class tempfile:mkdtemp could not be found."),
    ("key.converter", "os:system", "Class os:system could not be found."),
    ("header.converter", "builtins:eval", "Class builtins:eval could not be found."),
    ("value.converter", "Filter", "Class org.apache.kafka.connect.transforms.Filter does not implement the "
                                  "Converter interface"),
    ("header.converter", "org.apache.kafka.connect.file.FileStreamSinkConnector",
     "Class org.apache.kafka.connect.file.FileStreamSinkConnector does not implement the HeaderConverter interface"),
])
def test_converters_are_registered_plugins_of_their_type(key: str, value: str, reason: str) -> None:
    infos = validate_connector_config({**SINK, key: value})
    assert _errors(infos)[key] == [f"Invalid value {value} for configuration {key}: {reason}"]


@pytest.mark.parametrize(("props", "key", "reason"), [
    ({"transforms": "t", "transforms.t.type": "subprocess:Popen"}, "transforms.t.type",
     "Class subprocess:Popen could not be found."),
    ({"transforms": "t", "transforms.t.type": "JsonConverter"}, "transforms.t.type",
     "Class org.apache.kafka.connect.json.JsonConverter does not implement the Transformation interface"),
    ({"transforms": "t", "transforms.t.type": "Filter", "transforms.t.predicate": "p", "predicates": "p",
      "predicates.p.type": "os:system"}, "predicates.p.type", "Class os:system could not be found."),
    ({"transforms": "t", "transforms.t.type": "Filter", "transforms.t.predicate": "p", "predicates": "p",
      "predicates.p.type": "Filter"}, "predicates.p.type",
     "Class org.apache.kafka.connect.transforms.Filter does not implement the Predicate interface"),
])
def test_smts_and_predicates_are_registered_plugins_of_their_type(props: dict[str, str], key: str,
                                                                  reason: str) -> None:
    infos = validate_connector_config({**SINK, **props})
    assert f"Invalid value {props[key]} for configuration {key}: {reason}" in _errors(infos)[key]


def test_a_predicate_alias_not_listed_is_refused_at_validation() -> None:
    infos = validate_connector_config({**SINK, "transforms": "t", "transforms.t.type": "Filter",
                                       "transforms.t.predicate": "missing"})
    assert _errors(infos)["transforms.t.predicate"] == [
        "Invalid value missing for configuration transforms.t.predicate: Predicate missing is not listed in "
        "'predicates'"]


@pytest.mark.parametrize("key", ["config.providers", "config.providers.env.class",
                                 "config.providers.file.param.allowed.paths"])
def test_connector_level_config_providers_are_refused(key: str) -> None:
    with pytest.raises(BadRequestError, match=re.escape(f"Invalid configuration {key}: config providers come only "
                                                        "from the worker configuration")):
        ensure_valid({**SOURCE, key: "env"})


@pytest.mark.parametrize(("key", "value", "fragment"), [
    ("offsets.storage.topic", "my-offsets", "a separate offsets topic per connector is not supported"),
    ("transaction.boundary", "connector", "only 'poll' is supported"),
    ("transaction.boundary", "interval", "only 'poll' is supported"),
    ("exactly.once.support", "required", "does not support exactly-once semantics"),  # stdin: no offsets
])
def test_declared_keys_that_would_do_nothing_are_refused(key: str, value: str, fragment: str) -> None:
    errors = _errors(validate_connector_config({**SOURCE, key: value}))
    assert any(fragment in error for error in errors[key]), errors


def test_exactly_once_required_passes_for_a_connector_that_supports_it() -> None:
    infos = validate_connector_config({**SOURCE, "file": "in.txt", "exactly.once.support": "required",
                                       "transaction.boundary": "poll"})
    assert "exactly.once.support" not in _errors(infos)
    jdbc = {"connector.class": "JdbcSource", "name": "j", "connection.url": "jdbc:sqlite::memory:",
            "mode": "bulk", "topic.prefix": "p-", "table.whitelist": "t", "exactly.once.support": "required"}
    assert "exactly.once.support" not in _errors(validate_connector_config(jdbc))


def test_a_key_without_effect_here_is_accepted_with_a_warning_not_an_error() -> None:
    """Existing Confluent configs keep working (linger.ms tunes its bulk ingester); validate says it does nothing."""
    props = {"connector.class": "io.confluent.connect.elasticsearch.ElasticsearchSinkConnector", "name": "es",
             "topics": "t", "connection.url": "http://127.0.0.1:9200", "linger.ms": "1000", "key.ignore": "true"}
    infos = validate_connector_config(props)
    assert infos["error_count"] == 0
    values = {c["value"]["name"]: c["value"] for c in infos["configs"] if c["value"]}
    assert values["linger.ms"]["warnings"] == [
        "linger.ms is accepted for compatibility but has no effect in lambda-connect: each invocation's batch is "
        "written at its flush (lambda.maximum.batching.window.ms gathers records)"]
    assert "warnings" not in values["flush.timeout.ms"]  # not set: nothing to say
