"""The framework-level connector keys (Kafka ``ConnectorConfig``, ``SinkConnectorConfig``, ``SourceConnectorConfig``).

These are the keys every connector accepts besides its own; validation merges them with the connector's model, and
the runners read converters, transforms and error handling from them.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator

from connect_core.api.config import ValidList, config_error, config_field, in_range, valid_string
from connect_core.api.errors import ConfigError

__all__ = [
    "CONNECTOR_CLASS_CONFIG",
    "DEFAULT_HEADER_CONVERTER",
    "ConnectorConfig",
    "SinkConnectorConfig",
    "SourceConnectorConfig",
    "connector_name_errors",
]

CONNECTOR_CLASS_CONFIG = "connector.class"
DEFAULT_HEADER_CONVERTER = "org.apache.kafka.connect.storage.SimpleHeaderConverter"
DEFAULT_KEY_CONVERTER = "org.apache.kafka.connect.json.JsonConverter"  # the worker default we ship
DEFAULT_VALUE_CONVERTER = "org.apache.kafka.connect.json.JsonConverter"
DEFAULT_TASKS_MAX = 1
_COMMON = "Common"
_TRANSFORMS = "Transforms"
_PREDICATES = "Predicates"


class ConnectorConfig(BaseModel):
    """Keys shared by source and sink connectors (Kafka ``ConnectorConfig``)."""

    model_config = ConfigDict(defer_build=True, populate_by_name=True, frozen=True)

    name: str = config_field(
        alias="name", importance="HIGH", group=_COMMON, width="MEDIUM", display_name="Connector name",
        description="Globally unique name to use for this connector.",
    )
    connector_class: str = config_field(
        alias="connector.class", importance="HIGH", group=_COMMON, width="LONG", display_name="Connector class",
        description="Name or alias of the class for this connector. Must be a subclass of "
        "org.apache.kafka.connect.connector.Connector. If the connector is "
        "org.apache.kafka.connect.file.FileStreamSinkConnector, you can either specify this full name, or use "
        "\"FileStreamSink\" or \"FileStreamSinkConnector\" to make the configuration a bit shorter",
    )
    connector_plugin_version: str | None = config_field(
        None, alias="connector.plugin.version", importance="MEDIUM", group=_COMMON, width="MEDIUM",
        display_name="Connector version",
        description="Version of the connector.",
    )
    tasks_max: int = config_field(
        DEFAULT_TASKS_MAX, alias="tasks.max", importance="HIGH", group=_COMMON, width="SHORT",
        display_name="Tasks max", validator=in_range(1),
        description="Maximum number of tasks to use for this connector.",
    )
    tasks_max_enforce: bool = config_field(
        True, alias="tasks.max.enforce", importance="LOW", group=_COMMON,
        description="(Deprecated) Whether to enforce that the tasks.max property is respected by the connector.",
    )
    key_converter: str | None = config_field(
        None, alias="key.converter", type="CLASS", importance="LOW", group=_COMMON, width="SHORT",
        display_name="Key converter class", description="Converter class used to convert between Kafka Connect "
        "format and the serialized form that is written to Kafka. This controls the format of the keys in "
        "messages written to or read from Kafka.",
    )
    key_converter_plugin_version: str | None = config_field(
        None, alias="key.converter.plugin.version", importance="LOW", group=_COMMON, width="SHORT",
        display_name="Key converter version",
        description="Version of the key converter.",
    )
    value_converter: str | None = config_field(
        None, alias="value.converter", type="CLASS", importance="LOW", group=_COMMON, width="SHORT",
        display_name="Value converter class", description="Converter class used to convert between Kafka Connect "
        "format and the serialized form that is written to Kafka. This controls the format of the values in "
        "messages written to or read from Kafka.",
    )
    value_converter_plugin_version: str | None = config_field(
        None, alias="value.converter.plugin.version", importance="LOW", group=_COMMON, width="SHORT",
        display_name="Value converter version",
        description="Version of the value converter.",
    )
    header_converter: str | None = config_field(
        None, alias="header.converter", type="CLASS", importance="LOW", group=_COMMON, width="SHORT",
        display_name="Header converter class", description="HeaderConverter class used to convert between Kafka "
        "Connect format and the serialized form that is written to Kafka.",
    )
    header_converter_plugin_version: str | None = config_field(
        None, alias="header.converter.plugin.version", importance="LOW", group=_COMMON, width="SHORT",
        display_name="Header converter version",
        description="Version of the header converter.",
    )
    transforms: list[str] = config_field(
        [], alias="transforms", importance="LOW", group=_TRANSFORMS, width="LONG", display_name="Transforms",
        description="Aliases for the transformations to be applied to records.",
    )
    predicates: list[str] = config_field(
        [], alias="predicates", importance="LOW", group=_PREDICATES, width="LONG", display_name="Predicates",
        description="Aliases for the predicates used by transformations.",
    )
    config_action_reload: str = config_field(
        "restart", alias="config.action.reload", importance="LOW", group=_COMMON, width="MEDIUM",
        validator=valid_string("none", "restart", case_insensitive=True),
        description="The action that Connect should take on the connector when changes in external configuration "
        "providers result in a change in the connector's configuration properties.",
    )

    @model_validator(mode="after")
    def _unique_aliases(self) -> ConnectorConfig:
        for key, aliases in (("transforms", self.transforms), ("predicates", self.predicates)):
            if len(set(aliases)) != len(aliases):
                joined = ",".join(aliases)
                raise ConfigError(f"Invalid value {joined} for configuration {key}: Duplicate alias provided.")
        return self


def _poll_boundary_only(key: str, value: Any) -> None:
    # Stricter than Kafka: a key that would do nothing here is refused rather than silently ignored.
    valid_string("poll", "interval", "connector", case_insensitive=True)(key, value)
    if value is not None and str(value).lower() != "poll":
        raise config_error(key, value, "lambda-connect sets a source's transaction boundaries itself (each chunk "
                                       "of an invocation's records with their offsets); only 'poll' is supported")


def _no_separate_offsets_topic(key: str, value: Any) -> None:
    if value:
        raise config_error(key, value, "lambda-connect keeps every connector's offsets in the worker's offsets "
                                       "topic; a separate offsets topic per connector is not supported")


def _unique_groups(key: str, value: Any) -> None:
    if isinstance(value, list) and len(value) > len(set(value)):
        raise config_error(key, value, "Duplicate alias provided.")


class SourceConnectorConfig(ConnectorConfig):
    """Source keys (Kafka ``SourceConnectorConfig``): topic creation groups, exactly-once and per-connector offsets
    topic. The groups' own keys (``runtime/topic_creation.py``) fail the connector at start, as in Kafka."""

    topic_creation_groups: list[str] = config_field(
        [], alias="topic.creation.groups", type="LIST", importance="LOW", group="Topic Creation", width="LONG",
        display_name="Topic Creation Groups", validator=_unique_groups,
        description="Groups of configurations for topics created by source connectors",
    )
    exactly_once_support: str = config_field(
        "requested", alias="exactly.once.support", importance="MEDIUM", group="Exactly Once Support",
        validator=valid_string("requested", "required", case_insensitive=True),
        description="Permitted values are requested, required. If set to \"required\", forces a preflight check "
        "for the connector to ensure that it can provide exactly-once semantics with the given configuration.",
    )
    transaction_boundary: str = config_field(
        "poll", alias="transaction.boundary", importance="MEDIUM", group="Exactly Once Support",
        validator=_poll_boundary_only,
        description="Permitted values are: poll, interval, connector. lambda-connect commits one transaction per "
        "chunk of an invocation (at most 10,000 records, 16 MiB or 10 s; records and offsets together); only "
        "\"poll\" is accepted.",
    )
    offsets_storage_topic: str | None = config_field(
        None, alias="offsets.storage.topic", importance="LOW", group="offsets.topic",
        validator=_no_separate_offsets_topic,
        description="The name of a separate offsets topic to use for this connector. Not supported: refused when "
        "set.",
    )


class SinkConnectorConfig(ConnectorConfig):
    """Sink keys (Kafka ``SinkConnectorConfig``): topics or topics.regex, and the dead letter queue."""

    topics: list[str] = config_field(
        [], alias="topics", importance="HIGH", group=_COMMON, width="LONG", display_name="Topics",
        validator=ValidList(empty_allowed=True),  # Kafka 4.2+: a repeated or blank topic is refused
        description="List of topics to consume, separated by commas",
    )
    topics_regex: str = config_field(
        "", alias="topics.regex", importance="HIGH", group=_COMMON, width="LONG", display_name="Topics regex",
        description="Regular expression giving topics to consume. Under the hood, the regex is compiled to a "
        "java.util.regex.Pattern. Only one of topics or topics.regex should be specified.",
    )

    @model_validator(mode="after")
    def _topics_xor_regex(self) -> SinkConnectorConfig:
        if self.topics and self.topics_regex:
            raise ConfigError("topics and topics.regex are mutually exclusive options, but both are set.")
        if not self.topics and not self.topics_regex:
            raise ConfigError("Must configure one of topics or topics.regex")
        if self.topics_regex:
            try:
                re.compile(self.topics_regex)
            except re.error as error:
                raise ConfigError(
                    f"Invalid value {self.topics_regex} for configuration topics.regex: {error}"
                ) from error
        return self

    def consumes(self, topic: str) -> bool:
        """Whether this connector reads ``topic`` (used to keep the DLQ out of its own input)."""
        return topic in self.topics or bool(self.topics_regex and re.fullmatch(self.topics_regex, topic))


def connector_name_errors(name: str | None) -> list[str]:
    """Kafka's checks on a connector name: present, non-blank, no ISO control characters."""
    if name is None:
        return ['Missing required configuration "name" which has no default value.']
    if not name.strip():
        return ["Connector name must not be empty"]
    if any(ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F for ch in name):
        return [f"Connector name {name} must not contain ISO control characters"]
    return []
