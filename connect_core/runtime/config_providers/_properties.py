"""A reader for Java ``.properties`` text, rule for rule as ``java.util.Properties.load`` reads it.

Worker and connector files, ``FileConfigProvider`` files and REST credential files go through here. Lines end at
``\\n``, ``\\r`` or ``\\r\\n``; ``#``/``!`` lines are comments; an odd number of trailing backslashes continues a line;
the key ends at the first unescaped ``=``, ``:`` or whitespace; ``\\t \\n \\r \\f \\uXXXX`` are escapes (a malformed
``\\uXXXX`` is an error), any other escaped character stands for itself; later keys win. Callers pass the text
without newline translation.

"""

from __future__ import annotations

__all__ = ["parse_properties"]

_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "f": "\f"}
_WHITESPACE = " \t\f"
_HEX = frozenset("0123456789abcdefABCDEF")


def parse_properties(text: str) -> dict[str, str]:
    """Parse properties text.

    Raises:
        ValueError: a malformed ``\\uXXXX`` escape (``Properties.load``'s IllegalArgumentException).
    """
    props: dict[str, str] = {}
    for line in _logical_lines(text):
        key, value = _split(line)
        props[_unescape(key)] = _unescape(value)
    return props


def _logical_lines(text: str) -> list[str]:
    """The logical lines: comments and blank lines dropped, continuations joined (the JDK's LineReader)."""
    lines: list[str] = []
    buf: list[str] = []
    skip_whitespace, appended_line_begin, backslash = True, False, False
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        i += 1
        if skip_whitespace:
            if c in _WHITESPACE or (not appended_line_begin and c in "\r\n"):
                continue
            skip_whitespace = appended_line_begin = False
        if not buf and c in "#!":  # still on a new logical line (even after a continuation): a comment
            while i < n and text[i] not in "\r\n":
                i += 1
            skip_whitespace = True
            continue
        if c not in "\r\n":
            buf.append(c)
            backslash = not backslash if c == "\\" else False
            continue
        if not buf:
            skip_whitespace = True
            continue
        if backslash:  # the line goes on: drop the backslash and the next line's leading whitespace
            buf.pop()
            skip_whitespace = appended_line_begin = True
            backslash = False
            if i >= n:  # the JDK returns the line, even empty, when the input ends right after the line break
                lines.append("".join(buf))
                return lines
            if c == "\r" and text[i] == "\n":
                i += 1
            continue
        lines.append("".join(buf))
        buf.clear()
        skip_whitespace = True
    if buf:
        if backslash:
            buf.pop()
        lines.append("".join(buf))
    return lines


def _split(line: str) -> tuple[str, str]:
    """Key and raw value: the key ends at an unescaped separator; whitespace and one ``=``/``:`` follow it."""
    i, n, backslash = 0, len(line), False
    value_start, has_separator = n, False
    while i < n:
        ch = line[i]
        if not backslash and ch in "=:":
            value_start, has_separator = i + 1, True
            break
        if not backslash and ch in _WHITESPACE:
            value_start = i + 1
            break
        backslash = not backslash if ch == "\\" else False
        i += 1
    key = line[:i]
    while value_start < n:
        ch = line[value_start]
        if ch not in _WHITESPACE:
            if has_separator or ch not in "=:":
                break
            has_separator = True
        value_start += 1
    return key, line[value_start:]


def _unescape(text: str) -> str:
    if "\\" not in text:
        return text
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        i += 1
        if ch != "\\" or i >= n:
            out.append(ch)
            continue
        ch = text[i]
        i += 1
        if ch == "u":
            digits = text[i : i + 4]
            if len(digits) < 4 or not set(digits) <= _HEX:
                raise ValueError("Malformed \\uxxxx encoding.")
            out.append(chr(int(digits, 16)))
            i += 4
            continue
        out.append(_ESCAPES.get(ch, ch))
    return "".join(out)
