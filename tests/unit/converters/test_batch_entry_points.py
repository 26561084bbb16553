"""Every converter's batch read (``to_connect_values``, what the sink pipeline calls once a batch) against its
per-record read (``to_connect_data`` of each value, the reference): the same ``(schema, value)`` pairs, or the same
error for a batch holding a value the converter refuses."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from connect_core.api.errors import DataError
from connect_core.converters.byte_array import ByteArrayConverter
from connect_core.converters.json import JsonConverter
from connect_core.converters.string import StringConverter

if TYPE_CHECKING:
    from connect_core.api.schema import Schema

ENVELOPE = b'{"schema":{"type":"string","optional":false},"payload":'
STRUCT = b'{"schema":{"type":"struct","fields":[{"field":"id","type":"int32"}],"optional":false},"payload":'
VALUES: list[bytes | None] = [
    ENVELOPE + b'"line 1"}', ENVELOPE + b'"line \\u00e9 \\"q\\""}', None, ENVELOPE + b'"x"}',
    STRUCT + b'{"id":7}}', b'{"schema":null,"payload":[1.5,"x"]}', b'{"schema":{"type":"float"},"payload":1.25}',
    ENVELOPE + b'"after"}', b'"plain"', b'{"a":1}', b"\xc3\xa9\xff", b"",
]


def _json(schemas: bool) -> JsonConverter:
    converter = JsonConverter()
    converter.configure({"schemas.enable": str(schemas).lower()}, is_key=False)
    return converter


def _string(encoding: str) -> StringConverter:
    converter = StringConverter()
    converter.configure({"converter.encoding": encoding}, is_key=False)
    return converter


class _Upper(ByteArrayConverter):
    """A subclass whose per-record read differs: its batch read must be that one."""

    def to_connect_data(self, topic: str, value: bytes | None, headers: Any = None) -> Any:
        result = super().to_connect_data(topic, value, headers)
        return result._replace(value=None if value is None else value.upper())


CONVERTERS = {
    "byte-array": ByteArrayConverter, "byte-array-subclass": _Upper, "string-utf8": lambda: _string("UTF-8"),
    "string-latin1": lambda: _string("ISO-8859-1"), "json-schemaless": lambda: _json(False),
    "json-schemas": lambda: _json(True),
}


def _reference(converter: Any, values: list[bytes | None]) -> list[tuple[Schema | None, Any]] | type:
    try:
        return [tuple(converter.to_connect_data("", value)) for value in values]
    except DataError as error:
        return type(error)


def _batch(converter: Any, values: list[bytes | None]) -> list[tuple[Schema | None, Any]] | type:
    try:
        return [tuple(pair) for pair in converter.to_connect_values(list(values))]
    except DataError as error:
        return type(error)


@pytest.mark.parametrize("name", sorted(CONVERTERS))
def test_the_batch_read_gives_what_the_per_record_read_gives(name: str) -> None:
    converter = CONVERTERS[name]()
    readable = [value for value in VALUES if _reference(converter, [value]) is not DataError]
    assert len(readable) >= 6
    compared = 0
    for start in range(len(VALUES)):  # every batch from one point on (envelopes remembered mid-batch), with the
        for values in (VALUES[start:], readable[start:]):  # values it refuses and without them
            expected = _reference(converter, values)
            assert _batch(CONVERTERS[name](), values) == expected, (name, values)
            compared += expected is not DataError and len(values) > 1
    assert compared >= 5
    plain = [ENVELOPE + b'"line %d"}' % i for i in range(50)]
    assert _batch(converter, plain) == _reference(converter, plain)
