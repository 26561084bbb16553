"""The source's pymysql DATETIME/DATE decoders against pymysql's own, text by text (same value, same type)."""

from __future__ import annotations

import datetime as dt
import random
from typing import TYPE_CHECKING

import pytest
from pymysql.constants import FIELD_TYPE
from pymysql.converters import conversions as pymysql_conversions
from pymysql.converters import convert_date, convert_datetime

from connect_core.connectors.jdbc._mysql_decoders import conversions, decode_date, decode_datetime

if TYPE_CHECKING:
    from collections.abc import Callable

# canonical server text, and every shape fromisoformat accepts that pymysql's regex does not (or reads otherwise)
DATETIMES = [
    "2024-03-05 12:34:56", "1970-01-01 00:00:00", "9999-12-31 23:59:59.999999", "1000-01-01 00:00:00.000000",
    "2024-03-05 12:34:56.1", "2024-03-05 12:34:56.12", "2024-03-05 12:34:56.123", "2024-03-05 12:34:56.12345",
    "2024-03-05 12:34:56.000001", "2024-02-29 00:00:00", "0000-00-00 00:00:00", "0000-00-00 00:00:00.000",
    "2024-00-00 00:00:00", "2023-02-29 00:00:00", "2024-02-30 10:00:00", "2024-03-05 24:00:00",
    "2024-03-05 12:60:00", "2024-03-05 12:34:60", "2024-03-05T12:34:56", "2024-03-05T12:34:56.5", "2024-3-5 1:2:3",
    "2024-03-05 12:34:56.1234567", "2024-03-05 12:34:56.", "2024-03-05 12:34:56,123", "2024-03-05 12:34",
    "2024-03-05 12:34+01", "2024-03-05 12+01:00", "2024-03-05 12:34:56Z", "2024-03-05 12:34:56+01:00",
    "2024-03-05 12:34:56.1+01", "2024-03-05 12:34:56.123Z", "2024-W10-2 12:34:56", "2024-03-05x12:34:56",
    "20240305 12:34:56", "2024-03-05 123456", "2024-03-05", "2024-03-05 12:34:5\u0665", "\u0662024-03-05 12:34:56",
    "2024-03-05 12:34:56.\u0661\u0662", "", "garbage", "2024-03-05 12:34:56 ", " 2024-03-05 12:34:56",
    "0001-01-01 00:00:00", "99999-01-01 00:00:00",
]
DATES = [
    "2024-03-05", "1970-01-01", "9999-12-31", "1000-01-01", "0000-00-00", "2024-00-00", "2024-02-30", "2023-02-29",
    "2024-3-5", "20240305", "2024-W10-2", "2024-W10", "2024-03-05 00:00:00", "2024-03", "", "garbage",
    "2024-03-0\u0665", "2024/03/05", "-024-03-05", "0001-01-01",
]


def _outcome(decode: Callable[[str], object], text: str) -> tuple[type, object]:
    try:
        value = decode(text)
    except Exception as e:  # pymysql raises for some texts (a TypeError for "20240305"): so must ours
        return type(e), str(e)
    return type(value), value


def _same(ours: Callable[[str], object], theirs: Callable[[str], object], text: str) -> None:
    assert _outcome(ours, text) == _outcome(theirs, text)


@pytest.mark.parametrize("text", DATETIMES)
def test_datetime_as_pymysql(text: str) -> None:
    _same(decode_datetime, convert_datetime, text)


@pytest.mark.parametrize("text", DATES)
def test_date_as_pymysql(text: str) -> None:
    _same(decode_date, convert_date, text)


def test_random_canonical_values_as_pymysql() -> None:
    rng = random.Random(26)
    start = dt.datetime(1000, 1, 1)
    for _ in range(5000):
        value = start + dt.timedelta(seconds=rng.randrange(9000 * 365 * 86400), microseconds=rng.randrange(10**6))
        for digits in range(7):
            text = value.strftime("%Y-%m-%d %H:%M:%S") + (f".{value.microsecond:06d}"[:digits + 1] if digits else "")
            _same(decode_datetime, convert_datetime, text)
        _same(decode_date, convert_date, text[:10])


def test_conversions_replace_only_the_temporal_decoders() -> None:
    ours = conversions()
    changed = {k for k in ours.keys() | pymysql_conversions.keys() if ours.get(k) is not pymysql_conversions.get(k)}
    assert changed == {FIELD_TYPE.DATETIME, FIELD_TYPE.TIMESTAMP, FIELD_TYPE.DATE}
