"""The source header plans: the cache of a pure converter gives the reference's bytes, record after record."""

from __future__ import annotations

import datetime as dt
import decimal
import random
from typing import Any

import pytest

from connect_core.api.converter import HeaderConverter
from connect_core.api.errors import DataError
from connect_core.api.header import BytesHeaders, Header, Headers
from connect_core.api.logical import Date, Decimal, Timestamp
from connect_core.api.schema import (
    BOOLEAN_SCHEMA,
    BYTES_SCHEMA,
    FLOAT32_SCHEMA,
    FLOAT64_SCHEMA,
    INT8_SCHEMA,
    INT64_SCHEMA,
    OPTIONAL_BYTES_SCHEMA,
    OPTIONAL_STRING_SCHEMA,
    STRING_SCHEMA,
    SchemaBuilder,
)
from connect_core.api.struct import Struct
from connect_core.converters.byte_array import ByteArrayConverter
from connect_core.converters.simple_header import SimpleHeaderConverter
from connect_core.converters.string import StringConverter
from connect_core.runtime import source_headers
from connect_core.runtime.converter_set import ConverterSet
from connect_core.runtime.source_headers import CachedHeaderBytes, HeaderBytes, PassThroughHeaderBytes, header_plan

INNER = SchemaBuilder.struct().name("Inner").field("s", OPTIONAL_STRING_SCHEMA).build()
OUTER = (SchemaBuilder.struct().name("Outer").field("inner", INNER)
         .field("tags", SchemaBuilder.array(STRING_SCHEMA).build()).build())


def _values() -> list[tuple[Any, Any]]:
    """(schema, value) pairs: nulls, bytes, unicode, numbers at their widths, logical types, containers and nested
    structs (mutable: never cached)."""
    return [
        (None, None), (OPTIONAL_STRING_SCHEMA, None), (OPTIONAL_BYTES_SCHEMA, None),
        (STRING_SCHEMA, ""), (STRING_SCHEMA, "caf\u00e9 \u2603 \U0001f600"), (STRING_SCHEMA, 'quote " and \\'),
        (None, "plain"), (BYTES_SCHEMA, b""), (BYTES_SCHEMA, b"\x00\xff bytes"), (None, b"\x80"),
        (BOOLEAN_SCHEMA, True), (None, False), (INT8_SCHEMA, 1), (INT64_SCHEMA, -(2**63)), (None, 1),
        (FLOAT32_SCHEMA, 0.1), (FLOAT64_SCHEMA, -0.0), (None, 1e300), (None, float("nan")),
        (Decimal.schema(2), decimal.Decimal("-12.30")), (None, decimal.Decimal("0E-7")),
        (Date.schema(), dt.date(2024, 2, 29)), (Timestamp.schema(), dt.datetime(2024, 1, 1, 12, 0, 0, 123000)),
        (None, [1, "two", None]), (None, {"k": [b"v"], "n": None}),
        (OUTER, Struct(OUTER).put("inner", Struct(INNER).put("s", "\u00e9")).put("tags", ["a", "b"])),
    ]


def _converters() -> list[HeaderConverter]:
    string = StringConverter()
    string.configure({"converter.encoding": "UTF-16"})
    return [SimpleHeaderConverter(), StringConverter(), string, ByteArrayConverter()]


def _convert(plan: HeaderBytes, headers: Headers) -> Any:
    """The plan's pairs, or the class of what it raised (a converter refusing a value)."""
    try:
        return plan.convert("topic", headers)
    except Exception as error:  # compared between plans: both refuse alike
        return type(error)


@pytest.mark.parametrize("converter", _converters(), ids=lambda c: type(c).__name__)
def test_the_cache_gives_the_reference_bytes_over_random_records(converter: HeaderConverter) -> None:
    """Records drawing from a pool of shared ``Header`` objects (as Debezium's context headers are) and fresh ones,
    keys repeating within a record: the same pairs (or the same refusal) as every header converted afresh; a mutable
    value changed between records is converted again."""
    rng = random.Random(42)
    pool = [Header(f"k{i % 5}", schema, value) for i, (schema, value) in enumerate(_values())]
    cached, reference = header_plan(converter), HeaderBytes(converter)
    assert isinstance(cached, (CachedHeaderBytes, PassThroughHeaderBytes))  # the latter's other headers: the cache
    changing = [1, 2]
    shared_list = Header("list", None, changing)
    for _ in range(3000):
        chosen = [rng.choice(pool) for _ in range(rng.randint(1, 6))]
        if rng.random() < 0.3:
            schema, value = rng.choice(_values())
            chosen.append(Header("fresh", schema, value))
        if rng.random() < 0.1:
            chosen.append(chosen[0])  # the same object twice in one record
        if rng.random() < 0.2:
            changing.append(len(changing))
            chosen.append(shared_list)
        headers = Headers(chosen)
        assert _convert(cached, headers) == _convert(reference, headers)


def test_a_header_refused_is_refused_again_and_never_cached() -> None:
    """ByteArrayConverter refuses a string: each record carrying it raises, as the reference does."""
    plan = header_plan(ByteArrayConverter())
    refused = Headers([Header("ok", BYTES_SCHEMA, b"1"), Header("bad", STRING_SCHEMA, "text")])
    for _ in range(2):
        with pytest.raises(Exception, match="Invalid schema type"):
            plan.convert("t", refused)
    assert plan.convert("t", Headers([refused.last_with_name("ok")])) == [("ok", b"1")]  # type: ignore[list-item]


def test_caching_stops_when_every_record_brings_new_headers(monkeypatch: pytest.MonkeyPatch) -> None:
    """MirrorMaker 2's records each carry their own headers: after a fill of the cache found none again, every
    header goes through the converter (the reference's ``convert``), with the same bytes."""
    monkeypatch.setattr(source_headers, "CACHE_SIZE", 8)
    converter = SimpleHeaderConverter()
    plan = header_plan(converter)
    for i in range(20):
        headers = Headers([Header("trace-id", BYTES_SCHEMA, b"%016x" % i)])
        assert plan.convert("t", headers) == HeaderBytes(converter).convert("t", headers)
    assert plan.convert.__func__ is HeaderBytes.convert  # type: ignore[attr-defined]


def test_shared_headers_are_converted_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same four context headers on every record: each converted on its first record only."""
    converter = SimpleHeaderConverter()
    calls: list[str] = []
    convert = converter.from_connect_header

    def counted(*args: Any) -> bytes | None:
        calls.append(args[1])
        return convert(*args)

    monkeypatch.setattr(converter, "from_connect_header", counted)
    shared = [Header(f"__debezium.context.{name}", STRING_SCHEMA, name) for name in ("a", "b", "c", "d")]
    plan = header_plan(converter)
    pairs = [plan.convert("t", Headers(shared)) for _ in range(100)]
    assert calls == ["__debezium.context.a", "__debezium.context.b", "__debezium.context.c", "__debezium.context.d"]
    assert pairs[99] == [(f"__debezium.context.{n}", n.encode()) for n in "abcd"]


class _Counting(HeaderConverter):
    """Not pure: a header's bytes change from call to call."""

    def __init__(self) -> None:
        self.calls = 0

    def configure(self, configs: dict[str, Any]) -> None:
        """Nothing to configure."""

    def from_connect_header(self, topic: str, header_key: str, schema: Any, value: Any) -> bytes | None:
        self.calls += 1
        return str(self.calls).encode()

    def to_connect_header(self, topic: str, header_key: str, value: bytes | None) -> Any:
        raise NotImplementedError


class _Subclass(SimpleHeaderConverter):
    """A subclass of a pure converter may convert otherwise."""


def test_only_shipped_pure_converters_are_cached() -> None:
    """A user's converter, or a subclass of ours, gets the reference; the default (SimpleHeaderConverter) the cache."""
    assert type(header_plan(_Counting())) is HeaderBytes
    assert type(header_plan(_Subclass())) is HeaderBytes
    assert type(header_plan(ConverterSet.from_config({}).header)) is CachedHeaderBytes
    counting = _Counting()
    plan, header = header_plan(counting), Header("k", STRING_SCHEMA, "v")
    assert [plan.convert("t", Headers([header])) for _ in range(2)] == [[("k", b"1")], [("k", b"2")]]


def test_bytes_headers_as_read_are_written_as_the_reference_writes_them() -> None:
    """ByteArrayConverter's plan writes unread ``BytesHeaders`` as their pairs, which are the bytes the reference
    writes header by header (random pairs: nulls, empty and binary values, keys repeating); read or changed
    headers, and plain ones, go through the converter as before."""
    rng = random.Random(7)
    converter = ByteArrayConverter()
    plan, reference = header_plan(converter), HeaderBytes(converter)
    assert type(plan) is PassThroughHeaderBytes
    for _ in range(2000):
        pairs = [(f"k{rng.randint(0, 3)}", rng.choice([None, b"", rng.randbytes(rng.randint(1, 20))]))
                 for _ in range(rng.randint(1, 5))]
        unread, read = BytesHeaders(list(pairs)), BytesHeaders(list(pairs))
        assert _convert(plan, unread) is unread.pairs()  # the pairs themselves, no Header made
        assert _convert(reference, read) == pairs and read.pairs() is None
        changed = BytesHeaders(list(pairs)).add("more", b"x", BYTES_SCHEMA)
        assert _convert(plan, changed) == _convert(reference, changed) == [*pairs, ("more", b"x")]
    assert _convert(plan, Headers().add("s", "text", STRING_SCHEMA)) is DataError  # not bytes: refused as before
