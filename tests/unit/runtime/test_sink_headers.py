"""The sink's header plans: the cache of a pure converter gives the reference's headers (and errors) record for
record, converts a shared pair once, keeps no mutable value, and stops caching when every record brings new ones."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

import pytest

from connect_core.api.consumed_record import ConsumedRecord
from connect_core.api.errors import DataError
from connect_core.converters.byte_array import ByteArrayConverter
from connect_core.converters.simple_header import SimpleHeaderConverter
from connect_core.converters.string import StringConverter
from connect_core.runtime import sink_headers, source_headers
from connect_core.runtime.converter_set import ConverterSet
from connect_core.runtime.sink_headers import CachedConnectHeadersOf, ConnectHeadersOf, headers_plan

if TYPE_CHECKING:
    from connect_core.api.converter import HeaderConverter

# header bytes as topics carry them: Debezium's context, numbers, booleans, JSON-ish lists and maps (mutable values
# under SimpleHeaderConverter), dates, empty, not UTF-8, nulls
_RAW: list[bytes | None] = [
    b"postgresql", b"0", b"bench-pgours-abc", b"5f0c3d1e-2b4a-4c8e-9f00-0123456789ab", b"42", b"-1.5", b"true",
    b"[1,2,3]", b"{\"k\":\"v\"}", b"2024-01-01", b"12:30:00", b"", b"\xff\xfe not utf-8", b"caf\xc3\xa9", None,
    b"9223372036854775808", b"1e400",
]


def _converters() -> list[HeaderConverter]:
    utf16 = StringConverter()
    utf16.configure({"converter.encoding": "UTF-16"})
    return [SimpleHeaderConverter(), StringConverter(), utf16, ByteArrayConverter()]


def _record(pairs: list[tuple[str, bytes | None]], offset: int = 0) -> ConsumedRecord:
    return ConsumedRecord("topic", 0, offset, 1_700_000_000_000, "CreateTime", b"k", b"v", pairs)


def _read(plan: ConnectHeadersOf, record: ConsumedRecord) -> Any:
    """Each header's key, schema and value (or the class of what the plan raised)."""
    try:
        return [(h.key, h.schema, h.value) for h in plan(record)]
    except Exception as error:  # compared between plans: both refuse alike
        return type(error)


@pytest.mark.parametrize("converter", _converters(), ids=lambda c: type(c).__name__)
def test_the_cache_gives_the_reference_headers_over_random_records(converter: HeaderConverter) -> None:
    """Records drawing from a pool of shared pairs and fresh ones, keys repeating within a record: the same headers
    as every pair converted afresh; a list or map a record's header holds is that record's own."""
    rng = random.Random(42)
    pool = [(f"k{i % 5}", raw) for i, raw in enumerate(_RAW)]
    cached, reference = headers_plan(converter), ConnectHeadersOf(converter)
    assert type(cached) is CachedConnectHeadersOf
    for offset in range(3000):
        pairs = [rng.choice(pool) for _ in range(rng.randint(1, 6))]
        if rng.random() < 0.3:
            pairs.append(("fresh", rng.randbytes(rng.randint(0, 8))))
        record = _record(pairs, offset)
        got = cached(record)
        assert _read(cached, record) == _read(reference, record)
        for header in got:  # changing a mutable value in place changes no other record's header
            if isinstance(header.value, list):
                header.value.append("changed")
            elif isinstance(header.value, dict):
                header.value["changed"] = True


def test_a_failing_conversion_fails_every_record_and_is_never_cached(monkeypatch: pytest.MonkeyPatch) -> None:
    """A converter that refuses some bytes raises on each record that carries them, as the reference does."""
    converter = SimpleHeaderConverter()
    convert = converter.to_connect_header

    def refusing(topic: str, key: str, value: bytes | None) -> Any:
        if value == b"bad":
            raise DataError(f"refused header {key}")
        return convert(topic, key, value)

    monkeypatch.setattr(converter, "to_connect_header", refusing)
    plan = headers_plan(converter)
    for _ in range(3):
        with pytest.raises(DataError, match="refused header b"):
            plan(_record([("a", b"1"), ("b", b"bad")]))
    assert [(h.key, h.value) for h in plan(_record([("a", b"1")]))] == [("a", 1)]


def test_shared_pairs_are_converted_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Debezium's four context headers on every record: each converted on its first record only."""
    converter = SimpleHeaderConverter()
    calls: list[str] = []
    convert = converter.to_connect_header

    def counted(topic: str, key: str, value: bytes | None) -> Any:
        calls.append(key)
        return convert(topic, key, value)

    monkeypatch.setattr(converter, "to_connect_header", counted)
    pairs = [(f"__debezium.context.{name}", name.encode()) for name in ("a", "b", "c", "d")]
    plan = headers_plan(converter)
    read = [plan(_record(list(pairs), offset)) for offset in range(100)]
    assert calls == [key for key, _ in pairs]
    assert [(h.key, h.value) for h in read[99]] == [(key, raw.decode()) for key, raw in pairs]
    read[0].add("more", "x")  # each record's Headers is its own
    assert len(read[0]) == 5 and len(read[1]) == 4


def test_caching_stops_when_every_record_brings_new_values(monkeypatch: pytest.MonkeyPatch) -> None:
    """A trace id a record: after a fill of the cache found none again, every pair goes through the converter."""
    monkeypatch.setattr(sink_headers, "CACHE_SIZE", 8)
    converter = SimpleHeaderConverter()
    plan = headers_plan(converter)
    assert isinstance(plan, CachedConnectHeadersOf)
    for i in range(20):
        record = _record([("trace-id", b"%016x" % i)], i)
        assert _read(plan, record) == _read(ConnectHeadersOf(converter), record)
    assert not plan._caching


def test_pairs_that_are_not_tuples_of_bytes_take_the_reference() -> None:
    """A pair given as a list, or a value as a bytearray, cannot be a key: the reference converts it."""
    plan = headers_plan(ByteArrayConverter())
    record = ConsumedRecord("t", 0, 0, None, "CreateTime", None, None, [["a", b"1"], ("b", bytearray(b"2"))])  # type: ignore[list-item]
    assert _read(plan, record) == _read(ConnectHeadersOf(ByteArrayConverter()), record)


class _Subclass(SimpleHeaderConverter):
    """A subclass of a pure converter may convert otherwise."""


def test_only_shipped_pure_converters_are_cached() -> None:
    assert source_headers.PURE_HEADER_CONVERTERS  # the one list both sides read
    assert type(headers_plan(_Subclass())) is ConnectHeadersOf
    assert type(headers_plan(ConverterSet.from_config({}).header)) is CachedConnectHeadersOf
    assert _read(headers_plan(_Subclass()), _record([])) == []
