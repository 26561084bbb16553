"""Jackson's compact JSON text of plain Python data, as Kafka's ``JsonConverter`` writes schemaless values.

Two writers that must give the same bytes: :func:`jackson_json_readable` walks the data and writes every value the
way Jackson does (the reference), and :func:`jackson_json` lets ``orjson`` write it. A walk first checks every
value's exact class and replaces what orjson writes differently from Jackson: bytes become their base64 text,
doubles outside ``[1e-3, 1e7)`` (and NaN, infinities) their ``Double.toString`` text. orjson's text then differs
only in string escapes (lower-case ``\\u001f``, characters outside the BMP unescaped), fixed on the output. Anything
else (a non-string key, a ``Decimal``, a subclass, a lone surrogate, an int beyond 64 bits) returns None, and the
caller writes the value the readable way (which raises Kafka's error where there is one).
"""

from __future__ import annotations

import binascii
import decimal as _decimal
import re
from typing import Any

import orjson

from connect_core.api.java_text import jackson_escapes, jackson_string, java_double_str, java_float_str

__all__ = ["ASTRAL_LEAD", "BACKSLASH", "UNICODE_ESCAPE", "JavaFloat", "astral_escaped", "has_astral", "jackson_escaped",
           "jackson_float_text", "jackson_json", "jackson_json_readable", "java_decimal_text",
           "orjson_text_is_jacksons"]

_dumps = orjson.dumps
_Fragment = orjson.Fragment
_b2a = binascii.b2a_base64
_SCALARS = frozenset({str, int, bool, type(None)})
_BYTES = (bytes, bytearray, memoryview)
BACKSLASH = ord("\\")  # an int needle is a memchr; a bytes needle (even one byte long) is slower on short texts
# a ``\u`` in orjson's text (a control character's escape, or a backslash before a ``u``): the regular expression's
# search is about twice as fast as ``in`` on texts with many backslashes (Debezium's escaped ``source.sequence``)
UNICODE_ESCAPE = re.compile(rb"\\u")
ASTRAL_LEAD = re.compile(rb"[\xf0-\xf4]")  # the lead byte of a 4-byte UTF-8 sequence: a character outside the BMP
_ASTRAL_CHAR = re.compile(rb"[\xf0-\xf4][\x80-\xbf]{3}")  # one whole 4-byte UTF-8 sequence


class JavaFloat(float):
    """A FLOAT32 value: written as Java's ``Float.toString`` of it, not as a double."""

    __slots__ = ()


class _NotExact(Exception):
    """A value the orjson path cannot write as Jackson does."""


def java_decimal_text(value: _decimal.Decimal) -> str:
    """``BigDecimal.toString`` (Python's ``str`` follows the same rules; Java has no negative zero)."""
    return str(abs(value)) if value.is_zero() else str(value)


def _double_text(value: float) -> str:
    text = java_double_str(value)
    return text if text[-1].isdigit() else f'"{text}"'  # Jackson quotes NaN and the infinities


def jackson_float_text(value: float) -> str:
    """Jackson's text of a FLOAT32 value (``Float.toString``; NaN and the infinities quoted)."""
    text = java_float_str(value)
    return text if text[-1].isdigit() else f'"{text}"'


def _plain_double(value: float) -> bool:
    """Whether orjson prints the double as Java does (plain notation, shortest digits: zero and ``[1e-3, 1e7)``)."""
    return value == 0.0 or 1e-3 <= value < 1e7 or -1e7 < value <= -1e-3


def _ready(value: Any, data: bool) -> Any:
    """``value``, or a copy whose orjson text is Jackson's but for string escapes; raises :class:`_NotExact`."""
    cls = value.__class__
    if cls in _SCALARS:
        return value
    if cls is float:
        return value if _plain_double(value) else _Fragment(_double_text(value))
    if cls is dict:
        if set(map(type, value.values())) <= _SCALARS:
            return value
        entries: Any = value.items()
    elif cls is list or cls is tuple:
        if set(map(type, value)) <= _SCALARS:
            return value
        entries = enumerate(value)
    else:
        return _ready_scalar(value, cls, data)
    copy = None
    for key, item in entries:
        kind = item.__class__
        if kind in _SCALARS or kind is float and (item == 0.0 or 1e-3 <= item < 1e7 or -1e7 < item <= -1e-3):
            continue  # (_plain_double inline: most values of a record take this line)
        ready = _ready(item, data)
        if ready is not item:
            if copy is None:
                copy = dict(value) if cls is dict else list(value)  # a dict keeps its key order, values replaced
            copy[key] = ready
    return value if copy is None else copy


def _ready_scalar(value: Any, cls: type, data: bool) -> Any:
    if cls in _BYTES:
        return _b2a(value, newline=False).decode("ascii")
    if cls is JavaFloat and data:
        return _Fragment(jackson_float_text(value))
    if cls is _decimal.Decimal and data and value.is_finite():
        return _Fragment(java_decimal_text(value))
    raise _NotExact


def jackson_json(value: Any, *, data: bool = False) -> bytes | None:
    """Jackson's UTF-8 text of ``value`` through orjson, or None when only :func:`jackson_json_readable` can tell.

    ``data``: ``value`` is ``to_json_data``'s output, where a ``decimal.Decimal`` is a number (NUMERIC decimals) and
    a :class:`JavaFloat` a FLOAT32; without it (a schemaless Connect value: Kafka has no Decimal there, and no
    float32 subclass) either one returns None.
    """
    try:
        text = _dumps(_ready(value, data))
    except (_NotExact, orjson.JSONEncodeError, RecursionError):
        return None
    return jackson_escaped(text)


def orjson_text_is_jacksons(text: bytes) -> bool:
    """Whether orjson output is certainly Jackson's text: no ``\\u`` escape and no 4-byte UTF-8 character (the
    generated writers of converters/_json_compiled.py inline this check)."""
    if BACKSLASH in text and UNICODE_ESCAPE.search(text) is not None:
        return False
    return text.isascii() or not has_astral(text)


def has_astral(text: bytes) -> bool:
    """Whether UTF-8 ``text`` holds a character outside the BMP (a 4-byte sequence's lead byte); five ``memchr``
    scans, several times cheaper than :data:`ASTRAL_LEAD`'s search on long non-ASCII text."""
    return 0xF0 in text or 0xF1 in text or 0xF2 in text or 0xF3 in text or 0xF4 in text


def _surrogate_pair(match: re.Match[bytes]) -> bytes:
    code = ord(match.group().decode("utf-8")) - 0x10000
    return b"\\u%04X\\u%04X" % (0xD800 + (code >> 10), 0xDC00 + (code & 0x3FF))


def astral_escaped(text: bytes) -> bytes:
    """orjson's UTF-8 JSON text with no ``\\u`` escape in it, its characters outside the BMP written as Jackson
    writes them (escaped surrogate pairs, upper-case hex), on the bytes: what :func:`jackson_escaped` gives such
    text, without decoding it and scanning it for control-character escapes."""
    return _ASTRAL_CHAR.sub(_surrogate_pair, text)


def jackson_escaped(text: bytes) -> bytes:
    """orjson's UTF-8 JSON text with Jackson's string escapes: upper-case hex in ``\\u001F`` (control characters)
    and characters outside the BMP as escaped surrogate pairs (only strings hold a backslash or a non-ASCII byte)."""
    if orjson_text_is_jacksons(text):
        return text
    return jackson_escapes(text.decode("utf-8")).encode("utf-8")


def jackson_json_readable(value: Any) -> str:
    """Jackson's text of ``value`` (dicts with string keys, lists, tuples, str, int, float, bool, None, bytes,
    ``Decimal``, :class:`JavaFloat`), value by value: the reference for :func:`jackson_json`.

    Raises:
        TypeError: a value of another type, or a key that is not a string.
    """
    out: list[str] = []
    _write(value, out)
    return "".join(out)


def _write(value: Any, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif isinstance(value, bool):
        out.append("true" if value else "false")
    elif isinstance(value, JavaFloat):
        out.append(jackson_float_text(value))
    elif isinstance(value, float):
        out.append(_double_text(value))
    elif isinstance(value, int):
        out.append(str(value))
    elif isinstance(value, str):
        out.append(jackson_string(value))
    elif isinstance(value, _BYTES):
        out.append('"' + _b2a(value, newline=False).decode("ascii") + '"')
    elif isinstance(value, _decimal.Decimal):
        out.append(java_decimal_text(value))
    elif isinstance(value, dict):
        out.append("{")
        for i, (key, item) in enumerate(value.items()):
            if not isinstance(key, str):
                raise TypeError(f"JSON object keys must be strings, not {type(key).__name__}")
            out.append(("," if i else "") + jackson_string(key) + ":")
            _write(item, out)
        out.append("}")
    elif isinstance(value, (list, tuple)):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _write(item, out)
        out.append("]")
    else:
        raise TypeError(f"{type(value).__name__} has no JSON text")
