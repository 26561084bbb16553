"""Java's ``new String(bytes, charset)`` and ``String.getBytes(charset)``: what a bad byte or character becomes.

Java never raises here: malformed input decodes to U+FFFD and a character the charset cannot encode becomes the
encoder's replacement (``?``). Kafka's ``StringConverter`` (``StringSerializer``/``StringDeserializer``) relies on
it, so one bad byte is a replaced character, not a failed record. Python's ``errors="replace"`` differs for UTF-8:
it replaces each *maximal subpart* (``b"\\xed\\xa0\\x80x"``, an encoded surrogate, is three U+FFFD and ``x``), where
the JDK's decoder (``sun.nio.cs.UTF_8``, and ``String``'s own loop that matches it) replaces one malformed sequence
of its own measure (one U+FFFD and ``x``). The UTF-8 rules below are the JDK's, compared byte for byte with Kafka's
converter in ``tests/compat/test_java_text_compat.py``; single-byte charsets replace as Python does (one U+FFFD per
undecodable byte, one ``?`` per unencodable character). A Python string may hold a surrogate pair as two code
points (from JSON's ``\\ud83d\\ude00``): Java encodes such a pair as the one character it is.
"""

from __future__ import annotations

import codecs

__all__ = ["java_decode", "java_encode"]

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
    return _replacement_codec(error.encoding).encode("".join(out))[0], at


def _replacement_codec(encoding: str) -> codecs.CodecInfo:
    """The codec that writes a replacement in the middle of ``encoding``'s output: without a second byte order mark
    for UTF-16 and UTF-32 (Python writes those little-endian)."""
    name = codecs.lookup(encoding).name
    return codecs.lookup(f"{name}-le") if name in ("utf-16", "utf-32") else codecs.lookup(name)


codecs.register_error(_DECODE_ERRORS, _decode_errors)
codecs.register_error(_ENCODE_ERRORS, _encode_errors)


def java_decode(data: bytes, encoding: str) -> str:
    """``new String(data, encoding)``: malformed input replaced as the JDK replaces it."""
    return data.decode(encoding, _DECODE_ERRORS)


def java_encode(text: str, encoding: str) -> bytes:
    """``text.getBytes(encoding)``: an unencodable character (a lone surrogate, a character outside the charset)
    becomes ``?``; a surrogate pair held as two code points is encoded as the one character it stands for."""
    return text.encode(encoding, _ENCODE_ERRORS)
