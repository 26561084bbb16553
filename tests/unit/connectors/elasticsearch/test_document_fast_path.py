"""The compiled struct-document path and orjson writer must send what ``to_json_data`` + ``json.dumps`` sent."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import math
from typing import Any

import pytest

from connect_core.api import SchemaBuilder, SinkRecord, Struct
from connect_core.api.config import parse_config
from connect_core.api.data_json import to_json_data
from connect_core.api.logical import Date, Decimal, Time, Timestamp
from connect_core.api.schema import (
    BOOLEAN_SCHEMA,
    BYTES_SCHEMA,
    FLOAT32_SCHEMA,
    FLOAT64_SCHEMA,
    INT8_SCHEMA,
    INT32_SCHEMA,
    INT64_SCHEMA,
    STRING_SCHEMA,
)
from connect_core.connectors.elasticsearch._document import DocumentBuilder, _dumps
from connect_core.connectors.elasticsearch.config import ElasticsearchSinkConfig

FLAT = (
    SchemaBuilder.struct().name("flat")
    .field("i8", INT8_SCHEMA).field("i64", INT64_SCHEMA).field("f32", FLOAT32_SCHEMA).field("f64", FLOAT64_SCHEMA)
    .field("flag", BOOLEAN_SCHEMA).field("text", STRING_SCHEMA).field("raw", BYTES_SCHEMA)
    .field("amount", Decimal.schema(2)).field("at", Timestamp.schema()).field("day", Date.schema())
    .field("tod", Time.schema())
    .field("opt", SchemaBuilder.string().optional().build())
    .field("dflt", SchemaBuilder.int32().optional().default_value(5).build())
    .build()
)
NESTED = (
    SchemaBuilder.struct()
    .field("id", INT32_SCHEMA)
    .field("scores", SchemaBuilder.array(FLOAT64_SCHEMA).build())
    .field("tags", SchemaBuilder.map(STRING_SCHEMA, INT64_SCHEMA).optional().build())
    .build()
)


def _flat(**overrides: Any) -> Struct:
    values = {"i8": -3, "i64": 2**63 - 1, "f32": 0.5, "f64": 1e16, "flag": True, "text": "héllo \u2028 \"q\" \x01",
              "raw": b"\x00\xff", "amount": decimal.Decimal("12.30"),
              "at": dt.datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=dt.UTC), "day": dt.date(2024, 1, 2),
              "tod": dt.time(3, 4, 5), "opt": None, "dflt": None, **overrides}
    struct = Struct(FLAT)
    for name, value in values.items():
        struct.put(name, value)
    return struct


def _config(**props: str) -> ElasticsearchSinkConfig:
    return parse_config(ElasticsearchSinkConfig, {"connection.url": "http://localhost:9200", "key.ignore": "true",
                                                  **props})


def _expected_body(struct: Struct, config: ElasticsearchSinkConfig) -> bytes:
    """What the sink sent before the compiled path: to_json_data of the whole struct, then json.dumps."""
    document = to_json_data(struct.schema, struct, decimal_format="NUMERIC",
                            string_maps_as_objects=config.compact_map_entries, map_entry="object")
    return _dumps(document)


def _body(struct: Struct, config: ElasticsearchSinkConfig) -> bytes:
    action = DocumentBuilder(config).build(SinkRecord("t", 0, None, None, struct.schema, struct, 9))
    assert action is not None
    return action.lines.split(b"\n")[1]


@pytest.mark.parametrize("overrides", [
    {}, {"f64": 0.1}, {"f64": -2.5e-7}, {"f32": 3.0}, {"amount": decimal.Decimal("-0.01")}, {"opt": "x"},
    {"dflt": 7}, {"text": ""},
])
def test_flat_struct_documents_mean_the_same_json(overrides: dict[str, Any]) -> None:
    config = _config()
    struct = _flat(**overrides)
    body, expected = _body(struct, config), _expected_body(struct, config)
    assert json.loads(body) == json.loads(expected)
    assert list(json.loads(body)) == list(json.loads(expected))  # same key order


def test_without_exponent_floats_the_bytes_are_the_same() -> None:
    config = _config()
    struct = _flat(f64=123.25)
    assert _body(struct, config) == _expected_body(struct, config)


@pytest.mark.parametrize("special", [math.nan, math.inf, -math.inf])
def test_non_finite_floats_keep_the_json_modules_spelling(special: float) -> None:
    config = _config()
    struct = _flat(f64=special)
    assert _body(struct, config) == _expected_body(struct, config)


def test_nested_values_and_big_ints_take_the_json_module() -> None:
    config = _config()
    struct = Struct(NESTED).put("id", 1).put("scores", [1.5, math.nan]).put("tags", {"a": 1})
    assert _body(struct, config) == _expected_body(struct, config)


def test_upsert_and_external_versions_keep_their_action_lines() -> None:
    config = _config(**{"key.ignore": "false", "write.method": "UPSERT"})
    struct = _flat()
    action = DocumentBuilder(config).build(SinkRecord("t", 0, STRING_SCHEMA, "k", FLAT, struct, 9))
    assert action is not None
    meta, body = (json.loads(line) for line in action.lines.split(b"\n")[:2])
    assert meta == {"update": {"_index": "t", "_id": "k", "retry_on_conflict": 5}}
    assert body == {"doc": json.loads(_expected_body(struct, config)), "doc_as_upsert": True}


SCALARS = (
    SchemaBuilder.struct().name("scalars")
    .field("i8", INT8_SCHEMA).field("i64", INT64_SCHEMA).field("f32", FLOAT32_SCHEMA).field("f64", FLOAT64_SCHEMA)
    .field("flag", BOOLEAN_SCHEMA).field("text", STRING_SCHEMA)
    .field("amount", Decimal.builder(2).optional().build()).field("at", Timestamp.builder().optional().build())
    .field("day", Date.builder().optional().build()).field("tod", Time.builder().optional().build())
    .field("opt", SchemaBuilder.string().optional().build())
    .field("dflt", SchemaBuilder.int32().optional().default_value(5).build())
    .field("req", SchemaBuilder.int32().build())
    .build()
)
_BASE: dict[str, Any] = {"i8": 1, "i64": 7, "f32": 0.5, "f64": 123.25, "flag": False, "text": "x",
                         "amount": decimal.Decimal("1.05"), "at": dt.datetime(2024, 5, 6, 7, 8, 9, 123456),
                         "day": dt.date(2024, 5, 6), "tod": dt.time(1, 2, 3, 4000), "opt": None, "dflt": None, "req": 3}
_VARIANTS: list[dict[str, Any]] = [
    {}, {"opt": "y", "dflt": 9}, {"amount": None, "at": None, "day": None, "tod": None},
    {"amount": decimal.Decimal("-123456789012345678.99")}, {"amount": decimal.Decimal("NaN")},
    {"amount": decimal.Decimal("1.5")}, {"amount": decimal.Decimal("1E+3")}, {"amount": 3},
    {"at": dt.datetime(1969, 12, 31, 23, 59, 59, 999500)}, {"at": dt.datetime(2024, 1, 1, tzinfo=dt.UTC)},
    {"at": dt.datetime(2024, 1, 1, 5, tzinfo=dt.timezone(dt.timedelta(hours=-3)))}, {"at": 5},
    {"day": dt.date(1900, 2, 28)}, {"day": dt.datetime(2024, 1, 1, 12)}, {"f64": math.nan}, {"f32": -math.inf},
    {"f64": 1e-7}, {"f64": 1e300}, {"f64": 2}, {"i64": 2**64}, {"i64": True}, {"i8": 1.0}, {"flag": 1},
    {"text": "\ud800 lone"}, {"text": "é\u2028\"\\\x00"}, {"text": b"bytes"}, {"req": None},
]


def _record(values: dict[str, Any], key: Any = "key-1", version: str = "7") -> SinkRecord:
    struct = Struct(SCALARS)
    for name, value in values.items():
        struct._values[SCALARS.field(name).index] = value  # as a converter or SMT may leave them, unvalidated
    record = SinkRecord("topic", 2, STRING_SCHEMA, key, SCALARS, struct, 41)
    record.headers.add("v", version)
    return record


def _outcome(builder: DocumentBuilder, record: SinkRecord) -> Any:
    try:
        action = builder.build(record)
    except Exception as error:  # the same error as the reference path, or the same bytes
        return type(error), str(error)
    return action.lines if action is not None else None


@pytest.mark.parametrize("props", [{}, {"write.method": "UPSERT"}, {"key.ignore": "false"},
                                   {"key.ignore": "false", "external.version.header": "v"},
                                   {"data.stream.type": "LOGS", "data.stream.dataset": "d"}])
def test_generated_writer_gives_the_per_field_paths_bytes_record_by_record(
        props: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """The generated struct writer against the per-field reference path (the writer switched off), byte for byte:
    nulls, defaults, wrong types, non-finite and huge numbers, surrogates, naive and zoned timestamps, odd ids and
    external versions, data streams."""
    config = _config(**props)
    records = [_record({**_BASE, **variant}) for variant in _VARIANTS]
    records += [_record(_BASE, key, version) for key, version in [
        ("\ud800", "7"), ("é \" \\ \u2028", "-3"), (12, "18446744073709551617"), ("k", "9223372036854775807")]]
    fast = [_outcome(DocumentBuilder(config), r) for r in records]
    monkeypatch.setattr("connect_core.connectors.elasticsearch._document._compile_writer", lambda schema: None)
    reference = [_outcome(DocumentBuilder(config), r) for r in records]
    assert fast == reference
    assert sum(isinstance(o, bytes) for o in fast) >= 20  # most write; a wrong type, surrogate or null may raise


def test_the_generated_writer_takes_the_flat_schemas_only() -> None:
    from connect_core.connectors.elasticsearch._document import _compile_writer

    assert _compile_writer(SCALARS) is not None
    assert _compile_writer(FLAT) is None  # a BYTES field: the per-field path for the whole schema
    assert _compile_writer(NESTED) is None
    write = _compile_writer(SCALARS)
    assert write is not None
    assert write(_record({**_BASE, "req": None}).value.values()) is None  # required null: the reference raises


def test_the_generated_writer_declines_values_of_another_length_and_required_nulls() -> None:
    from connect_core.connectors.elasticsearch._document import _compile_writer

    write = _compile_writer(SCALARS)
    assert write is not None
    base = {**_BASE, "dflt": 7}  # a null with a default takes the per-field path
    values = _record(base).value.values()
    assert write(values) is not None
    assert write(values[:-1]) is None and write([*values, 1]) is None  # the reference path decides
    for name in ("i8", "i64", "f32", "f64", "flag", "text", "req"):  # required: the exact type check rejects None
        assert write(_record({**base, name: None}).value.values()) is None
