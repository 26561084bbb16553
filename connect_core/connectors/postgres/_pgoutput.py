"""Decoding pgoutput's logical replication messages (protocol version 1), as PostgreSQL documents them.

"Logical Replication Message Formats": every XLogData payload is one message whose first byte names it. Column
values arrive in text form (``'t'``), as null (``'n'``) or as an unchanged TOASTed value the server did not send
(``'u'``). Only the decoding lives here; what a message means for the stream is ``_stream.py``'s.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

__all__ = [
    "UNCHANGED_TOAST", "Begin", "Column", "Commit", "Delete", "Insert", "Message", "Relation", "Truncate", "Update",
    "decode", "decode_reference", "insert_reader",
]

UNCHANGED_TOAST: Final = object()  # a 'u' column: unchanged TOASTed value, not sent
PG_EPOCH_US: Final = 946_684_800_000_000  # 2000-01-01 in microseconds since the Unix epoch
_I8 = struct.Struct("!b")
_I16 = struct.Struct("!h")
_I32 = struct.Struct("!i")
_U32 = struct.Struct("!I")
_I64 = struct.Struct("!q")
_U64 = struct.Struct("!Q")
_LENGTH = _I32.unpack_from


class _Reader:
    """A cursor over one message's bytes."""

    __slots__ = ("data", "pos")

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def byte(self) -> int:
        value = self.data[self.pos]
        self.pos += 1
        return value

    def _unpack(self, fmt: struct.Struct) -> int:
        (value,) = fmt.unpack_from(self.data, self.pos)
        self.pos += fmt.size
        return int(value)

    def i8(self) -> int:
        return self._unpack(_I8)

    def i16(self) -> int:
        return self._unpack(_I16)

    def i32(self) -> int:
        return self._unpack(_I32)

    def u32(self) -> int:
        return self._unpack(_U32)

    def i64(self) -> int:
        return self._unpack(_I64)

    def u64(self) -> int:
        return self._unpack(_U64)

    def string(self) -> str:
        end = self.data.index(0, self.pos)
        text = self.data[self.pos:end].decode("utf-8")
        self.pos = end + 1
        return text

    def tuple_data(self) -> list[object]:
        """TupleData: text values (str), None for null, ``UNCHANGED_TOAST`` for an unchanged TOASTed value (the
        readable form of ``_tuple_data``, which ``decode`` uses)."""
        count = self.i16()
        out: list[object] = []
        for _ in range(count):
            kind = self.byte()
            if kind == 0x6E:  # 'n'
                out.append(None)
            elif kind == 0x75:  # 'u'
                out.append(UNCHANGED_TOAST)
            else:  # 't' text or 'b' binary (binary is never asked for)
                length = self.i32()
                raw = self.data[self.pos:self.pos + length]
                self.pos += length
                out.append(raw.decode("utf-8") if kind == 0x74 else raw)
        return out


@dataclass(slots=True)
class Begin:
    """A transaction starts: its commit LSN, commit time (µs since the Unix epoch) and xid."""

    final_lsn: int
    commit_ts_us: int
    xid: int


@dataclass(slots=True)
class Commit:
    """A transaction ends: the commit record's LSN and the LSN after it."""

    commit_lsn: int
    end_lsn: int
    commit_ts_us: int


@dataclass(slots=True)
class Column:
    """One column of a Relation message."""

    name: str
    type_oid: int
    type_modifier: int
    key: bool  # part of the replica identity


@dataclass(slots=True)
class Relation:
    """A table's description, sent before its first change in a session and after every change of its schema."""

    relid: int
    namespace: str
    name: str
    replica_identity: str  # 'd' default, 'n' nothing, 'f' full, 'i' index
    columns: list[Column] = field(default_factory=list)


@dataclass(slots=True)
class Insert:
    """A row inserted."""

    relid: int
    new: list[object]


@dataclass(slots=True)
class Update:
    """A row updated; ``old`` holds the replica identity ('K') or the whole old row ('O') when the server sent it."""

    relid: int
    old: list[object] | None
    old_is_key: bool
    new: list[object]


@dataclass(slots=True)
class Delete:
    """A row deleted; ``old`` as for an update."""

    relid: int
    old: list[object]
    old_is_key: bool


@dataclass(slots=True)
class Truncate:
    """Tables truncated."""

    relids: list[int]


@dataclass(slots=True)
class Message:
    """Anything else (Origin, Type, logical decoding messages): nothing for the stream to emit."""

    kind: str


Decoded = Begin | Commit | Relation | Insert | Update | Delete | Truncate | Message


def _tuple_data(data: bytes, pos: int, text: str | None) -> tuple[list[object], int]:
    """``_Reader.tuple_data`` in one pass of local reads (a row's columns are most of the stream's bytes): the
    values and the position after them. ``text``: the message as ``_text`` gives it (None: a decode per value)."""
    (count,) = _I16.unpack_from(data, pos)
    pos += 2
    out: list[object] = []
    append = out.append
    for _ in range(count):
        kind = data[pos]
        if kind == 0x74:  # 't'
            (length,) = _LENGTH(data, pos + 1)
            pos += 5 + length
            append(data[pos - length:pos].decode() if text is None else text[pos - length:pos])
        elif kind == 0x6E:  # 'n'
            pos += 1
            append(None)
        elif kind == 0x75:  # 'u'
            pos += 1
            append(UNCHANGED_TOAST)
        else:  # 'b' binary (never asked for)
            (length,) = _LENGTH(data, pos + 1)
            pos += 5 + length
            append(data[pos - length:pos])
    return out, pos


def _old_fast(data: bytes, pos: int, text: str | None) -> tuple[list[object] | None, bool, int]:
    marker = data[pos]
    if marker in (0x4B, 0x4F):  # 'K' key, 'O' old row
        old, pos = _tuple_data(data, pos + 1, text)
        return old, marker == 0x4B, pos
    return None, False, pos


def _text(payload: bytes) -> str | None:
    """The message as text when its TupleData is ASCII (from byte 5 on; the relid may not be): a value is then a
    slice of it, at its byte positions, with no decode per value."""
    return payload.decode("latin-1") if payload[5:].isascii() else None


def decode(payload: bytes) -> Decoded:
    """One pgoutput message (row changes read in one pass; every other message as ``decode_reference`` does)."""
    kind = payload[0]
    if kind not in (0x49, 0x55, 0x44):  # not 'I', 'U' or 'D'
        return decode_reference(payload)
    text = _text(payload)
    relid = _U32.unpack_from(payload, 1)[0]
    if kind == 0x49:  # 'I': relid, 'N', TupleData
        return Insert(relid, _tuple_data(payload, 6, text)[0])
    old, is_key, pos = _old_fast(payload, 5, text)  # 'U'/'D': relid, 'K'/'O' TupleData (optional in 'U')
    if kind == 0x55:  # 'U': then 'N', TupleData
        return Update(relid, old, is_key, _tuple_data(payload, pos + 1, text)[0])
    return Delete(relid, old or [], is_key)


def _old(reader: _Reader) -> tuple[list[object] | None, bool]:
    marker = reader.data[reader.pos]
    if marker in (0x4B, 0x4F):  # 'K' key, 'O' old row
        reader.pos += 1
        return reader.tuple_data(), marker == 0x4B
    return None, False


def decode_reference(payload: bytes) -> Decoded:
    """One pgoutput message, field by field as the protocol documents it (what ``decode`` returns)."""
    reader = _Reader(payload)
    kind = chr(reader.byte())
    if kind == "B":
        return Begin(reader.u64(), reader.i64() + PG_EPOCH_US, reader.u32())
    if kind == "C":
        reader.i8()  # flags, unused
        return Commit(reader.u64(), reader.u64(), reader.i64() + PG_EPOCH_US)
    if kind == "R":
        relation = Relation(reader.u32(), reader.string(), reader.string(), chr(reader.byte()))
        for _ in range(reader.i16()):
            flags = reader.i8()
            relation.columns.append(Column(reader.string(), reader.u32(), reader.i32(), bool(flags & 1)))
        return relation
    if kind == "I":
        relid = reader.u32()
        reader.byte()  # 'N'
        return Insert(relid, reader.tuple_data())
    if kind == "U":
        relid = reader.u32()
        old, is_key = _old(reader)
        reader.byte()  # 'N'
        return Update(relid, old, is_key, reader.tuple_data())
    if kind == "D":
        relid = reader.u32()
        old, is_key = _old(reader)
        return Delete(relid, old or [], is_key)
    if kind == "T":
        count = reader.i32()
        reader.i8()  # options
        return Truncate([reader.u32() for _ in range(count)])
    return Message(kind)


def insert_reader(count: int,
                  plan: Sequence[tuple[int, Callable[[str], Any] | None]]) -> Callable[[bytes], list[Any] | None]:
    """The fast path of ``decode`` + ``TableSchema.row`` for an Insert of ``count`` columns: one generated function
    reading the payload's TupleData column by column, converting the kept ones (``plan``: position, converter or
    None for text as it is) into the row's values. It returns None for what it does not read (another column count,
    a binary or unchanged TOASTed value): the caller then takes the reference path."""
    lines = ["def read(data, L=_LENGTH, C=_COUNT):",
             f"    if C(data, 6)[0] != {count}:",
             "        return None",
             "    text = data.decode('latin-1') if data[5:].isascii() else None",  # as ``_text``
             "    pos = 8"]
    kept = {position: index for index, (position, _convert) in enumerate(plan)}
    namespace: dict[str, Any] = {"_LENGTH": _LENGTH, "_COUNT": _I16.unpack_from}
    for position in range(count):
        index = kept.get(position)
        convert = None if index is None else plan[index][1]
        if index is None:
            lines += ["    kind = data[pos]",
                      "    if kind == 0x74:",
                      "        pos += 5 + L(data, pos + 1)[0]",
                      "    elif kind == 0x6E:",
                      "        pos += 1",
                      "    else:",
                      "        return None"]
            continue
        value = "(data[pos - size:pos].decode() if text is None else text[pos - size:pos])"
        if convert is not None:
            namespace[f"c{index}"] = convert
            value = f"c{index}{value}"
        lines += ["    kind = data[pos]",
                  "    if kind == 0x74:",
                  "        size = L(data, pos + 1)[0]",
                  "        pos += 5 + size",
                  f"        v{index} = {value}",
                  "    elif kind == 0x6E:",
                  "        pos += 1",
                  f"        v{index} = None",
                  "    else:",
                  "        return None"]
    lines.append("    return [" + ", ".join(f"v{index}" for index in range(len(plan))) + "]")
    exec(compile("\n".join(lines), "<compiled insert_reader>", "exec"), namespace)
    reader: Callable[[bytes], list[Any] | None] = namespace["read"]
    return reader
