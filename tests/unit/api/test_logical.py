from __future__ import annotations

import datetime as dt
import decimal

import pytest

from connect_core.api.errors import DataError
from connect_core.api.logical import Date, Decimal, Time, Timestamp, from_logical, to_logical
from connect_core.api.schema import INT32_SCHEMA, Type


def test_decimal_schema_matches_kafka() -> None:
    schema = Decimal.schema(2)
    assert (schema.type, schema.name, schema.version, schema.parameters) == (
        Type.BYTES,
        "org.apache.kafka.connect.data.Decimal",
        1,
        {"scale": "2"},
    )


@pytest.mark.parametrize(
    ("text", "scale", "hex_bytes"),
    [("12.34", 2, "04d2"), ("-0.01", 2, "ff"), ("0.00", 2, "00"), ("128", 0, "0080"), ("12E+2", -2, "0c")],
)
def test_decimal_round_trips_as_big_integer_bytes(text: str, scale: int, hex_bytes: str) -> None:
    # vectors from Kafka 4.1.1 (tests/compat oracle)
    schema = Decimal.schema(scale)
    assert Decimal.from_logical(schema, decimal.Decimal(text)).hex() == hex_bytes
    assert Decimal.to_logical(schema, bytes.fromhex(hex_bytes)) == decimal.Decimal(text)


def test_decimal_keeps_precision_beyond_context() -> None:
    schema = Decimal.schema(3)
    value = decimal.Decimal("123456789012345678901234567890.123")
    assert Decimal.to_logical(schema, Decimal.from_logical(schema, value)) == value


def test_decimal_rejects_mismatching_scale() -> None:
    with pytest.raises(DataError, match="Expected 2, got 3"):
        Decimal.from_logical(Decimal.schema(2), decimal.Decimal("1.234"))


def test_date_is_days_since_epoch() -> None:
    assert Date.from_logical(Date.schema(), dt.date(2024, 2, 29)) == 19782
    assert Date.to_logical(Date.schema(), -165) == dt.date(1969, 7, 20)
    with pytest.raises(DataError, match="time fields"):
        Date.from_logical(Date.schema(), dt.datetime(2024, 1, 1, 1, tzinfo=dt.UTC))


def test_time_is_millis_of_day() -> None:
    assert Time.from_logical(Time.schema(), dt.time(13, 45, 30, 123000)) == 49530123
    assert Time.to_logical(Time.schema(), 49530123) == dt.time(13, 45, 30, 123000)
    with pytest.raises(DataError):
        Time.to_logical(Time.schema(), -1)


def test_timestamp_is_epoch_millis_in_utc() -> None:
    value = dt.datetime(1960, 5, 6, 7, 8, 9, 10000, tzinfo=dt.UTC)
    assert Timestamp.from_logical(Timestamp.schema(), value) == -304707110990
    assert Timestamp.to_logical(Timestamp.schema(), -304707110990) == value
    assert Timestamp.to_logical(Timestamp.schema(), 0).tzinfo is not None


def test_conversion_checks_schema_name() -> None:
    with pytest.raises(DataError, match="schema does not match"):
        Date.to_logical(INT32_SCHEMA, 1)


def test_from_and_to_logical_dispatch_on_the_schema_name() -> None:
    assert from_logical(Date.schema(), dt.date(1970, 1, 3)) == 2
    assert to_logical(Date.schema(), 2) == dt.date(1970, 1, 3)
    assert to_logical(Decimal.schema(2), from_logical(Decimal.schema(2), decimal.Decimal("1.50"))) == decimal.Decimal(
        "1.50")
    assert from_logical(INT32_SCHEMA, 7) == 7  # not a logical type: unchanged
    assert from_logical(Date.schema(), None) is None


@pytest.mark.parametrize("text", ["0", "-0", "1.5", "-0.5", "123.45", "-123.45", "0.00", "1E+3", "1.50", "NaN",
                                  "-Infinity", "12345678901234567890.12", "-1", "0.1", "127", "-128", "255"])
@pytest.mark.parametrize("scale", [0, 1, 2])
def test_base64_at_scale_is_from_logicals_bytes_or_defers_to_it(text: str, scale: int) -> None:
    import base64

    value = decimal.Decimal(text)
    fast = Decimal.base64_at_scale(value, scale)
    try:
        exact: str | None = base64.b64encode(Decimal.from_logical(Decimal.schema(scale), value)).decode("ascii")
    except DataError:
        exact = None
    assert fast == exact or (fast is None and exact is not None and "E" in str(value))
