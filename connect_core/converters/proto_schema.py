"""``.proto`` schema text <-> message descriptors, for the schemas a registry stores for Protobuf data.

Reads proto2/proto3 files as registries hold them: package, imports, options (skipped), nested messages and
enums, ``repeated``/``optional``/``required`` fields, ``map<K, V>`` fields (as protoc: a nested ``<Name>Entry``
message) and ``oneof`` groups; well-known ``google.protobuf.Timestamp`` resolves without its file. Writes proto3
text for descriptors built from Connect schemas.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from typing import Any

from connect_core.api.errors import DataError

__all__ = ["EnumType", "FieldDesc", "MessageType", "ProtoFile", "parse_proto", "render_proto"]

SCALARS = frozenset({"double", "float", "int32", "int64", "uint32", "uint64", "sint32", "sint64", "fixed32",
                     "fixed64", "sfixed32", "sfixed64", "bool", "string", "bytes"})
TIMESTAMP = "google.protobuf.Timestamp"
_BASE64 = re.compile(r"[A-Za-z0-9+/]+={0,2}")
_TOKEN = re.compile(r'\s*(?:(//[^\n]*)|(/\*.*?\*/)|("(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\')|(\.?[A-Za-z_][\w.]*)|'
                    r'(-?\d[\w.+-]*)|(\S))', re.DOTALL)


@dataclass
class EnumType:
    """An enum: full name and its (symbol, number) values in order."""

    name: str
    full_name: str
    values: list[tuple[str, int]] = field(default_factory=list)


@dataclass
class FieldDesc:
    """A message field; ``type_name`` is a scalar name or the resolved full name of a message/enum."""

    name: str
    number: int
    type_name: str
    label: str = ""  # "", "optional", "repeated", "required"
    oneof: int | None = None
    kind: str = "scalar"  # scalar, message, enum
    resolved: Any = None  # MessageType or EnumType once resolved
    presence: bool = False  # absent reads as None instead of the type's default


@dataclass
class MessageType:
    """A message: its fields in declaration order, oneof names, nested types."""

    name: str
    full_name: str
    fields: list[FieldDesc] = field(default_factory=list)
    oneofs: list[str] = field(default_factory=list)
    nested: list[MessageType] = field(default_factory=list)
    enums: list[EnumType] = field(default_factory=list)
    map_entry: bool = False


@dataclass
class ProtoFile:
    """A parsed file: top-level messages in order (message indexes count from them)."""

    package: str
    messages: list[MessageType]
    enums: list[EnumType]
    imports: list[str]
    syntax: str = "proto3"

    def message_at(self, indexes: list[int]) -> MessageType:
        """The message a Confluent message-index path names ([0] = the first top-level message)."""
        try:
            message = self.messages[indexes[0]]
            for index in indexes[1:]:
                message = [m for m in message.nested if not m.map_entry][index]
        except IndexError as error:
            raise DataError(f"Invalid Protobuf message indexes {indexes}") from error
        return message

    def indexes_of(self, message: MessageType) -> list[int]:
        """The message-index path of a top-level message."""
        return [self.messages.index(message)]


class _Tokens:
    def __init__(self, text: str) -> None:
        self.items: list[str] = []
        for match in _TOKEN.finditer(text):
            if match.group(1) or match.group(2):
                continue
            token = next(g for g in match.groups()[2:] if g is not None)
            self.items.append(token)
        self.pos = 0

    def peek(self) -> str:
        return self.items[self.pos] if self.pos < len(self.items) else ""

    def next(self) -> str:
        token = self.peek()
        if not token:
            raise DataError("Invalid Protobuf schema: unexpected end of text")
        self.pos += 1
        return token

    def expect(self, token: str) -> None:
        got = self.next()
        if got != token:
            raise DataError(f"Invalid Protobuf schema: expected {token!r}, found {got!r}")

    def skip_statement(self) -> None:
        depth = 0
        while True:
            token = self.next()
            if token == "{":
                depth += 1
            elif token == "}":
                depth -= 1
                if depth <= 0:
                    return
            elif token == ";" and depth == 0:
                return


def parse_proto(text: str) -> ProtoFile:
    """Parse a ``.proto`` file (or a base64 ``FileDescriptorProto``) and resolve every message/enum type name.

    Registries that store what confluent-kafka's Python serializer registers (base64 of the serialized
    ``FileDescriptorProto``) hand that back unchanged; Confluent's own registry converts it to text.
    """
    stripped = text.strip()
    if stripped and _BASE64.fullmatch(stripped) and not stripped.startswith(("syntax", "message", "package")):
        return _from_descriptor(base64.b64decode(stripped))
    tokens = _Tokens(text)
    package, syntax, imports = "", "proto2", []
    messages: list[MessageType] = []
    enums: list[EnumType] = []
    while tokens.peek():
        token = tokens.next()
        if token == "syntax":
            tokens.expect("=")
            syntax = tokens.next().strip("\"'")
            tokens.expect(";")
        elif token == "package":
            package = tokens.next()
            tokens.expect(";")
        elif token == "import":
            name = tokens.next()
            if name in ("public", "weak"):
                name = tokens.next()
            imports.append(name.strip("\"'"))
            tokens.expect(";")
        elif token == "message":
            messages.append(_message(tokens, package))
        elif token == "enum":
            enums.append(_enum(tokens, package))
        elif token == ";":
            continue
        else:  # option, service, extend
            tokens.skip_statement()
    parsed = ProtoFile(package, messages, enums, imports, syntax)
    _resolve(parsed)
    return parsed


def _scoped(scope: str, name: str) -> str:
    return f"{scope}.{name}" if scope else name


def _message(tokens: _Tokens, scope: str) -> MessageType:
    name = tokens.next()
    message = MessageType(name, _scoped(scope, name))
    tokens.expect("{")
    _body(tokens, message, None)
    return message


def _body(tokens: _Tokens, message: MessageType, oneof: int | None) -> None:
    while True:
        token = tokens.next()
        if token == "}":
            return
        if token == ";":
            continue
        if token == "message":
            message.nested.append(_message(tokens, message.full_name))
        elif token == "enum":
            message.enums.append(_enum(tokens, message.full_name))
        elif token == "oneof":
            message.oneofs.append(tokens.next())
            tokens.expect("{")
            _body(tokens, message, len(message.oneofs) - 1)
        elif token in ("option", "reserved", "extensions", "extend"):
            tokens.skip_statement()
        elif token == "map":
            tokens.expect("<")
            key = tokens.next()
            tokens.expect(",")
            value = tokens.next()
            tokens.expect(">")
            name = tokens.next()
            tokens.expect("=")
            number = int(tokens.next())
            _field_end(tokens)
            entry_name = "".join(part[:1].upper() + part[1:] for part in name.split("_")) + "Entry"
            entry = MessageType(entry_name, _scoped(message.full_name, entry_name),
                                [FieldDesc("key", 1, key), FieldDesc("value", 2, value)], map_entry=True)
            message.nested.append(entry)
            message.fields.append(FieldDesc(name, number, entry.full_name, "repeated", oneof))
        else:
            label = ""
            if token in ("optional", "repeated", "required"):
                label, token = token, tokens.next()
            name = tokens.next()
            tokens.expect("=")
            number = int(tokens.next())
            _field_end(tokens)
            message.fields.append(FieldDesc(name, number, token, label, oneof))


def _field_end(tokens: _Tokens) -> None:
    token = tokens.next()
    if token == "[":
        while tokens.next() != "]":
            pass
        token = tokens.next()
    if token != ";":
        raise DataError(f"Invalid Protobuf schema: expected ';', found {token!r}")


def _enum(tokens: _Tokens, scope: str) -> EnumType:
    name = tokens.next()
    enum = EnumType(name, _scoped(scope, name))
    tokens.expect("{")
    while True:
        token = tokens.next()
        if token == "}":
            return enum
        if token in ("option", "reserved"):
            tokens.skip_statement()
            continue
        if token == ";":
            continue
        tokens.expect("=")
        enum.values.append((token, int(tokens.next())))
        _field_end(tokens)


def _resolve(parsed: ProtoFile) -> None:
    types: dict[str, Any] = {TIMESTAMP: MessageType("Timestamp", TIMESTAMP, [FieldDesc("seconds", 1, "int64"),
                                                                              FieldDesc("nanos", 2, "int32")])}

    def collect(message: MessageType) -> None:
        types[message.full_name] = message
        for enum in message.enums:
            types[enum.full_name] = enum
        for nested in message.nested:
            collect(nested)

    for message in parsed.messages:
        collect(message)
    for enum in parsed.enums:
        types[enum.full_name] = enum

    def resolve(message: MessageType) -> None:
        for desc in message.fields:
            if desc.type_name in SCALARS:
                continue
            target = _lookup(types, message.full_name, desc.type_name)
            if target is None:
                raise DataError(f"Invalid Protobuf schema: unknown type {desc.type_name} in {message.full_name}")
            desc.type_name, desc.resolved = target.full_name, target
            desc.kind = "enum" if isinstance(target, EnumType) else "message"
        for nested in message.nested:
            resolve(nested)

    for message in parsed.messages:
        resolve(message)


def _lookup(types: dict[str, Any], scope: str, name: str) -> Any:
    if name.startswith("."):
        return types.get(name[1:])
    parts = scope.split(".")
    while parts:
        found = types.get(".".join([*parts, name]))
        if found is not None:
            return found
        parts.pop()
    return types.get(name)


def render_proto(package: str, messages: list[MessageType], imports: list[str]) -> str:
    """proto3 text for messages built from Connect schemas."""
    lines = ['syntax = "proto3";']
    if package:
        lines.append(f"package {package};")
    lines += [f'import "{name}";' for name in imports]
    for message in messages:
        lines += ["", *_render_message(message, "")]
    return "\n".join(lines) + "\n"


def _render_message(message: MessageType, indent: str) -> list[str]:
    lines = [f"{indent}message {message.name} {{"]
    inner = indent + "  "
    for nested in message.nested:
        if not nested.map_entry:  # written as map<K, V> fields, as protoc reads them
            lines += _render_message(nested, inner)
    for enum in message.enums:
        lines.append(f"{inner}enum {enum.name} {{")
        lines += [f"{inner}  {symbol} = {number};" for symbol, number in enum.values]
        lines.append(f"{inner}}}")
    rendered_oneofs: set[int] = set()
    for desc in message.fields:
        if desc.oneof is not None:
            if desc.oneof in rendered_oneofs:
                continue
            rendered_oneofs.add(desc.oneof)
            lines.append(f"{inner}oneof {message.oneofs[desc.oneof]} {{")
            lines += [f"{inner}  {_type_text(d)} {d.name} = {d.number};" for d in message.fields
                      if d.oneof == desc.oneof]
            lines.append(f"{inner}}}")
            continue
        if desc.kind == "message" and desc.resolved.map_entry:
            key, value = desc.resolved.fields
            lines.append(f"{inner}map<{_type_text(key)}, {_type_text(value)}> {desc.name} = {desc.number};")
            continue
        label = f"{desc.label} " if desc.label else ""
        lines.append(f"{inner}{label}{_type_text(desc)} {desc.name} = {desc.number};")
    lines.append(f"{indent}}}")
    return lines


def _type_text(desc: FieldDesc) -> str:
    if desc.kind == "scalar":
        return desc.type_name
    return "." + desc.type_name if "." in desc.type_name else desc.type_name


# descriptor.proto, the part needed to read a FileDescriptorProto (decoded with proto_binary itself)
_TYPES = {1: "double", 2: "float", 3: "int64", 4: "uint64", 5: "int32", 6: "fixed64", 7: "fixed32", 8: "bool",
          9: "string", 12: "bytes", 13: "uint32", 15: "sfixed32", 16: "sfixed64", 17: "sint32", 18: "sint64"}
_LABELS = {1: "", 2: "required", 3: "repeated"}


def _descriptor_types() -> MessageType:
    def msg(name: str, *fields: FieldDesc) -> MessageType:
        return MessageType(name, name, list(fields))

    def sub(name: str, number: int, target: MessageType, label: str = "repeated") -> FieldDesc:
        return FieldDesc(name, number, target.full_name, label, None, "message", target)

    value = msg("EnumValue", FieldDesc("name", 1, "string"), FieldDesc("number", 2, "int32"))
    enum = msg("Enum", FieldDesc("name", 1, "string"), sub("value", 2, value))
    field_type = msg("Field", FieldDesc("name", 1, "string"), FieldDesc("number", 3, "int32"),
                     FieldDesc("label", 4, "int32"), FieldDesc("type", 5, "int32"), FieldDesc("type_name", 6, "string"),
                     FieldDesc("oneof_index", 9, "int32", presence=True), FieldDesc("proto3_optional", 17, "bool"))
    oneof = msg("Oneof", FieldDesc("name", 1, "string"))
    options = msg("Options", FieldDesc("map_entry", 7, "bool"))
    message = msg("Message", FieldDesc("name", 1, "string"), sub("field", 2, field_type), sub("enum_type", 4, enum),
                  sub("oneof_decl", 8, oneof), sub("options", 7, options, ""))
    message.fields.insert(2, sub("nested_type", 3, message))
    return msg("File", FieldDesc("name", 1, "string"), FieldDesc("package", 2, "string"),
               FieldDesc("dependency", 3, "string", "repeated"), sub("message_type", 4, message),
               sub("enum_type", 5, enum), FieldDesc("syntax", 12, "string"))


def _from_descriptor(data: bytes) -> ProtoFile:
    from connect_core.converters.proto_binary import decode_message

    decoded = decode_message(_descriptor_types(), data)
    package = decoded["package"]

    def enum(node: dict[str, Any], scope: str) -> EnumType:
        return EnumType(node["name"], _scoped(scope, node["name"]), [(v["name"], v["number"]) for v in node["value"]])

    def message(node: dict[str, Any], scope: str) -> MessageType:
        full = _scoped(scope, node["name"])
        result = MessageType(node["name"], full, oneofs=[o["name"] for o in node["oneof_decl"]],
                             map_entry=bool((node.get("options") or {}).get("map_entry")))
        result.nested = [message(n, full) for n in node["nested_type"]]
        result.enums = [enum(e, full) for e in node["enum_type"]]
        for f in node["field"]:
            type_name = _TYPES.get(f["type"]) or f["type_name"]
            oneof = f.get("oneof_index") if not f.get("proto3_optional") else None
            result.fields.append(FieldDesc(f["name"], f["number"], type_name, _LABELS.get(f["label"], ""), oneof))
        return result

    parsed = ProtoFile(package, [message(m, package) for m in decoded["message_type"]],
                       [enum(e, package) for e in decoded["enum_type"]], list(decoded["dependency"]),
                       decoded["syntax"] or "proto2")
    _resolve(parsed)
    return parsed
