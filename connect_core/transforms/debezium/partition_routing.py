"""PartitionRouting: choose the partition from a hash of payload fields (``io.debezium.transforms.partitions.
PartitionRouting``, Debezium 3.7): ``partition.payload.fields`` such as ``after.name,source.table,change.name``
(``change`` is ``after``, or ``before`` for a delete), hashed with Java's ``hashCode`` or MurmurHash3."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict

from connect_core.api.config import config_field, parse_config
from connect_core.api.errors import ConfigError, ConnectError, DataError
from connect_core.api.java_objects import java_hash_code, java_string
from connect_core.api.record import SourceRecord
from connect_core.api.schema import Type
from connect_core.api.struct import Struct
from connect_core.api.transformation import Transformation
from connect_core.transforms.debezium._envelope import AFTER, BEFORE, OPERATION, get_string, is_envelope
from connect_core.transforms.debezium._murmur import murmur_hash

if TYPE_CHECKING:
    from connect_core.api.record import ConnectRecord

__all__ = ["PartitionRouting", "PartitionRoutingConfig"]

_INT_MAX = (1 << 31) - 1


def _fields(key: str, value: Any) -> None:
    if value is not None and any(not item.strip() for item in value):
        raise ConfigError(f"Invalid value {','.join(value)} for configuration {key}: The '{key}' value is invalid: "
                          "Empty elements are not allowed")


def _positive(key: str, value: Any) -> None:
    if value is not None and value <= 0:
        raise ConfigError(f"Invalid value {value} for configuration {key}: The '{key}' value is invalid: A positive, "
                          "non-zero integer value is expected")


class PartitionRoutingConfig(BaseModel):
    """Config of PartitionRouting (group ``partitions``)."""

    model_config = ConfigDict(defer_build=True, populate_by_name=True, frozen=True)

    partition_payload_fields: list[str] = config_field(
        ..., alias="partition.payload.fields", type="LIST", group="partitions", importance="HIGH",
        display_name="List of payload fields to use for compute partition.", validator=_fields,
        description="Payload fields to use to calculate the partition. Supports Struct nesting using dot notation.To "
        "access fields related to data collections, you can use: after, before or change, where 'change' is a "
        "special field that will automatically choose, based on operation, the 'after' or 'before'. If a field not "
        "exist for the current record it will simply not usede.g. after.name,source.table,change.name",
    )
    partition_topic_num: int = config_field(
        ..., alias="partition.topic.num", group="partitions", importance="HIGH",
        display_name="Number of partition configured for topic", validator=_positive,
        description="Number of partition for the topic on which this SMT act. Use TopicNameMatches predicate to "
        "filter records by topic",
    )
    partition_hash_function: str = config_field(
        "java", alias="partition.hash.function", group="partitions", importance="LOW", display_name="Hash function",
        description="Hash function to be used when computing hash of the fields which would determine number of the "
        "destination partition.",
    )


class _Missing(Exception):
    """A configured field this record does not have (Debezium's caught DataException)."""


class PartitionRouting(Transformation["ConnectRecord"]):
    """Debezium's ``io.debezium.transforms.partitions.PartitionRouting``."""

    config_model: ClassVar[type[BaseModel]] = PartitionRoutingConfig

    def configure(self, configs: dict[str, Any]) -> None:
        """Read the fields, the partition count and the hash function (anything but ``murmur`` is ``java``)."""
        cfg = self.config = parse_config(PartitionRoutingConfig, configs)
        self._murmur = cfg.partition_hash_function.strip().lower() == "murmur"

    def apply(self, record: ConnectRecord) -> ConnectRecord:
        """The record on the partition its fields hash to; unchanged without any of them."""
        if record.value is None or not is_envelope(record):
            return record
        envelope: Struct = record.value
        try:
            if not isinstance(record, SourceRecord):
                raise ConnectError("a SinkRecord cannot be cast to a SourceRecord")  # Debezium: ClassCastException
            if envelope.schema.field(OPERATION) is not None and envelope.get(OPERATION) in ("t", "m"):
                return record
            hashes = [self._hash(value, kind) for value, kind in
                      (self._value(name.strip(), envelope) for name in self.config.partition_payload_fields)
                      if value is not None]
            if not hashes:
                return record
            total = sum(hashes) & 0xFFFFFFFF
            normalized = total & _INT_MAX
            partition = (0 if normalized == _INT_MAX else normalized) % self.config.partition_topic_num
        except Exception as error:
            raise ConnectError(f"Unprocessable message {java_string(envelope)}") from error
        return record.new_record(record.topic, partition, record.key_schema, record.key, record.value_schema,
                                 envelope, record.timestamp, record.headers)

    def _value(self, name: str, envelope: Struct) -> tuple[Any, Type | None]:
        parts = [part.strip() for part in name.split(".")]
        current: Any = envelope
        try:
            for part in parts[:-1]:
                step = part
                if part == "change":
                    step = BEFORE if get_string(envelope, OPERATION) == "d" else AFTER
                field = current.schema.field(step)
                if field is None:
                    raise _Missing(step)
                if field.schema.type is not Type.STRUCT:
                    raise _Missing(step)
                current = current.get(field)
                if current is None:  # a null struct (before of a create): the field is not used
                    raise _Missing(step)
            field = current.schema.field(parts[-1])
            if field is None:
                raise _Missing(parts[-1])
        except (_Missing, DataError):
            return None, None
        return current.get(field), field.schema.type

    def _hash(self, value: Any, kind: Type | None) -> int:
        if self._murmur and isinstance(value, (str, bytes, bytearray)):
            return murmur_hash(value)
        code = java_hash_code(value, kind)
        if code is None or isinstance(value, (bytes, bytearray, Struct)):
            raise DataError(f"No Java hashCode for a {type(value).__name__} value (an identity or schema hash)")
        return murmur_hash(code) if self._murmur else code
