"""Envelopes not written by Kafka's converter (spaces, newlines around the keys) take the payload fast path too.

Every record read by one converter (the remembered envelope prefix, orjson on the payload, the compiled plan) must
equal the exact reader's answer: a fresh converter, whose first record always takes the full parse.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from connect_core.api.errors import DataError
from connect_core.converters.json import JsonConverter
from tests.unit.converters.test_json_fast_paths import TRICKY_PAYLOADS

if TYPE_CHECKING:
    from collections.abc import Callable

ROW: dict[str, Any] = {
    "type": "struct", "optional": False, "name": "row", "fields": [
        {"type": "int64", "optional": False, "field": "id"},
        {"type": "string", "optional": True, "field": "name"},
        {"type": "string", "optional": True, "default": "none", "field": "note"},
        {"type": "int32", "optional": False, "default": 7, "field": "qty"},
        {"type": "double", "optional": True, "field": "price"},
        {"type": "boolean", "optional": True, "field": "flag"},
        {"type": "bytes", "optional": True, "name": "org.apache.kafka.connect.data.Decimal", "version": 1,
         "parameters": {"scale": "2"}, "field": "amount"},
        {"type": "int64", "optional": True, "name": "org.apache.kafka.connect.data.Timestamp", "version": 1,
         "field": "at"},
        {"type": "int32", "optional": False, "name": "org.apache.kafka.connect.data.Date", "version": 1,
         "default": 0, "field": "day"},
        {"type": "struct", "optional": True, "field": "inner",
         "fields": [{"type": "int16", "optional": False, "field": "n"}]},
    ],
}
# the same struct, one field more: a schema change between records
ROW2 = {**ROW, "fields": [*ROW["fields"], {"type": "float", "optional": True, "field": "extra"}]}
PAYLOADS = [
    {"id": 1, "name": "a", "note": "x", "qty": 3, "price": 1.25, "flag": True, "amount": "AQI=", "at": 1700000000000,
     "day": 19000, "inner": {"n": 5}},
    {"id": 2, "name": None, "note": None, "qty": None, "price": None, "flag": None, "amount": None, "at": None,
     "day": None, "inner": None},
    {"id": 3},
    {"id": 10, "name": "b", "note": "y", "qty": 1, "price": 0.5, "flag": False, "amount": "AA==", "at": 0, "day": 1,
     "inner": {"n": 1, "m": 2}, "unknown": [1]},  # every field and keys the schema does not have
    {"id": -9223372036854775808, "name": "\u00e9\u2603 \"q\"", "price": -0.0, "amount": "/w==", "at": -62135596800000,
     "day": -719162, "inner": {"n": -32768}},
    {"id": 4, "price": 1e308, "at": 253402300800000, "day": 2932897},  # past datetime's range: the exact error
    {"id": 5, "qty": 2.5},  # Kafka narrows a float for int32
    {"id": 6, "amount": 12.5},  # a numeric decimal
    {"id": 7, "amount": "not base64!"},
    {"id": 8, "inner": {"n": 70000}},
    {"id": None},
    {"id": "9"},
]
STYLES: list[Callable[[Any], str]] = [
    lambda envelope: json.dumps(envelope, separators=(",", ":")),  # Kafka's compact text
    json.dumps,  # Python's default: a space after ':' and ','
    lambda envelope: json.dumps(envelope, indent=2),
    lambda envelope: "\r\n\t " + json.dumps(envelope, indent="\t"),  # whitespace before it
    lambda envelope: json.dumps(envelope) + "\n",  # after it: the full parse every time
]


def _records() -> list[bytes]:
    records = []
    for style in STYLES:
        for schema in (ROW, ROW2):
            for payload in PAYLOADS:
                records.append(style({"schema": schema, "payload": payload}).encode())
        records.append(style({"schema": None, "payload": {"a": [1, 2.5]}}).encode())
        records.append(style({"schema": {"type": "string", "optional": True}, "payload": None}).encode())
        records.append(style({"schema": {"type": "string", "optional": False}, "payload": "text"}).encode())
        records.append(style({"schema": ROW, "payload": PAYLOADS[0], "extra": 1}).encode())
        records.append(style({"payload": PAYLOADS[0], "schema": ROW}).encode())  # payload first
    return records


def _converter() -> JsonConverter:
    converter = JsonConverter()
    converter.configure({"schemas.enable": True}, False)
    return converter


def _read(converter: JsonConverter, record: bytes) -> tuple[object, ...]:
    try:
        read = converter.to_connect_data("t", record)
    except (DataError, ArithmeticError) as error:  # past datetime's range: OverflowError on both paths
        return ("error", type(error).__name__, str(error))
    return ("ok", read.schema, read.value, repr(read.value))


def _exact(record: bytes) -> tuple[object, ...]:
    return _read(_converter(), record)


def _check_stream(records: list[bytes]) -> None:
    converter = _converter()
    for index, record in enumerate(records):
        # each record twice in a row: the second read is the fast path's whenever the first one remembered
        for _ in range(2):
            assert _read(converter, record) == _exact(record), (index, record)


def test_every_record_of_every_envelope_style_reads_as_the_exact_reader() -> None:
    _check_stream(_records())


def test_interleaved_styles_and_schemas_read_as_the_exact_reader() -> None:
    records = _records()
    _check_stream(records[::3] + records[1::3] + records[2::3])


@pytest.mark.parametrize("style", STYLES[1:-1])
def test_a_spaced_envelope_takes_the_payload_path(style: Callable[[Any], str]) -> None:
    converter = _converter()
    record = style({"schema": ROW, "payload": PAYLOADS[0]}).encode()
    converter.to_connect_data("t", record)
    prefix = converter._last_envelope[0]

    assert prefix and record.startswith(prefix) and prefix.rstrip().endswith(b'"payload":')


@pytest.mark.parametrize(("schema_json", "payload"), TRICKY_PAYLOADS)
def test_tricky_payloads_in_a_spaced_envelope_read_as_the_exact_reader(schema_json: str, payload: bytes) -> None:
    record = b'{ "schema" : ' + schema_json.encode() + b' ,\n "payload" : ' + payload + b" }"
    _check_stream([record])


def test_a_duplicate_schema_key_after_the_payload_is_not_remembered() -> None:
    """The last "schema" wins in the full parse: the prefix (the first one) must not stand for it."""
    first, last = json.dumps(ROW), json.dumps(ROW2)
    duplicate = f'{{"schema": {first}, "payload": {{"id": 1}}, "schema": {last}}}'.encode()
    plain = f'{{"schema": {first}, "payload": {{"id": 1}}}}'.encode()

    _check_stream([duplicate, plain, duplicate])


def test_malformed_records_after_a_remembered_prefix_fail_as_the_exact_reader() -> None:
    good = json.dumps({"schema": ROW, "payload": PAYLOADS[0]}).encode()
    prefix = good[: good.index(b'"payload":') + len(b'"payload":')]
    _check_stream([good, prefix + b"}", prefix + b' {"id": 1', prefix + b' {"id": 1}}', prefix + b' {"id": 1}, 2}',
                   prefix + b' {"id": NaN}}', prefix + b' {"id": 1} ,"payload": 2}', good[:-1] + b"\xff}"])
