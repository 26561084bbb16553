"""Column text -> Debezium's values, for the forms PostgreSQL's output functions write (values from Debezium 3.7)."""

from __future__ import annotations

import decimal
from typing import TYPE_CHECKING

import pytest

from connect_core.connectors.postgres import _types
from connect_core.connectors.postgres._types import ColumnType, column_mapping, parse_array

if TYPE_CHECKING:
    from collections.abc import Callable


def _convert(name: str, text: str, modifier: int = -1, **kw: str) -> object:
    mapped = column_mapping(ColumnType(0, modifier, name), kw.get("decimal", "precise"), kw.get("time", "adaptive"),
                            False)
    assert mapped is not None
    return mapped.convert(text)


@pytest.mark.parametrize(("name", "text", "modifier", "expected"), [
    ("numeric", "12.34", ((10 << 16) | 2) + 4, decimal.Decimal("12.34")),
    ("date", "2024-01-02", -1, 19724),
    ("timestamp", "2024-01-02 03:04:05.678", 3, 1704164645678),
    ("timestamp", "2024-01-02 03:04:05.123456", -1, 1704164645123456),
    ("timestamptz", "2024-06-30 22:59:59+00", -1, "2024-06-30T22:59:59.000000Z"),
    ("timestamptz", "1969-12-31 23:00:00-02", -1, "1970-01-01T01:00:00.000000Z"),
    ("time", "13:14:15.5", -1, 47655500000),
    ("time", "01:02:03.456", 3, 3723456),
    ("timetz", "10:11:12.5+03", -1, "07:11:12.5Z"),
    ("timetz", "10:11:12+03", -1, "07:11:12Z"),
    ("interval", "P1Y2M3DT4H5M6.5S", -1, 37091106500000),
    ("interval", "P-1DT-2H", -1, -93600000000),
    ("bytea", "\\x0102ff", -1, b"\x01\x02\xff"),
    ("bit", "101", 3, b"\x05"),
    ("varbit", "11", 8, b"\x03"),
    ("money", "$12.50", -1, decimal.Decimal("12.50")),
    ("bool", "t", -1, True),
])
def test_text_forms(name: str, text: str, modifier: int, expected: object) -> None:
    assert _convert(name, text, modifier) == expected


def test_unconstrained_numeric_is_a_variable_scale_decimal() -> None:
    assert _convert("numeric", "-0.001") == [3, b"\xff"]


def test_decimal_modes() -> None:
    assert _convert("numeric", "3.10", ((6 << 16) | 2) + 4, decimal="string") == "3.10"
    assert _convert("numeric", "3.10", ((6 << 16) | 2) + 4, decimal="double") == 3.1


def test_arrays_keep_nulls_quotes_and_empty() -> None:
    assert parse_array('{x,NULL,"y z","a\\"b",""}') == ["x", None, "y z", 'a"b', ""]
    assert parse_array("{}") == []
    mapped = column_mapping(ColumnType(1007, -1, "_int4", element=ColumnType(23, -1, "int4")), "precise",
                            "adaptive", False)
    assert mapped is not None and mapped.convert("{1,2,NULL}") == [1, 2, None]


def test_unknown_types_are_left_out_unless_asked_for() -> None:
    assert column_mapping(ColumnType(600, -1, "point"), "precise", "adaptive", False) is None
    mapped = column_mapping(ColumnType(600, -1, "point"), "precise", "adaptive", True)
    assert mapped is not None and mapped.convert("(1,2)") == b"(1,2)"


def _outcome(convert: Callable[[str], object], text: str) -> object:
    try:
        return convert(text)
    except ValueError as e:
        return f"refused: {e}"


@pytest.mark.parametrize("text", [
    "2024-01-02 03:04:05", "2024-01-02 03:04:05.1", "2024-01-02 03:04:05.12", "2024-01-02 03:04:05.123456",
    "0001-01-01 00:00:00", "9999-12-31 23:59:59.999999", "1969-12-31 23:59:59.5", "2024-02-29 12:00:00.000001",
    "infinity", "-infinity", "0044-03-15 12:00:00 BC", "10000-01-01 00:00:00", "2024-01-02 03:04",
    "2024-01-02 03:04:05+01", "2024-13-01 00:00:00",
])
def test_timestamp_one_call_path_agrees_with_the_reference(text: str) -> None:
    assert _outcome(_types._timestamp, text) == _outcome(_types._timestamp_reference, text)


@pytest.mark.parametrize("text", [
    "2024-01-02 03:04:05", "2024-01-02 03:04:05.1", "2024-01-02 03:04:05.1239", "1969-12-31 23:59:59.9995",
    "1969-12-31 23:59:59.000001", "0001-01-01 00:00:00", "9999-12-31 23:59:59.999999", "1900-03-01 00:00:00.5",
    "infinity", "-infinity", "2024-13-01 00:00:00",
])
def test_epoch_counts_agree_with_the_reference(text: str) -> None:
    """A timestamp's microseconds and milliseconds since the epoch (floored before 1970) and a date's days: the
    timedelta divisions give what the reference's arithmetic gives, or refuse alike."""
    micros = _outcome(lambda t: _types._epoch_micros(_types._timestamp(t)), text)
    assert _outcome(_types._epoch_micros_of, text) == micros
    assert _outcome(_types._epoch_millis_of, text) == (micros // 1000 if isinstance(micros, int) else micros)
    day = text[:10]
    assert _outcome(_types._epoch_days_of, day) == _outcome(lambda t: (_types._date(t) - _types._EPOCH_DATE).days,
                                                            day)
