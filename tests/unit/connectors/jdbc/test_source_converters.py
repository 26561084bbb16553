"""The JDBC source's TIMESTAMP and DECIMAL converters: their fast paths give what the reference conversions give."""

from __future__ import annotations

import datetime as dt
import decimal
import zoneinfo

import pytest

from connect_core.connectors.jdbc._types import _decimal, _instant, to_instant

ZONES = [dt.UTC, zoneinfo.ZoneInfo("UTC"), zoneinfo.ZoneInfo("America/New_York"), zoneinfo.ZoneInfo("Asia/Kolkata"),
         dt.timezone(dt.timedelta(hours=-3, minutes=-30))]
VALUES = [
    dt.datetime(2024, 1, 2, 3, 4, 5, 678901),
    dt.datetime(1, 1, 1, 0, 0) + dt.timedelta(days=2),
    dt.datetime(9999, 12, 30, 23, 59, 59, 999999),
    dt.datetime(1970, 1, 1),
    dt.datetime(2024, 11, 3, 1, 30),  # New York's repeated hour, first pass
    dt.datetime(2024, 11, 3, 1, 30, fold=1),  # and second pass
    dt.datetime(2024, 3, 10, 2, 30),  # New York's skipped hour
]


@pytest.mark.parametrize("tz", ZONES, ids=str)
def test_the_converter_gives_to_instants_instant(tz: dt.tzinfo) -> None:
    convert = _instant(tz)
    for value in VALUES:
        expected = to_instant(value, tz)
        got = convert(value)
        assert (got, got.utcoffset(), got.fold) == (expected, expected.utcoffset(), expected.fold), value
        assert value.tzinfo is None  # the driver's value is left as it was


def test_other_values_take_to_instant() -> None:
    convert = _instant(zoneinfo.ZoneInfo("Europe/Paris"))
    aware = dt.datetime(2024, 6, 1, 12, tzinfo=dt.UTC)
    assert convert(aware) == aware
    assert convert("2024-06-01 14:00:00") == aware
    assert convert(dt.date(2024, 6, 1)) == dt.datetime(2024, 5, 31, 22, tzinfo=dt.UTC)


DECIMALS = ["1.50", "-1.50", "0.00", "-0.00", "123456789012345678901234567890.12", "1.5", "1.500", "1", "-7", "0",
            "1E+3", "1.00E+3", "1E-8", "0.00000001", "12.345", "NaN", "-NaN", "Infinity", "-Infinity", "5E-2", "-0",
            "9" * 60 + ".99", "00.10", "sNaN", "-sNaN", "9" * 998 + ".99", "9" * 999 + ".99", "9" * 1000, "9" * 1001,
    "1" + "0" * 997 + "E-3", "-" + "9" * 997 + ".999", "0E-2", "-0E-2", "0E-1000", "1E-6", "1.0E-6", "1.23E+5"]


@pytest.mark.parametrize("scale", [0, 1, 2, 3, 8, -2])
def test_decimals_at_the_columns_scale_are_what_quantize_gives(scale: int) -> None:
    convert = _decimal(scale)
    quantum = decimal.Decimal(1).scaleb(-scale)
    context = decimal.Context(prec=1000, rounding=decimal.ROUND_HALF_UP)
    for text in DECIMALS:
        value = decimal.Decimal(text)
        try:
            expected: object = value.quantize(quantum, context=context)
        except decimal.InvalidOperation as error:
            expected = type(error)
        try:
            got: object = convert(value)
        except decimal.InvalidOperation as error:
            got = type(error)
        assert str(got) == str(expected), (text, scale)
        if isinstance(got, decimal.Decimal):
            assert got.as_tuple() == expected.as_tuple(), (text, scale)  # type: ignore[union-attr]
