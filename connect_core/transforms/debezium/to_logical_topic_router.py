"""ToLogicalTopicRouter and its older name ByLogicalTableRouter: route the change events of many physical tables to
one logical topic (``io.debezium.transforms``, 3.7).

The topic is rewritten when ``topic.regex`` matches it whole; the key gains a field naming the physical table (unless
``key.enforce.uniqueness=false``) and the key, envelope and row schemas are renamed after the new topic, so every
table's events share one schema name. Tombstones and records that are not change events keep their value.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict

from connect_core.api.config import config_field, parse_config
from connect_core.api.errors import ConfigError, ConnectError
from connect_core.api.log_once import warning_once
from connect_core.api.schema import STRING_SCHEMA, SchemaBuilder
from connect_core.api.struct import Struct
from connect_core.api.transformation import Transformation
from connect_core.transforms._util import require_struct
from connect_core.transforms.debezium._envelope import AFTER, BEFORE, ENVELOPE_SUFFIX, is_envelope
from connect_core.transforms.regex_router import compile_java_regex, java_replacement

if TYPE_CHECKING:
    import re

    from connect_core.api.record import ConnectRecord
    from connect_core.api.schema import Schema

__all__ = [
    "ByLogicalTableRouter", "SCHEMA_NAME_ADJUSTMENT_MODES", "ToLogicalTopicRouter", "ToLogicalTopicRouterConfig",
    "adjust_schema_name",
]

log = logging.getLogger(__name__)

PURPOSE = "Updating schema"
KEY_FIELD_NAME_CONFIG = "key.field.name"
KEY_FIELD_NAME_DEFAULT = "__dbz__sourceIdentifier"
SCHEMA_NAME_ADJUSTMENT_MODE_CONFIG = "schema.name.adjustment.mode"
SCHEMA_NAME_ADJUSTMENT_MODES = ("none", "avro", "avro_unicode")


def _regex(key: str, value: Any) -> None:
    if value is not None:
        compile_java_regex(key, value)


class ToLogicalTopicRouterConfig(BaseModel):
    """The keys Debezium's ``ToLogicalTopicRouter.config()`` lists (``key.field.name`` and
    ``schema.name.adjustment.mode`` are read too, but not listed)."""

    model_config = ConfigDict(defer_build=True, populate_by_name=True, frozen=True)

    topic_regex: str = config_field(
        ..., alias="topic.regex", importance="LOW", width="LONG", display_name="Topic regex", validator=_regex,
        description="The regex used for extracting the name of the logical destination from the original topic "
        "name.",
    )
    topic_replacement: str = config_field(
        ..., alias="topic.replacement", importance="LOW", width="LONG", display_name="Topic replacement",
        description="The replacement string used in conjunction with topic.regex. This will be used to create the "
        "new topic name.",
    )
    key_enforce_uniqueness: bool = config_field(
        True, alias="key.enforce.uniqueness", importance="LOW", width="SHORT",
        display_name="Add source topic name into key",
        description="Augment each record's key with a field denoting the source topic. This field distinguishes "
        "records coming from different physical tables which may otherwise have primary/unique key conflicts. If the "
        "source tables are guaranteed to have globally unique keys then this may be set to false to disable key "
        "rewriting.",
    )
    key_field_regex: str | None = config_field(
        None, alias="key.field.regex", importance="LOW", width="LONG", display_name="Key field regex",
        validator=_regex,
        description="The regex used for extracting the source identifier from the original topic name. Now that "
        "multiple physical tables can share a topic, the event's key may need to be augmented to include fields "
        "other than just those for the record's primary/unique key, since these are not guaranteed to be unique "
        "across different sources. We need some identifier added to the key that distinguishes the different "
        "physical tables.",
    )
    key_field_replacement: str | None = config_field(
        None, alias="key.field.replacement", importance="LOW", width="LONG", display_name="Key field replacement",
        description="The replacement string used in conjunction with key.field.regex. This will be used to create "
        "the source identifier in the record's key.",
    )
    logical_destination_cache_size: int = config_field(
        16, alias="logical.destination.cache.size", importance="LOW", width="LONG",
        display_name="Logical destination cache size",
        description="The size used for holding the max entries in LRUCache. The cache will keep the old/new schema "
        "for logical destination key and value, also cache the derived key and topic regex result for improving the "
        "source record transformation.",
    )


def adjust_schema_name(name: str, mode: str) -> str:
    """Debezium's ``SchemaNameAdjuster``: ``avro`` replaces characters outside ``[A-Za-z0-9_.]`` (and a leading
    non-letter) with ``_``, ``avro_unicode`` with ``_uXXXX``; ``none`` leaves the name."""
    if mode == "none" or not name:
        return name
    unicode = mode == "avro_unicode"

    def first(c: str) -> bool:
        return c.isascii() and (c.isalpha() or (c == "_" and not unicode))

    def replace(c: str) -> str:
        if not unicode:
            return "_"
        code = f"{ord(c):x}"
        return "_u" + ("00" + code if len(code) <= 2 else code)

    out = [name[0] if first(name[0]) else replace(name[0]) + (name[0] if name[0].isdigit() and not unicode else "")]
    out += [c if first(c) or c == "." or ("0" <= c <= "9") else replace(c) for c in name[1:]]
    return "".join(out)


class _Lru(OrderedDict[Any, Any]):
    """Debezium's ``LRUCache`` of derived schemas and names."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def remember(self, key: Any, value: Any) -> Any:
        self[key] = value
        if len(self) > self.size:
            self.popitem(last=False)
        return value


class ToLogicalTopicRouter(Transformation["ConnectRecord"]):
    """Debezium's ``io.debezium.transforms.ToLogicalTopicRouter``."""

    config_model: ClassVar[type[BaseModel]] = ToLogicalTopicRouterConfig
    key_field_name_default: ClassVar[str] = KEY_FIELD_NAME_DEFAULT

    def configure(self, configs: dict[str, Any]) -> None:
        """Parse and check the config; an invalid one fails as Debezium's does ("Unable to validate config.")."""
        mode = str(configs.get(SCHEMA_NAME_ADJUSTMENT_MODE_CONFIG) or "none").strip().lower()
        try:
            cfg = parse_config(ToLogicalTopicRouterConfig, configs)
            for key, value in (("topic.regex", cfg.topic_regex), ("topic.replacement", cfg.topic_replacement)):
                if not value.strip():  # Debezium's required(): a blank value is missing
                    raise ConfigError(f"The '{key}' value is invalid: A value is required")
            key_regex = (cfg.key_field_regex or "").strip()
            if key_regex and not (cfg.key_field_replacement or "").strip():
                raise ConfigError("key.field.replacement must be non-empty if key.field.regex is set.")
            if mode not in SCHEMA_NAME_ADJUSTMENT_MODES:
                raise ConfigError(f"Invalid value {mode} for configuration {SCHEMA_NAME_ADJUSTMENT_MODE_CONFIG}")
        except ConfigError as error:
            log.error("%s", error)
            raise ConnectError("Unable to validate config.") from error
        self.config = cfg
        self._topic_regex = compile_java_regex("topic.regex", cfg.topic_regex)
        self._topic_template = java_replacement(cfg.topic_replacement)
        self._key_regex: re.Pattern[str] | None = None
        if key_regex:
            self._key_regex = compile_java_regex("key.field.regex", cfg.key_field_regex or "")
            self._key_template = java_replacement(cfg.key_field_replacement or "")
        self._key_field = str(configs.get(KEY_FIELD_NAME_CONFIG, self.key_field_name_default))
        self._unique = cfg.key_enforce_uniqueness
        self._mode = mode
        size = cfg.logical_destination_cache_size
        self._key_schemas, self._envelope_schemas = _Lru(size), _Lru(size)
        self._topics, self._identifiers = _Lru(size), _Lru(size)

    def apply(self, record: ConnectRecord) -> ConnectRecord:
        """Reroute a record whose topic the regex matches; others pass unchanged."""
        old_topic = record.topic
        topic = self._new_topic(old_topic)
        if topic is None:
            return record
        if not topic:
            log.warning("Routing regex returned an empty topic name, propagating original record")
            return record
        key_schema: Schema | None = None
        key: Struct | None = None
        if record.key is not None:
            old_key = require_struct(record.key, PURPOSE)
            key_schema = self._key_schema(old_key.schema, topic)
            key = self._key(key_schema, old_key, old_topic)
        if record.value is None or not is_envelope(record):
            return record.new_record(topic, record.kafka_partition, key_schema, key, record.value_schema,
                                     record.value, record.timestamp)
        envelope = require_struct(record.value, PURPOSE)
        envelope_schema = self._envelope_schema(envelope.schema, topic)
        return record.new_record(topic, record.kafka_partition, key_schema, key, envelope_schema,
                                 _envelope(envelope_schema, envelope), record.timestamp)

    def _new_topic(self, topic: str) -> str | None:
        cached = self._topics.get(topic)
        if cached is not None:
            return str(cached)
        match = self._topic_regex.fullmatch(topic)
        if match is None:
            return None
        return str(self._topics.remember(topic, match.expand(self._topic_template)))

    def _key_schema(self, old: Schema, topic: str) -> Schema:
        cached = self._key_schemas.get(old)
        if cached is not None:
            return cached
        builder = _copy_excluding_name(old, copy_fields=True).name(adjust_schema_name(topic + ".Key", self._mode))
        if self._unique:
            builder.field(self._key_field, STRING_SCHEMA)
        return self._key_schemas.remember(old, builder.build())

    def _key(self, schema: Schema, old: Struct, old_topic: str) -> Struct:
        key = Struct(schema)
        for field in old.schema.fields:
            key.put(field.name, old.get_without_default(field))
        if self._unique:
            identifier = old_topic
            if self._key_regex is not None:
                cached = self._identifiers.get(old_topic)
                if cached is not None:
                    identifier = cached
                else:
                    match = self._key_regex.fullmatch(old_topic)
                    if match is not None:
                        identifier = self._identifiers.remember(old_topic, match.expand(self._key_template))
            key.put(self._key_field, identifier)
        return key

    def _envelope_schema(self, old: Schema, topic: str) -> Schema:
        cached = self._envelope_schemas.get(old)
        if cached is not None:
            return cached
        row_field = old.field(BEFORE) or old.field(AFTER)
        row: Schema | None = None
        if row_field is not None:
            row = (_copy_excluding_name(row_field.schema, copy_fields=True)
                   .name(adjust_schema_name(topic + ".Value", self._mode)).build())
        builder = _copy_excluding_name(old, copy_fields=False)
        for field in old.fields:
            builder.field(field.name, row if row is not None and field.name in (BEFORE, AFTER) else field.schema)
        builder.name(adjust_schema_name(topic + ENVELOPE_SUFFIX, self._mode))
        return self._envelope_schemas.remember(old, builder.build())


def _copy_excluding_name(source: Schema, *, copy_fields: bool) -> SchemaBuilder:
    """A struct builder with ``source``'s version, doc, parameters, optionality (and fields): no name, no default."""
    builder = SchemaBuilder.struct()
    if source.version is not None:
        builder.version(source.version)
    if source.doc is not None:
        builder.doc(source.doc)
    if source.parameters is not None:
        builder.parameters(source.parameters)
    if source.optional:
        builder.optional()
    if copy_fields:
        for field in source.fields:
            builder.field(field.name, field.schema)
    return builder


def _envelope(schema: Schema, old: Struct) -> Struct:
    """The envelope's values under the renamed schema; ``before``/``after`` rows copied into the renamed row."""
    row_field = schema.field(BEFORE) or schema.field(AFTER)
    out = Struct(schema)
    for field in old.schema.fields:
        value = old.get(field)
        if row_field is not None and field.name in (BEFORE, AFTER) and value is not None:
            row = require_struct(value, PURPOSE)
            copied = Struct(row_field.schema)
            for row_field_ in row.schema.fields:
                copied.put(row_field_.name, row.get_without_default(row_field_))
            value = copied
        out.put(field.name, value)
    return out


class ByLogicalTableRouter(ToLogicalTopicRouter):
    """Debezium's deprecated ``io.debezium.transforms.ByLogicalTableRouter``: ToLogicalTopicRouter with
    ``key.field.name`` defaulting to ``__dbz__physicalTableIdentifier`` and ``logical.table.cache.size`` accepted."""

    key_field_name_default: ClassVar[str] = "__dbz__physicalTableIdentifier"

    def configure(self, configs: dict[str, Any]) -> None:
        """Map the legacy keys, then configure as ToLogicalTopicRouter."""
        warning_once(log, "%s is deprecated and will be removed in a future release. Please adjust the connector "
                     "configuration to use %s instead.", "io.debezium.transforms.ByLogicalTableRouter",
                     "io.debezium.transforms.ToLogicalTopicRouter")  # once per container, not per task start
        adjusted = dict(configs)
        if "logical.table.cache.size" in adjusted and "logical.destination.cache.size" not in adjusted:
            adjusted["logical.destination.cache.size"] = adjusted["logical.table.cache.size"]
        super().configure(adjusted)
