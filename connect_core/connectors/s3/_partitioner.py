"""Partitioners: the directory ("encoded partition") of a record (storage-common ``partitioner`` package).

Default -> ``partition=<n>``; Field -> ``f1=v1/f2=v2`` from a Struct or a schemaless map; TimeBased (and Daily /
Hourly) -> a time bucket formatted with ``path.format`` in ``timezone``. Exactly-once depends on these being
functions of the record alone: the Wallclock extractor is not, so it is accepted but documented as unsafe.
"""

from __future__ import annotations

import datetime as _dt
import time
from typing import TYPE_CHECKING, Any

from connect_core.api.config import config_error
from connect_core.api.errors import DataError
from connect_core.api.schema import Type
from connect_core.api.struct import Struct
from connect_core.connectors.s3._path_format import PathFormat, parse_zone
from connect_core.connectors.s3.config import EXTRACTORS

if TYPE_CHECKING:
    from collections.abc import Callable

    from connect_core.api.record import SinkRecord
    from connect_core.connectors.s3.config import S3SinkConfig

__all__ = ["Partitioner", "build_partitioner"]

DAY_MS = 24 * 60 * 60 * 1000
HOUR_MS = 60 * 60 * 1000
DAILY_PATH = "'year'=YYYY/'month'=MM/'day'=dd"
HOURLY_PATH = "'year'=YYYY/'month'=MM/'day'=dd/'hour'=HH"
_FIELD_TYPES = frozenset({Type.INT8, Type.INT16, Type.INT32, Type.INT64, Type.STRING, Type.BOOLEAN})
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)
_MS = _dt.timedelta(milliseconds=1)


class Partitioner:
    """Default partitioner (Confluent ``DefaultPartitioner``): one directory per Kafka partition."""

    time_based = False

    def encode(self, record: SinkRecord) -> str:
        """The encoded partition of ``record``."""
        return f"partition={record.kafka_partition}"

    def timestamp(self, record: SinkRecord) -> int | None:
        """The record's timestamp for ``rotate.interval.ms`` (time-based partitioners only)."""
        return None


def _lookup(value: Any, path: str) -> tuple[Any, Type | None]:
    """A (possibly dotted) field of a Struct or map, with its schema type when known."""
    schema_type: Type | None = None
    for name in path.split("."):
        if isinstance(value, Struct):
            field = value.schema.field(name)
            if field is None:
                raise DataError(f"{path} is not a valid field name")
            value, schema_type = value.get(field), field.schema.type
        elif isinstance(value, dict):
            value, schema_type = value.get(name), None
        else:
            raise DataError(f"Value is not a Struct or Map, cannot read field {path}")
    return value, schema_type


class FieldPartitioner(Partitioner):
    """``f=v`` per configured field (Confluent ``FieldPartitioner``), for Struct and schemaless map values."""

    def __init__(self, fields: list[str], delim: str) -> None:
        """Partition on ``fields`` (dotted names reach into nested values)."""
        self._fields = fields
        self._delim = delim

    def encode(self, record: SinkRecord) -> str:
        """``f1=v1<delim>f2=v2``; null -> ``f=null``; other types than int/string/boolean are errors."""
        parts = []
        for name in self._fields:
            value, schema_type = _lookup(record.value, name)
            if schema_type is not None and schema_type not in _FIELD_TYPES:
                raise DataError(f"Error encoding partition: field {name} has type {schema_type}")
            if value is None:
                text = "null"
            elif isinstance(value, bool):
                text = "true" if value else "false"
            elif isinstance(value, (int, str)):
                text = str(value)
            else:
                raise DataError(f"Error encoding partition: field {name} is a {type(value).__name__}")
            parts.append(f"{name}={text}")
        return self._delim.join(parts)


def _to_millis(value: Any, what: str) -> int:
    if isinstance(value, _dt.datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=_dt.UTC)
        return (aware - _EPOCH) // _MS
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        if value.lstrip("-").isdigit():
            return int(value)
        try:
            return _to_millis(_dt.datetime.fromisoformat(value.replace("Z", "+00:00")), what)
        except ValueError:
            pass
    raise DataError(f"Unable to determine timestamp using timestamp.extractor {what}: {value!r}")


class TimeBasedPartitioner(Partitioner):
    """A time bucket per record (Confluent ``TimeBasedPartitioner``; Daily/Hourly fix duration and path)."""

    time_based = True

    def __init__(self, duration_ms: int, path_format: str, zone: str, *, extractor: str, field: str,
                 delim: str) -> None:
        """Bucket by ``duration_ms`` in ``zone``; the extractor is Wallclock, Record or RecordField."""
        self._duration = duration_ms
        self._zone = parse_zone(zone)
        self._format = PathFormat(path_format, self._zone)
        self._delim = delim
        extractors: dict[str, Callable[[SinkRecord], int]] = {
            "Wallclock": lambda r: time.time_ns() // 1_000_000,
            "Record": self._record_time,
            "RecordField": lambda r: _to_millis(_lookup(r.value, field)[0], "RecordField"),
        }
        self._extract = extractors[extractor]

    @staticmethod
    def _record_time(record: SinkRecord) -> int:
        if record.timestamp is None:
            raise DataError(f"Unable to determine timestamp using timestamp.extractor Record for record: {record!r}")
        return record.timestamp

    def timestamp(self, record: SinkRecord) -> int | None:
        """The extracted timestamp in epoch ms."""
        return self._extract(record)

    def bucket(self, timestamp: int) -> int:
        """Joda's ``getPartition``: floor in local time, converted back to UTC."""
        offset = self._zone.utcoffset(_EPOCH + timestamp * _MS) or _dt.timedelta(0)
        local = timestamp + offset // _MS
        start_local = int(local / self._duration) * self._duration if self._duration else local
        naive = (_EPOCH + start_local * _MS).replace(tzinfo=None)
        back = naive.replace(tzinfo=self._zone).utcoffset() or _dt.timedelta(0)
        return start_local - back // _MS

    def encode(self, record: SinkRecord) -> str:
        """``path.format`` of the record's bucket, without a trailing delimiter."""
        path = self._format.format(self.bucket(self._extract(record)))
        return path[: -len(self._delim)] if path.endswith(self._delim) else path


def build_partitioner(config: S3SinkConfig) -> Partitioner:
    """The partitioner ``config`` asks for; a bad zone or pattern is a ConfigError naming the key."""
    name = config.partitioner
    if name == "FieldPartitioner":
        return FieldPartitioner(config.partition_field_name, config.directory_delim)
    if name == "DefaultPartitioner":
        return Partitioner()
    duration, path = {"DailyPartitioner": (DAY_MS, DAILY_PATH), "HourlyPartitioner": (HOUR_MS, HOURLY_PATH)}.get(
        name, (config.partition_duration_ms, config.path_format))
    try:
        parse_zone(config.timezone)
    except ValueError as e:
        raise config_error("timezone", config.timezone, str(e)) from e
    try:
        return TimeBasedPartitioner(duration, path, config.timezone, extractor=EXTRACTORS[config.timestamp_extractor],
                                    field=config.timestamp_field, delim=config.directory_delim)
    except ValueError as e:
        raise config_error("path.format", path, str(e)) from e
