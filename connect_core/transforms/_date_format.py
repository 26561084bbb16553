"""A UTC-only subset of Java's ``SimpleDateFormat`` for TimestampConverter and TimestampRouter.

Patterns are compiled once at configure time into a list of small formatters and a parsing regex, so the
per-record cost is one pass over the tokens. Supported letters: G y Y u M L d D E a H k K h m s S z Z X.
"""

from __future__ import annotations

import datetime as _dt
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["SimpleDateFormat"]

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_LETTERS = "GyYuMLdDEaHkKhmsSzZX"
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)
_NUMERIC = "yYudDHkKhmsS"


def _tokenize(pattern: str) -> list[tuple[str, int | str]]:
    """Split a pattern into ("letter", count) and ("'", literal) tokens; raise ValueError like Java does."""
    tokens: list[tuple[str, int | str]] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "'":
            end = pattern.find("'", i + 1)
            if end == i + 1:
                tokens.append(("'", "'"))
                i += 2
                continue
            if end < 0:
                raise ValueError("Unterminated quote")
            literal = pattern[i + 1:end]
            while end + 1 < n and pattern[end + 1] == "'":  # '' inside quotes is a quote
                nxt = pattern.find("'", end + 2)
                if nxt < 0:
                    raise ValueError("Unterminated quote")
                literal += "'" + pattern[end + 2:nxt]
                end = nxt
            tokens.append(("'", literal))
            i = end + 1
        elif c.isascii() and c.isalpha():
            if c not in _LETTERS:
                raise ValueError(f"Illegal pattern character '{c}'")
            j = i
            while j < n and pattern[j] == c:
                j += 1
            tokens.append((c, j - i))
            i = j
        else:
            tokens.append(("'", c))
            i += 1
    return tokens


def _pad(value: int, count: int) -> str:
    return str(value).zfill(count) if value >= 0 else "-" + str(-value).zfill(count)


def _fmt_token(letter: str, count: int) -> Callable[[_dt.datetime], str]:  # one branch per letter
    if letter in "yYu" and letter != "u":
        if count == 2:
            return lambda d: _pad(d.year % 100, 2)
        return lambda d: _pad(d.year, count)
    if letter == "u":
        return lambda d: _pad(d.isoweekday(), count)
    if letter in "ML":
        if count >= 4:
            return lambda d: _MONTHS[d.month - 1]
        if count == 3:
            return lambda d: _MONTHS[d.month - 1][:3]
        return lambda d: _pad(d.month, count)
    if letter == "G":
        return lambda d: "AD"
    if letter == "E":
        return (lambda d: _DAYS[d.weekday()]) if count >= 4 else (lambda d: _DAYS[d.weekday()][:3])
    if letter == "a":
        return lambda d: "AM" if d.hour < 12 else "PM"
    simple: dict[str, Callable[[_dt.datetime], int]] = {
        "d": lambda d: d.day,
        "D": lambda d: d.timetuple().tm_yday,
        "H": lambda d: d.hour,
        "k": lambda d: d.hour or 24,
        "K": lambda d: d.hour % 12,
        "h": lambda d: d.hour % 12 or 12,
        "m": lambda d: d.minute,
        "s": lambda d: d.second,
        "S": lambda d: d.microsecond // 1000,
    }
    if letter in simple:
        get = simple[letter]
        return lambda d: _pad(get(d), count)
    if letter == "z":
        return (lambda d: "Coordinated Universal Time") if count >= 4 else (lambda d: "UTC")
    if letter == "Z":
        return lambda d: "+0000"
    return lambda d: "Z"  # X: ISO 8601 zone, always UTC here


def _parse_regex(letter: str, count: int, next_is_numeric: bool) -> str:
    if letter in _NUMERIC:
        return rf"(\d{{{count}}})" if next_is_numeric else r"([+-]?\d+)"
    if letter in "ML" and count >= 3:
        return "(" + "|".join(_MONTHS + tuple(m[:3] for m in _MONTHS)) + ")"
    if letter in "ML":
        return rf"(\d{{{count}}})" if next_is_numeric else r"(\d+)"
    if letter == "E":
        return "(" + "|".join(_DAYS + tuple(d[:3] for d in _DAYS)) + ")"
    if letter == "a":
        return "(AM|PM|am|pm)"
    if letter == "G":
        return "(AD|BC)"
    if letter in "zZX":
        return r"(Z|UTC|GMT|Coordinated Universal Time|[+-]\d{2}:?\d{2}|[+-]\d{2})"
    raise ValueError(f"Illegal pattern character '{letter}'")


class SimpleDateFormat:
    """Format and parse epoch milliseconds with a Java ``SimpleDateFormat`` pattern in UTC."""

    __slots__ = ("_formatters", "_groups", "_regex", "pattern")

    def __init__(self, pattern: str) -> None:
        """Compile ``pattern``; raises ValueError for patterns Java rejects (illegal letter, open quote)."""
        self.pattern = pattern
        tokens = _tokenize(pattern)
        self._formatters: list[Callable[[_dt.datetime], str] | str] = [
            str(arg) if kind == "'" else _fmt_token(kind, int(arg)) for kind, arg in tokens
        ]
        parts: list[str] = []
        self._groups: list[tuple[str, int]] = []
        for i, (kind, arg) in enumerate(tokens):
            if kind == "'":
                parts.append(re.escape(str(arg)))
                continue
            nxt = tokens[i + 1] if i + 1 < len(tokens) else None
            next_numeric = nxt is not None and (nxt[0] in _NUMERIC or (nxt[0] in "ML" and int(nxt[1]) < 3))
            parts.append(_parse_regex(kind, int(arg), next_numeric))
            self._groups.append((kind, int(arg)))
        self._regex = re.compile("".join(parts))

    def format(self, epoch_ms: int) -> str:
        """Format an instant given as epoch milliseconds."""
        moment = _EPOCH + _dt.timedelta(milliseconds=epoch_ms)
        return "".join(f if isinstance(f, str) else f(moment) for f in self._formatters)

    def parse(self, text: str) -> int:
        """Parse ``text`` (leniently, trailing text ignored, like ``DateFormat.parse``) to epoch milliseconds."""
        match = self._regex.match(text)
        if match is None:
            raise ValueError(f'Unparseable date: "{text}"')
        fields = {"y": 1970, "M": 1, "d": 1, "H": 0, "m": 0, "s": 0, "S": 0, "pm": 0, "h12": -1, "doy": 0}
        for (letter, count), raw in zip(self._groups, match.groups(), strict=True):
            _apply_parsed(fields, letter, count, raw)
        hour = fields["H"] if fields["h12"] < 0 else fields["h12"] % 12 + (12 if fields["pm"] else 0)
        base = _dt.datetime(fields["y"], 1, 1, tzinfo=_dt.UTC)
        if fields["doy"]:
            day = base + _dt.timedelta(days=fields["doy"] - 1)
        else:
            month_index = fields["M"] - 1
            day = base.replace(year=fields["y"] + month_index // 12, month=month_index % 12 + 1)
            day += _dt.timedelta(days=fields["d"] - 1)
        moment = day + _dt.timedelta(hours=hour, minutes=fields["m"], seconds=fields["s"], milliseconds=fields["S"])
        offset = fields.get("offset", 0)
        return (moment - _EPOCH) // _dt.timedelta(milliseconds=1) - offset


def _apply_parsed(fields: dict[str, int], letter: str, count: int, raw: str) -> None:
    if letter in "yYu" and letter != "u":
        year = int(raw)
        if count <= 2 and len(raw) == 2:
            now = _dt.datetime.now(_dt.UTC).year
            year += now - now % 100
            if year > now + 20:
                year -= 100
        fields["y"] = year
    elif letter in "ML":
        fields["M"] = int(raw) if raw.isdigit() else [m[:3] for m in _MONTHS].index(raw[:3]) + 1
    elif letter in "dHmsS":
        fields[letter] = int(raw)
    elif letter == "D":
        fields["doy"] = int(raw)
    elif letter == "k":
        fields["H"] = int(raw) % 24
    elif letter in "Kh":
        fields["h12"] = int(raw)
    elif letter == "a":
        fields["pm"] = int(raw.upper() == "PM")
    elif letter in "zZX" and raw[0] in "+-":
        digits = raw[1:].replace(":", "")
        minutes = int(digits[:2]) * 60 + (int(digits[2:]) if len(digits) > 2 else 0)
        fields["offset"] = (minutes if raw[0] == "+" else -minutes) * 60_000
