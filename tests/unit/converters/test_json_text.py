"""``JsonConverter.keep_json_text``: a struct read from an envelope keeps its payload's bytes (``Struct._text``) only
where writing the struct as schemaless JSON gives those very bytes.

The reference is the exact writer (``api.data_json.to_json_text``, BASE64 decimals: what the S3 sink's JSON lines
write, checked against the Kafka jars in ``tests/compat``). Every payload is read with and without the text: the
structs must be equal, and a kept text must be the exact writer's bytes.
"""

from __future__ import annotations

import base64
import random
from typing import Any

import pytest

from connect_core.api.data_json import to_json_text
from connect_core.api.errors import DataError
from connect_core.api.schema import SchemaBuilder
from connect_core.api.struct import Struct, TextStruct
from connect_core.connectors.s3._json_lines import compile_line
from connect_core.converters.json import JsonConverter

SCHEMA_JSON = (
    b'{"type":"struct","fields":['
    b'{"type":"int64","optional":false,"field":"id"},'
    b'{"type":"string","optional":false,"field":"name"},'
    b'{"type":"int8","optional":false,"field":"tiny"},'
    b'{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,'
    b'"parameters":{"scale":"2"},"field":"price"},'
    b'{"type":"double","optional":false,"field":"score"},'
    b'{"type":"boolean","optional":true,"field":"active"},'
    b'{"type":"int64","optional":false,"name":"org.apache.kafka.connect.data.Timestamp","version":1,'
    b'"field":"at"},'
    b'{"type":"int32","optional":false,"name":"org.apache.kafka.connect.data.Date","version":1,"field":"day"},'
    b'{"type":"string","optional":true,"field":"note"},'
    b'{"type":"int32","optional":true,"default":7,"field":"with_default"}],"optional":false}'
)
CANONICAL = (b'{"id":1,"name":"a b","tiny":-128,"price":"AQ==","score":0.25,"active":true,"at":1704067201000,'
             b'"day":19724,"note":null,"with_default":3}')
# each: the canonical payload with one change; none of them is the exact writer's text of what it reads
NOT_KEPT = {
    "spaces": CANONICAL.replace(b'"id":1', b'"id": 1'),
    "key order": CANONICAL.replace(b'"id":1,"name":"a b"', b'"name":"a b","id":1'),
    "missing key": CANONICAL.replace(b',"note":null', b""),
    "extra key": CANONICAL[:-1] + b',"x":1}',
    "duplicate key": CANONICAL[:-1] + b',"id":2}',
    "non-ASCII": CANONICAL.replace(b"a b", "é".encode()),
    "escape": CANONICAL.replace(b"a b", b"a\\u0062"),
    "int for a double": CANONICAL.replace(b"0.25", b"1"),
    "longer double": CANONICAL.replace(b"0.25", b"0.250"),
    "exponent double": CANONICAL.replace(b"0.25", b"2.5e-1"),
    "double Java prints with an exponent": CANONICAL.replace(b"0.25", b"10000000.0"),
    "small double": CANONICAL.replace(b"0.25", b"0.0001"),
    "negative zero": CANONICAL.replace(b"0.25", b"-0.0"),
    "int8 out of range": CANONICAL.replace(b"-128", b"-129"),
    "string for an int": CANONICAL.replace(b'"id":1', b'"id":"1"'),
    "non-minimal decimal": CANONICAL.replace(b"AQ==", base64.b64encode(b"\x00\x01")),
    "non-canonical base64": CANONICAL.replace(b"AQ==", b"AR=="),
    "empty decimal": CANONICAL.replace(b"AQ==", b""),
    "number for a decimal": CANONICAL.replace(b'"AQ=="', b"0.01"),
    "null for a default": CANONICAL.replace(b'"with_default":3', b'"with_default":null'),
    "double for an int": CANONICAL.replace(b'"id":1', b'"id":1.0'),
}


def _converter(keep: bool, *, lazy: bool = False) -> JsonConverter:
    converter = JsonConverter()
    converter.configure({"schemas.enable": "true"}, is_key=False)
    if keep:
        converter.keep_json_text(lazy=lazy)
    return converter


def _built(struct: Struct) -> bool:
    """Whether ``struct``'s values exist yet (a ``TextStruct``'s are read when first read)."""
    try:
        Struct._values.__get__(struct)  # type: ignore[attr-defined]
    except AttributeError:
        return False
    return True


def _envelope(payload: bytes) -> bytes:
    return b'{"schema":' + SCHEMA_JSON + b',"payload":' + payload + b"}"


def _read_both(payloads: list[bytes]) -> list[Struct | None]:
    """The structs read with text kept, after checking them against the structs read without it."""
    values = [_envelope(p) for p in payloads]
    plain, kept = _converter(False).to_connect_values(values), _converter(True).to_connect_values(values)
    lazy = _converter(True, lazy=True).to_connect_values(values)
    assert kept == plain  # Struct equality: the values, not the text
    texts = [value._text if value is not None else None for _schema, value in kept]
    assert [value._text if value is not None else None for _schema, value in lazy] == texts
    # lazily: a struct keeping its text has no values until read (then the same values); the others are plain
    assert [type(value) is TextStruct and not _built(value) for _schema, value in lazy] == [
        text is not None for text in texts]
    assert lazy == plain
    assert all(_built(value) for _schema, value in lazy if value is not None)
    structs = [value for _schema, value in kept]
    for struct in structs:
        if struct is not None and struct._text is not None:
            assert struct._text == to_json_text(struct.schema, struct, decimal_format="BASE64").encode()
    return structs


def test_a_payload_kafka_refuses_is_refused_with_the_same_error() -> None:
    bad = [_envelope(CANONICAL.replace(b'"name":"a b"', b'"name":null'))]
    with pytest.raises(DataError) as plain:
        _converter(False).to_connect_values(bad)
    with pytest.raises(DataError) as kept:
        _converter(True).to_connect_values(bad)
    assert str(kept.value) == str(plain.value) == "Invalid null value for required STRING field"


def test_a_canonical_payload_keeps_its_text_and_every_changed_one_does_not() -> None:
    names = list(NOT_KEPT)
    # the first record of an envelope is read the exact way, which remembers the envelope: no text on it
    structs = _read_both([CANONICAL, CANONICAL, *NOT_KEPT.values(), CANONICAL])
    assert structs[0]._text is None and structs[1]._text == structs[-1]._text == CANONICAL
    assert [name for name, s in zip(names, structs[2:-1], strict=True) if s is None or s._text is not None] == []


def test_random_payloads_keep_only_the_exact_writers_text() -> None:
    rng = random.Random(52)
    payloads = []
    for i in range(3000):
        score = rng.choice([0.0, -0.0, 0.5, 1e-3, 9.99e-4, 1e7, 9999999.5, -123.25, 1e20, 3, rng.uniform(-1e8, 1e8)])
        unscaled = rng.choice([0, 1, -1, 127, 128, -128, -129, 255, 2**63, -(2**70), rng.randint(-10**9, 10**9)])
        price = base64.b64encode(unscaled.to_bytes((unscaled.bit_length() + 8) // 8, "big", signed=True))
        if i % 17 == 0:
            price = base64.b64encode(b"\x00" + base64.b64decode(price))  # not minimal
        note = rng.choice([b"null", b'"x"', b'"tab\\tx"', '"ü"'.encode(), b'"a/b"'])
        tiny, active = rng.choice([-128, 0, 127, 128]), rng.choice([b"true", b"false", b"null"])
        payloads.append(b'{"id":%d,"name":"n%d","tiny":%d,"price":"%s","score":%s,"active":%s,"at":%d,"day":%d,'
                        b'"note":%s,"with_default":%d}' % (
                            rng.randint(-2**63, 2**63 - 1), i, tiny, price, repr(score).encode(), active,
                            rng.randint(-10**13, 10**13), rng.randint(-700_000, 2_900_000), note, i))
    structs = _read_both(payloads)
    kept = sum(s is not None and s._text is not None for s in structs)
    assert 0.1 * len(payloads) < kept < len(payloads)  # both kinds occur, so both branches are checked


def test_the_s3_line_of_a_struct_with_text_is_the_exact_line_and_put_drops_the_text() -> None:
    (struct,) = _read_both([CANONICAL])
    assert struct is not None
    line = compile_line(struct.schema, base64_decimals=True)
    assert line is not None
    assert line(struct) == CANONICAL + b"\n"
    struct.put("name", "c")
    assert struct._text is None
    assert line(struct) == to_json_text(struct.schema, struct).encode() + b"\n" != CANONICAL + b"\n"


def test_numeric_decimal_lines_do_not_take_the_base64_text() -> None:
    (struct,) = _read_both([CANONICAL])
    assert struct is not None
    line = compile_line(struct.schema, base64_decimals=False)  # NUMERIC decimals: the exact writer for the record
    assert line is None or line(struct) != CANONICAL + b"\n"


@pytest.mark.parametrize(("field", "payload"), [
    (b'{"type":"float","optional":false,"field":"x"}', b'{"x":0.5}'),
    (b'{"type":"bytes","optional":false,"field":"x"}', b'{"x":"AQ=="}'),
    (b'{"type":"int32","optional":false,"name":"org.apache.kafka.connect.data.Time","version":1,"field":"x"}',
     b'{"x":1000}'),
    (b'{"type":"array","items":{"type":"int32","optional":false},"optional":false,"field":"x"}', b'{"x":[1]}'),
])
def test_a_schema_with_a_field_whose_text_is_not_compared_keeps_no_text(field: bytes, payload: bytes) -> None:
    value = b'{"schema":{"type":"struct","fields":[' + field + b'],"optional":false},"payload":' + payload + b"}"
    read = _converter(True).to_connect_values([value, value])
    assert read == _converter(False).to_connect_values([value, value])
    assert [struct._text for _schema, struct in read] == [None, None]


def test_structs_made_elsewhere_carry_no_text() -> None:
    schema = SchemaBuilder.struct().field("a", SchemaBuilder.int32().build()).build()
    made: Any = Struct(schema).put("a", 1)
    assert made._text is None and Struct.from_validated(schema, [1])._text is None


def test_a_lazy_struct_writes_its_text_and_once_changed_its_values() -> None:
    """A ``TextStruct``'s S3 line is its text without its values read; ``put`` reads them, then drops the text, and
    the line is the exact writer's of the changed values."""
    values = [_envelope(CANONICAL)] * 2
    (_, first), (_, struct) = _converter(True, lazy=True).to_connect_values(values)
    assert type(struct) is TextStruct and first == struct
    (_, fresh) = _converter(True, lazy=True).to_connect_values(values)[1]
    line = compile_line(fresh.schema, base64_decimals=True)
    assert line is not None
    assert line(fresh) == CANONICAL + b"\n" and not _built(fresh)
    fresh.put("name", "c")
    assert fresh._text is None and fresh.get("name") == "c" and fresh.get("id") == struct.get("id")
    assert line(fresh) == to_json_text(fresh.schema, fresh).encode() + b"\n" != CANONICAL + b"\n"
