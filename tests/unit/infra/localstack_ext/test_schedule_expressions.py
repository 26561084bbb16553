"""Scheduler expressions of the LocalStack extension: rate, cron (incl. ? L W #, names, time zones) and at."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from infra.localstack_ext.lambda_connect_localstack.schedule_expressions import (
    At,
    Rate,
    next_fire,
    parse_expression,
)

T0 = datetime(2026, 11, 22, 10, 15, 30, tzinfo=UTC)  # a Sunday


def _fires(expression: str, after: datetime = T0, count: int = 3, timezone: str | None = None) -> list[datetime]:
    parsed, fires = parse_expression(expression), []
    for _ in range(count):
        after = next_fire(parsed, after, anchor=T0, timezone=timezone)
        if after is None:
            break
        fires.append(after)
    return fires


def _utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_rate_fires_at_its_anchor_then_every_period() -> None:
    assert parse_expression("rate(1 minute)") == Rate(60)
    assert parse_expression("rate(2 hours)") == Rate(7200)
    assert _fires("rate(5 minutes)", after=T0 - timedelta(seconds=1)) == [
        T0, T0 + timedelta(minutes=5), T0 + timedelta(minutes=10)]
    assert next_fire(Rate(86400), T0 + timedelta(days=2, seconds=1), anchor=T0) == T0 + timedelta(days=3)


def test_at_fires_once_in_its_time_zone() -> None:
    assert parse_expression("at(2026-11-22T11:00:00)") == At(datetime(2026, 11, 22, 11, 0))
    assert _fires("at(2026-11-22T11:00:00)") == [_utc(2026, 11, 22, 11, 0)]
    assert _fires("at(2026-11-22T12:00:00)", timezone="Europe/Paris") == [_utc(2026, 11, 22, 11, 0)]
    assert _fires("at(2026-11-22T10:00:00)") == []  # already passed


def test_cron_minutes_hours_lists_ranges_and_steps() -> None:
    assert _fires("cron(0/20 * * * ? *)") == [_utc(2026, 11, 22, 10, 20), _utc(2026, 11, 22, 10, 40),
                                             _utc(2026, 11, 22, 11, 0)]
    assert _fires("cron(0 8-9,17 ? * MON-FRI *)") == [_utc(2026, 11, 23, 8), _utc(2026, 11, 23, 9),
                                                     _utc(2026, 11, 23, 17)]
    assert _fires("cron(30 12 1 JAN,JUL ? 2027-2028)") == [_utc(2027, 1, 1, 12, 30), _utc(2027, 7, 1, 12, 30),
                                                           _utc(2028, 1, 1, 12, 30)]


def test_cron_day_of_week_counts_sunday_as_one() -> None:
    assert _fires("cron(0 0 ? * 1 *)", count=2) == [_utc(2026, 11, 29), _utc(2026, 12, 6)]
    assert _fires("cron(0 0 ? * SAT *)", count=1) == [_utc(2026, 11, 28)]
    assert _fires("cron(0 0 ? * FRI-MON *)", count=4) == [_utc(2026, 11, 23), _utc(2026, 11, 27),
                                                          _utc(2026, 11, 28), _utc(2026, 11, 29)]


def test_cron_last_nearest_weekday_and_nth() -> None:
    assert _fires("cron(0 0 L * ? *)", count=2) == [_utc(2026, 11, 30), _utc(2026, 12, 31)]
    assert _fires("cron(0 0 L 2 ? 2028)", count=1) == [_utc(2028, 2, 29)]
    assert _fires("cron(0 0 1W * ? *)", count=2) == [_utc(2026, 12, 1), _utc(2027, 1, 1)]  # both weekdays
    assert _fires("cron(0 0 1W 8 ? 2026-2027)", count=1) == [_utc(2027, 8, 2)]  # Sun 1 Aug 2027 -> Mon 2
    assert _fires("cron(0 0 LW 1 ? 2027)", count=1) == [_utc(2027, 1, 29)]  # Sun 31 Jan -> Fri 29
    assert _fires("cron(0 0 ? * 6L *)", count=2) == [_utc(2026, 11, 27), _utc(2026, 12, 25)]
    assert _fires("cron(0 0 ? * 2#1 *)", count=2) == [_utc(2026, 12, 7), _utc(2027, 1, 4)]


def test_cron_in_a_time_zone_skips_the_daylight_saving_gap() -> None:
    assert _fires("cron(0 9 * * ? *)", count=1, timezone="America/New_York") == [_utc(2026, 11, 22, 14)]
    spring = datetime(2027, 3, 13, 12, tzinfo=UTC)
    assert _fires("cron(30 2 * * ? *)", after=spring, count=2, timezone="America/New_York") == [
        _utc(2027, 3, 15, 6, 30), _utc(2027, 3, 16, 6, 30)]  # 02:30 does not exist on 14 March


def test_cron_that_never_matches_never_fires() -> None:
    assert _fires("cron(0 0 30 2 ? *)") == []


@pytest.mark.parametrize(("expression", "message"), [
    ("rate(0 minutes)", "positive"),
    ("rate(5 weeks)", "expected rate"),
    ("cron(0 0 * * *)", "6 fields"),
    ("cron(0 0 * * MON *)", "exactly one of day-of-month and day-of-week"),
    ("cron(0 0 ? * ? *)", "exactly one of day-of-month and day-of-week"),
    ("cron(60 0 * * ? *)", "outside 0-59"),
    ("cron(0 0 ? * 8 *)", "outside 1-7"),
    ("cron(0 0 ? * 2#6 *)", "weekday#n"),
    ("cron(x 0 * * ? *)", "not a number"),
    ("at(2026-02-30T00:00:00)", "day is out of range"),
    ("every minute", "expected rate"),
])
def test_invalid_expressions_say_what_is_wrong(expression: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_expression(expression)
