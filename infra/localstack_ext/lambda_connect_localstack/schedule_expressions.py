"""EventBridge Scheduler's schedule expressions, evaluated: when does a schedule fire next.

Pure Python (no LocalStack import), so it is unit-tested from the project's own virtualenv. The three forms
(https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html):

- ``rate(N minute|minutes|hour|hours|day|days)``: every N units from an anchor (the schedule's StartDate, else the
  time it was created or last updated), the anchor itself included;
- ``cron(minutes hours day-of-month month day-of-week year)`` in the schedule's time zone, with ``* , - /`` in every
  field, ``?`` in one of the two day fields, ``L`` and ``W`` (``15W``, ``LW``) in day-of-month, ``L`` (``6L``: the
  month's last Friday) and ``#`` (``2#1``: its first Monday) in day-of-week; day-of-week counts 1=SUN .. 7=SAT;
- ``at(yyyy-mm-ddThh:mm:ss)`` in the schedule's time zone: once.

AWS fires within the minute (60 s precision); here a schedule fires on the second it is due.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

__all__ = ["At", "Cron", "Rate", "ScheduleExpression", "next_fire", "parse_expression"]

_RATE = re.compile(r"^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$")
_AT = re.compile(r"^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$")
_CRON = re.compile(r"^cron\((.*)\)$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}
_MONTHS = {name: i + 1 for i, name in enumerate("JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split())}
_DAYS = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
_SEARCH_DAYS = 366 * 5  # a cron that matches nothing within five years never fires (e.g. 30 FEB)


@dataclass(frozen=True)
class Rate:
    """Every ``seconds``."""

    seconds: int


@dataclass(frozen=True)
class At:
    """Once, at ``when`` (wall-clock time in the schedule's time zone)."""

    when: datetime


@dataclass(frozen=True)
class Cron:
    """The parsed fields; day sets are resolved per month by :meth:`days_in`."""

    minutes: frozenset[int]
    hours: frozenset[int]
    day_of_month: str
    months: frozenset[int]
    day_of_week: str
    years: frozenset[int]

    def days_in(self, year: int, month: int) -> set[int]:
        """The days of that month the day-of-month / day-of-week fields select."""
        last = calendar.monthrange(year, month)[1]
        if self.day_of_month != "?":
            return _month_days(self.day_of_month, year, month, last)
        return _week_days(self.day_of_week, year, month, last)


ScheduleExpression = Rate | At | Cron


def parse_expression(expression: str) -> ScheduleExpression:
    """Parse a schedule expression; ValueError naming what is wrong."""
    text = expression.strip()
    if match := _RATE.match(text):
        value, unit = int(match.group(1)), match.group(2).rstrip("s")
        if value < 1:
            raise ValueError(f"Invalid Schedule Expression {expression}: the rate must be a positive integer")
        return Rate(value * _UNIT_SECONDS[unit])
    if match := _AT.match(text):
        try:
            return At(datetime.strptime(match.group(1), "%Y-%m-%dT%H:%M:%S"))
        except ValueError as error:
            raise ValueError(f"Invalid Schedule Expression {expression}: {error}") from None
    if match := _CRON.match(text):
        return _parse_cron(expression, match.group(1).split())
    raise ValueError(f"Invalid Schedule Expression {expression}: expected rate(...), cron(...) or at(...)")


def _parse_cron(expression: str, fields: list[str]) -> Cron:
    if len(fields) != 6:
        raise ValueError(f"Invalid Schedule Expression {expression}: cron needs 6 fields "
                         "(minutes hours day-of-month month day-of-week year)")
    minutes, hours, dom, month, dow, year = (f.upper() for f in fields)
    if (dom == "?") == (dow == "?"):
        raise ValueError(f"Invalid Schedule Expression {expression}: exactly one of day-of-month and day-of-week "
                         "must be '?'")
    try:
        cron = Cron(
            minutes=_values(minutes, 0, 59), hours=_values(hours, 0, 23), day_of_month=dom,
            months=_values(month, 1, 12, _MONTHS), day_of_week=dow, years=_values(year, 1970, 2199),
        )
        cron.days_in(2024, 1)  # validates the day fields
    except ValueError as error:
        raise ValueError(f"Invalid Schedule Expression {expression}: {error}") from None
    return cron


def _number(token: str, names: dict[str, int] | None = None) -> int:
    if names and token in names:
        return names[token]
    if not token.isdigit():
        raise ValueError(f"'{token}' is not a number")
    return int(token)


def _values(field: str, low: int, high: int, names: dict[str, int] | None = None) -> frozenset[int]:
    """``*``, ``a``, ``a-b``, ``a/n``, ``*/n``, ``a-b/n`` and lists of them."""
    selected: set[int] = set()
    for part in field.split(","):
        base, _, step_text = part.partition("/")
        step = _number(step_text) if step_text else 1
        if step < 1:
            raise ValueError(f"step in '{part}' must be positive")
        if base == "*":
            start, end = low, high
        elif "-" in base:
            first, _, last = base.partition("-")
            start, end = _number(first, names), _number(last, names)
        else:
            start = _number(base, names)
            end = high if step_text else start
        if not low <= start <= high or not low <= end <= high:
            raise ValueError(f"'{part}' is outside {low}-{high}")
        if start <= end:
            selected.update(range(start, end + 1, step))
        else:  # wraps around, e.g. FRI-MON
            selected.update(v for i, v in enumerate([*range(start, high + 1), *range(low, end + 1)]) if i % step == 0)
    return frozenset(selected)


def _month_days(field: str, year: int, month: int, last: int) -> set[int]:
    if field in ("*", "?"):
        return set(range(1, last + 1))
    if field == "L":
        return {last}
    if field == "LW":
        return {_nearest_weekday(year, month, last, last)}
    if field.endswith("W"):
        return {_nearest_weekday(year, month, min(_number(field[:-1]), last), last)}
    return {d for d in _values(field, 1, 31) if d <= last}


def _nearest_weekday(year: int, month: int, day: int, last: int) -> int:
    """The weekday nearest ``day`` without leaving the month (Quartz's ``W``)."""
    weekday = calendar.weekday(year, month, day)  # MON=0 .. SUN=6
    if weekday == 5:  # Saturday -> Friday, or Monday when the 1st is a Saturday
        return day - 1 if day > 1 else day + 2
    if weekday == 6:  # Sunday -> Monday, or Friday when it is the month's last day
        return day + 1 if day < last else day - 2
    return day


def _aws_weekday(year: int, month: int, day: int) -> int:
    return (calendar.weekday(year, month, day) + 1) % 7 + 1  # SUN=1 .. SAT=7


def _week_days(field: str, year: int, month: int, last: int) -> set[int]:
    days = range(1, last + 1)
    if field in ("*", "?"):
        return set(days)
    if "#" in field:
        weekday_text, _, nth_text = field.partition("#")
        weekday, nth = _number(weekday_text, _DAYS), _number(nth_text)
        if not 1 <= weekday <= 7 or not 1 <= nth <= 5:
            raise ValueError(f"'{field}' must be weekday#n with weekday 1-7 and n 1-5")
        matching = [d for d in days if _aws_weekday(year, month, d) == weekday]
        return {matching[nth - 1]} if nth <= len(matching) else set()
    if field.endswith("L") and field != "L":
        weekday = _number(field[:-1], _DAYS)
        if not 1 <= weekday <= 7:
            raise ValueError(f"'{field}' must be weekdayL with weekday 1-7")
        return {max(d for d in days if _aws_weekday(year, month, d) == weekday)}
    weekdays = {7} if field == "L" else _values(field, 1, 7, _DAYS)
    return {d for d in days if _aws_weekday(year, month, d) in weekdays}


def _zone(name: str | None) -> tzinfo:
    return ZoneInfo(name) if name and name.upper() != "UTC" else UTC


def next_fire(
    expression: ScheduleExpression, after: datetime, *, anchor: datetime, timezone: str | None = None,
) -> datetime | None:
    """The first fire time strictly after ``after`` (aware, UTC), or None when there is none (an ``at`` passed).

    ``anchor`` is where a rate counts from (fires at anchor, anchor + rate, ...)."""
    if isinstance(expression, Rate):
        if after < anchor:
            return anchor
        periods = int((after - anchor).total_seconds() // expression.seconds) + 1
        return anchor + timedelta(seconds=periods * expression.seconds)
    zone = _zone(timezone)
    if isinstance(expression, At):
        when = expression.when.replace(tzinfo=zone).astimezone(UTC)
        return when if when > after else None
    return _next_cron(expression, after, zone)


def _next_cron(cron: Cron, after: datetime, zone: tzinfo) -> datetime | None:
    local_after = after.astimezone(zone)
    day = local_after.date()
    hours, minutes = sorted(cron.hours), sorted(cron.minutes)
    month_days: dict[tuple[int, int], set[int]] = {}
    for _ in range(_SEARCH_DAYS):
        if day.year in cron.years and day.month in cron.months:
            key = (day.year, day.month)
            if key not in month_days:
                month_days[key] = cron.days_in(day.year, day.month)
            if day.day in month_days[key]:
                for hour in hours:
                    for minute in minutes:
                        local = datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
                        candidate = local.astimezone(UTC)
                        if candidate > after and candidate.astimezone(zone).hour == hour:  # skips DST gaps
                            return candidate
        day += timedelta(days=1)
    return None
