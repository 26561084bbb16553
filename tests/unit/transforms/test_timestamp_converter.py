"""TimestampConverter: unix/string/Date/Time/Timestamp conversions."""

from __future__ import annotations

import datetime as dt

import pytest

from connect_core.api.errors import ConfigError, DataError
from connect_core.api.logical import Date, Time, Timestamp
from connect_core.api.schema import Schema, SchemaBuilder
from connect_core.api.struct import Struct
from connect_core.transforms.timestamp_converter import TimestampConverter
from tests.unit.transforms._records import source

MS = 1_700_000_000_123  # 2023-11-14T22:13:20.123Z
MOMENT = dt.datetime(2023, 11, 14, 22, 13, 20, 123000, tzinfo=dt.UTC)


def _tc(cls: type[TimestampConverter] = TimestampConverter.Value, **configs: str) -> TimestampConverter:
    xform = cls()
    xform.configure(configs)
    return xform


def test_schemaless_unix_to_string_uses_the_format_in_utc() -> None:
    xform = _tc(**{"target.type": "string", "format": "yyyy-MM-dd'T'HH:mm:ss.SSS"})
    assert xform.apply(source(MS)).value == "2023-11-14T22:13:20.123"


def test_schemaless_string_field_to_unix_seconds() -> None:
    xform = _tc(field="ts", **{"target.type": "unix", "format": "yyyyMMdd", "unix.precision": "seconds"})
    assert xform.apply(source({"ts": "20231114", "o": 1})).value == {"ts": 1699920000, "o": 1}


def test_whole_value_with_schema_to_date_and_time() -> None:
    date = _tc(**{"target.type": "Date"}).apply(source(MS, Schema.INT64_SCHEMA))
    assert date.value == dt.date(2023, 11, 14) and date.value_schema == Date.schema()
    time = _tc(**{"target.type": "Time"}).apply(source(MOMENT, Timestamp.schema()))
    assert time.value == dt.time(22, 13, 20, 123000) and time.value_schema == Time.schema()


def test_struct_field_converted_and_schema_updated() -> None:
    schema = SchemaBuilder.struct().field("ts", Schema.INT64_SCHEMA).field("o", Schema.STRING_SCHEMA).build()
    value = Struct(schema).put("ts", MS).put("o", "x")
    out = _tc(field="ts", **{"target.type": "Timestamp"}).apply(source(value, schema))
    assert out.value_schema.field("ts").schema == Timestamp.schema()
    assert out.value.get("ts") == MOMENT and out.value.get("o") == "x"


def test_microsecond_precision_round_trips_through_millis() -> None:
    xform = _tc(**{"target.type": "unix", "unix.precision": "microseconds"})
    assert xform.apply(source(MOMENT, Timestamp.schema())).value == MS * 1000


def test_tombstone_stays_null_with_optional_target_schema() -> None:
    out = _tc(**{"target.type": "Timestamp"}).apply(source(None, Schema.OPTIONAL_INT64_SCHEMA))
    assert out.value is None and out.value_schema.optional


def test_key_variant_converts_the_key() -> None:
    assert _tc(TimestampConverter.Key, **{"target.type": "Timestamp"}).apply(source("v", key=MS)).key == MOMENT


def test_string_target_without_format_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="requires format option"):
        _tc(**{"target.type": "string"})


def test_unknown_target_type_is_a_config_error_naming_the_key() -> None:
    with pytest.raises(ConfigError, match="Invalid value date for configuration target.type"):
        _tc(**{"target.type": "date"})


def test_bad_format_wraps_the_pattern_error_like_config_exception() -> None:
    with pytest.raises(ConfigError, match=r"^Invalid value java.lang.IllegalArgumentException: Illegal pattern "
                       r"character 'b' for configuration TimestampConverter requires a SimpleDateFormat-compatible"):
        _tc(**{"target.type": "string", "format": "yyyy-bb"})


def test_unsupported_schemaless_type_is_named_like_java_get_class() -> None:
    with pytest.raises(DataError, match=r"^TimestampConverter does not support class java.lang.Double objects"):
        _tc(**{"target.type": "unix"}).apply(source(1.5))
