"""Logical types: ``Decimal``, ``Date``, ``Time`` and ``Timestamp`` (Kafka ``org.apache.kafka.connect.data``).

Each is a named schema over a primitive; ``from_logical``/``to_logical`` convert between the Python value
(``decimal.Decimal``, ``datetime.date``/``time``/``datetime``) and the primitive that goes on the wire.
"""

from __future__ import annotations

import binascii
import datetime as _dt
import decimal as _decimal
from typing import TYPE_CHECKING, Any

from connect_core.api.errors import DataError
from connect_core.api.schema import SchemaBuilder

if TYPE_CHECKING:
    from connect_core.api.schema import Schema

__all__ = ["LOGICAL_NAMES", "LOGICAL_TYPES", "Date", "Decimal", "Time", "Timestamp", "from_logical", "to_logical"]

MILLIS_PER_DAY = 24 * 60 * 60 * 1000
_EPOCH_DATE = _dt.date(1970, 1, 1)
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)
_ONE_MS = _dt.timedelta(milliseconds=1)


def _unscaled_to_bytes(n: int) -> bytes:
    """Java ``BigInteger.toByteArray()``: minimal big-endian two's complement."""
    length = ((n if n >= 0 else ~n).bit_length() + 8) // 8
    return n.to_bytes(length, "big", signed=True)


class Decimal:
    """Arbitrary-precision decimal as BYTES holding the unscaled two's-complement integer (param ``scale``)."""

    LOGICAL_NAME = "org.apache.kafka.connect.data.Decimal"
    SCALE_FIELD = "scale"

    @staticmethod
    def builder(scale: int) -> SchemaBuilder:
        """A builder for a Decimal schema with ``scale`` (set ``.optional()`` etc. before ``build()``)."""
        return SchemaBuilder.bytes().name(Decimal.LOGICAL_NAME).parameter(Decimal.SCALE_FIELD, str(scale)).version(1)

    @staticmethod
    def schema(scale: int) -> Schema:
        """A required Decimal schema with ``scale``."""
        return Decimal.builder(scale).build()

    @staticmethod
    def scale(schema: Schema) -> int:
        """The scale declared in ``schema``'s parameters."""
        scale = (schema.parameters or {}).get(Decimal.SCALE_FIELD)
        if scale is None:
            raise DataError("Invalid Decimal schema: scale parameter not found.")
        try:
            return int(scale)
        except ValueError as e:
            raise DataError(f"Invalid scale parameter found in Decimal schema: {scale}") from e

    @staticmethod
    def from_logical(schema: Schema, value: _decimal.Decimal) -> bytes:
        """Encode ``value``; its scale must equal the schema's, as in Kafka."""
        expected = Decimal.scale(schema)
        sign, digits, exponent = value.as_tuple()
        if not isinstance(exponent, int):
            raise DataError(f"Decimal value is not finite: {value}")
        if -exponent != expected:
            raise DataError(f"Decimal value has mismatching scale. Expected {expected}, got {-exponent}")
        unscaled = int("".join(map(str, digits)) or "0")
        return _unscaled_to_bytes(-unscaled if sign else unscaled)

    @staticmethod
    def base64_at_scale(value: _decimal.Decimal, scale: int) -> str | None:
        """Base64 of ``from_logical``'s bytes when ``str(value)`` shows exactly ``scale`` (>= 0) fraction digits and
        no exponent (a value read at its column's scale), else None: the caller takes ``from_logical``'s checks.

        The text gives the scale check and the unscaled digits at once, cheaper than ``as_tuple`` on hot paths.
        """
        text = str(value)
        if scale:
            if "E" in text or len(text) <= scale or text[-scale - 1] != ".":
                return None
            text = text.replace(".", "")
        elif "E" in text or "." in text:
            return None
        try:
            unscaled = int(text)
        except ValueError:  # NaN, Infinity
            return None
        return binascii.b2a_base64(_unscaled_to_bytes(unscaled), newline=False).decode("ascii")

    @staticmethod
    def to_logical(schema: Schema, value: bytes) -> _decimal.Decimal:
        """Decode the unscaled bytes with the schema's scale."""
        unscaled = int.from_bytes(value, "big", signed=True)
        # String construction is exact; arithmetic would round to the context precision.
        return _decimal.Decimal(f"{unscaled}E{-Decimal.scale(schema)}")


def _check_name(schema: Schema, name: str, what: str) -> None:
    if schema.name != name:
        raise DataError(f"Requested conversion of {what} object but the schema does not match.")


class Date:
    """A calendar date as INT32 days since the Unix epoch."""

    LOGICAL_NAME = "org.apache.kafka.connect.data.Date"

    @staticmethod
    def builder() -> SchemaBuilder:
        """A builder for a Date schema."""
        return SchemaBuilder.int32().name(Date.LOGICAL_NAME).version(1)

    @staticmethod
    def schema() -> Schema:
        """A required Date schema."""
        return Date.builder().build()

    @staticmethod
    def from_logical(schema: Schema, value: _dt.date) -> int:
        """Days since epoch; a ``datetime`` must be midnight UTC (Kafka rejects time parts)."""
        _check_name(schema, Date.LOGICAL_NAME, "Date")
        if isinstance(value, _dt.datetime):
            if value.tzinfo is not None:
                value = value.astimezone(_dt.UTC)
            if value.time() != _dt.time(0):
                raise DataError("Kafka Connect Date type should not have any time fields set to non-zero values.")
            value = value.date()
        return (value - _EPOCH_DATE).days

    @staticmethod
    def to_logical(schema: Schema, value: int) -> _dt.date:
        """The date ``value`` days after 1970-01-01."""
        _check_name(schema, Date.LOGICAL_NAME, "Date")
        return _EPOCH_DATE + _dt.timedelta(days=value)


class Time:
    """A time of day as INT32 milliseconds since midnight (UTC)."""

    LOGICAL_NAME = "org.apache.kafka.connect.data.Time"

    @staticmethod
    def builder() -> SchemaBuilder:
        """A builder for a Time schema."""
        return SchemaBuilder.int32().name(Time.LOGICAL_NAME).version(1)

    @staticmethod
    def schema() -> Schema:
        """A required Time schema."""
        return Time.builder().build()

    @staticmethod
    def from_logical(schema: Schema, value: _dt.time) -> int:
        """Milliseconds since midnight; sub-millisecond precision is truncated as Java's Date has none."""
        _check_name(schema, Time.LOGICAL_NAME, "Time")
        if isinstance(value, _dt.datetime):
            raise DataError("Kafka Connect Time type should not have any date fields set to non-zero values.")
        if value.tzinfo is not None:
            offset = value.utcoffset() or _dt.timedelta(0)
            ms = _time_ms(value) - offset // _ONE_MS
            return ms % MILLIS_PER_DAY
        return _time_ms(value)

    @staticmethod
    def to_logical(schema: Schema, value: int) -> _dt.time:
        """The time of day ``value`` ms after midnight."""
        _check_name(schema, Time.LOGICAL_NAME, "Time")
        if value < 0 or value >= MILLIS_PER_DAY:
            raise DataError("Time values must use number of milliseconds greater than 0 and less than 86400000")
        seconds, ms = divmod(value, 1000)
        minutes, second = divmod(seconds, 60)
        hour, minute = divmod(minutes, 60)
        return _dt.time(hour, minute, second, ms * 1000)


def _time_ms(value: _dt.time) -> int:
    return ((value.hour * 60 + value.minute) * 60 + value.second) * 1000 + value.microsecond // 1000


class Timestamp:
    """An instant as INT64 milliseconds since the Unix epoch; Python values are tz-aware UTC datetimes."""

    LOGICAL_NAME = "org.apache.kafka.connect.data.Timestamp"

    @staticmethod
    def builder() -> SchemaBuilder:
        """A builder for a Timestamp schema."""
        return SchemaBuilder.int64().name(Timestamp.LOGICAL_NAME).version(1)

    @staticmethod
    def schema() -> Schema:
        """A required Timestamp schema."""
        return Timestamp.builder().build()

    @staticmethod
    def from_logical(schema: Schema, value: _dt.datetime) -> int:
        """Epoch milliseconds (floored); naive datetimes are taken as UTC."""
        _check_name(schema, Timestamp.LOGICAL_NAME, "Timestamp")
        if value.tzinfo is None:
            value = value.replace(tzinfo=_dt.UTC)
        return (value - _EPOCH) // _ONE_MS

    @staticmethod
    def to_logical(schema: Schema, value: int) -> _dt.datetime:
        """The UTC datetime ``value`` ms after the epoch."""
        _check_name(schema, Timestamp.LOGICAL_NAME, "Timestamp")
        return _EPOCH + _dt.timedelta(milliseconds=value)


LOGICAL_TYPES: dict[str, type[Decimal] | type[Date] | type[Time] | type[Timestamp]] = {
    Decimal.LOGICAL_NAME: Decimal, Date.LOGICAL_NAME: Date, Time.LOGICAL_NAME: Time, Timestamp.LOGICAL_NAME: Timestamp,
}
LOGICAL_NAMES: frozenset[str] = frozenset(LOGICAL_TYPES)


def from_logical(schema: Schema, value: Any) -> Any:
    """The base-type value of a logical value (Decimal -> bytes, Date -> days, ...); anything else unchanged."""
    kind = LOGICAL_TYPES.get(schema.name) if schema.name is not None else None
    return value if kind is None or value is None else kind.from_logical(schema, value)


def to_logical(schema: Schema, value: Any) -> Any:
    """The logical value of a base-type value (bytes -> Decimal, days -> date, ...); anything else unchanged."""
    kind = LOGICAL_TYPES.get(schema.name) if schema.name is not None else None
    return value if kind is None or value is None else kind.to_logical(schema, value)
