"""Chunk keys as Debezium stores them in offsets: a Java-serialized ``Object[]`` (``ObjectOutputStream``) in hex.

Debezium's incremental snapshot keeps ``incremental_snapshot_primary_key`` and ``incremental_snapshot_maximum_key``
this way (``AbstractIncrementalSnapshotContext.arrayToSerializedString``), so a stored offset moves between
Debezium's connector and ours only if both read and write the same bytes. Supported element types are the ones a
primary key column reads as through JDBC and that serialize with primitive fields only: ``Integer``, ``Long``,
``Short``, ``Byte``, ``Boolean``, ``Double``, ``Float`` and ``String`` (other key types, e.g. numeric or uuid, are
written as their text in a ``String``; reading a Debezium key of such a type is refused with a clear error).
"""

from __future__ import annotations

import struct
from typing import Any, Final

__all__ = ["JavaValue", "deserialize_key", "serialize_key"]

JavaValue = tuple[str, Any]  # (Java class short name, value), e.g. ("Integer", 5)

_MAGIC: Final = b"\xac\xed\x00\x05"
_TC_NULL, _TC_REFERENCE, _TC_CLASSDESC, _TC_OBJECT, _TC_STRING, _TC_ARRAY, _TC_ENDBLOCKDATA, _TC_LONGSTRING = (
    0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x78, 0x7C)
_BASE_HANDLE: Final = 0x7E0000
_SC_SERIALIZABLE: Final = 0x02
_OBJECT_ARRAY: Final = ("[Ljava.lang.Object;", 0x90CE589F1073296C)
_NUMBER: Final = ("java.lang.Number", 0x86AC951D0B94E08B)
# short name -> (class, serialVersionUID, field type code, struct format, extends Number)
_BOXED: Final = {
    "Integer": ("java.lang.Integer", 0x12E2A0A4F7818738, "I", ">i", True),
    "Long": ("java.lang.Long", 0x3B8BE490CC8F23DF, "J", ">q", True),
    "Short": ("java.lang.Short", 0x684D37133460DA52, "S", ">h", True),
    "Byte": ("java.lang.Byte", 0x9C4E6084EE50F51C, "B", ">b", True),
    "Double": ("java.lang.Double", 0x80B3C24A296BFB04, "D", ">d", True),
    "Float": ("java.lang.Float", 0xDAEDC9A2DB3CF0EC, "F", ">f", True),
    "Boolean": ("java.lang.Boolean", 0xCD207280D59CFAEE, "Z", ">?", False),
}
_BY_CLASS: Final = {spec[0]: name for name, spec in _BOXED.items()}
_PRIMITIVE_SIZES: Final = {"B": 1, "C": 2, "D": 8, "F": 4, "I": 4, "J": 8, "S": 2, "Z": 1}


def _utf(text: str) -> bytes:
    data = text.encode("utf-8")  # Java's modified UTF-8 differs only for NUL and supplementary characters
    return struct.pack(">H", len(data)) + data


class _Writer:
    def __init__(self) -> None:
        self.out = bytearray(_MAGIC)
        self.handle = _BASE_HANDLE
        self.descs: dict[str, int] = {}

    def new_handle(self) -> int:
        handle = self.handle
        self.handle += 1
        return handle

    def class_desc(self, name: str, uid: int, fields: list[tuple[str, str]], parent: tuple[str, int] | None) -> None:
        if name in self.descs:
            self.out += bytes([_TC_REFERENCE]) + struct.pack(">I", self.descs[name])
            return
        self.out += bytes([_TC_CLASSDESC]) + _utf(name) + struct.pack(">Q", uid) + bytes([_SC_SERIALIZABLE])
        self.descs[name] = self.new_handle()
        self.out += struct.pack(">H", len(fields))
        for code, field in fields:
            self.out += code.encode() + _utf(field)
        self.out.append(_TC_ENDBLOCKDATA)
        if parent is None:
            self.out.append(_TC_NULL)
        else:
            self.class_desc(*parent, [], None)


def serialize_key(values: list[JavaValue] | None) -> str:
    """``values`` as Java writes ``new Object[]{...}`` (None: a null array), in lower-case hex."""
    writer = _Writer()
    if values is None:
        writer.out.append(_TC_NULL)
        return writer.out.hex()
    writer.out.append(_TC_ARRAY)
    writer.class_desc(*_OBJECT_ARRAY, [], None)
    writer.new_handle()  # the array itself
    writer.out += struct.pack(">i", len(values))
    for kind, value in values:
        if value is None:
            writer.out.append(_TC_NULL)
        elif kind == "String":
            writer.out.append(_TC_STRING)
            writer.new_handle()
            writer.out += _utf(str(value))
        else:
            name, uid, code, fmt, number = _BOXED[kind]
            writer.out.append(_TC_OBJECT)
            writer.class_desc(name, uid, [(code, "value")], _NUMBER if number else None)
            writer.new_handle()
            writer.out += struct.pack(fmt, value)
    return writer.out.hex()


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0
        self.handles: list[Any] = []

    def take(self, size: int) -> bytes:
        if self.pos + size > len(self.data):
            raise ValueError("truncated")
        chunk = self.data[self.pos:self.pos + size]
        self.pos += size
        return chunk

    def byte(self) -> int:
        return self.take(1)[0]

    def utf(self) -> str:
        return self.take(struct.unpack(">H", self.take(2))[0]).decode("utf-8")

    def reference(self) -> Any:
        return self.handles[struct.unpack(">I", self.take(4))[0] - _BASE_HANDLE]

    def class_desc(self) -> list[tuple[str, list[tuple[str, str]]]] | None:
        """A class and its ancestors, each (name, [(type code, field)]), most derived first."""
        tag = self.byte()
        if tag == _TC_NULL:
            return None
        if tag == _TC_REFERENCE:
            return self.reference()
        if tag != _TC_CLASSDESC:
            raise ValueError(f"unexpected tag {tag:#x} for a class description")
        name = self.utf()
        self.take(9)  # serialVersionUID and flags
        slot = len(self.handles)
        self.handles.append(None)
        fields = []
        for _ in range(struct.unpack(">H", self.take(2))[0]):
            code = chr(self.byte())
            field = self.utf()
            if code in "[L":
                self.content()  # the field's class name
            fields.append((code, field))
        if self.byte() != _TC_ENDBLOCKDATA:
            raise ValueError(f"class {name} has annotations")
        desc = [(name, fields), *(self.class_desc() or [])]
        self.handles[slot] = desc
        return desc

    def content(self) -> Any:
        tag = self.byte()
        if tag == _TC_NULL:
            return None
        if tag == _TC_REFERENCE:
            return self.reference()
        if tag in (_TC_STRING, _TC_LONGSTRING):
            size = struct.unpack(">H" if tag == _TC_STRING else ">Q", self.take(2 if tag == _TC_STRING else 8))[0]
            text: JavaValue = ("String", self.take(size).decode("utf-8"))
            self.handles.append(text)
            return text
        if tag == _TC_OBJECT:
            desc = self.class_desc()
            assert desc is not None
            kind = _BY_CLASS.get(desc[0][0])
            if kind is None:
                raise ValueError(f"objects of class {desc[0][0]} are not supported")
            self.handles.append(None)
            slot = len(self.handles) - 1
            value = (kind, struct.unpack(_BOXED[kind][3], self.take(_PRIMITIVE_SIZES[_BOXED[kind][2]]))[0])
            self.handles[slot] = value
            return value
        if tag == _TC_ARRAY:
            desc = self.class_desc()
            if desc is None or desc[0][0] != _OBJECT_ARRAY[0]:
                raise ValueError("not an Object[]")
            items: list[Any] = []
            self.handles.append(items)
            for _ in range(struct.unpack(">i", self.take(4))[0]):
                item = self.content()
                items.append(("Null", None) if item is None else item)
            return items
        raise ValueError(f"unexpected tag {tag:#x}")


def deserialize_key(text: str | None) -> list[JavaValue] | None:
    """The (class, value) items of a Java-serialized ``Object[]`` in hex (None for a serialized null or no text;
    a null item is ``("Null", None)``).

    Raises ValueError naming what cannot be read.
    """
    if text is None:
        return None
    reader = _Reader(bytes.fromhex(text))
    if reader.take(4) != _MAGIC:
        raise ValueError("not a Java serialization stream")
    value = reader.content()
    if value is not None and not isinstance(value, list):
        raise ValueError("not an Object[]")
    return value
