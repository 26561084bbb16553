"""The framework's connector keys and their validation (Kafka ``ConnectorConfig.configDef()`` + Source/Sink variant).

Kafka defines the common keys, then ``errors.*`` (the dead letter queue keys only for sinks), then the
variant's own keys; the REST API shows them in that order. A few rules are Kafka's exactly, with its messages,
where our pydantic models phrase them differently: the connector name checks and the sink's topics rules, which
Kafka reports on *both* ``topics`` and ``topics.regex``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from connect_core.api.config import ConfigValueInfo, config_error, config_keys, validate_config
from connect_core.coordinator.herder.plugins import SINK, SOURCE
from connect_core.errors.config import ErrorHandlingConfig
from connect_core.runtime.connector_config import ConnectorConfig, SinkConnectorConfig, SourceConnectorConfig
from connect_core.runtime.restart_policy import RestartPolicyConfig

if TYPE_CHECKING:
    from collections.abc import Mapping

    from pydantic import BaseModel

    from connect_core.api.config import ConfigKeyInfo

__all__ = ["NULL_VALUE_ERROR", "SINK", "SOURCE", "framework_keys", "framework_values"]

NULL_VALUE_ERROR = "Null value can not be supplied as the configuration value."
NAME_CONFIG = "name"
TOPICS_CONFIG = "topics"
TOPICS_REGEX_CONFIG = "topics.regex"
DLQ_TOPIC_CONFIG = "errors.deadletterqueue.topic.name"
_DLQ_PREFIX = "errors.deadletterqueue."
_BOTH_TOPICS = f"{TOPICS_CONFIG} and {TOPICS_REGEX_CONFIG} are mutually exclusive options, but both are set."
_NO_TOPICS = f"Must configure one of {TOPICS_CONFIG} or {TOPICS_REGEX_CONFIG}"


def _variant(kind: str) -> type[BaseModel]:
    return SinkConnectorConfig if kind == SINK else SourceConnectorConfig


def _keeps(kind: str, key: str) -> bool:
    return kind == SINK or not key.startswith(_DLQ_PREFIX)


def framework_keys(kind: str) -> list[ConfigKeyInfo]:
    """Every framework key for a ``source`` or ``sink`` connector, in Kafka's order."""
    base = config_keys(ConnectorConfig)
    names = {key["name"] for key in base}
    errors = [key for key in config_keys(ErrorHandlingConfig) if _keeps(kind, key["name"])]
    variant = [key for key in config_keys(_variant(kind)) if key["name"] not in names]
    return base + errors + variant + config_keys(RestartPolicyConfig)


def framework_values(kind: str, props: Mapping[str, str]) -> dict[str, ConfigValueInfo]:
    """One ConfigValueInfo per framework key, with every parse, validator and cross-key error collected."""
    values: dict[str, ConfigValueInfo] = {v["name"]: v for v in validate_config(_variant(kind), props)}
    values.update({v["name"]: v for v in validate_config(ErrorHandlingConfig, props) if _keeps(kind, v["name"])})
    values.update({v["name"]: v for v in validate_config(RestartPolicyConfig, props)})
    for value in values.values():  # our model's phrasing of the topics rules is replaced by Kafka's below
        value["errors"] = [e for e in value["errors"] if e not in (_BOTH_TOPICS, _NO_TOPICS)]
    _name_errors(values, props)
    if kind == SINK:
        _sink_errors(values, props)
    return {key["name"]: values[key["name"]] for key in framework_keys(kind) if key["name"] in values}


def _name_errors(values: dict[str, ConfigValueInfo], props: Mapping[str, str]) -> None:
    """Kafka's ``NonEmptyStringWithoutControlChars`` on ``name``."""
    raw = props.get(NAME_CONFIG)
    if raw is None or NAME_CONFIG not in values:
        return
    name = raw.strip()
    if not name:
        values[NAME_CONFIG]["errors"].append(str(config_error(NAME_CONFIG, name, "String may not be empty")))
        return
    controls = [ord(ch) for ch in name if ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F]
    if controls:
        reason = "String may not contain control sequences but had the following ASCII chars: " + ", ".join(
            str(c) for c in controls
        )
        values[NAME_CONFIG]["errors"].append(str(config_error(NAME_CONFIG, name, reason)))


def _sink_errors(values: dict[str, ConfigValueInfo], props: Mapping[str, str]) -> None:
    """Kafka's ``SinkConnectorConfig.validate``: topics xor topics.regex, and the DLQ outside the input topics."""
    topics_list = props.get(TOPICS_CONFIG, "")
    topics_regex = props.get(TOPICS_REGEX_CONFIG, "")
    dlq_topic = props.get(DLQ_TOPIC_CONFIG, "").strip()
    has_topics, has_regex = bool(topics_list.strip()), bool(topics_regex.strip())

    def add(key: str, message: str) -> None:
        if key in values and message not in values[key]["errors"]:
            values[key]["errors"].append(message)

    if has_topics and has_regex:
        add(TOPICS_CONFIG, _BOTH_TOPICS)
        add(TOPICS_REGEX_CONFIG, _BOTH_TOPICS)
    if not has_topics and not has_regex:
        add(TOPICS_CONFIG, _NO_TOPICS)
        add(TOPICS_REGEX_CONFIG, _NO_TOPICS)
    if not dlq_topic:
        return
    topics = [t.strip() for t in topics_list.split(",") if t.strip()]
    if dlq_topic in topics:
        message = (
            f"The DLQ topic '{dlq_topic}' may not be included in the list of topics "
            f"('{TOPICS_CONFIG}=[{', '.join(topics)}]') to be consumed."
        )
        add(TOPICS_CONFIG, message)
        add(DLQ_TOPIC_CONFIG, message)
    if has_regex and _full_match(topics_regex, dlq_topic):
        message = (
            f"The DLQ topic '{dlq_topic}' may not be included in the regex matching the topics "
            f"('{TOPICS_REGEX_CONFIG}={topics_regex}') to be consumed."
        )
        add(TOPICS_REGEX_CONFIG, message)
        add(DLQ_TOPIC_CONFIG, message)


def _full_match(pattern: str, text: str) -> Any:
    try:
        return re.fullmatch(pattern, text)
    except re.error:
        return None  # reported on topics.regex already
