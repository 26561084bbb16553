"""TimezoneConverter (record-for-record parity with the jar: tests/compat/test_debezium_transforms_compat.py)."""

from __future__ import annotations

import pytest

from connect_core.api.errors import ConnectError
from connect_core.api.record import SourceRecord
from connect_core.api.schema import Schema, SchemaBuilder
from connect_core.api.struct import Struct
from connect_core.transforms.debezium.timezone_converter import TimezoneConverter

MICRO = SchemaBuilder.int64().name("io.debezium.time.MicroTimestamp").version(1).optional().build()
ZONED = SchemaBuilder.string().name("io.debezium.time.ZonedTimestamp").version(1).optional().build()
ROW = SchemaBuilder.struct().name("t.Value").optional().field("at", MICRO).field("zoned", ZONED).build()
SOURCE = (SchemaBuilder.struct().name("src").field("table", Schema.STRING_SCHEMA)
          .field("ts_ms", Schema.INT64_SCHEMA).build())
ENVELOPE = (SchemaBuilder.struct().name("t.Envelope").field("before", ROW).field("after", ROW)
            .field("source", SOURCE).field("op", Schema.STRING_SCHEMA).build())


def _event(micros: int, zoned: str) -> SourceRecord:
    after = Struct(ROW).put("at", micros).put("zoned", zoned)
    source = Struct(SOURCE).put("table", "orders").put("ts_ms", 1_700_000_000_000)
    value = Struct(ENVELOPE).put("after", after).put("source", source).put("op", "c")
    return SourceRecord({}, {}, "db.orders", 0, None, None, ENVELOPE, value, 1)


def _smt(**configs: str) -> TimezoneConverter:
    smt = TimezoneConverter()
    smt.configure({k.replace("_", "."): v for k, v in configs.items()})
    return smt


def test_wall_clock_times_are_reread_in_the_target_zone() -> None:
    out = _smt(converted_timezone="+05:30").apply(_event(1_700_000_000_123_456, "2023-11-14T22:13:20.123456Z"))
    after = out.value.get("after")
    assert after.get("at") == 1_700_000_000_123_456 - 19_800 * 1_000_000
    assert after.get("zoned") == "2023-11-15T03:43:20.123456+05:30"
    assert out.value.get("source").get("ts_ms") == 1_700_000_000_000  # epoch fields only when listed


def test_regions_follow_daylight_saving() -> None:
    summer = _smt(converted_timezone="Europe/Berlin").apply(_event(1_688_169_600_000_000, "2023-07-01T00:00:00Z"))
    assert summer.value.get("after").get("at") == 1_688_169_600_000_000 - 7200 * 1_000_000
    assert summer.value.get("after").get("zoned") == "2023-07-01T02:00:00+02:00"


def test_rules_pick_tables_and_fields() -> None:
    kept = _smt(converted_timezone="+02:00", include_list="source:other").apply(_event(0, "1970-01-01T00:00:00Z"))
    assert kept.value.get("after").get("at") == 0
    only_source = _smt(converted_timezone="+02:00", include_list="source:orders:source.ts_ms").apply(
        _event(0, "1970-01-01T00:00:00Z"))
    assert only_source.value.get("source").get("ts_ms") == 1_700_000_000_000 + 7_200_000
    assert only_source.value.get("after").get("at") == 0


@pytest.mark.parametrize(("configs", "message"), [
    ({"converted.timezone": "Mars/Olympus"}, "Invalid timezone format"),
    ({"converted.timezone": "UTC", "include.list": "source:a", "exclude.list": "source:b"}, "Both include and"),
    ({"converted.timezone": "UTC", "include.list": "a:b:c:d"}, "Invalid include list format"),
])  # fmt: skip
def test_bad_configs_fail_as_debeziums(configs: dict[str, str], message: str) -> None:
    with pytest.raises(ConnectError, match=message):
        TimezoneConverter().configure(configs)
