"""Plugin manifest for SMTs and predicates: Kafka class names and aliases -> lazily imported "module:Class".

Aliases follow Kafka's rule (simple class name when unambiguous); ``Cast$Value``-style short names are accepted
too, since they are unambiguous here. Abstract SMTs (``Cast``) resolve to their class so the chain can report
Kafka's "abstract ... Did you mean" error.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "DEBEZIUM_VERSION", "PREDICATES", "TRANSFORMATIONS", "UNDEFINED_VERSION", "VERSIONS", "load", "resolve_predicate",
    "resolve_transformation",
]

_KAFKA = "org.apache.kafka.connect.transforms."
_PREDICATES = _KAFKA + "predicates."
_PKG = "connect_core.transforms."
_DEBEZIUM = "io.debezium.transforms."
_JCUSTENBORDER = "com.github.jcustenborder.kafka.connect.transform.common."
_CONFLUENT = "io.confluent.connect.transforms."
_CONFLUENT_CLOUD = "io.confluent.connect.cloud.transforms."  # the name Confluent Cloud's connector configs use

TRANSFORMATIONS: dict[str, str] = {
    _KAFKA + "Cast": _PKG + "cast:Cast",
    _KAFKA + "Cast$Key": _PKG + "cast:Cast.Key",
    _KAFKA + "Cast$Value": _PKG + "cast:Cast.Value",
    _KAFKA + "DropHeaders": _PKG + "drop_headers:DropHeaders",
    _KAFKA + "ExtractField": _PKG + "extract_field:ExtractField",
    _KAFKA + "ExtractField$Key": _PKG + "extract_field:ExtractField.Key",
    _KAFKA + "ExtractField$Value": _PKG + "extract_field:ExtractField.Value",
    _KAFKA + "Filter": _PKG + "filter:Filter",
    _KAFKA + "Flatten": _PKG + "flatten:Flatten",
    _KAFKA + "Flatten$Key": _PKG + "flatten:Flatten.Key",
    _KAFKA + "Flatten$Value": _PKG + "flatten:Flatten.Value",
    _KAFKA + "HeaderFrom": _PKG + "header_from:HeaderFrom",
    _KAFKA + "HeaderFrom$Key": _PKG + "header_from:HeaderFrom.Key",
    _KAFKA + "HeaderFrom$Value": _PKG + "header_from:HeaderFrom.Value",
    _KAFKA + "HoistField": _PKG + "hoist_field:HoistField",
    _KAFKA + "HoistField$Key": _PKG + "hoist_field:HoistField.Key",
    _KAFKA + "HoistField$Value": _PKG + "hoist_field:HoistField.Value",
    _KAFKA + "InsertField": _PKG + "insert_field:InsertField",
    _KAFKA + "InsertField$Key": _PKG + "insert_field:InsertField.Key",
    _KAFKA + "InsertField$Value": _PKG + "insert_field:InsertField.Value",
    _KAFKA + "InsertHeader": _PKG + "insert_header:InsertHeader",
    _KAFKA + "MaskField": _PKG + "mask_field:MaskField",
    _KAFKA + "MaskField$Key": _PKG + "mask_field:MaskField.Key",
    _KAFKA + "MaskField$Value": _PKG + "mask_field:MaskField.Value",
    _KAFKA + "RegexRouter": _PKG + "regex_router:RegexRouter",
    _KAFKA + "ReplaceField": _PKG + "replace_field:ReplaceField",
    _KAFKA + "ReplaceField$Key": _PKG + "replace_field:ReplaceField.Key",
    _KAFKA + "ReplaceField$Value": _PKG + "replace_field:ReplaceField.Value",
    _KAFKA + "SetSchemaMetadata": _PKG + "set_schema_metadata:SetSchemaMetadata",
    _KAFKA + "SetSchemaMetadata$Key": _PKG + "set_schema_metadata:SetSchemaMetadata.Key",
    _KAFKA + "SetSchemaMetadata$Value": _PKG + "set_schema_metadata:SetSchemaMetadata.Value",
    _KAFKA + "TimestampConverter": _PKG + "timestamp_converter:TimestampConverter",
    _KAFKA + "TimestampConverter$Key": _PKG + "timestamp_converter:TimestampConverter.Key",
    _KAFKA + "TimestampConverter$Value": _PKG + "timestamp_converter:TimestampConverter.Value",
    _KAFKA + "TimestampRouter": _PKG + "timestamp_router:TimestampRouter",
    _KAFKA + "ValueToKey": _PKG + "value_to_key:ValueToKey",
    # Debezium 3.7 (debezium-connect-plugins)
    _DEBEZIUM + "ExtractNewRecordState": _PKG + "debezium.extract_new_record_state:ExtractNewRecordState",
    _DEBEZIUM + "ByLogicalTableRouter": _PKG + "debezium.to_logical_topic_router:ByLogicalTableRouter",
    _DEBEZIUM + "ToLogicalTopicRouter": _PKG + "debezium.to_logical_topic_router:ToLogicalTopicRouter",
    _DEBEZIUM + "outbox.EventRouter": _PKG + "debezium.event_router:EventRouter",
    _DEBEZIUM + "ExtractChangedRecordState": _PKG + "debezium.extract_changed_record_state:ExtractChangedRecordState",
    _DEBEZIUM + "HeaderToValue": _PKG + "debezium.header_to_value:HeaderToValue",
    _DEBEZIUM + "SchemaChangeEventFilter": _PKG + "debezium.schema_change_event_filter:SchemaChangeEventFilter",
    _DEBEZIUM + "partitions.PartitionRouting": _PKG + "debezium.partition_routing:PartitionRouting",
    _DEBEZIUM + "TimezoneConverter": _PKG + "debezium.timezone_converter:TimezoneConverter",
    # Confluent's connect-transforms (from its documentation)
    _CONFLUENT + "Drop": _PKG + "confluent.drop:Drop",
    _CONFLUENT + "Drop$Key": _PKG + "confluent.drop:Drop.Key",
    _CONFLUENT + "Drop$Value": _PKG + "confluent.drop:Drop.Value",
    _CONFLUENT + "ExtractTopic": _PKG + "confluent.extract_topic:ExtractTopic",
    _CONFLUENT + "ExtractTopic$Header": _PKG + "confluent.extract_topic:ExtractTopic.Header",
    _CONFLUENT + "ExtractTopic$Key": _PKG + "confluent.extract_topic:ExtractTopic.Key",
    _CONFLUENT + "ExtractTopic$Value": _PKG + "confluent.extract_topic:ExtractTopic.Value",
    _CONFLUENT + "Filter": _PKG + "confluent.filter:Filter",
    _CONFLUENT + "Filter$Key": _PKG + "confluent.filter:Filter.Key",
    _CONFLUENT + "Filter$Value": _PKG + "confluent.filter:Filter.Value",
    _CONFLUENT + "GzipDecompress": _PKG + "confluent.gzip_decompress:GzipDecompress",
    _CONFLUENT + "GzipDecompress$Key": _PKG + "confluent.gzip_decompress:GzipDecompress.Key",
    _CONFLUENT + "GzipDecompress$Value": _PKG + "confluent.gzip_decompress:GzipDecompress.Value",
    _CONFLUENT + "MessageTimestampRouter": _PKG + "confluent.message_timestamp_router:MessageTimestampRouter",
    _CONFLUENT + "TombstoneHandler": _PKG + "confluent.tombstone_handler:TombstoneHandler",
    _CONFLUENT + "TopicRegexRouter": _PKG + "confluent.topic_regex_router:TopicRegexRouter",
    _CONFLUENT_CLOUD + "TopicRegexRouter": _PKG + "confluent.topic_regex_router:TopicRegexRouter",
    # jcustenborder's kafka-connect-transform-common (0.1.0.58)
    _JCUSTENBORDER + "BytesToString": _PKG + "jcustenborder.bytes_to_string:BytesToString",
    _JCUSTENBORDER + "BytesToString$Key": _PKG + "jcustenborder.bytes_to_string:BytesToString.Key",
    _JCUSTENBORDER + "BytesToString$Value": _PKG + "jcustenborder.bytes_to_string:BytesToString.Value",
    _JCUSTENBORDER + "ChangeCase": _PKG + "jcustenborder.change_case:ChangeCase",
    _JCUSTENBORDER + "ChangeCase$Key": _PKG + "jcustenborder.change_case:ChangeCase.Key",
    _JCUSTENBORDER + "ChangeCase$Value": _PKG + "jcustenborder.change_case:ChangeCase.Value",
    _JCUSTENBORDER + "ChangeTopicCase": _PKG + "jcustenborder.change_topic_case:ChangeTopicCase",
    _JCUSTENBORDER + "ExtractTimestamp": _PKG + "jcustenborder.extract_timestamp:ExtractTimestamp",
    _JCUSTENBORDER + "ExtractTimestamp$Key": _PKG + "jcustenborder.extract_timestamp:ExtractTimestamp.Key",
    _JCUSTENBORDER + "ExtractTimestamp$Value": _PKG + "jcustenborder.extract_timestamp:ExtractTimestamp.Value",
    _JCUSTENBORDER + "PatternRename": _PKG + "jcustenborder.pattern_rename:PatternRename",
    _JCUSTENBORDER + "PatternRename$Key": _PKG + "jcustenborder.pattern_rename:PatternRename.Key",
    _JCUSTENBORDER + "PatternRename$Value": _PKG + "jcustenborder.pattern_rename:PatternRename.Value",
    _JCUSTENBORDER + "TimestampNow": _PKG + "jcustenborder.timestamp_now:TimestampNow",
    _JCUSTENBORDER + "ToJSON": _PKG + "jcustenborder.to_json:ToJSON",
    _JCUSTENBORDER + "ToJSON$Key": _PKG + "jcustenborder.to_json:ToJSON.Key",
    _JCUSTENBORDER + "ToJSON$Value": _PKG + "jcustenborder.to_json:ToJSON.Value",
}
DEBEZIUM_VERSION = "3.7.0.Final"
#: Plugins of other projects, listed with the version their jar reports (``Versioned.version()``), as a worker does.
#: A class that does not implement ``Versioned`` is listed as ``undefined`` (jcustenborder's; Confluent's, whose jar
#: is not public to check, are listed so too).
UNDEFINED_VERSION = "undefined"
VERSIONS: dict[str, str] = {
    **{name: DEBEZIUM_VERSION for name in TRANSFORMATIONS if name.startswith(_DEBEZIUM)},
    **{name: UNDEFINED_VERSION for name in TRANSFORMATIONS
       if name.startswith((_JCUSTENBORDER, _CONFLUENT, _CONFLUENT_CLOUD))},
}

PREDICATES: dict[str, str] = {
    _PREDICATES + "HasHeaderKey": _PKG + "predicates.has_header_key:HasHeaderKey",
    _PREDICATES + "RecordIsTombstone": _PKG + "predicates.record_is_tombstone:RecordIsTombstone",
    _PREDICATES + "TopicNameMatches": _PKG + "predicates.topic_name_matches:TopicNameMatches",
}


def _with_aliases(manifest: dict[str, str], prefix: str) -> dict[str, str]:
    aliases = dict(manifest)
    for class_name, target in manifest.items():
        if class_name.startswith(prefix):
            aliases.setdefault(class_name[len(prefix):], target)
    return aliases


_TRANSFORMATION_ALIASES = _with_aliases(TRANSFORMATIONS, _KAFKA)
_PREDICATE_ALIASES = _with_aliases(PREDICATES, _PREDICATES)


def load(target: str) -> Any:
    """Import ``"package.module:Attr.Nested"`` and return the attribute."""
    module_name, _, attr_path = target.partition(":")
    obj: Any = importlib.import_module(module_name)
    for part in attr_path.split("."):
        obj = getattr(obj, part)
    return obj


def resolve_transformation(name: str) -> Any | None:
    """The SMT class for a Kafka class name or alias; None if unknown (a "module:Class" string is never imported)."""
    return _resolve(name, _TRANSFORMATION_ALIASES)


def resolve_predicate(name: str) -> Any | None:
    """The predicate class for a Kafka class name or alias; None if unknown."""
    return _resolve(name, _PREDICATE_ALIASES)


def _resolve(name: str, aliases: dict[str, str]) -> Any | None:
    target = aliases.get(name)
    if target is None:
        return None
    try:
        return load(target)
    except (ImportError, AttributeError):
        return None
