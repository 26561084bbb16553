"""JsonConverter's schemaless fast path (``jackson_json``) against its exact writer, and ``data_json.to_json_text``
against JsonConverter with ``schemas.enable=false``: the same bytes or the same error, on randomised values."""

from __future__ import annotations

import datetime as dt
import decimal
import random
from typing import Any

import pytest

from connect_core.api.data_json import to_json_array, to_json_text
from connect_core.api.errors import DataError
from connect_core.api.logical import Date, Decimal, Time, Timestamp
from connect_core.api.schema import (
    BOOLEAN_SCHEMA,
    BYTES_SCHEMA,
    FLOAT32_SCHEMA,
    FLOAT64_SCHEMA,
    INT8_SCHEMA,
    INT16_SCHEMA,
    INT32_SCHEMA,
    INT64_SCHEMA,
    STRING_SCHEMA,
    Schema,
    SchemaBuilder,
)
from connect_core.api.struct import Struct
from connect_core.converters.json import JsonConverter
from tests.unit.api.test_jackson_json import _double, _string, _value


def _converter(**config: str) -> JsonConverter:
    converter = JsonConverter()
    converter.configure(config, is_key=False)
    return converter


def _outcome(write: Any) -> tuple[str, Any]:
    try:
        return ("bytes", write())
    except (DataError, TypeError, UnicodeEncodeError, RecursionError) as e:
        return (type(e).__name__, str(e))


@pytest.mark.parametrize(("seed", "schemas"), [(seed, schemas) for seed in range(3) for schemas in ("false", "true")])
def test_schemaless_values_give_the_exact_writers_bytes_or_its_error(seed: int, schemas: str) -> None:
    rng = random.Random(seed)
    converter = _converter(**{"schemas.enable": schemas})
    for _ in range(2000):
        value = _value(rng)
        if value is None:  # a tombstone: no bytes (asserted below)
            continue
        ours = _outcome(lambda value=value: converter.from_connect_data("t", None, value))
        exact = _outcome(lambda value=value: converter._from_connect_exact(None, value))
        assert ours == exact, value
    assert converter.from_connect_data("t", None, None) is None


def _field(rng: random.Random, depth: int) -> tuple[Schema, Any]:
    kind = rng.randrange(14 if depth < 2 else 11)
    if kind == 0:
        return rng.choice([INT8_SCHEMA, INT16_SCHEMA, INT32_SCHEMA]), rng.randint(-128, 127)
    if kind == 1:
        return INT64_SCHEMA, rng.randint(-(2**63), 2**63 - 1)
    if kind == 2:
        return FLOAT32_SCHEMA, _double(rng)
    if kind == 3:
        return FLOAT64_SCHEMA, _double(rng)
    if kind == 4:
        return BOOLEAN_SCHEMA, rng.random() < 0.5
    if kind == 5:
        text = _string(rng).replace("\ud800", "")
        return STRING_SCHEMA, text
    if kind == 6:
        return BYTES_SCHEMA, rng.randbytes(rng.randint(0, 6))
    if kind == 7:
        scale = rng.randint(0, 4)
        unscaled = rng.randint(-(10**20), 10**20)
        return Decimal.schema(scale), decimal.Decimal(unscaled).scaleb(-scale)
    if kind == 8:
        return Timestamp.schema(), dt.datetime(2024, 1, 2, tzinfo=dt.UTC) + dt.timedelta(
            milliseconds=rng.randint(-(10**12), 10**12))
    if kind == 9:
        return Date.schema(), dt.date(1970, 1, 1) + dt.timedelta(days=rng.randint(-30000, 30000))
    if kind == 10:
        return Time.schema(), dt.time(rng.randint(0, 23), rng.randint(0, 59), 0, rng.randint(0, 999) * 1000)
    if kind == 11:
        element, _ = _field(rng, depth + 1)
        schema = SchemaBuilder.array(element).build()
        return schema, _field_value(rng, schema)
    if kind == 12:
        key = rng.choice([STRING_SCHEMA, INT32_SCHEMA])
        inner, _ = _field(rng, depth + 1)
        schema = SchemaBuilder.map(key, inner).build()
        return schema, _field_value(rng, schema)
    schema = _struct_schema(rng, depth + 1)
    return schema, _struct_value(rng, schema)


def _field_value(rng: random.Random, schema: Schema) -> Any:
    """A fresh random value of ``schema`` (primitives and logical types: drawn until one of that schema comes out)."""
    kind = schema.type.name
    if kind == "STRUCT":
        return _struct_value(rng, schema)
    if kind == "ARRAY":
        return [_field_value(rng, schema.value_schema) for _ in range(rng.randint(0, 3))]  # type: ignore[arg-type]
    if kind == "MAP":
        return {_field_value(rng, schema.key_schema): _field_value(rng, schema.value_schema)  # type: ignore[arg-type]
                for _ in range(rng.randint(0, 3))}
    while True:
        candidate, value = _field(rng, 2)
        if candidate.type is schema.type and candidate.name == schema.name and \
                candidate.parameters == schema.parameters:
            return value


def _struct_schema(rng: random.Random, depth: int) -> Schema:
    builder = SchemaBuilder.struct()
    for i in range(rng.randint(1, 6)):
        schema, _ = _field(rng, depth)
        if rng.random() < 0.3:  # optional, sometimes with a default (replace.null.with.default)
            copy = SchemaBuilder(schema.type).optional() if schema.name is None and schema.type.name not in (
                "ARRAY", "MAP", "STRUCT") else None
            if copy is not None:
                schema = copy.default_value(_field_value(rng, schema)).build() if rng.random() < 0.5 \
                    else copy.build()
        builder.field(f"f{i}", schema)
    return builder.build()


def _struct_value(rng: random.Random, schema: Schema) -> Struct:
    struct = Struct(schema)
    for field in schema.fields:
        if field.schema.optional and rng.random() < 0.4:
            continue
        struct.put(field, _field_value(rng, field.schema))
    return struct


@pytest.mark.parametrize(("seed", "decimal_format"), [(s, f) for s in range(3) for f in ("BASE64", "NUMERIC")])
def test_to_json_text_is_json_converters_text(seed: int, decimal_format: str) -> None:
    rng = random.Random(seed)
    for replace_null in (True, False):
        converter = _converter(**{"schemas.enable": "false", "decimal.format": decimal_format,
                                  "replace.null.with.default": str(replace_null).lower()})
        for _ in range(150):
            schema = _struct_schema(rng, 0)
            values = [_struct_value(rng, schema) for _ in range(3)]
            texts = []
            for value in values:
                text = to_json_text(schema, value, decimal_format=decimal_format,  # type: ignore[arg-type]
                                    replace_null_with_default=replace_null)
                assert text.encode("utf-8") == converter.from_connect_data("t", schema, value), value
                texts.append(text)
            array = to_json_array([(schema, value) for value in values],
                                  decimal_format=decimal_format,  # type: ignore[arg-type]
                                  replace_null_with_default=replace_null)
            assert array == "[" + ",".join(texts) + "]"
