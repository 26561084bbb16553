"""TimezoneConverter: shift the time fields of change events to another time zone
(``io.debezium.transforms.TimezoneConverter``, Debezium 3.7).

Timestamps without a zone (``MicroTimestamp``, ``NanoTimestamp``, ``io.debezium.time.Timestamp``, Kafka's
``Timestamp``) are read as UTC wall-clock times and re-read as wall-clock times of ``converted.timezone``;
``ZonedTimestamp``/``ZonedTime`` strings are rewritten with that zone's offset; ``source.ts_ms/ts_us/ts_ns`` gain the
zone's offset. ``include.list``/``exclude.list`` pick events (``source:<table>``, ``topic:<topic>``, ``<name>``) and
fields. The value is changed in place, as Debezium does.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
import zoneinfo
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict

from connect_core.api.config import config_field, parse_config
from connect_core.api.errors import ConfigError, ConnectError, DataError
from connect_core.api.transformation import Transformation
from connect_core.transforms.debezium._envelope import AFTER, BEFORE, SOURCE, is_envelope

if TYPE_CHECKING:
    from connect_core.api.record import ConnectRecord
    from connect_core.api.schema import Field
    from connect_core.api.struct import Struct

__all__ = ["TimezoneConverter", "TimezoneConverterConfig"]

log = logging.getLogger(__name__)

_MICRO, _NANO = "io.debezium.time.MicroTimestamp", "io.debezium.time.NanoTimestamp"
_DBZ_TIMESTAMP, _KAFKA_TIMESTAMP = "io.debezium.time.Timestamp", "org.apache.kafka.connect.data.Timestamp"
_ZONED_TIMESTAMP, _ZONED_TIME = "io.debezium.time.ZonedTimestamp", "io.debezium.time.ZonedTime"
_SUPPORTED = (_MICRO, _NANO, _DBZ_TIMESTAMP, _ZONED_TIMESTAMP, _ZONED_TIME, _KAFKA_TIMESTAMP)
_UNSUPPORTED = ("io.debezium.time.Date", "io.debezium.time.MicroTime", "io.debezium.time.NanoTime",
                "io.debezium.time.Time", "org.apache.kafka.connect.data.Date", "org.apache.kafka.connect.data.Time")
_EPOCH_FIELDS = ("ts_ms", "ts_us", "ts_ns")
_OFFSET = re.compile(r"^[+-]\d{2}:\d{2}(:\d{2})?$")
_LIST = re.compile(r"^\[(source|topic|[\".\w\s_]+):([\".\w\s_]+(?::[\".\w\s_]+)?(?:,|]$))+$")
_ISO = re.compile(r"^(?:(\d{4,})-(\d{2})-(\d{2})T)?(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?"
                  r"(Z|[+-]\d{2}:\d{2}(?::\d{2})?)$")
_FORMAT = ("Please specify a list of rules in the format of \"source:<tablename>:<fieldnames>\", "
           "\"topic:<topicname>:<fieldnames>\", \"<matchname>:<fieldnames>\"")
_EPOCH = dt.datetime(1970, 1, 1)


class TimezoneConverterConfig(BaseModel):
    """Config of TimezoneConverter."""

    model_config = ConfigDict(defer_build=True, populate_by_name=True, frozen=True)

    converted_timezone: str = config_field(
        ..., alias="converted.timezone", importance="HIGH", width="MEDIUM", display_name="Converted Timezone",
        description="A string that represents the timezone to which the time-based fields should be converted.The "
        "format can be geographic (e.g. America/Los_Angeles), or it can be a UTC offset in the format of +/-hh:mm, "
        "(e.g. +08:00).",
    )
    include_list: list[str] = config_field(
        [], alias="include.list", type="LIST", importance="HIGH", width="MEDIUM", display_name="Include List",
        description="A comma-separated list of rules that specify what events should be evaluated for timezone "
        "conversion: `source:<tablename>`, `source:<tablename>:<fieldname>`, `topic:<topicname>`, "
        "`topic:<topicname>:<fieldname>` or `<matchname>:<fieldname>` (the source table name when the event has a "
        "source block, else the topic name).",
    )
    exclude_list: list[str] = config_field(
        [], alias="exclude.list", type="LIST", importance="HIGH", width="MEDIUM", display_name="Exclude List",
        description="A comma-separated list of rules that specify what events should be excluded from timezone "
        "conversion, in the formats of include.list.",
    )


class _Zone:
    """``ZoneId.of``: a fixed ``+hh:mm[:ss]`` offset or a region of the tz database."""

    def __init__(self, name: str) -> None:
        self.fixed: int | None = None
        if _OFFSET.match(name):
            sign = -1 if name[0] == "-" else 1
            parts = [int(p) for p in name[1:].split(":")]
            self.fixed = sign * (parts[0] * 3600 + parts[1] * 60 + (parts[2] if len(parts) > 2 else 0))
        else:
            self.zone = zoneinfo.ZoneInfo(name)

    def offset_at_local(self, local: dt.datetime) -> int:
        """``rules.getOffset(LocalDateTime)``: in a gap or an overlap, the offset before the transition."""
        if self.fixed is not None:
            return self.fixed
        offset = local.replace(tzinfo=self.zone, fold=0).utcoffset()
        return int(offset.total_seconds()) if offset is not None else 0

    def offset_at_instant(self, epoch_seconds: float) -> int:
        """``rules.getOffset(Instant)``."""
        if self.fixed is not None:
            return self.fixed
        instant = dt.datetime.fromtimestamp(epoch_seconds, dt.UTC).astimezone(self.zone)
        offset = instant.utcoffset()
        return int(offset.total_seconds()) if offset is not None else 0


def _valid_zone(name: str) -> bool:
    if _OFFSET.match(name):
        return True
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _offset_text(seconds: int) -> str:
    """``ISO_OFFSET_ID``: ``Z``, ``+08:00`` or ``+05:30:15``."""
    if seconds == 0:
        return "Z"
    sign = "-" if seconds < 0 else "+"
    hours, rest = divmod(abs(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{sign}{hours:02d}:{minutes:02d}" + (f":{secs:02d}" if secs else "")


def _time_text(hour: int, minute: int, second: int, nano: int) -> str:
    """``ISO_LOCAL_TIME``: seconds always, the fraction without trailing zeros."""
    text = f"{hour:02d}:{minute:02d}:{second:02d}"
    if nano:
        text += "." + f"{nano:09d}".rstrip("0")
    return text


def _local_from_epoch(seconds: int, nanos: int) -> tuple[dt.datetime, int]:
    """The UTC wall-clock time (to the microsecond) and the nanosecond of second."""
    return _EPOCH + dt.timedelta(seconds=seconds, microseconds=nanos // 1000), nanos


def _epoch_seconds(local: dt.datetime) -> int:
    delta = local.replace(microsecond=0) - _EPOCH
    return delta.days * 86_400 + delta.seconds


class TimezoneConverter(Transformation["ConnectRecord"]):
    """Debezium's ``io.debezium.transforms.TimezoneConverter``."""

    config_model: ClassVar[type[BaseModel]] = TimezoneConverterConfig

    def configure(self, configs: dict[str, Any]) -> None:
        """Check the rules and the zone; collect the rules by topic, table and unprefixed name."""
        cfg = self.config = parse_config(TimezoneConverterConfig, configs)
        if not cfg.converted_timezone.strip():
            raise ConfigError("Invalid value  for configuration converted.timezone: The 'converted.timezone' value is "
                              "invalid: A value is required")
        include, exclude = cfg.include_list, cfg.exclude_list
        if include and not _LIST.match("[" + ", ".join(include) + "]"):
            raise ConnectError("Invalid include list format. " + _FORMAT)
        if not include and exclude and not _LIST.match("[" + ", ".join(exclude) + "]"):
            raise ConnectError("Invalid exclude list format. " + _FORMAT)
        if not _valid_zone(cfg.converted_timezone):
            raise ConnectError("Invalid timezone format. Please specify either a geographic timezone (e.g. "
                               "America/Los_Angeles) or a UTC offset in the format of +/-hh:mm, (e.g. +08:00).")
        if include and exclude:
            raise ConnectError("Both include and exclude lists are specified. Please specify only one.")
        self._zone = _Zone(cfg.converted_timezone)
        self._topics: dict[str, set[str]] = {}
        self._tables: dict[str, set[str]] = {}
        self._unprefixed: dict[str, set[str]] = {}
        self._collect(exclude or include)

    def _collect(self, items: list[str]) -> None:
        common: str | None = None
        for item in items:
            prefix, match, field = _parse_item(item)
            if prefix is not None:
                common = prefix
            target = self._topics if common == "topic" else self._tables if common == "source" else self._unprefixed
            fields = target.setdefault(match, set())  # type: ignore[arg-type]
            if field is not None:
                fields.add(field)

    def apply(self, record: ConnectRecord) -> ConnectRecord:
        """Convert the chosen time fields of a change event in place; anything else passes unchanged."""
        if record.value is None or not is_envelope(record):
            return record
        value: Struct = record.value
        table = _table(value)
        topic = record.topic
        if not self.config.include_list and not self.config.exclude_list:
            if topic not in self._topics and table not in self._tables and table not in self._unprefixed:
                self._structs(value, "ALL", table if table is not None else topic, set())
        elif self.config.include_list:
            match, fields = self._match(table, topic)
            if match is not None:
                self._structs(value, "INCLUDE" if fields else "ALL", match, fields)
        else:
            match, fields = self._match(table, topic)
            if match is None:
                self._structs(value, "ALL", table if table is not None else topic, set())
            elif fields:
                self._structs(value, "EXCLUDE", match, fields)
        return record.new_record(record.topic, record.kafka_partition, record.key_schema, record.key,
                                 record.value_schema, record.value, record.timestamp, record.headers)

    def _match(self, table: str | None, topic: str) -> tuple[str | None, set[str]]:
        if topic in self._topics:
            return topic, self._topics[topic]
        if table in self._tables:
            return table, self._tables[table]
        if topic in self._unprefixed:
            return topic, self._unprefixed[topic]
        if table in self._unprefixed:
            return table, self._unprefixed[table]
        return None, set()

    def _structs(self, value: Struct, kind: str, match: str | None, fields: set[str]) -> None:
        if match is None:
            return
        before, after, source = (_struct(value, name) for name in (BEFORE, AFTER, SOURCE))
        before_fields: set[str] = set()
        after_fields: set[str] = set()
        source_fields: set[str] = set()
        for field in fields:
            if field.startswith("source."):
                source_fields.add(field[len("source."):])
            elif field.startswith("before."):
                before_fields.add(field[len("before."):])
            elif field.startswith("after."):
                after_fields.add(field[len("after."):])
            else:
                before_fields.add(field)
                after_fields.add(field)
        if before is not None:
            self._fields(BEFORE, before, kind, before_fields)
        if after is not None:
            self._fields(AFTER, after, kind, after_fields)
        if source is not None and source_fields:
            self._fields(SOURCE, source, kind, source_fields)

    def _fields(self, block: str, value: Struct, kind: str, fields: set[str]) -> None:
        for field in value.schema.fields:
            name = field.schema.name
            epoch = block == SOURCE and field.name in _EPOCH_FIELDS
            if name is None and not epoch:
                continue
            chosen = kind == "ALL" or (kind == "INCLUDE") == (field.name in fields)
            if name in _UNSUPPORTED and chosen:
                log.warning("Skipping conversion for unsupported logical type: %s for field: %s", name, field.name)
                continue
            if chosen and (name in _SUPPORTED or epoch) and value.get(field) is not None:
                self._convert(block, value, field)

    def _convert(self, block: str, value: Struct, field: Field) -> None:
        current = value.get(field)
        if field.schema.name is not None:
            current = self._with_zone(field.schema.name, current)
        elif block == SOURCE and field.name in _EPOCH_FIELDS:
            current = self._epoch(field.name, current)
        value.put(field.name, current)

    def _epoch(self, name: str, epoch: Any) -> int:
        if not isinstance(epoch, int) or isinstance(epoch, bool):
            raise ConnectError("Epoch field value should be a java.lang.Long")
        per_second = {"ts_ms": 1000, "ts_us": 1_000_000, "ts_ns": 1_000_000_000}[name]
        return epoch + self._zone.offset_at_instant(epoch // per_second) * per_second

    def _shift_local(self, epoch: int, per_second: int) -> int:
        """Read ``epoch`` as a UTC wall-clock time and return that wall-clock time's epoch in the target zone."""
        seconds, fraction = divmod(epoch, per_second)
        local, _ = _local_from_epoch(seconds, fraction * (1_000_000_000 // per_second))
        return epoch - self._zone.offset_at_local(local) * per_second

    def _with_zone(self, name: str, current: Any) -> Any:
        if name == _MICRO:
            return self._shift_local(current, 1_000_000)
        if name == _NANO:
            return self._shift_local(current, 1_000_000_000)
        if name == _DBZ_TIMESTAMP:
            return self._shift_local(current, 1000)
        if name == _KAFKA_TIMESTAMP:
            millis = round((current.replace(tzinfo=dt.UTC) if current.tzinfo is None else current).timestamp() * 1000)
            shifted = self._shift_local(millis, 1000)
            return dt.datetime.fromtimestamp(shifted / 1000, dt.UTC).replace(tzinfo=current.tzinfo)
        if name == _ZONED_TIMESTAMP:
            return self._zoned_timestamp(current)
        return self._zoned_time(current)

    def _zoned_timestamp(self, text: str) -> str:
        year, month, day, hour, minute, second, nano, offset = _parse_iso(text, with_date=True)
        local = dt.datetime(year, month, day, hour, minute, second, nano // 1000)
        instant = _epoch_seconds(local) - offset
        target = self._zone.offset_at_local(local)  # Debezium asks for the input's own wall-clock time
        shifted = _EPOCH + dt.timedelta(seconds=instant + target)
        return (f"{shifted.year:04d}-{shifted.month:02d}-{shifted.day:02d}T"
                f"{_time_text(shifted.hour, shifted.minute, shifted.second, nano)}{_offset_text(target)}")

    def _zoned_time(self, text: str) -> str:
        _, _, _, hour, minute, second, nano, offset = _parse_iso(text, with_date=False)
        target = self._zone.offset_at_instant(time.time())  # Debezium uses the offset of now
        seconds = (hour * 3600 + minute * 60 + second - offset + target) % 86_400
        return _time_text(seconds // 3600, seconds // 60 % 60, seconds % 60, nano) + _offset_text(target)


def _parse_iso(text: str, *, with_date: bool) -> tuple[int, int, int, int, int, int, int, int]:
    """``ISO_OFFSET_DATE_TIME``/``ISO_OFFSET_TIME`` parsing: the parts and the offset in seconds."""
    match = _ISO.match(text)
    if match is None or (match.group(1) is None) == with_date:
        kind = "OffsetDateTime" if with_date else "OffsetTime"
        raise DataError(f"Text '{text}' could not be parsed as an {kind}")
    year, month, day = (int(g) if g else 1 for g in match.group(1, 2, 3))
    hour, minute = int(match.group(4)), int(match.group(5))
    second = int(match.group(6) or 0)
    nano = int((match.group(7) or "").ljust(9, "0") or 0)
    zone = match.group(8)
    offset = 0
    if zone != "Z":
        parts = [int(p) for p in zone[1:].split(":")]
        offset = (-1 if zone[0] == "-" else 1) * (parts[0] * 3600 + parts[1] * 60 + (parts[2] if len(parts) > 2 else 0))
    return year, month, day, hour, minute, second, nano, offset


def _parse_item(item: str) -> tuple[str | None, str | None, str | None]:
    parts = item.split(":")
    while len(parts) > 1 and parts[-1] == "":
        parts.pop()
    if len(parts) == 1:
        return None, parts[0], None
    if len(parts) in (2, 3):
        if parts[0].lower() in ("source", "topic"):
            return parts[0], parts[1], parts[2] if len(parts) == 3 else None
        return None, parts[0], parts[1]
    return None, None, None


def _struct(value: Struct, name: str) -> Struct | None:
    field = value.schema.field(name)
    if field is None or field.schema.type.name != "STRUCT":
        return None
    found = value.get(field)
    return found if found is not None and hasattr(found, "schema") else None


def _table(value: Struct) -> str | None:
    source = _struct(value, SOURCE)
    if source is None:
        return None
    field = source.schema.field("table")
    if field is None or field.schema.type.name != "STRING":
        return None
    found: str | None = source.get(field)
    return found
