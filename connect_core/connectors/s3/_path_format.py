"""The Joda-Time pattern subset that ``path.format`` uses, plus Joda's time-zone ids.

Compiled once per task into small formatters, so a record costs one pass over the tokens. Letters: y Y x (years),
M (month, text from MMM), d D (day of month / year), E (day name), a (AM/PM), H k K h (hours), m s S, w (week),
Z (offset); text is English whatever ``locale`` says. ``'...'`` quotes literals and ``''`` is a quote.
"""

from __future__ import annotations

import datetime as _dt
import re
import zoneinfo
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["PathFormat", "parse_zone"]

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)
_OFFSET = re.compile(r"^(?:UTC|GMT)?([+-])(\d{1,2})(?::?(\d{2}))?$")


def parse_zone(zone_id: str) -> _dt.tzinfo:
    """A tzinfo for a Joda zone id (``UTC``, ``America/New_York``, ``+02:00``); ValueError if unknown."""
    if zone_id in ("UTC", "Z", "GMT"):
        return _dt.UTC
    match = _OFFSET.match(zone_id)
    if match:
        sign = -1 if match.group(1) == "-" else 1
        delta = _dt.timedelta(hours=int(match.group(2)), minutes=int(match.group(3) or 0))
        return _dt.timezone(sign * delta)
    try:
        return zoneinfo.ZoneInfo(zone_id)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as e:
        raise ValueError(f"The datetime zone id '{zone_id}' is not recognised") from e


def _num(get: Callable[[_dt.datetime], int], width: int) -> Callable[[_dt.datetime], str]:
    return lambda d: str(get(d)).zfill(width)


def _offset(d: _dt.datetime) -> str:
    minutes = int((d.utcoffset() or _dt.timedelta(0)).total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"


def _field(letter: str, count: int) -> Callable[[_dt.datetime], str]:  # noqa: C901, PLR0912
    if letter in "yYx":
        if count == 2:
            return lambda d: f"{(d.isocalendar()[0] if letter == 'x' else d.year) % 100:02d}"
        return _num((lambda d: d.isocalendar()[0]) if letter == "x" else (lambda d: d.year), count)
    if letter == "M":
        if count >= 4:
            return lambda d: _MONTHS[d.month - 1]
        if count == 3:
            return lambda d: _MONTHS[d.month - 1][:3]
        return _num(lambda d: d.month, count)
    if letter == "d":
        return _num(lambda d: d.day, count)
    if letter == "D":
        return _num(lambda d: d.timetuple().tm_yday, count)
    if letter == "E":
        return (lambda d: _DAYS[d.weekday()]) if count >= 4 else (lambda d: _DAYS[d.weekday()][:3])
    if letter == "a":
        return lambda d: "AM" if d.hour < 12 else "PM"
    if letter == "H":
        return _num(lambda d: d.hour, count)
    if letter == "k":
        return _num(lambda d: d.hour or 24, count)
    if letter == "K":
        return _num(lambda d: d.hour % 12, count)
    if letter == "h":
        return _num(lambda d: d.hour % 12 or 12, count)
    if letter == "m":
        return _num(lambda d: d.minute, count)
    if letter == "s":
        return _num(lambda d: d.second, count)
    if letter == "S":
        return lambda d: f"{d.microsecond // 1000:03d}"[:count].ljust(count, "0")
    if letter == "w":
        return _num(lambda d: d.isocalendar()[1], count)
    if letter == "Z":
        return _offset
    raise ValueError(f"Illegal pattern component: {letter * count}")


class PathFormat:
    """A compiled Joda ``DateTimeFormat`` pattern bound to one zone."""

    __slots__ = ("_parts", "zone")

    def __init__(self, pattern: str, zone: _dt.tzinfo) -> None:
        """Compile ``pattern``; ValueError for an unsupported letter or an unterminated quote."""
        self.zone = zone
        self._parts: list[str | Callable[[_dt.datetime], str]] = []
        i, n = 0, len(pattern)
        while i < n:
            c = pattern[i]
            if c == "'":
                literal, i = self._quoted(pattern, i)
                self._parts.append(literal)
            elif c.isascii() and c.isalpha():
                j = i
                while j < n and pattern[j] == c:
                    j += 1
                self._parts.append(_field(c, j - i))
                i = j
            else:
                self._parts.append(c)
                i += 1

    @staticmethod
    def _quoted(pattern: str, start: int) -> tuple[str, int]:
        if pattern.startswith("''", start):
            return "'", start + 2
        out, i = [], start + 1
        while True:
            end = pattern.find("'", i)
            if end < 0:
                raise ValueError(f"Unterminated quote in pattern: {pattern}")
            out.append(pattern[i:end])
            if pattern.startswith("''", end):
                out.append("'")
                i = end + 2
                continue
            return "".join(out), end + 1

    def format(self, epoch_ms: int) -> str:
        """``epoch_ms`` formatted in the zone."""
        moment = (_EPOCH + _dt.timedelta(milliseconds=epoch_ms)).astimezone(self.zone)
        return "".join(p if isinstance(p, str) else p(moment) for p in self._parts)
