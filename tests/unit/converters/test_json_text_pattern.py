"""``_json_text_pattern``: a payload kept as its text from its bytes alone (lazy text) only where the parsing text
reader keeps it too, so the S3 line it gives is the exact writer's, and every other payload reads (or fails) as
before.

The reference is the plain read (no text kept) and the exact writer (``to_json_text``, BASE64 decimals); the fast
path is ``JsonConverter.keep_json_text(lazy=True)``, whose struct a matching payload becomes without being parsed.
"""

from __future__ import annotations

import base64
import random
from typing import Any

import orjson
import pytest

from connect_core.api.data_json import to_json_text
from connect_core.api.errors import DataError
from connect_core.api.schema import SchemaBuilder
from connect_core.api.struct import Struct, TextStruct
from connect_core.converters._json_compiled import compile_reader, compile_text_reader
from connect_core.converters._json_text_pattern import compile_text_pattern
from connect_core.converters.json import JsonConverter
from tests.unit.converters.test_json_text import CANONICAL, NOT_KEPT, SCHEMA_JSON

SCHEMA: Any = JsonConverter().as_connect_schema(orjson.loads(SCHEMA_JSON))
MATCHED = CANONICAL.replace(b'"tiny":-128', b'"tiny":-99')  # the pattern takes an int8 of at most two digits


def _plain() -> JsonConverter:
    converter = JsonConverter()
    converter.configure({"schemas.enable": "true"}, is_key=False)
    return converter


def _paths() -> tuple[Any, Any, Any]:
    """(the pattern's ``from_text``, the parsing text reader, the plain reader) of ``SCHEMA``."""
    converter = _plain()
    read = compile_reader(SCHEMA, converter._to_connect, converter._field_reader)
    assert read is not None
    match = compile_text_pattern(SCHEMA, read)
    text_read = compile_text_reader(SCHEMA, read, lazy=True)
    assert match is not None and text_read is not None
    return match, text_read, read


def _envelope(payload: bytes) -> bytes:
    return b'{"schema":' + SCHEMA_JSON + b',"payload":' + payload + b"}"


def _assert_kept_only_as_the_reader_keeps(payloads: list[bytes]) -> int:
    """Every payload the pattern keeps: the text reader keeps it too, its exact read is the same struct and writing
    that gives the payload's bytes. Returns how many the pattern kept."""
    match, text_read, read = _paths()
    kept = 0
    for raw in payloads:
        struct = match(raw)
        if struct is None:
            continue
        kept += 1
        assert type(struct) is TextStruct and struct._text == raw
        exact = read(orjson.loads(raw))
        assert text_read(orjson.loads(raw), raw)._text == raw, raw
        assert to_json_text(SCHEMA, exact, decimal_format="BASE64").encode() == raw
        assert struct == exact  # its values, read when first read
    return kept


def test_the_canonical_payload_is_kept_and_no_changed_one_is() -> None:
    match, _, _ = _paths()
    assert match(MATCHED) is not None
    changed = {name: raw.replace(b'"tiny":-128', b'"tiny":-99') for name, raw in NOT_KEPT.items()}
    assert [name for name, raw in changed.items() if match(raw) is not None] == []


@pytest.mark.parametrize("raw", [
    MATCHED.replace(b'"id":1', b'"id":01'),  # leading zero: not JSON
    MATCHED.replace(b'"id":1', b'"id":-0'),  # reads as 0, written 0
    CANONICAL,  # an int8 of three digits: left to the reader's range check
    MATCHED.replace(b'"id":1', b'"id":1234567890123456789'),  # 19 digits: likewise
    MATCHED.replace(b"0.25", b"0.0010"),
    MATCHED.replace(b"0.25", b"0.0009"),
    MATCHED.replace(b"0.25", b"1.50"),
    MATCHED.replace(b"0.25", b"1.0000000000000002"),  # 17 significant digits: left to the reader
    MATCHED.replace(b"0.25", b".25"),
    MATCHED.replace(b"1704067201000", b"99999999999999"),  # 14 digits
    MATCHED.replace(b"19724", b"-720000"),  # before year 1
    MATCHED.replace(b"AQ==", b"AQ="),
    MATCHED.replace(b"AQ==", b"AAE="),  # 0x00 0x01: not minimal
    MATCHED.replace(b"AQ==", b"/4A="),  # 0xFF 0x80: not minimal
    MATCHED.replace(b'"a b"', b'"a\x7f\x01b"'),  # a raw control character: not JSON
    MATCHED.replace(b'"active":true', b'"active":True'),
    MATCHED + b" ",
    b" " + MATCHED,
])
def test_near_canonical_payloads_are_left_to_the_reader(raw: bytes) -> None:
    match, _, _ = _paths()
    assert match(raw) is None


def test_boundary_and_random_fields_are_kept_only_where_the_reader_keeps_them() -> None:
    rng = random.Random(70)
    payloads = []
    for i in range(4000):
        score = rng.choice([b"0.0", b"0.001", b"0.01", b"9999999.5", b"9999999.99999999", b"123.25", b"-0.5",
                            b"0.123456789012345", repr(rng.uniform(-1e7, 1e7)).encode(), b"1e-3", b"7.0",
                            b"1.50", b"10.00", b"-250.0", b"0.0500", b"00.5", b"1.", b"12345678.5"])
        unscaled = rng.choice([0, 1, -1, 127, 128, -128, -129, 255, 256, -256, 2**63, -(2**70),
                               rng.randint(-10**9, 10**9)])
        raw_price = unscaled.to_bytes((unscaled.bit_length() + 8) // 8, "big", signed=True)
        if i % 13 == 0:
            raw_price = (b"\xff" if unscaled < 0 else b"\x00") + raw_price  # not minimal
        price = base64.b64encode(raw_price)
        tiny = rng.choice([-128, -99, 0, 99, 127])
        payloads.append(b'{"id":%d,"name":"n%d","tiny":%d,"price":"%s","score":%s,"active":%s,"at":%d,"day":%d,'
                        b'"note":%s,"with_default":%d}' % (
                            rng.choice([0, -1, 10**17, -(10**18) + 1, rng.randint(-2**63, 2**63 - 1)]), i, tiny,
                            price, score, rng.choice([b"true", b"false", b"null"]),
                            rng.choice([0, -1, 9999999999999, -9999999999999, rng.randint(-10**13, 10**13)]),
                            rng.choice([0, -1, 999999, -99999, rng.randint(-700_000, 2_900_000)]),
                            rng.choice([b"null", b'"x"', b'"a/b ~!"', b'""']), i))
    kept = _assert_kept_only_as_the_reader_keeps(payloads)
    assert 0.1 * len(payloads) < kept < len(payloads)  # both kinds occur


def test_random_byte_edits_of_the_canonical_payload_are_never_kept_wrongly() -> None:
    rng = random.Random(7)
    alphabet = b'0123456789-.,:"{}[] \\AQ=eEnulltrfsx\x00\xc3\xa9'
    payloads = []
    for _ in range(6000):
        raw = bytearray(MATCHED)
        for _edit in range(rng.randint(1, 3)):
            at = rng.randrange(len(raw))
            what = rng.randrange(3)
            if what == 0:
                del raw[at]
            elif what == 1:
                raw.insert(at, rng.choice(alphabet))
            else:
                raw[at] = rng.choice(alphabet)
        payloads.append(bytes(raw))
    _assert_kept_only_as_the_reader_keeps(payloads)


def test_a_batch_reads_and_fails_as_without_the_text() -> None:
    """The converter with lazy text gives the plain read's structs (or its error) on edge cases, and its S3 text
    only where it is the exact writer's bytes."""
    lazy = _plain()
    lazy.keep_json_text(lazy=True)
    payloads = [MATCHED, MATCHED, MATCHED.replace(b'"id":1', b'"id": 1'),
                MATCHED.replace(b"a b", "ü€😀".encode()), MATCHED.replace(b"a b", b"a\\u00e9"),
                MATCHED.replace(b'"note":null', b'"note":"x"'), CANONICAL]
    values: list[bytes | None] = [_envelope(p) for p in payloads]
    values.insert(3, None)  # a tombstone
    read = lazy.to_connect_values(values)
    assert read == _plain().to_connect_values(values)
    texts = [None if value is None else value._text for _schema, value in read]
    assert texts == [None, MATCHED, None, None, None, None, MATCHED.replace(b'"note":null', b'"note":"x"'),
                     CANONICAL]  # the last kept by the parsing text reader
    for bad in (CANONICAL.replace(b'"name":"a b"', b'"name":null'), CANONICAL[:-1], CANONICAL + b"x"):
        batch = [_envelope(CANONICAL), _envelope(CANONICAL), _envelope(bad)]
        with pytest.raises(DataError) as plain_error:
            _plain().to_connect_values(batch)
        with pytest.raises(DataError) as lazy_error:
            lazy.to_connect_values(batch)
        assert str(lazy_error.value) == str(plain_error.value)


@pytest.mark.parametrize("field", [
    SchemaBuilder.float32().build(),
    SchemaBuilder.bytes().build(),
    SchemaBuilder.struct().field("a", SchemaBuilder.int32().build()).build(),
    SchemaBuilder.array(SchemaBuilder.int32().build()).build(),
])
def test_a_schema_with_a_field_whose_text_is_not_matched_has_no_pattern(field: Any) -> None:
    schema = SchemaBuilder.struct().field("x", field).build()
    assert compile_text_pattern(schema, lambda node: Struct(schema)) is None


def test_a_field_name_json_would_escape_has_no_pattern() -> None:
    schema = SchemaBuilder.struct().field('a"b', SchemaBuilder.int32().build()).build()
    assert compile_text_pattern(schema, lambda node: Struct(schema)) is None
    plain = SchemaBuilder.struct().field("a.b+c", SchemaBuilder.int32().build()).build()
    match = compile_text_pattern(plain, lambda node: Struct.from_validated(plain, [node["a.b+c"]]))
    assert match is not None and match(b'{"a.b+c":5}') is not None and match(b'{"aXb+c":5}') is None
