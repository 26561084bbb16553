"""``ProtobufData``: Connect <-> Protobuf as Confluent's ``io.confluent.connect.protobuf.ProtobufData`` (the
original 5.5/6.0 mapping) does it.

Messages are structs named after the message, fields are optional and carry their field number in the
``io.confluent.connect.protobuf.Tag`` parameter; oneofs become optional structs ``<oneof>_<index>`` named
``io.confluent.connect.protobuf.Union.<oneof>``; enums strings with ``io.confluent.connect.protobuf.Enum``
parameters (symbol -> number); repeated fields arrays, map fields maps; ``google.protobuf.Timestamp`` is
Timestamp; int32/sint32/sfixed32 are INT32, the other integers INT64. Writing makes a proto3 file: the struct's
namespace is the package, int8/int16/int32 are int32, Decimal/Date/Time their underlying bytes/int32.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from connect_core.api.errors import DataError
from connect_core.api.logical import LOGICAL_TYPES, Timestamp
from connect_core.api.schema import Schema, SchemaBuilder, Type
from connect_core.api.struct import Struct
from connect_core.converters.proto_binary import ONEOFS
from connect_core.converters.proto_schema import TIMESTAMP, EnumType, FieldDesc, MessageType, render_proto

__all__ = ["ProtobufData"]

NAMESPACE = "io.confluent.connect.protobuf"
DEFAULT_SCHEMA_NAME = "ConnectDefault"
PROTOBUF_TYPE_ENUM = NAMESPACE + ".Enum"
PROTOBUF_TYPE_UNION_PREFIX = NAMESPACE + ".Union."
PROTOBUF_TYPE_TAG = NAMESPACE + ".Tag"
_INT32 = frozenset({"int32", "sint32", "sfixed32"})
_INT64 = frozenset({"uint32", "fixed32", "int64", "uint64", "sint64", "fixed64", "sfixed64"})
_SIMPLE = {"float": SchemaBuilder.float32, "double": SchemaBuilder.float64, "bool": SchemaBuilder.bool,
           "string": SchemaBuilder.string, "bytes": SchemaBuilder.bytes}
_TO_PROTO = {Type.INT8: "int32", Type.INT16: "int32", Type.INT32: "int32", Type.INT64: "int64",
             Type.FLOAT32: "float", Type.FLOAT64: "double", Type.BOOLEAN: "bool", Type.STRING: "string",
             Type.BYTES: "bytes"}
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


class ProtobufData:
    """Converts between Connect and Protobuf descriptors/values."""

    def __init__(self) -> None:
        """Schema conversions are cached by the converter, per schema id or Connect schema."""
        self._default_names = 0

    # -- Protobuf -> Connect ----------------------------------------------------------------------------
    def to_connect_schema(self, message: MessageType, version: int | None = None) -> Schema:
        """The struct schema of a message."""
        return self._struct(message, version).build()

    def _struct(self, message: MessageType, version: int | None) -> SchemaBuilder:
        builder = SchemaBuilder.struct().name(message.name)
        for index, oneof in enumerate(message.oneofs):
            union = SchemaBuilder.struct().name(PROTOBUF_TYPE_UNION_PREFIX + oneof)
            for desc in message.fields:
                if desc.oneof == index:
                    union.field(desc.name, self._field_schema(desc))
            builder.field(f"{oneof}_{index}", union.optional().build())
        for desc in message.fields:
            if desc.oneof is None:
                builder.field(desc.name, self._field_schema(desc))
        if version is not None:
            builder.version(version)
        return builder

    def _field_schema(self, desc: FieldDesc) -> Schema:
        builder: SchemaBuilder
        is_map = desc.kind == "message" and desc.resolved.map_entry
        if is_map:
            key, value = desc.resolved.fields
            builder = SchemaBuilder.map(self._field_schema(key), self._field_schema(value))
            builder.name(desc.resolved.name[: -len("Entry")])
        elif desc.kind == "enum":
            enum: EnumType = desc.resolved
            builder = SchemaBuilder.string().name(enum.name).parameter(PROTOBUF_TYPE_ENUM, enum.name)
            for symbol, number in enum.values:
                builder.parameter(f"{PROTOBUF_TYPE_ENUM}.{symbol}", str(number))
        elif desc.kind == "message":
            builder = Timestamp.builder() if desc.type_name == TIMESTAMP else self._struct(desc.resolved, None)
        elif desc.type_name in _INT32:
            builder = SchemaBuilder.int32()
        elif desc.type_name in _INT64:
            builder = SchemaBuilder.int64()
        else:
            builder = _SIMPLE[desc.type_name]()
        if desc.label == "repeated" and not is_map:
            builder = SchemaBuilder.array(builder.optional().build())
        return builder.optional().parameter(PROTOBUF_TYPE_TAG, str(desc.number)).build()

    def to_connect_data(self, schema: Schema, message: MessageType, decoded: dict[str, Any]) -> Struct:
        """The Connect struct of a decoded message."""
        struct = Struct(schema)
        oneofs = decoded.get(ONEOFS, {})
        for index, oneof in enumerate(message.oneofs):
            member = oneofs.get(index)
            if member is not None:
                union_field = schema.require_field(f"{oneof}_{index}")
                union = Struct(union_field.schema)
                member_field = union_field.schema.require_field(member)
                union.put(member_field, self._value(member_field.schema, _desc(message, member), decoded[member]))
                struct.put(union_field, union)
        for desc in message.fields:
            if desc.oneof is None:
                field = schema.require_field(desc.name)
                struct.put(field, self._value(field.schema, desc, decoded.get(desc.name)))
        return struct

    def _value(self, schema: Schema, desc: FieldDesc, value: Any) -> Any:
        if value is None:
            return None
        if schema.type is Type.ARRAY:
            element = FieldDesc(desc.name, desc.number, desc.type_name, "", None, desc.kind, desc.resolved)
            return [self._value(schema.require_value_schema(), element, v) for v in value]
        if schema.type is Type.MAP:
            key, val = desc.resolved.fields
            return {self._value(schema.require_key_schema(), key, k): self._value(schema.require_value_schema(), val, v)
                    for k, v in value.items()}
        if schema.name == Timestamp.LOGICAL_NAME:
            millis = value.get("seconds", 0) * 1000 + value.get("nanos", 0) // 1_000_000
            return _EPOCH + dt.timedelta(milliseconds=millis)
        if schema.type is Type.STRUCT:
            return self.to_connect_data(schema, desc.resolved, value)
        return value

    # -- Connect -> Protobuf ----------------------------------------------------------------------------
    def from_connect_schema(self, schema: Schema) -> tuple[str, MessageType]:
        """(proto3 text, root message) of a struct schema."""
        if schema.type is not Type.STRUCT:
            raise DataError(f"Unsupported root schema of type {schema.type}: ProtobufConverter writes structs")
        self._default_names = 0
        full = schema.name or self._default_name()
        package, _, name = full.rpartition(".")
        imports: set[str] = set()
        root = self._message(schema, name, package, imports)
        return render_proto(package, [root], sorted(imports)), root

    def _default_name(self) -> str:
        self._default_names += 1
        return f"{DEFAULT_SCHEMA_NAME}{self._default_names}"

    def _message(self, schema: Schema, name: str, scope: str, imports: set[str]) -> MessageType:
        full = f"{scope}.{name}" if scope else name
        message = MessageType(name, full)
        number = 1
        for field in schema.fields:
            fs = field.schema
            if fs.type is Type.STRUCT and fs.name and fs.name.startswith(PROTOBUF_TYPE_UNION_PREFIX):
                message.oneofs.append(fs.name[len(PROTOBUF_TYPE_UNION_PREFIX):])
                for member in fs.fields:
                    tag = int((member.schema.parameters or {}).get(PROTOBUF_TYPE_TAG, 0)) or number
                    number = max(number, tag) + 1
                    desc = self._field(message, member.name, member.schema, tag, imports)
                    desc.oneof = len(message.oneofs) - 1
                    message.fields.append(desc)
                continue
            tag_text = (fs.parameters or {}).get(PROTOBUF_TYPE_TAG)
            tag = int(tag_text) if tag_text else number
            number = max(number, tag) + 1
            message.fields.append(self._field(message, field.name, fs, tag, imports))
        return message

    def _field(self, message: MessageType, name: str, schema: Schema, tag: int, imports: set[str]) -> FieldDesc:
        label = ""
        if schema.type is Type.ARRAY:
            label, schema = "repeated", schema.require_value_schema()
        if schema.type is Type.MAP:
            entry_name = "".join(p[:1].upper() + p[1:] for p in name.split("_")) + "Entry"
            entry = MessageType(entry_name, f"{message.full_name}.{entry_name}", map_entry=True)
            entry.fields = [self._field(entry, "key", schema.require_key_schema(), 1, imports),
                            self._field(entry, "value", schema.require_value_schema(), 2, imports)]
            message.nested.append(entry)
            return FieldDesc(name, tag, entry.full_name, "repeated", None, "message", entry)
        params = schema.parameters or {}
        if schema.name == Timestamp.LOGICAL_NAME:
            imports.add("google/protobuf/timestamp.proto")
            timestamp = MessageType("Timestamp", TIMESTAMP, [FieldDesc("seconds", 1, "int64"),
                                                             FieldDesc("nanos", 2, "int32")])
            return FieldDesc(name, tag, TIMESTAMP, label, None, "message", timestamp)
        if schema.type is Type.STRING and PROTOBUF_TYPE_ENUM in params:
            enum_name = params[PROTOBUF_TYPE_ENUM]
            enum = next((e for e in message.enums if e.name == enum_name), None)
            if enum is None:
                prefix = PROTOBUF_TYPE_ENUM + "."
                enum = EnumType(enum_name, f"{message.full_name}.{enum_name}",
                                [(k[len(prefix):], int(v)) for k, v in params.items() if k.startswith(prefix)])
                message.enums.append(enum)
            return FieldDesc(name, tag, enum.full_name, label, None, "enum", enum)
        if schema.type is Type.STRUCT:
            nested_name = (schema.name or self._default_name()).rpartition(".")[2]
            nested = next((m for m in message.nested if m.name == nested_name), None)
            if nested is None:
                nested = self._message(schema, nested_name, message.full_name, imports)
                message.nested.append(nested)
            return FieldDesc(name, tag, nested.full_name, label, None, "message", nested)
        return FieldDesc(name, tag, _TO_PROTO[schema.type], label)

    def from_connect_data(self, schema: Schema, message: MessageType, value: Struct) -> dict[str, Any]:
        """The field values ``proto_binary.encode_message`` takes."""
        out: dict[str, Any] = {}
        by_name = {d.name: d for d in message.fields}
        for field in schema.fields:
            item = value.get(field)
            if item is None:
                continue
            fs = field.schema
            if fs.type is Type.STRUCT and fs.name and fs.name.startswith(PROTOBUF_TYPE_UNION_PREFIX):
                for member in fs.fields:
                    member_value = item.get(member)
                    if member_value is not None:
                        out[member.name] = self._proto_value(member.schema, by_name[member.name], member_value)
                        break
                continue
            out[field.name] = self._proto_value(fs, by_name[field.name], item)
        return out

    def _proto_value(self, schema: Schema, desc: FieldDesc, value: Any) -> Any:
        if schema.type is Type.ARRAY:
            return [self._proto_value(schema.require_value_schema(), desc, v) for v in value if v is not None]
        if schema.type is Type.MAP:
            key, val = desc.resolved.fields
            keys, values = schema.require_key_schema(), schema.require_value_schema()
            return {self._proto_value(keys, key, k): self._proto_value(values, val, v)
                    for k, v in value.items()}
        if schema.name == Timestamp.LOGICAL_NAME:
            millis = Timestamp.from_logical(schema, value)
            return {"seconds": millis // 1000, "nanos": (millis % 1000) * 1_000_000}
        if schema.type is Type.STRUCT:
            return self.from_connect_data(schema, desc.resolved, value)
        if schema.name in LOGICAL_TYPES:
            return LOGICAL_TYPES[schema.name].from_logical(schema, value)
        if schema.type is Type.BYTES:
            return bytes(value)
        return value


def _desc(message: MessageType, name: str) -> FieldDesc:
    return next(d for d in message.fields if d.name == name)
