"""Java's ``new String(bytes, charset)`` and ``String.getBytes(charset)``: what a bad byte or character becomes.

Java never raises here: malformed input decodes to U+FFFD and a character the charset cannot encode becomes the
encoder's replacement (``?``). Kafka's ``StringConverter`` (``StringSerializer``/``StringDeserializer``) relies on
it, so one bad byte is a replaced character, not a failed record. Python's ``errors="replace"`` differs for UTF-8:
it replaces each *maximal subpart* (``b"\\xed\\xa0\\x80x"``, an encoded surrogate, is three U+FFFD and ``x``), where
the JDK's decoder (``sun.nio.cs.UTF_8``, and ``String``'s own loop that matches it) replaces one malformed sequence
of its own measure (one U+FFFD and ``x``). The UTF-8 rules below are the JDK's; single-byte charsets replace as
Python does (one U+FFFD per undecodable byte, one ``?`` per unencodable character); UTF-16 and UTF-32 follow Java's
byte order, byte order marks and replacements, which Python's codecs do not. All are compared byte for byte with
Kafka's converter in ``tests/compat/test_java_text_compat.py`` (UTF-8, US-ASCII, ISO-8859-1, windows-1252, UTF-16,
UTF-16BE, UTF-16LE, UTF-32). A Python string may hold a surrogate pair as two code points (from JSON's
``\\ud83d\\ude00``): Java encodes such a pair as the one character it is.
"""

from __future__ import annotations

import codecs

__all__ = ["java_decode", "java_encode", "python_agrees"]

_DECODE_ERRORS = "lambda-connect-java-decode"
_ENCODE_ERRORS = "lambda-connect-java-encode"
_UTF8 = "utf-8"


def _continuation(byte: int) -> bool:
    return byte & 0xC0 == 0x80


def _utf8_malformed_length(data: bytes, at: int) -> int:
    """How many bytes from ``at`` the JDK's UTF-8 decoder replaces with one U+FFFD (``at`` starts no valid
    sequence): ``UTF_8.Decoder``'s ``malformedN`` for a whole sequence, and what is left of the input (one
    replacement) for a sequence cut short by the end of the input."""
    lead, left = data[at], len(data) - at
    if 0xE0 <= lead <= 0xEF:
        second = data[at + 1] if left > 1 else None
        bad_second = second is not None and ((lead == 0xE0 and second & 0xE0 == 0x80) or not _continuation(second))
        if left < 3:
            return 1 if bad_second else left
        return 1 if bad_second else 2 if not _continuation(data[at + 2]) else 3  # 3: an encoded surrogate
    if 0xF0 <= lead <= 0xF7:
        second = data[at + 1] if left > 1 else None
        if lead > 0xF4 or (second is not None and (
                (lead == 0xF0 and not 0x90 <= second <= 0xBF) or (lead == 0xF4 and second & 0xF0 != 0x80)
                or not _continuation(second))):
            return 1
        if left > 2 and not _continuation(data[at + 2]):
            return 2
        return left if left < 4 else 3
    return 1  # a continuation byte, C0, C1, F8..FF, or a two-byte lead not followed by a continuation byte


def _decode_errors(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeDecodeError):
        raise error
    if codecs.lookup(error.encoding).name != _UTF8:
        return "\ufffd" * (error.end - error.start), error.end
    return "\ufffd", error.start + _utf8_malformed_length(error.object, error.start)


def _encode_errors(error: UnicodeError) -> tuple[bytes, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    text, end = error.object, error.end
    out: list[str] = []
    at = error.start
    while at < end:
        char = text[at]
        if "\ud800" <= char <= "\udbff" and at + 1 < len(text) and "\udc00" <= text[at + 1] <= "\udfff":
            pair = chr(0x10000 + ((ord(char) - 0xD800) << 10) + (ord(text[at + 1]) - 0xDC00))
            try:
                pair.encode(error.encoding)
            except UnicodeEncodeError:
                out.append("?")
            else:
                out.append(pair)
            at += 2
            end = max(end, at)
        else:
            out.append("?")
            at += 1
    # bytes: a codec takes only ASCII text as a replacement (a pair's character is not)
    return "".join(out).encode(error.encoding), at


codecs.register_error(_DECODE_ERRORS, _decode_errors)
codecs.register_error(_ENCODE_ERRORS, _encode_errors)


# Java's UTF-16 and UTF-32 charsets by Python codec name: (byte order, unit size, a BOM written when encoding, a
# leading BOM read when decoding). Python's own "utf-16"/"utf-32" write little-endian (the machine's order); Java's
# write big-endian ("UTF-16" with a BOM, "UTF-32" without) and read big-endian when no BOM says otherwise.
_UNICODE: dict[str, tuple[str, int, bool, bool]] = {
    "utf-16": ("be", 2, True, True), "utf-16-be": ("be", 2, False, False), "utf-16-le": ("le", 2, False, False),
    "utf-32": ("be", 4, False, True), "utf-32-be": ("be", 4, False, False), "utf-32-le": ("le", 4, False, False),
}


def _unicode_decode(data: bytes, order: str, unit: int, reads_bom: bool) -> str:
    """The JDK's UTF-16 (``UnicodeDecoder``) and UTF-32 (``UTF_32Coder``) decoders with replacement: a leading BOM
    picks the byte order; in UTF-16 a low surrogate alone is one U+FFFD, a high surrogate
    and the unit after it that is no low surrogate together one; in UTF-32 a surrogate code point passes as it is
    and one past U+10FFFF is one U+FFFD; what is left at the end, too short for a unit (or a pair), is one U+FFFD."""
    big = (b"\xfe\xff", b"\x00\x00\xfe\xff")[unit == 4]
    little = (b"\xff\xfe", b"\xff\xfe\x00\x00")[unit == 4]
    if reads_bom and data.startswith(big):
        data = data[unit:]
    elif reads_bom and data.startswith(little):
        order, data = "le", data[unit:]
    codec = f"utf-{unit * 8}-{order}"
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        pass
    values = [int.from_bytes(data[at:at + unit], "big" if order == "be" else "little")
              for at in range(0, len(data) - len(data) % unit, unit)]
    out: list[str] = []
    at = 0
    while at < len(values):
        value = values[at]
        at += 1
        if unit == 4:
            out.append(chr(value) if value <= 0x10FFFF else "\ufffd")
        elif 0xDC00 <= value <= 0xDFFF:
            out.append("\ufffd")
        elif 0xD800 <= value <= 0xDBFF:
            if at == len(values):  # a high surrogate at the end: with any odd byte left, one malformed rest
                out.append("\ufffd")
                return "".join(out)
            low = values[at]
            at += 1
            out.append(chr(0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00)) if 0xDC00 <= low <= 0xDFFF
                       else "\ufffd")
        else:
            out.append(chr(value))
    if len(data) % unit:
        out.append("\ufffd")
    return "".join(out)


def _unicode_encode(text: str, order: str, unit: int, writes_bom: bool) -> bytes:
    """Java's UTF-16/UTF-32 encoders: a surrogate pair held as two code points is one character, a lone surrogate
    the replacement U+FFFD (the only character these charsets cannot encode)."""
    paired = text.encode("utf-16-be", "surrogatepass").decode("utf-16-be", "replace")
    encoded = paired.encode(f"utf-{unit * 8}-{order}")
    return ("\ufeff".encode(f"utf-{unit * 8}-{order}") + encoded) if writes_bom else encoded


def python_agrees(encoding: str) -> bool:
    """Whether Python's own codec, where it succeeds (``errors="strict"``), gives Java's bytes and text (not for
    UTF-16 and UTF-32, whose byte order and marks differ): a batch may then take Python's codec first."""
    return codecs.lookup(encoding).name not in _UNICODE


def java_decode(data: bytes, encoding: str) -> str:
    """``new String(data, encoding)``: malformed input replaced as the JDK replaces it."""
    unicode = _UNICODE.get(codecs.lookup(encoding).name)
    if unicode is not None:
        order, unit, _writes, reads = unicode
        return _unicode_decode(data, order, unit, reads)
    return data.decode(encoding, _DECODE_ERRORS)


def java_encode(text: str, encoding: str) -> bytes:
    """``text.getBytes(encoding)``: an unencodable character (a lone surrogate, a character outside the charset)
    becomes ``?`` (U+FFFD in UTF-16 and UTF-32); a surrogate pair held as two code points is encoded as the one
    character it stands for."""
    unicode = _UNICODE.get(codecs.lookup(encoding).name)
    if unicode is not None:
        order, unit, writes, _reads = unicode
        return _unicode_encode(text, order, unit, writes)
    return text.encode(encoding, _ENCODE_ERRORS)
