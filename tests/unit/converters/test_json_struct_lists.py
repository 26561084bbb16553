"""JsonConverter.from_connect_values on ``StructLists`` (values given as lists of their field values, nested structs
as lists too: a CDC task's runs) against the reference, ``from_connect_data`` of the struct each list stands for:
the same bytes, or the same error, for every shape, setting and bad value; ordinary rows never take the reference."""

from __future__ import annotations

import datetime as dt
import decimal
import random
from typing import Any

import pytest

from connect_core.api.errors import DataError
from connect_core.api.logical import Date, Decimal, Timestamp
from connect_core.api.schema import (
    FLOAT64_SCHEMA,
    INT64_SCHEMA,
    OPTIONAL_INT64_SCHEMA,
    OPTIONAL_STRING_SCHEMA,
    STRING_SCHEMA,
    Schema,
    SchemaBuilder,
)
from connect_core.api.struct import StructLists
from connect_core.converters.json import JsonConverter
from tests.unit.converters.test_json_compiled import DOUBLES, TRICKY_STRINGS

ROW = (SchemaBuilder.struct().name("db.t.Value").optional()
       .field("id", INT64_SCHEMA)
       .field("name", OPTIONAL_STRING_SCHEMA)
       .field("price", Decimal.builder(2).optional().build())
       .field("score", SchemaBuilder.float64().optional().build())
       .field("at", Timestamp.builder().optional().build())
       .field("day", Date.builder().optional().build())
       .field("qty", SchemaBuilder.int32().default_value(7).build())
       .field("tags", SchemaBuilder.array(STRING_SCHEMA).optional().build())
       .build())
SOURCE = (SchemaBuilder.struct().name("io.debezium.connector.mysql.Source")
          .field("db", STRING_SCHEMA).field("row", SchemaBuilder.int32().optional().build())
          .field("pos", INT64_SCHEMA).field("query", OPTIONAL_STRING_SCHEMA).build())
TRANSACTION = (SchemaBuilder.struct().name("event.block").optional().field("id", STRING_SCHEMA)
               .field("total_order", INT64_SCHEMA).build())
ENVELOPE = (SchemaBuilder.struct().name("db.t.Envelope").version(2)
            .field("before", ROW).field("after", ROW).field("source", SOURCE).field("transaction", TRANSACTION)
            .field("op", STRING_SCHEMA).field("ts_ms", OPTIONAL_INT64_SCHEMA).field("ts_us", OPTIONAL_INT64_SCHEMA)
            .build())
KEY = SchemaBuilder.struct().name("db.t.Key").field("id", INT64_SCHEMA).build()
SETTINGS = [{"schemas.enable": schemas, "decimal.format": decimals, "replace.null.with.default": replace}
            for schemas in ("true", "false") for decimals in ("BASE64", "NUMERIC") for replace in ("true", "false")]


def _converter(settings: dict[str, str]) -> JsonConverter:
    converter = JsonConverter()
    converter.configure(settings, False)
    return converter


def _written(write: Any, *args: Any) -> tuple[str, Any]:
    """``write(*args)``'s bytes, or its error (a malformed list fails as its struct does, whatever the error)."""
    try:
        return "ok", write(*args)
    except Exception as error:
        return "error", f"{type(error).__name__}: {error}"


def _each(converter: JsonConverter, schema: Schema, values: StructLists) -> list[bytes | None]:
    return [converter.from_connect_data("t", schema, value) for value in values]


def _assert_as_the_structs(schema: Schema, lists: list[list[Any] | None]) -> None:
    for settings in SETTINGS:
        values = StructLists(schema, lists)
        reference = _converter(settings)
        expected = _written(_each, reference, schema, values)
        converter = _converter(settings)
        assert _written(converter.from_connect_values, "t", schema, values) == expected, settings
        assert _written(converter.from_connect_values, "t", schema, values) == expected, settings  # cached


def _row(rng: random.Random) -> list[Any]:
    return [rng.randrange(-2**63, 2**63), rng.choice([None, *TRICKY_STRINGS]),
            rng.choice([None, decimal.Decimal("12.34"), decimal.Decimal("-0.01"), decimal.Decimal("1E+5"),
                        decimal.Decimal("1.234")]),
            rng.choice([None, *DOUBLES]), rng.choice([None, dt.datetime(2024, 1, 2, 3, 4, 5, 6000, tzinfo=dt.UTC),
                                                      dt.datetime(1969, 12, 31, 23, 59)]),
            rng.choice([None, dt.date(2024, 2, 29), dt.date(1, 1, 1)]), rng.choice([None, 0, -2**31, 2**31 - 1]),
            rng.choice([None, [], ["a", "ü😀"]])]


def _envelope(rng: random.Random) -> list[Any]:
    before, after = rng.choice([(None, _row(rng)), (_row(rng), _row(rng)), (_row(rng), None)])
    transaction = rng.choice([None, ["tx-1", 3]])
    source = ["inventory", rng.randrange(0, 5), rng.randrange(4, 10**9), rng.choice([None, "q \\ \"x\""])]
    return [before, after, source, transaction, rng.choice(["c", "u", "d", "r"]),
            rng.choice([None, 1_700_000_000_000]), 1_700_000_000_000_000]


@pytest.mark.parametrize("seed", range(12))
def test_random_change_events_are_written_as_their_structs(seed: int) -> None:
    rng = random.Random(seed)
    _assert_as_the_structs(ENVELOPE, [rng.choice([None, _envelope(rng), _envelope(rng)]) for _ in range(25)])
    _assert_as_the_structs(KEY, [[rng.randrange(-2**63, 2**63)] for _ in range(10)])


@pytest.mark.parametrize("bad", [
    pytest.param(lambda e: e.__setitem__(4, None), id="required-null"),
    pytest.param(lambda e: e.__setitem__(2, ["inventory", 1]), id="short-nested-list"),
    pytest.param(lambda e: e.__setitem__(1, "not a list"), id="not-a-list-in-a-struct-field"),
    pytest.param(lambda e: e.__setitem__(5, "not an int"), id="a-value-of-another-type"),
    pytest.param(lambda e: e[1].__setitem__(0, 2**70), id="an-int-out-of-range"),
    pytest.param(lambda e: e[1].__setitem__(1, "lone \ud800"), id="a-lone-surrogate"),
    pytest.param(lambda e: e[1].__setitem__(3, 1e300), id="a-double-java-prints-otherwise"),
])
def test_a_list_the_plan_cannot_write_is_written_or_refused_as_its_struct(bad: Any) -> None:
    rng = random.Random(7)
    events = [_envelope(rng) for _ in range(4)]
    events[2][1] = events[2][1] or _row(rng)
    bad(events[2])
    _assert_as_the_structs(ENVELOPE, events)


def test_ordinary_rows_are_written_from_the_lists_without_a_struct() -> None:
    rng = random.Random(3)
    events = [_envelope(rng) for _ in range(50)]
    for event in events:
        for image in event[:2]:
            if image is not None:
                # no escape, a decimal of the schema's scale, a double in the plain range, a required field set
                image[1:4], image[6:8] = ["plain", decimal.Decimal("12.34"), 1.5], [5, ["a"]]
    for settings in SETTINGS:
        converter = _converter(settings)
        expected = [_converter(settings).from_connect_data("t", ENVELOPE, value) for value in StructLists(ENVELOPE,
                                                                                                          events)]

        def refused(*_args: Any) -> bytes:
            raise AssertionError("the reference path was taken")

        converter.from_connect_data = refused  # type: ignore[method-assign]
        assert converter._from_struct_lists("t", ENVELOPE, StructLists(ENVELOPE, events)) == expected


def test_lists_of_another_schema_and_other_sequences_take_the_reference() -> None:
    other = SchemaBuilder.struct().name("other").field("id", INT64_SCHEMA).field("x", FLOAT64_SCHEMA).build()
    lists = [[1, 0.5], [2, 1e10]]
    converter = _converter({"schemas.enable": "true"})
    values = StructLists(other, lists)
    assert converter.from_connect_values("t", other, values) == [
        _converter({"schemas.enable": "true"}).from_connect_data("t", other, value) for value in values]
    with pytest.raises(DataError):  # the lists are read as the struct they stand for, against the schema given
        converter.from_connect_values("t", KEY, values)
